"""Sending a flush's changed and removed rows: batched UPDATE and DELETE statements.

New rows are :mod:`aorm.session.inserting`'s; the statements come from
:mod:`aorm.session.row_statements`.

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

Everything written into objects goes through a
:class:`~aorm.session.flush_journal.FlushJournal`, so a failed flush can
put every object back as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from aorm._collector import PausedCollector
from aorm.engine.connection import Connection
from aorm.exc import ArgumentError, StaleDataError
from aorm.orm.instrumentation import NO_VALUE
from aorm.orm.mapper import Mapper
from aorm.session.flush_journal import FlushJournal
from aorm.session.row_statements import (
    PLAIN_TYPES,
    MapperStatements,
    is_sql,
    objects_of,
    sane_rowcount,
    statements_for,
)
from aorm.sql.dml import Delete, Update, delete, insert
from aorm.sql.expressions import and_, bindparam
from aorm.sql.keyed_rows import KeyedRows
from aorm.sql.schema import Column, Table

if TYPE_CHECKING:
    from aorm.session.state import InstanceState

__all__ = [
    "delete_association_rows",
    "delete_rows",
    "insert_association_rows",
    "post_update_rows",
    "update_rows",
]


# -- UPDATE ---------------------------------------------------------------------

#: Most rows of one set of changed columns that a flush binds and sends at once.
UPDATE_CHUNK_ROWS = 2500


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
    plain_types = PLAIN_TYPES
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    updated: list[InstanceState] = []
    # The usual row: no version counter, no onupdate= column, a one-column key
    # left as it was. Its parameters come straight from __dict__, and the
    # changed columns (in column order) are worked out once per set of changes.
    simple_key = (
        plan.pk[0][0] if len(plan.pk) == 1 and version_key is None and not onupdate else None
    )
    changed_columns: dict[tuple[str, ...], tuple[str, ...]] = {}
    # Changed columns -> the __dict__s of the objects that changed just those.
    keyed_groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    # No await in the loop: the collector pauses over the per-row parameters.
    with PausedCollector():
        for state, obj in zip(states, objects_of(states), strict=True):
            changes = state.changes
            if not changes:
                continue
            if simple_key is not None and simple_key not in changes:
                these = tuple(changes)
                ordered = changed_columns.get(these)
                if ordered is None:
                    ordered = changed_columns[these] = tuple(k for k in column_keys if k in these)
                if not ordered:
                    continue  # only relationship changes: nothing for this table
                keyed = keyed_groups.get(ordered)
                if keyed is None:
                    keyed = keyed_groups[ordered] = []
                keyed.append(obj.__dict__)
                updated.append(state)
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
                if type(value) not in plain_types and is_sql(value):
                    raise _sql_value_error(mapper, key)
                params[new_names[key]] = value
            # ``changed`` is in column order unless keys were appended to it.
            ordered = tuple(k for k in column_keys if k in changed) if added else tuple(changed)
            group = groups.get(ordered)
            if group is None:
                group = groups[ordered] = []
            group.append(params)
            updated.append(state)
    versioned = version_key is not None
    for keys, dicts in keyed_groups.items():
        assert simple_key is not None  # the only rows grouped this way
        _check_plain(mapper, keys, dicts)
        names = (*(new_names[k] for k in keys), f"old:{simple_key}")
        # Rows read from the __dict__s only as the statement needs them: no
        # tuple per row at all where it takes its parameters as columns. A
        # chunk at a time, so the parameters of only one chunk exist at once.
        for start in range(0, len(dicts), UPDATE_CHUNK_ROWS):
            chunk = dicts[start : start + UPDATE_CHUNK_ROWS]
            keyed_rows = KeyedRows.of_dicts(names, chunk, (*keys, simple_key), checked=True)
            await _update_group(conn, plan, keys, versioned, keyed_rows)
    for keys, rows in groups.items():
        await _update_group(conn, plan, keys, versioned, rows)
    return updated


def _check_plain(mapper: Mapper[Any], keys: tuple[str, ...], dicts: list[dict[str, Any]]) -> None:
    """ArgumentError if one of *dicts* holds a SQL expression under one of *keys*."""
    for key in keys:
        if PLAIN_TYPES.issuperset(map(type, map(itemgetter(key), dicts))):
            continue  # the usual case, in one C-level pass
        for d in dicts:
            value = d[key]
            if type(value) not in PLAIN_TYPES and is_sql(value):
                raise _sql_value_error(mapper, key)


def _sql_value_error(mapper: Mapper[Any], key: str) -> ArgumentError:
    return ArgumentError(
        f"{mapper.class_.__name__}.{key} holds a SQL expression; assign plain "
        "values (use session.execute(update(...)) for SQL expressions)"
    )


async def _update_group(
    conn: Connection,
    plan: MapperStatements,
    keys: tuple[str, ...],
    versioned: bool,
    rows: Sequence[Mapping[str, Any]],
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
            if type(rows) is KeyedRows:
                columns = rows.columns()
                arrays = {name: columns[name] for name in names}
            else:
                arrays = {name: [row[name] for row in rows] for name in names}
            result = await conn.execute(stmt, arrays)
            _check_count(result.rowcount, len(rows), plan.table.name, "UPDATE", versioned)
            return
    stmt_each = plan.update(keys, versioned)
    await _execute_checked(conn, stmt_each, rows, versioned, plan.table.name, "UPDATE")


async def _execute_checked(
    conn: Connection,
    stmt: Update | Delete,
    rows: Sequence[Mapping[str, Any]],
    versioned: bool,
    table: str,
    verb: str,
) -> None:
    """Run *stmt* once per row; StaleDataError unless every row matched (where countable)."""
    if len(rows) > 1 and not sane_rowcount(conn) and versioned:
        # The driver cannot count an executemany: one statement per row.
        for row in rows:
            result = await conn.execute(stmt, row)
            _check_count(result.rowcount, 1, table, verb, versioned)
        return
    result = await conn.execute(stmt, rows if len(rows) > 1 else rows[0])
    if len(rows) == 1 or sane_rowcount(conn):
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
    objects = objects_of(states)
    if len(plan.pk) == 1 and version_key is None:
        (key, _column) = plan.pk[0]
        # The key as loaded: from the changes where it was changed (rarely), else __dict__.
        ident = [
            _old_value(s, o.__dict__, key) if s.changes else o.__dict__[key]
            for s, o in zip(states, objects, strict=True)
        ]
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
