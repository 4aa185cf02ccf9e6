"""What relationships add to a flush: foreign keys, association rows, row order.

:func:`prepare_flush` turns the session's pending changes into a
:class:`FlushWork`: the states to insert, update and delete (orphans
included), and the writes relationships imply:

* **Foreign key sync.** A child's foreign key columns are copied from the
  object it refers to: for a one-to-many, from the parent holding it in its
  collection (a child removed from it gets NULL); for a many-to-one, from the
  object it points at (None gives NULL). Values are copied just before the
  child's own INSERT or UPDATE batch (:meth:`FlushWork.sync`), so a key the
  database generated earlier in the same flush is there. Writes go through
  the flush journal and the state's change record, so a failed flush undoes
  them. When a one-to-many side and a many-to-one side disagree, the
  child's own many-to-one wins; an addition wins over a removal.
* **Deleted parents** without a delete cascade leave their children with NULL
  foreign keys (the collection is loaded first, unless ``passive_deletes``).
* **Many-to-many** association rows are inserted after every row is saved
  and deleted before any row is deleted, in batches per table; a deleted
  object's association rows go with it (:mod:`aorm.session.associations`).
* **post_update** relationships are written by a separate UPDATE once both
  rows exist, and nulled before a row referring through one is deleted,
  which breaks cycles between rows.
* **Row order** inside a self-referencing table follows the relationships,
  and rows whose parent's key is generated in the same flush are inserted in
  waves, parents first (:mod:`aorm.session.row_order`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Final

from aorm.engine.connection import Connection
from aorm.exc import InvalidStateError
from aorm.orm.instrumentation import NO_VALUE, STATE_KEY
from aorm.orm.join_conditions import RelationshipDirection
from aorm.orm.mapper import Mapper
from aorm.orm.relationships import RelationshipProperty
from aorm.session.associations import AssociationRows
from aorm.session.cascades import collect_deletes, find_orphans
from aorm.session.flush_journal import FlushJournal
from aorm.session.new_collections import fill_new_relationships
from aorm.session.persistence import post_update_rows
from aorm.session.related import by_mapper, fetch_related, loaded_related, state_of
from aorm.session.relationship_keys import touching
from aorm.session.row_order import is_post_update
from aorm.session.state import InstanceState
from aorm.session.unit_of_work import FlushPlan

if TYPE_CHECKING:
    from aorm.session.session import AsyncSession
    from aorm.session.transaction import SessionTransaction

__all__ = ["FlushWork", "prepare_flush"]

_ONETOMANY = RelationshipDirection.ONETOMANY
_MANYTOONE = RelationshipDirection.MANYTOONE
_MANYTOMANY = RelationshipDirection.MANYTOMANY

# Which write wins when several set the same foreign key of one row.
_REMOVED: Final = 1  # taken out of a parent's collection (or the parent was deleted)
_ADDED: Final = 2  # put in a parent's collection
_OWN: Final = 3  # the row's own many-to-one


def _is_object(value: Any) -> bool:
    return value is not None and value is not NO_VALUE


def _same(old: Any, new: Any) -> bool:
    return old is new or (type(old) is type(new) and bool(old == new))


@dataclass(slots=True)
class _Sync:
    """Copy ``source``'s key columns into a row's foreign key (NULL when source is None)."""

    priority: int
    source: InstanceState | None
    #: ``(source attribute key, destination attribute key)``.
    pairs: tuple[tuple[str, str], ...]
    post: bool
    prop: RelationshipProperty[Any]
    #: A deleted parent: the row's many-to-one pointing at it is cleared too.
    deleted_parent: Any = None


def _points_back(child: Any, reverse: RelationshipProperty[Any], owner: Any) -> bool:
    """True when *child*'s own many-to-one *reverse* names *owner* and is synced on its own.

    Then the child's side writes the same foreign key (it wins anyway), so
    the parent's side need not: half the work for a new parent's children.
    """
    d = child.__dict__
    if reverse.uselist or d.get(reverse.key) is not owner:
        return False
    state = state_of(child)
    if state is None:
        return False
    return state.key is None or bool(state.changes and reverse.key in state.changes)


def _cycle_message(prop: RelationshipProperty[Any], dest: Mapper[Any], source: Mapper[Any]) -> str:
    """Why a row's foreign key cannot be copied: the rows (and tables) depend on each other."""
    links = sorted(
        {
            p.class_name
            for mapper, other in ((dest, source), (source, dest))
            for p in mapper.relationships.values()
            if p.mapper is other and not p.viewonly and p.direction is not _MANYTOMANY
        }
        | {prop.class_name}
    )
    if dest.table is source.table:
        tables = f"rows of table {dest.table.name!r} refer to each other"
    else:
        tables = f"tables {dest.table.name!r} and {source.table.name!r} refer to each other"
    return (
        f"{prop.class_name}: this {dest.class_.__name__} row refers to a "
        f"{source.class_.__name__} row that is inserted after it, so its key is not known "
        f"yet: the {tables} (through {', '.join(links)}); set post_update=True on one of "
        "these relationships to write that reference by an UPDATE once both rows exist"
    )


