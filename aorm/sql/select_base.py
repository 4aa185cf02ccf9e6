"""What SELECT and compound SELECT share, and the forms a SELECT takes inside others.

:class:`SelectBase` holds ORDER BY / LIMIT / OFFSET and the conversions
(``subquery()``, ``cte()``, ``scalar_subquery()``, ``exists()``, set
operations); :class:`CompoundSelect`, :class:`ScalarSubquery` and
:class:`Exists` are defined here with it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Self

from aorm._typing import ValueT
from aorm.exc import ArgumentError
from aorm.sql.cache_key import KeyContext
from aorm.sql.column_collection import ColumnCollection
from aorm.sql.elements import (
    BindParameter,
    ClauseElement,
    ColumnElement,
    Label,
    coerce_column,
    coerce_element,
)
from aorm.sql.selectable import CTE, FromClause, Subquery
from aorm.sql.statement import Executable
from aorm.sql.type_inference import BOOLEAN
from aorm.sql.types import BigInteger, TypeEngine

__all__ = [
    "CompoundSelect",
    "Exists",
    "ForUpdate",
    "ScalarSubquery",
    "SelectBase",
    "except_",
    "except_all",
    "intersect",
    "intersect_all",
    "union",
    "union_all",
    "unique_keys",
]

_LIMIT_TYPE = BigInteger()


def _count_bind(value: int | None, what: str) -> BindParameter | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ArgumentError(f"{what} must be a non-negative int or None, not {value!r}")
    return BindParameter(value, _LIMIT_TYPE)


class ForUpdate:
    """Row locking of a SELECT (``FOR UPDATE`` / ``FOR SHARE``; ignored on SQLite)."""

    __slots__ = ("nowait", "of", "read", "skip_locked")

    def __init__(
        self, *, read: bool, nowait: bool, skip_locked: bool, of: tuple[FromClause, ...]
    ) -> None:
        if nowait and skip_locked:
            raise ArgumentError("with_for_update: nowait and skip_locked exclude each other")
        self.read = read
        self.nowait = nowait
        self.skip_locked = skip_locked
        self.of = of

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return (self.read, self.nowait, self.skip_locked, tuple([f._gen_key(ctx) for f in self.of]))


class SelectBase(Executable):
    """What SELECT and compound SELECT share: ORDER BY, LIMIT, OFFSET and subquery forms."""

    _is_select = True
    _order_by: tuple[ColumnElement, ...] = ()
    _limit: BindParameter | None = None
    _offset: BindParameter | None = None

    def _exported_columns(self) -> list[tuple[str, ColumnElement]]:
        """``(key, column)`` of the result columns, keys made unique (``id``, ``id_1``)."""
        raise NotImplementedError

    @property
    def selected_columns(self) -> ColumnCollection[ColumnElement]:
        """The result columns by key."""
        return ColumnCollection(self._exported_columns())

    def order_by(self, *clauses: Any) -> Self:
        """Add ORDER BY terms; ``order_by(None)`` removes them."""
        new = self._generate()
        if len(clauses) == 1 and clauses[0] is None:
            new._order_by = ()
        else:
            new._order_by = self._order_by + tuple(self._resolve_term(c) for c in clauses)
        return new

    def _resolve_term(self, clause: Any) -> ColumnElement:
        if isinstance(clause, str):
            for key, column in self._exported_columns():
                if key == clause:
                    return column
            raise ArgumentError(f"order_by/group_by: no selected column named {clause!r}")
        return coerce_column(clause)

    def limit(self, limit: int | None) -> Self:
        """At most *limit* rows (sent as a parameter; None removes the limit)."""
        new = self._generate()
        new._limit = _count_bind(limit, "limit")
        return new

    def offset(self, offset: int | None) -> Self:
        """Skip *offset* rows (sent as a parameter; None removes the offset)."""
        new = self._generate()
        new._offset = _count_bind(offset, "offset")
        return new

    @property
    def limit_value(self) -> int | None:
        """The LIMIT, if any."""
        return None if self._limit is None else self._limit.value

    @property
    def offset_value(self) -> int | None:
        """The OFFSET, if any."""
        return None if self._offset is None else self._offset.value

    @property
    def order_by_clauses(self) -> tuple[ColumnElement, ...]:
        """The ORDER BY terms."""
        return self._order_by

    def subquery(self, name: str | None = None) -> Subquery:
        """This SELECT as a FROM object: ``(SELECT …) AS name`` (a generated name if None)."""
        return Subquery(self, name)  # type: ignore[arg-type]

    def alias(self, name: str | None = None) -> Subquery:
        """Same as :meth:`subquery`."""
        return self.subquery(name)

    def cte(self, name: str | None = None, *, recursive: bool = False) -> CTE:
        """This SELECT as a common table expression (``WITH name AS (…)``)."""
        return CTE(self, name, recursive=recursive)  # type: ignore[arg-type]

    def scalar_subquery(self) -> ScalarSubquery[Any]:
        """This one-column SELECT used as a value: ``(SELECT …)``."""
        return ScalarSubquery(self)

    def label(self, name: str) -> Label:
        """The scalar subquery under a result name."""
        return Label(name, self.scalar_subquery())

    def exists(self) -> Exists:
        """``EXISTS (this SELECT)``."""
        return Exists(self)

    def union(self, *others: Any) -> CompoundSelect:
        """``self UNION other …`` (duplicates removed)."""
        return CompoundSelect("UNION", self, *others)

    def union_all(self, *others: Any) -> CompoundSelect:
        """``self UNION ALL other …``."""
        return CompoundSelect("UNION ALL", self, *others)

    def intersect(self, *others: Any) -> CompoundSelect:
        """``self INTERSECT other …``."""
        return CompoundSelect("INTERSECT", self, *others)

    def intersect_all(self, *others: Any) -> CompoundSelect:
        """``self INTERSECT ALL other …`` (PostgreSQL)."""
        return CompoundSelect("INTERSECT ALL", self, *others)

    def except_(self, *others: Any) -> CompoundSelect:
        """``self EXCEPT other …``."""
        return CompoundSelect("EXCEPT", self, *others)

    def except_all(self, *others: Any) -> CompoundSelect:
        """``self EXCEPT ALL other …`` (PostgreSQL)."""
        return CompoundSelect("EXCEPT ALL", self, *others)

    def _gen_tail_key(self, ctx: KeyContext) -> Hashable:
        return (
            tuple([c._gen_key(ctx) for c in self._order_by]),
            None if self._limit is None else self._limit._gen_key(ctx),
            None if self._offset is None else self._offset._gen_key(ctx),
        )


def unique_keys(columns: Sequence[ClauseElement]) -> list[tuple[str, ColumnElement]]:
    """``(key, column)`` for the column elements, later duplicates suffixed ``_1``, ``_2``."""
    result: list[tuple[str, ColumnElement]] = []
    seen: dict[str, int] = {}
    for position, column in enumerate(columns, 1):
        if not isinstance(column, ColumnElement):
            continue
        key = column.key or f"anon_{position}"
        if key in seen:
            seen[key] += 1
            while f"{key}_{seen[key]}" in seen:
                seen[key] += 1
            key = f"{key}_{seen[key]}"
        seen.setdefault(key, 0)
        result.append((key, column))
    return result


class CompoundSelect(SelectBase):
    """``select UNION [ALL] select …`` (also INTERSECT / EXCEPT)."""

    __visit_name__ = "compound_select"

    def __init__(self, keyword: str, *selects: Any) -> None:
        parts: list[SelectBase] = []
        for item in selects:
            element = coerce_element(item)
            if not isinstance(element, SelectBase):
                raise ArgumentError(f"{keyword} takes SELECT statements, not {item!r}")
            parts.append(element)
        widths = {len(p._exported_columns()) for p in parts}
        if len(widths) > 1:
            raise ArgumentError(f"all SELECTs of a {keyword} must have the same number of columns")
        self.keyword = keyword
        self.selects: tuple[SelectBase, ...] = tuple(parts)

    @property
    def raw_entities(self) -> tuple[Any, ...]:
        """The first SELECT's entities (they name the result columns)."""
        return getattr(self.selects[0], "raw_entities", ())

    def _exported_columns(self) -> list[tuple[str, ColumnElement]]:
        return self.selects[0]._exported_columns()

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return (
            "compound",
            self.keyword,
            tuple([s._gen_key(ctx) for s in self.selects]),
            self._gen_tail_key(ctx),
        )


