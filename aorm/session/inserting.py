"""Sending a flush's new rows: batched ``INSERT … VALUES`` with ``RETURNING`` where needed.

A table's rows go to the engine as one list, which sends them as multi-row
``INSERT … VALUES (…), (…)`` batches under the bind-parameter limit
(consecutive rows setting the same columns share a batch), with
``RETURNING`` of the primary key and server-filled columns when the
database generates any of them, so every object gets its own values, in
order. Python-side ``default=`` values are computed here, per row, so the
object holds them too; like everything else written into the objects, they
go through the :class:`~aorm.session.flush_journal.FlushJournal`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from itertools import chain
from operator import is_not, itemgetter, methodcaller
from typing import TYPE_CHECKING, Any, Final

from aorm._collector import PausedCollector
from aorm.engine.connection import Connection
from aorm.exc import ArgumentError, StaleDataError
from aorm.orm.mapper import Mapper
from aorm.session.flush_journal import MISSING, FlushJournal
from aorm.session.row_statements import (
    PLAIN_TYPES,
    PYTHON_DEFAULT,
    MapperStatements,
    is_sql,
    objects_of,
    statements_for,
)
from aorm.sql.keyed_rows import KeyedRows

if TYPE_CHECKING:
    from aorm.session.state import InstanceState

__all__ = ["INSERT_CHUNK_ROWS", "insert_rows"]

_is_not_none: Final = partial(is_not, None)


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
    # Every step reads the objects' __dict__s only: taken once.
    dicts = [obj.__dict__ for obj in objects_of(states)]
    with PausedCollector():
        rows, needs_returning = _insert_params(plan, dicts, journal)
    returned: Sequence[tuple[Any, ...]]
    if plan.has_sql_default:
        # SQL expression defaults cannot ride in multi-row batches: one INSERT per row.
        one_by_one: list[tuple[Any, ...]] = []
        base = plan.insert(True)
        for row in rows:
            result = await conn.execute(base.values(row))
            one_by_one.extend(result.tuples().all())
        returned = one_by_one
    elif needs_returning:
        result = await conn.execute(plan.insert(True), rows)
        returned = result.tuples().all()
    else:
        await conn.execute(plan.insert(False), rows)
        _check_keys(mapper, dicts)
        return [()] * len(states)
    if len(returned) != len(rows):  # pragma: no cover - a driver contract broken
        raise StaleDataError(
            f"INSERT into {plan.table.name!r} returned {len(returned)} rows for {len(rows)}"
        )
    with PausedCollector():
        filled = _fill_returned(plan, dicts, rows, returned, journal)
        _check_keys(mapper, dicts)
    return filled


def _fill_returned(
    plan: MapperStatements,
    dicts: Sequence[dict[str, Any]],
    rows: Sequence[Mapping[str, Any]],
    returned: Sequence[tuple[Any, ...]],
    journal: FlushJournal,
) -> list[tuple[str, ...]]:
    """Write the RETURNING values the rows did not set into the objects (journaled)."""
    returned_keys = plan.returned
    filled: list[tuple[str, ...]] = []
    if isinstance(rows, KeyedRows):
        # Every row sets the same keys: what the database filled in is the same for all.
        new_keys: list[str] = []
        for position, (key, ckey, _column) in enumerate(returned_keys):
            if ckey not in rows.keys:
                new_keys.append(key)
                journal.set_each(dicts, key, list(map(itemgetter(position), returned)))
        return [tuple(new_keys)] * len(dicts)
    if len(returned_keys) == 1:
        # The common shape (a generated primary key alone): no inner loop, and
        # one undo entry for the whole batch instead of one per object.
        ((key, ckey, _column),) = returned_keys
        only = (key,)
        targets: list[dict[str, Any]] = []
        new_values: list[Any] = []
        for d, row, (value,) in zip(dicts, rows, returned, strict=True):
            if ckey in row:
                filled.append(())
                continue
            targets.append(d)
            new_values.append(value)
            filled.append(only)
        if targets:
            journal.set_each(targets, key, new_values)
        return filled
    for d, row, values in zip(dicts, rows, returned, strict=True):
        keys: list[str] = []
        for (key, ckey, _column), value in zip(returned_keys, values, strict=True):
            if ckey not in row:
                journal.set(d, key, value)
                keys.append(key)
        filled.append(tuple(keys))
    return filled


def _insert_params(
    plan: MapperStatements, dicts: Sequence[dict[str, Any]], journal: FlushJournal
) -> tuple[Sequence[Mapping[str, Any]], bool]:
    """The INSERT parameters of each object (defaults applied), and whether any needs RETURNING.

    *dicts* are the objects' ``__dict__``s.
    """
    if plan.keyed_rows_possible:
        keyed = _keyed_rows(plan, dicts)
        if keyed is not None:
            return keyed, bool(plan.special_columns)
    return _row_dicts(plan, dicts, journal)


def _keyed_rows(plan: MapperStatements, dicts: Sequence[dict[str, Any]]) -> KeyedRows | None:
    """The usual rows in C-level passes, as tuples: or None when any object is unusual.

    Usual: every plain column set, to plain values, and every other column
    one the database fills in (a generated key, a server default), unset.
    Nothing is written into the objects, so there is nothing to journal.
    """
    try:
        values = list(map(plan.plain_getter, dicts))
    except KeyError:
        return None  # a column never set: the row by row path writes None into it
    if not PLAIN_TYPES.issuperset(map(type, chain.from_iterable(values))):
        return None
    for key, _ckey, _column, _kind in plan.special_columns:
        if any(map(_is_not_none, map(methodcaller("get", key), dicts))):
            return None  # the object sets it: it goes in its row
    return KeyedRows(plan.plain_column_keys, values, checked=True)


def _row_dicts(
    plan: MapperStatements, dicts: Sequence[dict[str, Any]], journal: FlushJournal
) -> tuple[list[dict[str, Any]], bool]:
    """The INSERT parameters of each object as a dict (defaults applied, journaled)."""
    version_key = plan.version_key
    plain = plan.plain_columns
    special = plan.special_columns
    missing = MISSING
    plain_types = PLAIN_TYPES
    rows: list[dict[str, Any]] = []
    needs_returning = plan.has_sql_default
    plain_getter = plan.plain_getter
    plain_column_keys = plan.plain_column_keys
    issuperset = plain_types.issuperset
    for d in dicts:
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
                elif type(value) not in plain_types and is_sql(value):
                    raise _sql_value_error(plan, key)
                row[ckey] = value
        for key, ckey, column, kind in special:
            value = d.get(key)
            if value is None:
                if key == version_key:
                    value = 1
                    journal.set(d, key, value)
                elif kind == PYTHON_DEFAULT:
                    default = column.default
                    value = default() if callable(default) else default
                    journal.set(d, key, value)
                else:
                    # The database fills it in; RETURNING brings it back.
                    needs_returning = True
                    continue
            elif type(value) not in plain_types and is_sql(value):
                raise _sql_value_error(plan, key)
            row[ckey] = value
        rows.append(row)
    return rows, needs_returning


def _sql_value_error(plan: MapperStatements, key: str) -> ArgumentError:
    return ArgumentError(
        f"{plan.mapper.class_.__name__}.{key} holds a SQL expression; a new object needs "
        "plain values"
    )


def _check_keys(mapper: Mapper[Any], dicts: Sequence[dict[str, Any]]) -> None:
    """ArgumentError naming the class when an inserted row has no primary key value."""
    pk_keys = mapper.pk_keys
    if len(pk_keys) == 1:
        (key,) = pk_keys
        if all(map(_is_not_none, map(methodcaller("get", key), dicts))):
            return
    for d in dicts:
        if any(d.get(k) is None for k in pk_keys):
            raise ArgumentError(
                f"a {mapper.class_.__name__} row was inserted without a value for its primary "
                f"key ({', '.join(mapper.pk_keys)}); set it, or give the column a server "
                "default or an autoincrementing integer type"
            )