def _sync_pairs(prop: RelationshipProperty[Any]) -> tuple[tuple[str, str], ...]:
    if prop.direction is _MANYTOONE:
        return tuple(zip(prop.remote_keys, prop.local_keys, strict=True))
    return tuple(zip(prop.local_keys, prop.remote_keys, strict=True))


class FlushWork:
    """Everything one flush writes, relationships included (made by :func:`prepare_flush`)."""

    def __init__(
        self,
        session: AsyncSession,
        inserts: list[InstanceState],
        updates: list[InstanceState],
        deletes: list[InstanceState],
        expunged: list[tuple[InstanceState, Any]],
        held: list[Any],
    ) -> None:
        self.session = session
        #: Rows to INSERT, UPDATE and DELETE (orphans among the deletes).
        self.inserts = inserts
        self.updates = updates
        self.deletes = deletes
        #: Pending orphans (with their objects): not inserted, expunged once the flush succeeded.
        self.expunged = expunged
        # Objects deleted by cascade from orphans: loaded for the flush, held by nothing else.
        self._held = held
        self._syncs: dict[int, tuple[InstanceState, dict[tuple[str, ...], _Sync]]] = {}
        self.associations = AssociationRows()
        # Per relationship: its sync pairs, destination keys, and whether it post-updates.
        self._shapes: dict[int, tuple[tuple[tuple[str, str], ...], tuple[str, ...], bool]] = {}
        #: Deleted parents whose children the database deletes: (relationship, parents).
        self._passive: list[tuple[RelationshipProperty[Any], Sequence[InstanceState]]] = []

    @property
    def empty(self) -> bool:
        """True when the flush has nothing to send."""
        return not (self.inserts or self.updates or self.deletes) and self.associations.empty

    # -- foreign key sync --------------------------------------------------------

    def _sync(
        self,
        dest_obj: Any,
        source: InstanceState | None,
        prop: RelationshipProperty[Any],
        priority: int,
        deleted_parent: Any = None,
    ) -> None:
        session = self.session
        dest = state_of(dest_obj)
        if dest is None or dest.session is not session:
            return  # not in this session: nothing of it is flushed
        if source is not None and source.session is not session:
            return
        shape = self._shapes.get(id(prop))
        if shape is None:
            pairs = _sync_pairs(prop)
            shape = self._shapes[id(prop)] = (
                pairs,
                tuple(k for _, k in pairs),
                is_post_update(prop),
            )
        pairs, dest_keys, post = shape
        entry = self._syncs.get(id(dest))
        if entry is None:
            entry = self._syncs[id(dest)] = (dest, {})
        current = entry[1].get(dest_keys)
        if current is None or current.priority <= priority:
            entry[1][dest_keys] = _Sync(priority, source, pairs, post, prop, deleted_parent)

    def _owner_syncs(self, state: InstanceState) -> None:
        obj = state.object
        if obj is None:
            return
        d = obj.__dict__
        new = state.key is None
        history = state.collection_changes
        changes = state.changes
        for prop in state.mapper.relationships.values():
            if prop.viewonly or prop.direction is _MANYTOMANY:
                continue
            key = prop.key
            if prop.direction is _MANYTOONE:
                value = d.get(key, NO_VALUE)
                if new:
                    if _is_object(value):
                        self._sync(obj, state_of(value), prop, _OWN)
                elif changes and key in changes and value is not NO_VALUE:
                    self._sync(obj, None if value is None else state_of(value), prop, _OWN)
            elif new:
                reverse = prop.reverse_property
                for child in loaded_related(state, prop):
                    if reverse is None or not _points_back(child, reverse, obj):
                        self._sync(child, state, prop, _ADDED)
            elif prop.uselist:
                entry = history.get(key) if history else None
                if entry is not None:
                    for child in entry[1]:
                        self._sync(child, None, prop, _REMOVED)
                    for child in entry[0]:
                        self._sync(child, state, prop, _ADDED)
            elif changes and key in changes:
                old, value = changes[key], d.get(key)
                if _is_object(old) and old is not value:
                    self._sync(old, None, prop, _REMOVED)
                if _is_object(value):
                    self._sync(value, state, prop, _ADDED)

    async def _orphan_children_of_deleted(self) -> None:
        """Children of deleted parents without a delete cascade get NULL foreign keys."""
        for mapper, states in by_mapper(self.deletes):
            for prop in mapper.relationships.values():
                if (
                    prop.viewonly
                    or prop.direction is not _ONETOMANY
                    or prop.cascade.delete
                    or prop.passive_deletes == "all"
                ):
                    continue
                if prop.passive_deletes:
                    related = {id(s): loaded_related(s, prop) for s in states}
                else:
                    related = await fetch_related(self.session, states, prop)
                for state in states:
                    for child in related.get(id(state), ()):
                        self._sync(child, None, prop, _REMOVED, state.object)

    def _settle_syncs(self) -> None:
        """Drop writes to rows that are not saved; UPDATE persistent rows that get one."""
        if not self._syncs:
            return  # no foreign key to write (and no sets of every flushed object to make)
        gone = {id(s) for s in self.deletes}
        inserting = {id(s) for s in self.inserts}
        updating = {id(s) for s in self.updates}
        for key, (dest, _entries) in list(self._syncs.items()):
            if id(dest) in gone or (dest.key is None and id(dest) not in inserting):
                del self._syncs[key]
            elif dest.key is not None and id(dest) not in updating:
                updating.add(id(dest))
                self.updates.append(dest)

    def sync(self, states: Sequence[InstanceState], journal: FlushJournal) -> None:
        """Write the foreign keys of *states* from the rows they refer to (before their batch)."""
        syncs = self._syncs
        if not syncs:
            return
        for dest in states:
            entry = syncs.get(id(dest))
            if entry is None:
                continue
            for sync in entry[1].values():
                if sync.post:
                    if dest.key is None:
                        # Inserted with NULL; the reference is written once both rows exist.
                        for _, dest_key in sync.pairs:
                            self._write(dest, dest_key, None, journal)
                    continue
                for (_, dest_key), value in zip(
                    sync.pairs, self._source_values(sync, dest), strict=True
                ):
                    self._write(dest, dest_key, value, journal)
                if sync.deleted_parent is not None:
                    self._forget_parent(dest, sync, journal)

    @staticmethod
    def _forget_parent(dest: InstanceState, sync: _Sync, journal: FlushJournal) -> None:
        """The row no longer refers to its deleted parent: its many-to-one reads None."""
        reverse = sync.prop.reverse_property
        obj = dest.object
        if reverse is None or reverse.uselist or obj is None:
            return
        d = obj.__dict__
        if d.get(reverse.key) is sync.deleted_parent:
            journal.set(d, reverse.key, None)

    def _source_values(self, sync: _Sync, dest: InstanceState) -> list[Any]:
        source = sync.source
        if source is None:
            return [None] * len(sync.pairs)
        obj = source.object
        d = obj.__dict__ if obj is not None else {}
        values = [d.get(source_key) for source_key, _ in sync.pairs]
        if source.key is None and None in values:
            raise InvalidStateError(_cycle_message(sync.prop, dest.mapper, source.mapper))
        return values

    def _write(self, dest: InstanceState, key: str, value: Any, journal: FlushJournal) -> None:
        obj = dest.object
        if obj is None:  # pragma: no cover - the session holds these strongly
            return
        d = obj.__dict__
        current = d.get(key, NO_VALUE)
        if current is not NO_VALUE and _same(current, value):
            return
        journal.set(d, key, value)
        if dest.key is None:
            return  # a new row is inserted whole: nothing to record
        changes = dest.changes
        if changes is None:
            changes = dest.changes = {}

            def forget() -> None:
                dest.changes = None

            journal.on_undo(forget)
        if key not in changes:
            journal.set(changes, key, current)

    # -- statements --------------------------------------------------------------

    async def after_saves(self, conn: Connection, journal: FlushJournal) -> None:
        """Association rows removed then added, then ``post_update`` references."""
        await self.associations.write(conn)
        await self._post_updates(conn, journal)

    async def _post_updates(self, conn: Connection, journal: FlushJournal) -> None:
        rows: dict[int, tuple[Mapper[Any], list[tuple[InstanceState, dict[str, Any]]]]] = {}
        for dest, entries in self._syncs.values():
            for sync in entries.values():
                if not sync.post:
                    continue
                obj = dest.object
                if obj is None:  # pragma: no cover - the session holds these strongly
                    continue
                d = obj.__dict__
                values: dict[str, Any] = {}
                for (_, dest_key), value in zip(
                    sync.pairs, self._source_values(sync, dest), strict=True
                ):
                    current = d.get(dest_key, NO_VALUE)
                    if current is NO_VALUE or not _same(current, value):
                        journal.set(d, dest_key, value)
                        values[dest_key] = value
                if values:
                    entry = rows.get(id(dest.mapper))
                    if entry is None:
                        entry = rows[id(dest.mapper)] = (dest.mapper, [])
                    entry[1].append((dest, values))
        for mapper, mapper_rows in rows.values():
            await post_update_rows(conn, mapper, mapper_rows, deleting=False)

    async def before_deletes(self, conn: Connection) -> None:
        """Association rows of deleted objects, then NULL their ``post_update`` references."""
        await self.associations.delete_of_deleted(conn)
        for mapper, states in by_mapper(self.deletes):
            props = [
                p
                for p in mapper.relationships.values()
                if p.direction is _MANYTOONE and is_post_update(p) and not p.viewonly
            ]
            if not props:
                continue
            nulls: list[tuple[InstanceState, dict[str, Any]]] = []
            for state in states:
                obj = state.object
                if obj is None:
                    continue
                d = obj.__dict__
                values = {k: None for p in props for k in p.local_keys if d.get(k) is not None}
                if values:
                    nulls.append((state, values))
            if nulls:
                await post_update_rows(conn, mapper, nulls, deleting=True)

    # -- after the flush ---------------------------------------------------------

    def fill_new_relationships(self, plan: FlushPlan) -> None:
        """Load the untouched relationships of the rows *plan* inserted (no IO, cannot fail).

        See :mod:`aorm.session.new_collections`; called once every statement
        succeeded, before the objects are marked flushed.
        """
        fill_new_relationships(plan, self)

    def _collect_passive(self) -> None:
        for mapper, states in by_mapper(self.deletes):
            self._passive.extend(_passive_parents(mapper, states))

    def finalize(self, tx: SessionTransaction) -> None:
        """Once every statement succeeded: expunge pending orphans, mark rows the database deleted.

        Objects in the session whose rows went with a deleted parent through
        ``ON DELETE CASCADE`` (``passive_deletes``) become deleted: out of
        the identity map, and back in it if the transaction rolls back.
        """
        session = self.session
        for orphan, obj in self.expunged:
            if orphan.session is session:
                session._forget(orphan, obj)
        if not self._passive:
            return
        identity_map = session._identity_map
        done: set[int] | None = None  # made when first needed (rarely)
        queue = list(self._passive)
        while queue:
            prop, parent_states = queue.pop()
            target = prop.mapper.class_
            children = [obj for obj in identity_map.objects() if isinstance(obj, target)]
            if not children:
                continue  # the usual case: none of the children are in the session
            if done is None:
                done = {id(s) for s in self.deletes}
            parents = _parent_keys(prop, parent_states)
            hit: list[InstanceState] = []
            for obj in children:
                state: InstanceState = obj.__dict__[STATE_KEY]
                if id(state) in done or state.flushed_deleted or state.key is None:
                    continue
                d = obj.__dict__
                if tuple(d.get(k) for k in prop.remote_keys) in parents:
                    done.add(id(state))
                    hit.append(state)
                    state.flushed_deleted = True
                    identity_map.discard(state.key, obj)
                    session._deleted.pop(state, None)
                    tx.record_deleted(state)
            for mapper, states in by_mapper(hit):
                queue.extend(_passive_parents(mapper, states))


