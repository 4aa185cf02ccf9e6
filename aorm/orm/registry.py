"""The class registry of a declarative base, and mapper configuration.

Each declarative base has one :class:`Registry`: its ``MetaData``, its mapped
classes by name (so relationships can name their targets as strings), and
the step that finishes the mappers (:meth:`Registry.configure`): resolving
string targets, computing join conditions, creating backrefs and checking
``back_populates`` pairs. It runs on first instantiation, when the session
first uses a class, or through :func:`configure_mappers`.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from aorm.exc import MappingError
from aorm.sql.elements import ColumnElement, coerce_element
from aorm.sql.schema import Column, MetaData, Table

if TYPE_CHECKING:
    from aorm.orm.mapper import Mapper

__all__ = ["Registry", "configure_mappers"]

# Every registry, so configure_mappers() can reach them all; weak so that a
# declarative base that is no longer used (a test's, say) goes away.
_registries: weakref.WeakSet[Registry] = weakref.WeakSet()

_ORDER_SUFFIX = re.compile(r"^(?P<ref>.+?)(?:\.(?P<m>desc|asc)\(\)|\s+(?P<w>desc|asc))?$", re.I)


class Registry:
    """The mapped classes of one declarative base and the ``MetaData`` of their tables."""

    def __init__(self, metadata: MetaData | None = None) -> None:
        #: The tables of the classes mapped in this registry.
        self.metadata = metadata if metadata is not None else MetaData()
        #: Every mapper, in the order the classes were mapped.
        self.mappers: list[Mapper[Any]] = []
        self._by_name: dict[str, list[type[Any]]] = {}
        self._configured = True
        self._configuring = False
        _registries.add(self)

    # -- classes -----------------------------------------------------------

    def add(self, mapper: Mapper[Any]) -> None:
        """Register a newly mapped class (called by the declarative scan)."""
        cls = mapper.class_
        self.mappers.append(mapper)
        for name in (cls.__name__, f"{cls.__module__}.{cls.__qualname__}"):
            found = self._by_name.setdefault(name, [])
            # A class defined again under the same qualified name replaces the old one.
            found[:] = [
                c
                for c in found
                if (c.__module__, c.__qualname__) != (cls.__module__, cls.__qualname__)
            ]
            found.append(cls)
        self._configured = False

    def remove(self, mapper: Mapper[Any]) -> None:
        """Forget a mapper (of a class whose mapping failed half way)."""
        self.mappers = [m for m in self.mappers if m is not mapper]
        for found in self._by_name.values():
            found[:] = [c for c in found if c is not mapper.class_]

    def classes(self) -> list[type[Any]]:
        """The mapped classes, in mapping order."""
        return [m.class_ for m in self.mappers]

    def resolve_class(self, name: str, *, where: str) -> type[Any]:
        """The mapped class called *name* (``"Book"`` or ``"module.Book"``)."""
        found = self._by_name.get(name.strip(), [])
        if not found:
            raise MappingError(
                f"{where}: no mapped class named {name.strip()!r} in this declarative base"
            )
        if len(found) > 1:
            raise MappingError(
                f"{where}: several mapped classes are named {name!r}; use the module-qualified "
                f"name ({', '.join(f'{c.__module__}.{c.__qualname__}' for c in found)})"
            )
        return found[0]

    # -- column references -------------------------------------------------

    def resolve_column(
        self, spec: Any, *, where: str, default: Mapper[Any] | None = None
    ) -> Column:
        """A table column from a Column, a mapped attribute, or a string.

        Strings: ``"Class.attr"``, ``"table.column"``, or ``"attr"`` of
        *default* (the mapper the string is read against).
        """
        if isinstance(spec, str):
            return self._column_from_string(spec.strip(), where=where, default=default)
        if hasattr(spec, "__clause_element__") and not isinstance(spec, Column):
            spec = coerce_element(spec)
        if isinstance(spec, Column):
            return spec
        raise MappingError(f"{where}: expected a column, an attribute or a string, not {spec!r}")

    def resolve_columns(
        self, spec: Any, *, where: str, default: Mapper[Any] | None = None
    ) -> list[Column]:
        """Like :meth:`resolve_column` for one column or a list (``"[A.x, A.y]"`` too)."""
        if isinstance(spec, str):
            text = spec.strip()
            if text.startswith(("[", "(")) and text.endswith(("]", ")")):
                text = text[1:-1]
            items: Iterable[Any] = [part for part in text.split(",") if part.strip()]
        elif isinstance(spec, Iterable) and not hasattr(spec, "__clause_element__"):
            items = spec
        else:
            items = [spec]
        return [self.resolve_column(item, where=where, default=default) for item in items]

    def resolve_order_by(
        self, spec: Any, *, where: str, default: Mapper[Any] | None
    ) -> list[ColumnElement]:
        """ORDER BY expressions from columns, attributes, expressions or strings.

        Strings: comma-separated ``"Class.attr"`` (or ``"attr"`` of the
        target), each optionally followed by ``.desc()`` / ``.asc()`` or
        `` desc`` / `` asc``.
        """
        if spec is None or spec is False:
            return []
        if callable(spec) and not hasattr(spec, "__clause_element__"):
            spec = spec()
        if isinstance(spec, str):
            result: list[ColumnElement] = []
            for part in spec.split(","):
                match = _ORDER_SUFFIX.match(part.strip())
                if match is None or not part.strip():
                    raise MappingError(f"{where}: cannot read order_by {spec!r}")
                column = self._column_from_string(match["ref"], where=where, default=default)
                direction = (match["m"] or match["w"] or "").lower()
                if direction == "desc":
                    result.append(column.desc())
                elif direction == "asc":
                    result.append(column.asc())
                else:
                    result.append(column)
            return result
        if isinstance(spec, list | tuple):
            return [
                e
                for item in spec
                for e in self.resolve_order_by(item, where=where, default=default)
            ]
        element = coerce_element(spec) if hasattr(spec, "__clause_element__") else spec
        if not isinstance(element, ColumnElement):
            raise MappingError(f"{where}: order_by takes columns or expressions, not {spec!r}")
        return [element]

    def resolve_table(self, spec: Any, *, where: str) -> Table:
        """A table from a Table or its name in this registry's MetaData."""
        if isinstance(spec, Table):
            return spec
        if isinstance(spec, str):
            table = self.metadata.tables.get(spec.strip())
            if table is None:
                raise MappingError(f"{where}: no table named {spec!r} in this declarative base")
            return table
        raise MappingError(f"{where}: secondary= takes a Table or a table name, not {spec!r}")

    def _column_from_string(self, text: str, *, where: str, default: Mapper[Any] | None) -> Column:
        owner, dot, attr = text.rpartition(".")
        if not dot:
            if default is None or attr not in default.columns:
                raise MappingError(f"{where}: unknown column {text!r}")
            return default.columns[attr]
        mapper = self._mapper_named(owner)
        if mapper is not None:
            column = mapper.columns.get(attr)
            if column is None:
                raise MappingError(
                    f"{where}: {mapper.class_.__name__} has no column attribute {attr!r}"
                )
            return column
        table = self.metadata.tables.get(owner)
        if table is not None and attr in table.c:
            return table.c[attr]
        raise MappingError(f"{where}: {text!r} names no mapped class attribute or table column")

    def _mapper_named(self, name: str) -> Mapper[Any] | None:
        found = self._by_name.get(name, [])
        if len(found) != 1:
            return None
        mapper: Mapper[Any] = found[0].__mapper__
        return mapper

    # -- configuration -----------------------------------------------------

    @property
    def configured(self) -> bool:
        """True when every mapper of this registry is configured."""
        return self._configured

    def _mark_unconfigured(self) -> None:
        self._configured = False

    def configure(self) -> None:
        """Configure every mapper of this registry (a no-op when nothing changed).

        Raises :class:`~aorm.exc.MappingError` naming the class and attribute
        of the first mistake; the registry stays unconfigured and raises the
        same error on the next attempt.
        """
        if self._configured or self._configuring:
            return
        self._configuring = True
        try:
            while True:
                pending = [
                    prop
                    for mapper in list(self.mappers)
                    for prop in list(mapper.relationships.values())
                    if not prop.configured
                ]
                if not pending:
                    break
                for prop in pending:
                    prop._configure()
                for prop in pending:
                    prop._setup_backref()
            for mapper in list(self.mappers):
                for prop in list(mapper.relationships.values()):
                    prop._link_reverse()
            for mapper in self.mappers:
                mapper._configured = True
            self._configured = True
        finally:
            self._configuring = False


def configure_mappers() -> None:
    """Configure the mappers of every declarative base (see :meth:`Registry.configure`).

    Every base is tried; the first :class:`~aorm.exc.MappingError` is raised
    after the others are configured, so one broken base does not hold back
    the rest. A session configures only the registries it uses
    (``mapper.configure()``).
    """
    first_error: MappingError | None = None
    for registry in list(_registries):
        try:
            registry.configure()
        except MappingError as exc:
            first_error = first_error or exc
    if first_error is not None:
        raise first_error
