"""Sending a flush plan's rows: batched INSERT, UPDATE and DELETE statements.

Statements are built once per mapper and column set and reused (the
dialect caches their compiled SQL by shape):

* INSERT: one table's rows go to the engine as a list, which sends them as
  multi-row ``INSERT … VALUES (…), (…)`` batches under the bind-parameter
  limit (consecutive rows setting the same columns share a batch), with
  ``RETURNING`` of the primary key and server-filled columns when the
  database generates any of them, so every object gets its own values, in
  order. Python-side ``default=`` values are computed here, per row, so the
  object holds them too.
* UPDATE: only changed columns (plus ``onupdate=`` columns), grouped by
  column set; with a version counter the old version is part of the WHERE
  clause. Where the dialect has it (PostgreSQL), a group of many rows is one
  ``UPDATE … FROM unnest(arrays)`` statement
  (:class:`~aorm.sql.array_dml.UpdateFromArrays`); otherwise one
  ``executemany``.
* DELETE: one ``WHERE pk IN (…)`` per table (one array parameter); for
  composite keys and versioned rows one ``DELETE … USING unnest(arrays)``
  where the dialect has it (PostgreSQL), else an ``executemany`` by key.

UPDATE and DELETE check how many rows matched and raise
:class:`~aorm.exc.StaleDataError` when fewer did. Where the driver cannot
count the rows of an ``executemany`` (asyncpg) and no single statement can
carry them (an SQL ``onupdate=``, a column type not sent as an array),
versioned rows are sent one statement each so the check still holds; other
rows are sent unchecked.

Everything written into objects goes through a :class:`FlushJournal`, so a
failed flush can put every object back as it was.
"""

from __future__ import annotations

import datetime
import weakref
from collections.abc import Callable, Hashable, Mapping, Sequence
from decimal import Decimal
from functools import partial
from itertools import chain
from operator import is_not, itemgetter, methodcaller
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from aorm._collector import PausedCollector
from aorm.engine.connection import Connection
from aorm.exc import ArgumentError, StaleDataError
from aorm.orm.instrumentation import NO_VALUE
from aorm.orm.mapper import Mapper
from aorm.sql.array_dml import DeleteFromArrays, UpdateFromArrays
from aorm.sql.dml import Delete, Insert, Update, delete, insert, update
from aorm.sql.elements import ClauseElement
from aorm.sql.expressions import and_, bindparam
from aorm.sql.insert_rows import KeyedRows
from aorm.sql.schema import Column, Table

if TYPE_CHECKING:
    from aorm.session.state import InstanceState

__all__ = [
    "FlushJournal",
    "delete_association_rows",
    "delete_rows",
    "insert_association_rows",
    "insert_rows",
    "post_update_rows",
    "update_rows",
]

_MISSING: Final = object()

_is_not_none: Final = partial(is_not, None)

# How each column is filled by an INSERT that leaves it out.
_PLAIN, _PYTHON_DEFAULT, _GENERATED, _SQL_DEFAULT = range(4)


# Types whose values are never SQL expressions (checked first: it is cheaper).
_PLAIN_TYPES: Final = frozenset(
    {str, int, float, bool, bytes, type(None), dict, list, Decimal, UUID}
    | {datetime.datetime, datetime.date, datetime.time, datetime.timedelta}
)


def _is_sql(value: Any) -> bool:
    if type(value) in _PLAIN_TYPES:
        return False
    return isinstance(value, ClauseElement) or hasattr(value, "__clause_element__")


