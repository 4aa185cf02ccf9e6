"""Reading ``Mapped[...]`` annotations: the SQL type, nullability and target they imply.

Annotations may be strings (``from __future__ import annotations``) naming
classes that are defined later; such names evaluate to placeholders that
keep the name, so a relationship target can still be found in the class
registry when mappers configure.
"""

from __future__ import annotations

import builtins
import datetime
import enum
import sys
import types
import typing
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ForwardRef

from aorm.exc import ArgumentError, MappingError
from aorm.orm.mapped import Mapped
from aorm.sql.types import (
    JSON,
    UUID,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Interval,
    LargeBinary,
    Numeric,
    String,
    Time,
    TypeEngine,
)
from aorm.sql.types import Enum as SQLEnum

__all__ = ["MappedAnnotation", "read_annotation", "sql_type_for"]

# Python type -> SQL type; looked up along the value type's MRO, so bool wins
# over int and datetime over date.
_SQL_TYPES: dict[type[Any], type[TypeEngine]] = {
    bool: Boolean,
    int: Integer,
    float: Float,
    Decimal: Numeric,
    str: String,
    bytes: LargeBinary,
    datetime.datetime: DateTime,
    datetime.date: Date,
    datetime.time: Time,
    datetime.timedelta: Interval,
    uuid.UUID: UUID,
    dict: JSON,
    list: JSON,
}


class _Forward:
    """Base of the placeholders that stand for names not defined yet."""

    __forward_name__: str = ""


class _Namespace(dict[str, Any]):
    """Class namespace for ``eval``: unknown names become :class:`_Forward` placeholders."""

    def __init__(self, module_globals: Mapping[str, Any], class_ns: Mapping[str, Any]) -> None:
        super().__init__(class_ns)
        self._globals = module_globals

    def __missing__(self, name: str) -> Any:
        if name in self._globals:
            return self._globals[name]
        if hasattr(builtins, name):
            return getattr(builtins, name)
        return type(name, (_Forward,), {"__forward_name__": name})


@dataclass(frozen=True)
class MappedAnnotation:
    """What a ``Mapped[...]`` annotation says.

    ``value_type`` is the Python type of a column's values (``None`` when
    it cannot be read); ``optional`` is True for ``X | None``;
    ``collection`` is True for ``list[X]``; ``target`` is the class, or
    class name, a relationship annotation points at.
    """

    text: str
    value_type: Any
    optional: bool
    collection: bool
    target: str | type[Any] | None


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap_optional(typing.get_args(tp)[0])
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        optional = len(args) < len(typing.get_args(tp))
        if len(args) == 1:
            return _unwrap_optional(args[0])[0], optional
        return None, optional
    return tp, False


def _target_of(tp: Any) -> str | type[Any] | None:
    if isinstance(tp, str):
        return tp.strip().strip("'\"")
    if isinstance(tp, ForwardRef):
        return tp.__forward_arg__
    if isinstance(tp, type) and issubclass(tp, _Forward):
        return tp.__forward_name__
    if isinstance(tp, type):
        return tp
    return None


def _evaluate(raw: Any, owner: type[Any]) -> Any:
    if not isinstance(raw, str):
        return raw
    module = sys.modules.get(owner.__module__)
    # Only types from the class body: an attribute such as ``date =
    # mapped_column()`` must not hide the ``date`` type of the module.
    class_types = {k: v for k, v in vars(owner).items() if isinstance(v, type)}
    namespace = _Namespace(vars(module) if module is not None else {}, class_types)
    try:
        return eval(raw, {}, namespace)
    except Exception as exc:
        raise MappingError(f"{owner.__name__}: cannot read the annotation {raw!r}: {exc}") from exc


def read_annotation(raw: Any, owner: type[Any], key: str) -> MappedAnnotation | None:
    """The meaning of annotation *raw* of ``owner.key``; None when it is not ``Mapped[...]``.

    An annotation that cannot be evaluated is an error only when it names
    ``Mapped``; any other annotation is not ours to judge.
    """
    try:
        value = _evaluate(raw, owner)
        if isinstance(value, ForwardRef):
            value = _evaluate(value.__forward_arg__, owner)
    except MappingError:
        if "Mapped" in str(raw):
            raise
        return None
    origin = typing.get_origin(value)
    if not (isinstance(origin, type) and issubclass(origin, Mapped)):
        return None
    text = raw if isinstance(raw, str) else repr(raw)
    args = typing.get_args(value)
    if not args:
        return MappedAnnotation(text, None, False, False, None)
    inner, optional = _unwrap_optional(args[0])
    inner_origin = typing.get_origin(inner)
    collection = inner_origin is list
    if collection:
        element_args = typing.get_args(inner)
        target = _target_of(_unwrap_optional(element_args[0])[0]) if element_args else None
    elif inner_origin in (set, frozenset, dict, tuple) or inner in (set, frozenset, tuple):
        target = None
    else:
        target = _target_of(inner)
    return MappedAnnotation(text, inner, optional, collection, target)


def sql_type_for(annotation: MappedAnnotation, where: str) -> TypeEngine:
    """The SQL type a column annotated *annotation* gets when ``mapped_column()`` names none."""
    value_type = annotation.value_type
    origin = typing.get_origin(value_type)
    if origin in (dict, list):
        value_type = origin
    if isinstance(value_type, type) and not issubclass(value_type, _Forward):
        if issubclass(value_type, enum.Enum):
            try:
                return SQLEnum(value_type)
            except ArgumentError as exc:
                raise MappingError(f"{where}: {exc}") from exc
        for klass in value_type.__mro__:
            found = _SQL_TYPES.get(klass)
            if found is not None:
                return found()
    raise MappingError(
        f"{where}: no SQL type for the annotation {annotation.text!r}; give mapped_column() "
        "a type (e.g. mapped_column(String(50)))"
    )
