"""What a flush sends per mapper: its INSERT/UPDATE/DELETE statements and column facts.

Built once per mapper (:func:`statements_for`) and reused by every flush;
the dialect caches their compiled SQL by shape.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable, Mapping, Sequence
from decimal import Decimal
from functools import partial
from operator import call, is_, itemgetter
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from aorm.engine.connection import Connection
from aorm.exc import ArgumentError
from aorm.orm.mapper import Mapper, per_mapper
from aorm.sql.array_dml import DeleteFromArrays, UpdateFromArrays
from aorm.sql.dml import Delete, Insert, Update, delete, insert, update
from aorm.sql.elements import ClauseElement
from aorm.sql.expressions import and_, bindparam
from aorm.sql.schema import Column

if TYPE_CHECKING:
    from aorm.session.state import InstanceState

__all__ = [
    "GENERATED",
    "PLAIN",
    "PLAIN_TYPES",
    "PYTHON_DEFAULT",
    "SQL_DEFAULT",
    "MapperStatements",
    "is_sql",
    "objects_of",
    "sane_rowcount",
    "statements_for",
]

_is_none: Final = partial(is_, None)

# How each column is filled by an INSERT that leaves it out.
PLAIN, PYTHON_DEFAULT, GENERATED, SQL_DEFAULT = range(4)


# Types whose values are never SQL expressions (checked first: it is cheaper).
PLAIN_TYPES: Final = frozenset(
    {str, int, float, bool, bytes, type(None), dict, list, Decimal, UUID}
    | {datetime.datetime, datetime.date, datetime.time, datetime.timedelta}
)


def is_sql(value: Any) -> bool:
    if type(value) in PLAIN_TYPES:
        return False
    return isinstance(value, ClauseElement) or hasattr(value, "__clause_element__")


class MapperStatements:
    """A mapper's INSERT/UPDATE/DELETE statements and column facts, built once."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.mapper = mapper
        table = mapper.table
        self.table = table
        version_key = mapper.version_id_key
        auto = mapper.autoincrement_key
        self.version_key = version_key
        #: (attribute key, column key, column, kind) in table order.
        self.columns: list[tuple[str, str, Column, int]] = []
        for key, column in mapper.columns.items():
            if key == auto or column.server_default is not None:
                kind = GENERATED
            elif column.default is not None:
                kind = SQL_DEFAULT if is_sql(column.default) else PYTHON_DEFAULT
            else:
                kind = PLAIN
            self.columns.append((key, str(column.key), column, kind))
        self.has_sql_default = any(k == SQL_DEFAULT for *_, k in self.columns)
        #: Columns an INSERT always sends (None when unset), and the others.
        self.plain_columns: list[tuple[str, str]] = [
            (key, ckey)
            for key, ckey, _, kind in self.columns
            if kind == PLAIN and key != version_key
        ]
        #: ``obj.__dict__`` → the plain columns' values (KeyError when one is unset).
        self.plain_getter: Callable[[Mapping[str, Any]], tuple[Any, ...]] = _tuple_getter(
            tuple(key for key, _ in self.plain_columns)
        )
        self.plain_column_keys: tuple[str, ...] = tuple(ckey for _, ckey in self.plain_columns)
        self.special_columns: list[tuple[str, str, Column, int]] = [
            entry for entry in self.columns if entry[3] != PLAIN or entry[0] == version_key
        ]
        #: Whether rows may go as tuples (:func:`_keyed_rows`): no column needs a
        #: value made in Python (a default, a version counter) or a per-row INSERT.
        self.keyed_rows_possible = not self.has_sql_default and all(
            kind == GENERATED and key != version_key
            for key, _ckey, _column, kind in self.special_columns
        )
        #: Columns RETURNING brings back when the database fills any of them.
        self.returned: list[tuple[str, str, Column]] = [
            (key, ckey, column)
            for key, ckey, column, kind in self.columns
            if kind in (GENERATED, SQL_DEFAULT) or column.primary_key
        ]
        self.onupdate: list[tuple[str, Column]] = [
            (key, column)
            for key, column in mapper.columns.items()
            if column.onupdate is not None and not is_sql(column.onupdate)
        ]
        #: Columns whose ``onupdate=`` is SQL: the database computes them, so an
        #: UPDATE leaves their loaded value stale (they are expired after it).
        self.sql_onupdate_keys: tuple[str, ...] = tuple(
            key
            for key, column in mapper.columns.items()
            if column.onupdate is not None and is_sql(column.onupdate)
        )
        self.pk: list[tuple[str, Column]] = [(key, mapper.columns[key]) for key in mapper.pk_keys]
        self._insert: Insert | None = None
        self._insert_returning: Insert | None = None
        self._updates: dict[Hashable, Update] = {}
        self._update_arrays: dict[Hashable, UpdateFromArrays] = {}
        self._delete_in: Delete | None = None
        self._delete_each: Delete | None = None
        self._delete_arrays: DeleteFromArrays | None = None

    def insert(self, returning: bool) -> Insert:
        if returning:
            if self._insert_returning is None:
                self._insert_returning = insert(self.table).returning(
                    *[column for _, _, column in self.returned]
                )
            return self._insert_returning
        if self._insert is None:
            self._insert = insert(self.table)
        return self._insert

    def update(self, keys: tuple[str, ...], versioned: bool) -> Update:
        cache_key = (keys, versioned)
        stmt = self._updates.get(cache_key)
        if stmt is None:
            columns = self.mapper.columns
            criteria = [column == bindparam(f"old:{key}") for key, column in self.pk]
            if versioned:
                assert self.version_key is not None
                vcol = columns[self.version_key]
                criteria.append(vcol == bindparam(f"old:{self.version_key}"))
            stmt = (
                update(self.table)
                .values({columns[k]: bindparam(f"new:{k}") for k in keys})
                .where(and_(*criteria))
            )
            self._updates[cache_key] = stmt
        return stmt

    def update_arrays(self, keys: tuple[str, ...], versioned: bool) -> UpdateFromArrays:
        """The many-row form of :meth:`update` (same parameter names, one array each)."""
        cache_key = (keys, versioned)
        stmt = self._update_arrays.get(cache_key)
        if stmt is None:
            columns = self.mapper.columns
            match = [(f"old:{key}", column) for key, column in self.pk]
            if versioned:
                assert self.version_key is not None
                match.append((f"old:{self.version_key}", columns[self.version_key]))
            stmt = UpdateFromArrays(self.table, [(f"new:{k}", columns[k]) for k in keys], match)
            self._update_arrays[cache_key] = stmt
        return stmt

    def delete_in(self) -> Delete:
        if self._delete_in is None:
            ((_, column),) = self.pk
            self._delete_in = delete(self.table).where(
                column.in_(bindparam("old:pks", type_=column.type))
            )
        return self._delete_in

    def delete_arrays(self) -> DeleteFromArrays:
        """The many-row form of :meth:`delete_each` (same parameter names, one array each)."""
        if self._delete_arrays is None:
            match = [(f"old:{key}", column) for key, column in self.pk]
            if self.version_key is not None:
                match.append((f"old:{self.version_key}", self.mapper.columns[self.version_key]))
            self._delete_arrays = DeleteFromArrays(self.table, match)
        return self._delete_arrays

    def delete_each(self) -> Delete:
        if self._delete_each is None:
            criteria = [column == bindparam(f"old:{key}") for key, column in self.pk]
            if self.version_key is not None:
                vcol = self.mapper.columns[self.version_key]
                criteria.append(vcol == bindparam(f"old:{self.version_key}"))
            self._delete_each = delete(self.table).where(and_(*criteria))
        return self._delete_each


def _tuple_getter(keys: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A function reading *keys* from a mapping as a tuple (``itemgetter`` when it can)."""
    if len(keys) > 1:
        getter: Callable[[Mapping[str, Any]], tuple[Any, ...]] = itemgetter(*keys)
        return getter
    if len(keys) == 1:
        (only,) = keys
        return lambda d: (d[only],)
    return lambda _d: ()


@per_mapper
def statements_for(mapper: Mapper[Any]) -> MapperStatements:
    """The cached statements of *mapper*."""
    return MapperStatements(mapper)


def sane_rowcount(conn: Connection) -> bool:
    return bool(conn.dialect.capabilities.sane_multi_rowcount)


def objects_of(states: Sequence[InstanceState]) -> list[Any]:
    """The objects of *states* (each state is a weak reference to its object)."""
    objects = list(map(call, states))
    if any(map(_is_none, objects)):  # pragma: no cover - the session holds these strongly
        dead = next(s for s, obj in zip(states, objects, strict=True) if obj is None)
        raise ArgumentError(f"{dead!r}: its object was garbage collected during a flush")
    return objects