class FlushJournal:
    """An undo log of the values a flush wrote into objects' ``__dict__`` (and their states)."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: list[tuple[dict[str, Any], str, Any] | Callable[[], None]] = []

    def set(self, d: dict[str, Any], key: str, value: Any) -> None:
        """``d[key] = value``, remembering what was there."""
        self._entries.append((d, key, d.get(key, _MISSING)))
        d[key] = value

    def set_each(self, dicts: Sequence[dict[str, Any]], key: str, values: Sequence[Any]) -> None:
        """``d[key] = value`` for each pair, remembered as one entry (for many objects)."""
        olds = [d.get(key, _MISSING) for d in dicts]
        for d, value in zip(dicts, values, strict=True):
            d[key] = value
        self._entries.append(lambda: _put_back(dicts, key, olds))

    def on_undo(self, undo: Callable[[], None]) -> None:
        """Call *undo* when the journal is undone (in turn with the values, newest first)."""
        self._entries.append(undo)

    def undo(self) -> None:
        """Put back every value, newest first."""
        for entry in reversed(self._entries):
            if callable(entry):
                entry()
                continue
            d, key, old = entry
            if old is _MISSING:
                d.pop(key, None)
            else:
                d[key] = old
        self._entries.clear()


class _MapperStatements:
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
                kind = _GENERATED
            elif column.default is not None:
                kind = _SQL_DEFAULT if _is_sql(column.default) else _PYTHON_DEFAULT
            else:
                kind = _PLAIN
            self.columns.append((key, str(column.key), column, kind))
        self.has_sql_default = any(k == _SQL_DEFAULT for *_, k in self.columns)
        #: Columns an INSERT always sends (None when unset), and the others.
        self.plain_columns: list[tuple[str, str]] = [
            (key, ckey)
            for key, ckey, _, kind in self.columns
            if kind == _PLAIN and key != version_key
        ]
        #: ``obj.__dict__`` → the plain columns' values (KeyError when one is unset).
        self.plain_getter: Callable[[Mapping[str, Any]], tuple[Any, ...]] = _tuple_getter(
            tuple(key for key, _ in self.plain_columns)
        )
        self.plain_column_keys: tuple[str, ...] = tuple(ckey for _, ckey in self.plain_columns)
        self.special_columns: list[tuple[str, str, Column, int]] = [
            entry for entry in self.columns if entry[3] != _PLAIN or entry[0] == version_key
        ]
        #: Whether rows may go as tuples (:func:`_keyed_rows`): no column needs a
        #: value made in Python (a default, a version counter) or a per-row INSERT.
        self.keyed_rows_possible = not self.has_sql_default and all(
            kind == _GENERATED and key != version_key
            for key, _ckey, _column, kind in self.special_columns
        )
        #: Columns RETURNING brings back when the database fills any of them.
        self.returned: list[tuple[str, str, Column]] = [
            (key, ckey, column)
            for key, ckey, column, kind in self.columns
            if kind in (_GENERATED, _SQL_DEFAULT) or column.primary_key
        ]
        self.onupdate: list[tuple[str, Column]] = [
            (key, column)
            for key, column in mapper.columns.items()
            if column.onupdate is not None and not _is_sql(column.onupdate)
        ]
        #: Columns whose ``onupdate=`` is SQL: the database computes them, so an
        #: UPDATE leaves their loaded value stale (they are expired after it).
        self.sql_onupdate_keys: tuple[str, ...] = tuple(
            key
            for key, column in mapper.columns.items()
            if column.onupdate is not None and _is_sql(column.onupdate)
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


_statements: weakref.WeakKeyDictionary[Mapper[Any], _MapperStatements] = weakref.WeakKeyDictionary()


def statements_for(mapper: Mapper[Any]) -> _MapperStatements:
    """The cached statements of *mapper*."""
    found = _statements.get(mapper)
    if found is None:
        found = _statements[mapper] = _MapperStatements(mapper)
    return found


def _sane_rowcount(conn: Connection) -> bool:
    return bool(conn.dialect.capabilities.sane_multi_rowcount)


def _objects(states: Sequence[InstanceState]) -> list[Any]:
    objects = []
    for state in states:
        obj = state.object
        if obj is None:  # pragma: no cover - the session holds these strongly
            raise ArgumentError(f"{state!r}: its object was garbage collected during a flush")
        objects.append(obj)
    return objects


# -- INSERT ---------------------------------------------------------------------


async def insert_rows(
    conn: Connection,
    mapper: Mapper[Any],
    states: Sequence[InstanceState],
    journal: FlushJournal,
) -> list[tuple[str, ...]]:
    """INSERT the rows of *states*; returns, per state, the keys the database filled in.

    Sent :data:`INSERT_CHUNK_ROWS` objects at a time, so the parameters of
    only one chunk exist at once (less memory, and fewer short-lived objects
    for the garbage collector to move into its oldest generation).
    """
    size = INSERT_CHUNK_ROWS
    if len(states) <= size:
        return await _insert_chunk(conn, mapper, states, journal)
    filled: list[tuple[str, ...]] = []
    for start in range(0, len(states), size):
        filled.extend(await _insert_chunk(conn, mapper, states[start : start + size], journal))
    return filled


#: Most objects whose parameters :func:`insert_rows` builds and sends at once.
INSERT_CHUNK_ROWS = 5000


async def _insert_chunk(
    conn: Connection,
    mapper: Mapper[Any],
    states: Sequence[InstanceState],
    journal: FlushJournal,
) -> list[tuple[str, ...]]:
    plan = statements_for(mapper)
    objects = _objects(states)
    with PausedCollector():
        rows, needs_returning = _insert_params(plan, objects, journal)
    if plan.has_sql_default:
        # SQL expression defaults cannot ride in multi-row batches: one INSERT per row.
        returned: list[tuple[Any, ...]] = []
        base = plan.insert(True)
        for row in rows:
            result = await conn.execute(base.values(row))
            returned.extend(result.tuples().all())
    elif needs_returning:
        result = await conn.execute(plan.insert(True), rows)
        returned = list(result.tuples().all())
    else:
        await conn.execute(plan.insert(False), rows)
        _check_keys(mapper, objects)
        return [()] * len(states)
    if len(returned) != len(rows):  # pragma: no cover - a driver contract broken
        raise StaleDataError(
            f"INSERT into {plan.table.name!r} returned {len(returned)} rows for {len(rows)}"
        )
    with PausedCollector():
        filled = _fill_returned(plan, objects, rows, returned, journal)
        _check_keys(mapper, objects)
    return filled


def _fill_returned(
    plan: _MapperStatements,
    objects: Sequence[Any],
    rows: Sequence[Mapping[str, Any]],
    returned: Sequence[tuple[Any, ...]],
    journal: FlushJournal,
) -> list[tuple[str, ...]]:
    """Write the RETURNING values the rows did not set into the objects (journaled)."""
    returned_keys = plan.returned
    filled: list[tuple[str, ...]] = []
    if isinstance(rows, KeyedRows):
        # Every row sets the same keys: what the database filled in is the same for all.
        targets = [obj.__dict__ for obj in objects]
        new_keys: list[str] = []
        for position, (key, ckey, _column) in enumerate(returned_keys):
            if ckey not in rows.keys:
                new_keys.append(key)
                journal.set_each(targets, key, [row[position] for row in returned])
        return [tuple(new_keys)] * len(objects)
    if len(returned_keys) == 1:
        # The common shape (a generated primary key alone): no inner loop, and
        # one undo entry for the whole batch instead of one per object.
        ((key, ckey, _column),) = returned_keys
        only = (key,)
        dicts: list[dict[str, Any]] = []
        new_values: list[Any] = []
        for obj, row, (value,) in zip(objects, rows, returned, strict=True):
            if ckey in row:
                filled.append(())
                continue
            dicts.append(obj.__dict__)
            new_values.append(value)
            filled.append(only)
        if dicts:
            journal.set_each(dicts, key, new_values)
        return filled
    for obj, row, values in zip(objects, rows, returned, strict=True):
        d = obj.__dict__
        keys: list[str] = []
        for (key, ckey, _column), value in zip(returned_keys, values, strict=True):
            if ckey not in row:
                journal.set(d, key, value)
                keys.append(key)
        filled.append(tuple(keys))
    return filled


def _put_back(dicts: Sequence[dict[str, Any]], key: str, olds: Sequence[Any]) -> None:
    """Undo of :meth:`FlushJournal.set_each`: put back (or remove) *key* in each of *dicts*."""
    for d, old in zip(dicts, olds, strict=True):
        if old is _MISSING:
            d.pop(key, None)
        else:
            d[key] = old


def _insert_params(
    plan: _MapperStatements, objects: Sequence[Any], journal: FlushJournal
) -> tuple[Sequence[Mapping[str, Any]], bool]:
    """The INSERT parameters of each object (defaults applied), and whether any needs RETURNING."""
    if plan.keyed_rows_possible:
        keyed = _keyed_rows(plan, objects)
        if keyed is not None:
            return keyed, bool(plan.special_columns)
    return _row_dicts(plan, objects, journal)


def _keyed_rows(plan: _MapperStatements, objects: Sequence[Any]) -> KeyedRows | None:
    """The usual rows in C-level passes, as tuples: or None when any object is unusual.

    Usual: every plain column set, to plain values, and every other column
    one the database fills in (a generated key, a server default), unset.
    Nothing is written into the objects, so there is nothing to journal.
    """
    dicts = [obj.__dict__ for obj in objects]
    try:
        values = list(map(plan.plain_getter, dicts))
    except KeyError:
        return None  # a column never set: the row by row path writes None into it
    if not _PLAIN_TYPES.issuperset(map(type, chain.from_iterable(values))):
        return None
    for key, _ckey, _column, _kind in plan.special_columns:
        if any(map(_is_not_none, map(methodcaller("get", key), dicts))):
            return None  # the object sets it: it goes in its row
    return KeyedRows(plan.plain_column_keys, values)


def _row_dicts(
    plan: _MapperStatements, objects: Sequence[Any], journal: FlushJournal
) -> tuple[list[dict[str, Any]], bool]:
    """The INSERT parameters of each object as a dict (defaults applied, journaled)."""
    version_key = plan.version_key
    plain = plan.plain_columns
    special = plan.special_columns
    missing = _MISSING
    plain_types = _PLAIN_TYPES
    rows: list[dict[str, Any]] = []
    needs_returning = plan.has_sql_default
    plain_getter = plan.plain_getter
    plain_column_keys = plan.plain_column_keys
    issuperset = plain_types.issuperset
    for obj in objects:
        d = obj.__dict__
        try:
            values = plain_getter(d)
        except KeyError:
            values = None
        row: dict[str, Any]
        if values is not None and issuperset(map(type, values)):
            # Every plain column set, to plain values: the common case, in C.
            row = dict(zip(plain_column_keys, values, strict=True))
        else:
            row = {}
            for key, ckey in plain:
                value = d.get(key, missing)
                if value is missing:
                    journal.set(d, key, None)
                    value = None
                elif type(value) not in plain_types and _is_sql(value):
                    raise _sql_value_error(plan, key)
                row[ckey] = value
        for key, ckey, column, kind in special:
            value = d.get(key)
            if value is None:
                if key == version_key:
                    value = 1
                    journal.set(d, key, value)
                elif kind == _PYTHON_DEFAULT:
                    default = column.default
                    value = default() if callable(default) else default
                    journal.set(d, key, value)
                else:
                    # The database fills it in; RETURNING brings it back.
                    needs_returning = True
                    continue
            elif type(value) not in plain_types and _is_sql(value):
                raise _sql_value_error(plan, key)
            row[ckey] = value
        rows.append(row)
    return rows, needs_returning


def _sql_value_error(plan: _MapperStatements, key: str) -> ArgumentError:
    return ArgumentError(
        f"{plan.mapper.class_.__name__}.{key} holds a SQL expression; a new object needs "
        "plain values"
    )


def _check_keys(mapper: Mapper[Any], objects: Sequence[Any]) -> None:
    """ArgumentError naming the class when an inserted row has no primary key value."""
    pk_keys = mapper.pk_keys
    if len(pk_keys) == 1:
        (key,) = pk_keys
        if all(obj.__dict__.get(key) is not None for obj in objects):
            return
    for obj in objects:
        d = obj.__dict__
        if any(d.get(k) is None for k in pk_keys):
            raise ArgumentError(
                f"a {mapper.class_.__name__} row was inserted without a value for its primary "
                f"key ({', '.join(mapper.pk_keys)}); set it, or give the column a server "
                "default or an autoincrementing integer type"
            )


# -- UPDATE ---------------------------------------------------------------------


def _old_value(state: InstanceState, d: Mapping[str, Any], key: str) -> Any:
    changes = state.changes
    if changes is not None and key in changes:
        old = changes[key]
        if old is NO_VALUE:
            raise ArgumentError(
                f"{state.mapper.class_.__name__}.{key} was changed while expired, so its "
                "row cannot be found; refresh the object before changing its key or version"
            )
        return old
    return d[key]


async def update_rows(
    conn: Connection,
    mapper: Mapper[Any],
    states: Sequence[InstanceState],
    journal: FlushJournal,
) -> list[InstanceState]:
    """UPDATE the changed columns of *states*; returns the states whose row was updated."""
    plan = statements_for(mapper)
    version_key = plan.version_key
    column_keys = mapper.column_keys
    onupdate = plan.onupdate
    # Parameter names, made once (not per row).
    old_names = [(key, f"old:{key}") for key, _ in plan.pk]
    new_names = {key: f"new:{key}" for key in column_keys}
    plain_types = _PLAIN_TYPES
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    updated: list[InstanceState] = []
    # No await in the loop: the collector pauses over the per-row parameters.
    with PausedCollector():
        for state, obj in zip(states, _objects(states), strict=True):
            changes = state.changes
            if not changes:
                continue
            changed = [k for k in column_keys if k in changes]
            if not changed:
                continue  # only relationship changes: nothing for this table
            d = obj.__dict__
            added = False
            for key, column in onupdate:
                if key not in changes:
                    value = column.onupdate
                    journal.set(d, key, value() if callable(value) else value)
                    changed.append(key)
                    added = True
            params: dict[str, Any] = {}
            for key, name in old_names:
                params[name] = _old_value(state, d, key) if key in changes else d[key]
            if version_key is not None:
                old_version = _old_value(state, d, version_key)
                params[f"old:{version_key}"] = old_version
                if version_key not in changes:
                    journal.set(d, version_key, old_version + 1)
                    changed.append(version_key)
                    added = True
            for key in changed:
                value = d[key]
                if type(value) not in plain_types and _is_sql(value):
                    raise ArgumentError(
                        f"{mapper.class_.__name__}.{key} holds a SQL expression; assign plain "
                        "values (use session.execute(update(...)) for SQL expressions)"
                    )
                params[new_names[key]] = value
            # ``changed`` is in column order unless keys were appended to it.
            ordered = tuple(k for k in column_keys if k in changed) if added else tuple(changed)
            group = groups.get(ordered)
            if group is None:
                group = groups[ordered] = []
            group.append(params)
            updated.append(state)
    versioned = version_key is not None
    for keys, rows in groups.items():
        await _update_group(conn, plan, keys, versioned, rows)
    return updated


async def _update_group(
    conn: Connection,
    plan: _MapperStatements,
    keys: tuple[str, ...],
    versioned: bool,
    rows: list[dict[str, Any]],
) -> None:
    """UPDATE *rows* (all setting *keys*), checking that each matched its row where countable.

    Many rows go as one ``UPDATE … FROM`` arrays statement where the dialect
    has it (PostgreSQL): one round trip, and a row count to check even
    though an executemany there has none.
    """
    if len(rows) > 1 and not plan.sql_onupdate_keys:
        stmt = plan.update_arrays(keys, versioned)
        if conn.dialect.compiler.can_use_arrays(stmt.columns):
            names = [name for name, _ in (*stmt.set_columns, *stmt.match_columns)]
            arrays = {name: [row[name] for row in rows] for name in names}
            result = await conn.execute(stmt, arrays)
            _check_count(result.rowcount, len(rows), plan.table.name, "UPDATE", versioned)
            return
    stmt_each = plan.update(keys, versioned)
    await _execute_checked(conn, stmt_each, rows, versioned, plan.table.name, "UPDATE")


async def _execute_checked(
    conn: Connection,
    stmt: Update | Delete,
    rows: list[dict[str, Any]],
    versioned: bool,
    table: str,
    verb: str,
) -> None:
    """Run *stmt* once per row; StaleDataError unless every row matched (where countable)."""
    if len(rows) > 1 and not _sane_rowcount(conn) and versioned:
        # The driver cannot count an executemany: one statement per row.
        for row in rows:
            result = await conn.execute(stmt, row)
            _check_count(result.rowcount, 1, table, verb, versioned)
        return
    result = await conn.execute(stmt, rows if len(rows) > 1 else rows[0])
    if len(rows) == 1 or _sane_rowcount(conn):
        _check_count(result.rowcount, len(rows), table, verb, versioned)


def _check_count(count: int, expected: int, table: str, verb: str, versioned: bool) -> None:
    if count < 0 or count == expected:
        return
    why = (
        "their version changed (another transaction updated them)"
        if versioned
        else "they were deleted or their key changed"
    )
    raise StaleDataError(
        f"{verb} of {table!r} expected to match {expected} row(s) but matched {count}: "
        f"{why}; refresh the objects and try again"
    )


# -- DELETE ---------------------------------------------------------------------


async def delete_rows(
    conn: Connection,
    mapper: Mapper[Any],
    states: Sequence[InstanceState],
) -> None:
    """DELETE the rows of *states* (by their key, and version when versioned)."""
    plan = statements_for(mapper)
    version_key = plan.version_key
    objects = _objects(states)
    if len(plan.pk) == 1 and version_key is None:
        (key, _column) = plan.pk[0]
        ident = [_old_value(s, o.__dict__, key) for s, o in zip(states, objects, strict=True)]
        result = await conn.execute(plan.delete_in(), {"old:pks": ident})
        _check_count(result.rowcount, len(ident), plan.table.name, "DELETE", False)
        return
    rows = []
    for state, obj in zip(states, objects, strict=True):
        d = obj.__dict__
        row = {f"old:{key}": _old_value(state, d, key) for key, _ in plan.pk}
        if version_key is not None:
            row[f"old:{version_key}"] = _old_value(state, d, version_key)
        rows.append(row)
    versioned = version_key is not None
    if len(rows) > 1:
        # Many rows by composite key or version: one statement where the
        # dialect has it (PostgreSQL), which also gives a row count to check.
        stmt = plan.delete_arrays()
        if conn.dialect.compiler.can_use_arrays(stmt.columns):
            arrays = {name: [row[name] for row in rows] for name, _ in stmt.match_columns}
            result = await conn.execute(stmt, arrays)
            _check_count(result.rowcount, len(rows), plan.table.name, "DELETE", versioned)
            return
    await _execute_checked(conn, plan.delete_each(), rows, versioned, plan.table.name, "DELETE")


# -- rows written for relationships ---------------------------------------------


async def post_update_rows(
    conn: Connection,
    mapper: Mapper[Any],
    rows: Sequence[tuple[InstanceState, Mapping[str, Any]]],
    *,
    deleting: bool,
) -> None:
    """UPDATE some columns of rows that exist already (``post_update`` foreign keys).

    *rows* pairs a state with ``{attribute key: new value}``; rows setting the
    same keys share one ``executemany``. The row is found by its current key,
    or, when *deleting* (nulling references before the row's DELETE), by the
    key it had before the flush.
    """
    plan = statements_for(mapper)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for state, values in rows:
        obj = state.object
        if obj is None:  # pragma: no cover - the session holds these strongly
            continue
        d = obj.__dict__
        params: dict[str, Any] = {
            f"old:{key}": _old_value(state, d, key) if deleting else d[key] for key, _ in plan.pk
        }
        for key, value in values.items():
            params[f"new:{key}"] = value
        keys = tuple(k for k in mapper.column_keys if k in values)
        groups.setdefault(keys, []).append(params)
    for keys, params_list in groups.items():
        await _update_group(conn, plan, keys, False, params_list)


async def insert_association_rows(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """INSERT rows of a many-to-many association *table* (by column key), in multi-row batches."""
    if rows:
        await conn.execute(insert(table), [dict(row) for row in rows])


async def delete_association_rows(
    conn: Connection, table: Table, columns: Sequence[Column], keys: Sequence[tuple[Any, ...]]
) -> None:
    """DELETE the rows of association *table* whose *columns* equal one of *keys* (executemany)."""
    if not keys:
        return
    stmt = delete(table).where(and_(*[c == bindparam(f"key:{c.key}") for c in columns]))
    params = [{f"key:{c.key}": v for c, v in zip(columns, key, strict=True)} for key in keys]
    await conn.execute(stmt, params if len(params) > 1 else params[0])