def _passive_parents(
    mapper: Mapper[Any], states: Sequence[InstanceState]
) -> list[tuple[RelationshipProperty[Any], Sequence[InstanceState]]]:
    """The ``passive_deletes`` delete cascades of *mapper*, each with the deleted *states*."""
    return [
        (prop, states)
        for prop in mapper.relationships.values()
        if prop.direction is _ONETOMANY
        and prop.cascade.delete
        and prop.passive_deletes
        and not prop.viewonly
    ]


def _parent_keys(
    prop: RelationshipProperty[Any], states: Sequence[InstanceState]
) -> set[tuple[Any, ...]]:
    """The values of *prop*'s parent-side key columns in each of *states*' objects."""
    keys: set[tuple[Any, ...]] = set()
    local_keys = prop.local_keys
    for state in states:
        obj = state()
        if obj is not None:
            d = obj.__dict__
            keys.add(tuple([d.get(k) for k in local_keys]))
    return keys


def _relating(
    inserts: Sequence[InstanceState], updates: Sequence[InstanceState]
) -> tuple[list[InstanceState], list[InstanceState]]:
    """*inserts* and *updates* narrowed to those touching any writable relationship key."""
    writable = attrgetter("writable")
    return list(touching(inserts, writable, True)), list(touching(updates, writable, False))


