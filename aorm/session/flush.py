"""Running a flush: collect the session's changes, send them, then mark the objects flushed.

What relationships add (orphans, foreign keys copied from related objects,
association rows, ``post_update`` references, row order inside a table) is
worked out first by :func:`~aorm.session.dependencies.prepare_flush`, which
may load collections (awaited) that a delete needs.

A flush is all-or-nothing for the objects. Everything it writes into them
while statements run (generated keys, defaults, version counters) goes
through a :class:`~aorm.session.flush_journal.FlushJournal`; only when every
statement succeeded are the objects marked flushed (identity keys, identity
map, change records). If anything fails — a constraint, a bad value, a lost
connection, a cancellation — the journal is undone, the transaction is
rolled back in the database, and the error is raised naming the table; the
objects are exactly as they were before the flush.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aorm._collector import PausedCollector
from aorm.exc import DBAPIError, InvalidStateError
from aorm.session.dependencies import prepare_flush
from aorm.session.flush_journal import FlushJournal
from aorm.session.inserting import insert_rows
from aorm.session.persistence import delete_rows, update_rows
from aorm.session.row_order import insert_waves
from aorm.session.row_statements import statements_for
from aorm.session.unit_of_work import FlushPlan, build_flush_plan

if TYPE_CHECKING:
    from aorm.session.session import AsyncSession
    from aorm.session.state import InstanceState
    from aorm.session.transaction import SessionTransaction

__all__ = ["flush_session", "has_changes"]


def has_changes(session: AsyncSession) -> bool:
    """True when the session has anything to flush."""
    return bool(session._new or session._deleted or session._identity_map.has_held())


async def flush_session(session: AsyncSession) -> None:
    """Flush *session*'s pending changes (see the module docstring)."""
    if session._flushing:
        raise InvalidStateError(
            "flush() was called while the session is already flushing (from an event listener?)"
        )
    if not has_changes(session):
        return
    session._flushing = True
    try:
        await session._events.fire("before_flush", session)
        tx = session._ensure_transaction()
        journal = FlushJournal()
        # Per INSERT batch, the keys the database filled in for each of its
        # objects: kept as the batches' own lists, not a dict over every object.
        filled: list[tuple[Sequence[InstanceState], list[tuple[str, ...]]]] = []
        plan = FlushPlan([], [])
        doing = ""
        try:
            work = await prepare_flush(session)
            if work.empty:
                work.finalize(tx)  # pending orphans may still leave the session
                return
            plan = build_flush_plan(work.inserts, work.updates, work.deletes)
            conn = await session._connection()
            for actions in plan.saves:
                mapper = actions.mapper
                if actions.inserts:
                    doing = f"INSERT of {mapper.class_.__name__} rows into {mapper.table.name!r}"
                    # Rows referring to rows of their own table whose keys the
                    # database generates go in later batches than those rows.
                    for batch in insert_waves(mapper, actions.inserts):
                        work.sync(batch, journal)
                        keys = await insert_rows(conn, mapper, batch, journal)
                        filled.append((batch, keys))
                if actions.updates:
                    doing = f"UPDATE of {mapper.class_.__name__} rows in {mapper.table.name!r}"
                    work.sync(actions.updates, journal)
                    await update_rows(conn, mapper, actions.updates, journal)
            doing = "writing of association rows and post_update references"
            await work.after_saves(conn, journal)
            doing = "removal of the deleted rows' association rows and references"
            await work.before_deletes(conn)
            for actions in plan.deletes:
                mapper = actions.mapper
                doing = f"DELETE of {mapper.class_.__name__} rows from {mapper.table.name!r}"
                await delete_rows(conn, mapper, actions.deletes)
            doing = "the after_flush listeners"
            await session._events.fire("after_flush", session)
        except BaseException as error:
            journal.undo()
            _annotate(error, doing, plan)
            await session._flush_failed(error)
            raise
        # No await from here on: the collector can pause over the per-object marking.
        with PausedCollector():
            work.fill_new_relationships(plan)
            _finalize(session, tx, plan, filled)
            work.finalize(tx)
    finally:
        session._flushing = False


def _annotate(error: BaseException, doing: str, plan: FlushPlan) -> None:
    """Name the table and operation in a database error raised by a flush."""
    if not isinstance(error, DBAPIError) or not doing:
        return
    if error.table is None:
        for actions in (*plan.saves, *plan.deletes):
            if repr(actions.mapper.table.name) in doing:
                error.table = actions.mapper.table.name
                break
    if error.args and isinstance(error.args[0], str):
        error.args = (f"flush failed during the {doing}: {error.args[0]}", *error.args[1:])


def _finalize(
    session: AsyncSession,
    tx: SessionTransaction,
    plan: FlushPlan,
    filled: list[tuple[Sequence[InstanceState], list[tuple[str, ...]]]],
) -> None:
    """Mark the flushed objects: keys, identity map, change records (no IO, cannot fail)."""
    identity_map = session._identity_map
    # The hot loops below touch the map's, the session's and the
    # transaction's dictionaries directly (this runs once per flushed object).
    refs = identity_map._refs
    new_objects = session._new
    inserted = tx.inserted
    empty: frozenset[str] = frozenset()
    for batch, keys in filled:
        for state, generated in zip(batch, keys, strict=True):
            state.generated_keys = generated
    for actions in plan.saves:
        mapper = actions.mapper
        cls = mapper.class_
        pk_getter = mapper.pk_getter
        # The map key (cls, *primary key): read straight from __dict__ for a one-column key.
        single = mapper.pk_keys[0] if len(mapper.pk_keys) == 1 else None
        for state in actions.inserts:
            obj = state()
            d = obj.__dict__
            key = (cls, d[single]) if single is not None else (cls, *pk_getter(d))
            state.key = key
            state.changes = None
            state.collection_changes = None
            state.expired_attributes = empty
            # The state is the map's weak reference to its object (see
            # state._object_collected): no second reference per object.
            if refs.setdefault(key, state) is not state:
                identity_map.replace(key, obj)
        if actions.inserts:
            if len(new_objects) == len(actions.inserts):
                # Every pending object was just inserted (the usual flush).
                new_objects.clear()
            else:
                for state in actions.inserts:
                    new_objects.pop(state, None)
            inserted.extend(actions.inserts)
        if not actions.updates:
            continue
        stale = statements_for(mapper).sql_onupdate_keys
        # Held strongly until here (the loop needs the objects); clean again
        # after it: held weakly.
        held_keys = [s.key for s in actions.updates if s.key is not None]
        for state in actions.updates:
            obj = state()
            old_key = state.key
            assert old_key is not None
            state.changes = None
            state.collection_changes = None
            if stale:
                state.expire(stale)
            if single is not None:
                # The usual key of one column: compared as the tuples below would
                # compare it, without making one per object.
                value = obj.__dict__[single]
                old_value = old_key[1]
                if value is old_value or value == old_value:
                    continue
            ident = pk_getter(obj.__dict__)
            if ident != old_key[1:]:
                new_key = (cls, *ident)
                identity_map.discard(old_key, obj)
                identity_map.replace(new_key, obj)
                state.key = new_key
        identity_map.release_all(held_keys)
        tx.updated.extend(actions.updates)
    marked = session._deleted
    for actions in plan.deletes:
        # Out of the map before out of the session's deleted set, which holds the objects.
        identity_map.discard_states(actions.deletes)
        for state in actions.deletes:
            state.flushed_deleted = True
            marked.pop(state, None)
        tx.deleted.extend(actions.deletes)