class ScalarSubquery(ColumnElement[ValueT]):
    """A one-column SELECT used as a value: ``(SELECT max(x) FROM …)``.

    For type checkers it has the type of that column:
    ``select(User.id).scalar_subquery()`` is a ``ScalarSubquery[int]``.
    """

    __visit_name__ = "scalar_subquery"
    _is_scalar_subquery = True

    def __init__(self, element: SelectBase) -> None:
        columns = element._exported_columns()
        if len(columns) != 1:
            raise ArgumentError(
                f"a scalar subquery must select exactly one column, not {len(columns)}"
            )
        self.element = element
        self.key: str | None = columns[0][0]
        self._type = columns[0][1].type

    @property
    def type(self) -> TypeEngine:
        return self._type

    def where(self, *criteria: Any) -> ScalarSubquery[ValueT]:
        """The same subquery with more WHERE criteria."""
        return ScalarSubquery(self.element.where(*criteria))  # type: ignore[attr-defined]

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return ("scalar", self.element._gen_key(ctx))


class Exists(ColumnElement):
    """``EXISTS (SELECT …)``."""

    __visit_name__ = "exists"

    def __init__(self, element: SelectBase) -> None:
        self.element = element

    @property
    def type(self) -> TypeEngine:
        return BOOLEAN

    def where(self, *criteria: Any) -> Exists:
        """The same EXISTS with more WHERE criteria in its SELECT."""
        return Exists(self.element.where(*criteria))  # type: ignore[attr-defined]

    def select_from(self, *froms: Any) -> Exists:
        """The same EXISTS with explicit FROM objects in its SELECT."""
        return Exists(self.element.select_from(*froms))  # type: ignore[attr-defined]

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return ("exists", self.element._gen_key(ctx))


def union(*selects: Any) -> CompoundSelect:
    """``s1 UNION s2 …``."""
    return CompoundSelect("UNION", *selects)


def union_all(*selects: Any) -> CompoundSelect:
    """``s1 UNION ALL s2 …``."""
    return CompoundSelect("UNION ALL", *selects)


def intersect(*selects: Any) -> CompoundSelect:
    """``s1 INTERSECT s2 …``."""
    return CompoundSelect("INTERSECT", *selects)


def intersect_all(*selects: Any) -> CompoundSelect:
    """``s1 INTERSECT ALL s2 …``."""
    return CompoundSelect("INTERSECT ALL", *selects)


def except_(*selects: Any) -> CompoundSelect:
    """``s1 EXCEPT s2 …``."""
    return CompoundSelect("EXCEPT", *selects)


def except_all(*selects: Any) -> CompoundSelect:
    """``s1 EXCEPT ALL s2 …``."""
    return CompoundSelect("EXCEPT ALL", *selects)