async def prepare_flush(session: AsyncSession) -> FlushWork:
    """The work of flushing *session* now: rows, orphans, foreign keys, association rows.

    Runs inside the flush (it may load collections: of orphans being
    deleted, and of deleted parents whose children get NULL foreign keys).
    """
    inserts = list(session._new)
    updates: list[InstanceState] = []
    for obj in session._identity_map.held_strongly():
        state: InstanceState = obj.__dict__[STATE_KEY]
        # state.modified, written out (once per changed object).
        if not state.marked_deleted and (state.changes or state.collection_changes):
            updates.append(state)
    deletes = list(session._deleted)
    expunged: list[tuple[InstanceState, Any]] = []
    held: list[Any] = []
    # The steps below look at relationship values only: most objects have
    # none in play, and one pass each finds those that do.
    relating = _relating(inserts, updates)
    orphans = find_orphans(session, inserts, updates, deletes, relating)
    if orphans:
        doomed, expunged = await collect_deletes(session, orphans)
        gone = {id(s) for s in deletes}
        deletes.extend(s for s, _ in doomed if id(s) not in gone)
        gone.update(id(s) for s, _ in doomed)
        dropped = {id(s) for s, _ in expunged}
        inserts = [s for s in inserts if id(s) not in dropped]
        updates = [s for s in updates if id(s) not in gone]
        held = [obj for _, obj in doomed]
        relating = _relating(inserts, updates)
    work = FlushWork(session, inserts, updates, deletes, expunged, held)
    for states, new in zip(relating, (True, False), strict=True):
        for state in touching(states, attrgetter("synced"), new):
            work._owner_syncs(state)
    await work._orphan_children_of_deleted()
    work._settle_syncs()
    if relating[0] or relating[1]:
        gone = {id(s) for s in deletes} | {id(s) for s, _ in expunged}
        work.associations.collect(session, *relating, gone)
    for mapper, states in by_mapper(deletes):
        work.associations.collect_deleted(mapper, states)
    work._collect_passive()
    return work
