"""SQL functions: ``func.<name>(…)``, typed where the result type is obvious."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from aorm.exc import ArgumentError
from aorm.sql import types as sqltypes
from aorm.sql.cache_key import KeyContext, type_key
from aorm.sql.compiled import Processor
from aorm.sql.elements import ClauseElement, ClauseList, ColumnElement, coerce_column
from aorm.sql.selectable import FromClause
from aorm.sql.type_inference import NULLTYPE, is_integer_type, is_null_type
from aorm.sql.types import TypeEngine

__all__ = ["Function", "FunctionGenerator", "Over", "Star", "func"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_BIGINT = sqltypes.BigInteger()
_FLOAT = sqltypes.Float()
_STRING = sqltypes.String()
_INTEGER = sqltypes.Integer()
_TIMESTAMPTZ = sqltypes.DateTime(timezone=True)
_DATE = sqltypes.Date()


def _first_arg_type(args: Sequence[ColumnElement]) -> TypeEngine:
    for arg in args:
        if not is_null_type(arg.type):
            return arg.type
    return NULLTYPE


def _avg_type(args: Sequence[ColumnElement]) -> TypeEngine:
    arg_type = _first_arg_type(args)
    return arg_type if isinstance(arg_type, sqltypes.Numeric) else _FLOAT


# Result types of well-known functions, from their arguments.
_RESULT_TYPES: dict[str, Callable[[Sequence[ColumnElement]], TypeEngine]] = {
    "count": lambda args: _BIGINT,
    "sum": _first_arg_type,
    "max": _first_arg_type,
    "min": _first_arg_type,
    "avg": _avg_type,
    "coalesce": _first_arg_type,
    "nullif": _first_arg_type,
    "abs": _first_arg_type,
    "round": _first_arg_type,
    "lower": lambda args: _STRING,
    "upper": lambda args: _STRING,
    "trim": lambda args: _STRING,
    "ltrim": lambda args: _STRING,
    "rtrim": lambda args: _STRING,
    "replace": lambda args: _STRING,
    "substr": lambda args: _STRING,
    "concat": lambda args: _STRING,
    "length": lambda args: _INTEGER,
    "char_length": lambda args: _INTEGER,
    "now": lambda args: _TIMESTAMPTZ,
    "current_timestamp": lambda args: _TIMESTAMPTZ,
    "current_date": lambda args: _DATE,
    "row_number": lambda args: _BIGINT,
    "rank": lambda args: _BIGINT,
    "dense_rank": lambda args: _BIGINT,
}


def _to_int(value: Any) -> Any:
    return None if value is None else int(value)


def _to_float(value: Any) -> Any:
    return None if value is None else float(value)


class Star(ClauseElement):
    """``*`` as a function argument (``count(*)``)."""

    __slots__ = ()
    __visit_name__ = "star"

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return "*"


class Function(ColumnElement):
    """``name(arg, …)``; its ``key`` (the result name) is the function name."""

    __visit_name__ = "function"

    def __init__(self, name: str, *args: Any, type_: TypeEngine | None = None) -> None:
        self.name = name
        self.key: str = name
        if name == "count" and not args:
            self.clauses = ClauseList([Star()])
            column_args: list[ColumnElement] = []
        else:
            column_args = [coerce_column(a) for a in args]
            self.clauses = ClauseList(column_args)
        if type_ is None:
            guess = _RESULT_TYPES.get(name.lower())
            type_ = guess(column_args) if guess is not None else NULLTYPE
        self._type = type_
        self._explicit_type = type_

    @property
    def type(self) -> TypeEngine:
        return self._type

    def over(
        self,
        *,
        partition_by: Any = None,
        order_by: Any = None,
    ) -> Over:
        """A window function call: ``name(…) OVER (PARTITION BY … ORDER BY …)``."""
        return Over(self, partition_by=partition_by, order_by=order_by)

    def result_processor_for(self, dialect: str) -> Processor | bool | None:
        """A result conversion this function needs beyond its type's, or False for none.

        PostgreSQL widens ``sum``/``avg`` of integers to ``numeric`` (a
        ``Decimal``); converting back keeps results the same on both backends.
        """
        if dialect != "postgresql":
            return False
        lowered = self.name.lower()
        if lowered == "sum" and is_integer_type(self._type):
            return _to_int
        if lowered == "avg" and isinstance(self._type, sqltypes.Float):
            return _to_float
        return False

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return ("fn", self.name, self.clauses._gen_key(ctx), type_key(self._type))

    def _from_objects(self) -> list[FromClause]:
        return self.clauses._from_objects()

    def __repr__(self) -> str:
        return f"<Function {self.name}>"


class Over(ColumnElement):
    """A window function: ``fn OVER (PARTITION BY … ORDER BY …)``."""

    __visit_name__ = "over"

    def __init__(
        self, function: Function, *, partition_by: Any = None, order_by: Any = None
    ) -> None:
        self.function = function
        self.key: str = function.name
        self.partition_by = ClauseList([coerce_column(c) for c in _as_list(partition_by)])
        self.order_by = ClauseList([coerce_column(c) for c in _as_list(order_by)])

    @property
    def type(self) -> TypeEngine:
        return self.function.type

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return (
            "over",
            self.function._gen_key(ctx),
            self.partition_by._gen_key(ctx),
            self.order_by._gen_key(ctx),
        )

    def _from_objects(self) -> list[FromClause]:
        return (
            self.function._from_objects()
            + self.partition_by._from_objects()
            + self.order_by._from_objects()
        )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


class FunctionGenerator:
    """``func.<name>(*args, type_=None)`` builds a :class:`Function` for any SQL function.

    ``func.count()`` with no argument is ``count(*)``. Names must be plain
    identifiers (they are written into the SQL as they are).
    """

    def __getattr__(self, name: str) -> Callable[..., Function]:
        if name.startswith("__"):
            raise AttributeError(name)
        if not _NAME.match(name):
            raise ArgumentError(f"{name!r} is not a valid SQL function name")

        def build(*args: Any, type_: TypeEngine | None = None) -> Function:
            return Function(name, *args, type_=type_)

        build.__name__ = name
        return build


func = FunctionGenerator()
