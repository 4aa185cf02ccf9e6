"""Cascades: how session operations follow relationships (``cascade="all, delete-orphan"``).

Each relationship's :class:`~aorm.orm.cascade.CascadeOptions` says which
operations on an object also apply to the objects it refers to:

* ``save-update`` — ``session.add(obj)`` adds every object reachable from
  *obj* along save-update relationships; so does appending a transient object
  to (or assigning it on) an object already in a session, at once
  (:func:`relationship_changed`, called by the object's state).
* ``merge`` — ``session.merge(obj)`` merges the related objects too and
  points the merged copy at their merged copies (:func:`merge`).
* ``refresh-expire`` — ``expire(obj)`` and ``refresh(obj)`` expire the related
  objects (a pending one is expunged instead), as SQLAlchemy does.
* ``expunge`` — ``expunge(obj)`` expunges the related objects.
* ``delete`` — ``delete(obj)`` deletes the related objects, loading a
  collection that is not loaded first (awaited), unless ``passive_deletes``
  leaves them to the database (:func:`collect_deletes`).
* ``delete-orphan`` — an object removed from its parent's collection (or whose
  reference to its parent is cleared) and not given another parent is
  deleted at the next flush (a pending one is expunged instead):
  :func:`find_orphans`.

Walks never do IO except where an operation is awaited (``delete``, ``merge``,
and the flush), and follow only objects in the same session.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from aorm.orm.instrumentation import NO_VALUE, STATE_KEY
from aorm.orm.join_conditions import RelationshipDirection
from aorm.orm.mapper import mapper_of
from aorm.orm.relationships import RelationshipProperty
from aorm.session import executing
from aorm.session.related import by_mapper, fetch_related, known_related, loaded_related, state_of
from aorm.session.relationship_keys import relationship_keys, touching
from aorm.session.state import InstanceState, instance_state_of

if TYPE_CHECKING:
    from aorm.session.session import AsyncSession

__all__ = [
    "cascade_targets",
    "collect_deletes",
    "deletes_only_itself",
    "expire_states",
    "find_orphans",
    "merge",
    "orphan_parents",
    "relationship_changed",
    "save_update",
    "save_update_all",
]

_ONETOMANY = RelationshipDirection.ONETOMANY
_MANYTOONE = RelationshipDirection.MANYTOONE


def _is_object(value: Any) -> bool:
    return value is not None and value is not NO_VALUE


# -- save-update ------------------------------------------------------------------


def save_update(session: AsyncSession, obj: object) -> None:
    """Add *obj* to *session*, and every object reachable from it along save-update cascades.

    Objects already in the session are not walked again (their relationships
    were cascaded when they joined it, and each change since cascades at once).
    """
    state = instance_state_of(obj)
    session._add_state(state, obj)
    _walk_save_update(session, state)


def save_update_all(session: AsyncSession, objects: Iterable[object]) -> None:
    """:func:`save_update` for each of *objects*, in order (what ``add_all()`` does).

    The same steps, with the common case inlined: a new object never added
    to a session, holding no related objects, becomes pending without a walk.
    """
    session_ref = session._ref
    new_objects = session._new
    began = False
    # The class of the last object whose state instance_state_of() made, and its
    # mapper: another new object of that class gets its state here directly.
    known_class: type[Any] | None = None
    known_mapper: Any = None
    for obj in objects:
        d = getattr(obj, "__dict__", None)
        state = d.get(STATE_KEY) if d is not None else None
        if state is None and type(obj) is known_class:
            assert d is not None
            state = d[STATE_KEY] = InstanceState(obj, known_mapper)
        elif type(state) is not InstanceState:
            state = instance_state_of(obj)
            d = obj.__dict__
            known_class, known_mapper = type(obj), state.mapper
        assert d is not None
        if state._session_ref is None and state.key is None:
            if not began:
                session._ensure_transaction()
                began = True
            state._session_ref = session_ref
            new_objects[state] = obj
        else:
            session._add_state(state, obj)
        relationships = state.mapper.relationships
        if relationships and (state.collection_changes or not d.keys().isdisjoint(relationships)):
            _walk_save_update(session, state)


def _cascade_add(session: AsyncSession, obj: object) -> None:
    """Add *obj* (not in *session*) and walk its save-update cascades."""
    state = instance_state_of(obj)
    if state.session is session or state.flushed_deleted:
        return
    session._add_state(state, obj)
    _walk_save_update(session, state)


def _walk_save_update(session: AsyncSession, root: InstanceState) -> None:
    stack = [root]
    seen = {id(root)}
    while stack:
        state = stack.pop()
        obj = state.object
        if obj is None:  # pragma: no cover - the caller holds the objects
            continue
        d = obj.__dict__
        pending = state.collection_changes
        for key, prop in state.mapper.relationships.items():
            if key not in d and (not pending or key not in pending):
                continue  # nothing in memory to follow (the common case for new objects)
            if prop.viewonly or not prop.cascade.save_update:
                continue
            for child in loaded_related(state, prop):
                child_state = instance_state_of(child)
                if id(child_state) in seen:
                    continue
                seen.add(id(child_state))
                if child_state.session is session or child_state.flushed_deleted:
                    continue
                session._add_state(child_state, child)
                stack.append(child_state)


def relationship_changed(
    session: AsyncSession,
    state: InstanceState,
    prop: RelationshipProperty[Any],
    added: Sequence[Any],
    removed: Sequence[Any],
) -> None:
    """*state*'s object (in *session*) gained *added* / lost *removed* through *prop*.

    Save-update cascades the added objects into the session at once. What
    was removed is left to the flush (delete-orphan is decided there, once
    the object's final parent is known).
    """
    if prop.viewonly or not prop.cascade.save_update:
        return
    for obj in added:
        if not _is_object(obj):
            continue
        known = state_of(obj)
        if known is not None and known.session is session:
            continue
        _cascade_add(session, obj)


# -- expunge, refresh-expire ------------------------------------------------------


def cascade_targets(
    session: AsyncSession, state: InstanceState, cascade: str
) -> list[tuple[InstanceState, Any]]:
    """The objects of *session* reachable from *state* along relationships cascading *cascade*.

    *cascade* is a cascade word (``"expunge"``, ``"refresh-expire"``). Only
    loaded values are followed (no IO); *state* itself is not included.
    """
    found: list[tuple[InstanceState, Any]] = []
    seen = {id(state)}
    stack = [state]
    while stack:
        current = stack.pop()
        for prop in current.mapper.relationships.values():
            if prop.viewonly or cascade not in prop.cascade:
                continue
            for child in loaded_related(current, prop):
                child_state = state_of(child)
                if child_state is None or id(child_state) in seen:
                    continue
                seen.add(id(child_state))
                if child_state.session is not session:
                    continue
                found.append((child_state, child))
                stack.append(child_state)
    return found


def expire_states(session: AsyncSession, targets: Iterable[tuple[InstanceState, Any]]) -> None:
    """Expire every attribute of the persistent *targets*; expunge the pending ones."""
    for state, obj in targets:
        if state.session is not session:
            continue
        if state.key is None:
            session._forget(state, obj)
            continue
        was_modified = state.modified
        state.expire()
        if was_modified and not state.modified:
            session._state_clean(state)


# -- delete -----------------------------------------------------------------------


async def collect_deletes(
    session: AsyncSession, roots: Sequence[InstanceState]
) -> tuple[list[tuple[InstanceState, Any]], list[tuple[InstanceState, Any]]]:
    """What deleting *roots* deletes: ``(persistent objects to delete, pending ones to expunge)``.

    Each as ``(state, object)`` pairs (the objects are held: a collection
    loaded only for the cascade, a dynamic one say, is held nowhere else).
    Both lists include the roots themselves. Delete cascades are followed
    level by level, loading each relationship that is not loaded for all
    objects of a level with one awaited query (``passive_deletes`` follows
    loaded values only: the database deletes the rest). Objects already
    marked or flushed deleted, or outside *session*, stop the walk.
    """
    doomed: dict[int, tuple[InstanceState, Any]] = {}
    dropped: dict[int, tuple[InstanceState, Any]] = {}
    for root in roots:
        (doomed if root.key is not None else dropped)[id(root)] = (root, root.object)
    frontier = list(roots)
    while frontier:
        following: list[InstanceState] = []
        for mapper, states in by_mapper(frontier):
            for prop in mapper.relationships.values():
                if prop.viewonly or not prop.cascade.delete:
                    continue
                related = await _related_for_delete(session, states, prop)
                for state in states:
                    for child in related.get(id(state), ()):
                        child_state = state_of(child)
                        if (
                            child_state is None
                            or child_state.session is not session
                            or id(child_state) in doomed
                            or id(child_state) in dropped
                            or child_state.marked_deleted
                            or child_state.flushed_deleted
                        ):
                            continue
                        found = doomed if child_state.key is not None else dropped
                        found[id(child_state)] = (child_state, child)
                        following.append(child_state)
        frontier = following
    return list(doomed.values()), list(dropped.values())


def deletes_only_itself(state: InstanceState) -> bool:
    """True when deleting *state*'s object deletes nothing else and needs no load.

    So when each relationship cascading ``delete`` leaves what is not loaded
    to the database (``passive_deletes``) and holds nothing in memory.
    """
    obj = state()
    if obj is None:
        return False
    keys = relationship_keys(state.mapper)
    if keys.delete_may_load:
        return False
    deleting = keys.deleting
    # Whether it holds any of them in memory: a relationship in __dict__ or an
    # unflushed collection change (one set operation; this runs per object deleted).
    return not deleting or (not state.collection_changes and deleting.isdisjoint(obj.__dict__))


async def _related_for_delete(
    session: AsyncSession, states: Sequence[InstanceState], prop: RelationshipProperty[Any]
) -> dict[int, list[Any]]:
    if not prop.passive_deletes:
        return await fetch_related(session, states, prop)
    result: dict[int, list[Any]] = {}
    for state in states:
        known = known_related(state, prop)
        result[id(state)] = known if known is not None else loaded_related(state, prop)
    return result


# -- delete-orphan ----------------------------------------------------------------


def orphan_parents(prop: RelationshipProperty[Any]) -> list[RelationshipProperty[Any]]:
    """The delete-orphan collections a many-to-one *prop* is the other side of.

    Its ``back_populates`` partner if that cascades delete-orphan, and any
    other relationship of the target class into *prop*'s class over the same
    foreign key that does.
    """
    if prop.direction is not _MANYTOONE or prop.viewonly:
        return []
    mine = {id(c) for c in prop.foreign_columns}
    found: list[RelationshipProperty[Any]] = []
    for other in prop.mapper.relationships.values():
        if (
            other.cascade.delete_orphan
            and not other.viewonly
            and other.direction is _ONETOMANY
            and other.mapper is prop.parent
            and {id(c) for c in other.foreign_columns} == mine
        ):
            found.append(other)
    return found


class _Attachments:
    """Which objects each delete-orphan relationship holds after the pending changes."""

    def __init__(self, owners: Sequence[InstanceState]) -> None:
        self._owners = owners
        self._held: dict[int, set[int]] = {}

    def holds(self, prop: RelationshipProperty[Any], child: InstanceState) -> bool:
        """True when *child* was given a parent through *prop* (or its other side)."""
        obj = child.object
        reverse = prop.reverse_property
        if obj is not None and reverse is not None and not reverse.uselist:
            d = obj.__dict__
            if reverse.key in d:
                return d[reverse.key] is not None
        held = self._held.get(id(prop))
        if held is None:
            held = self._held[id(prop)] = self._collect(prop)
        return id(obj) in held

    def _collect(self, prop: RelationshipProperty[Any]) -> set[int]:
        held: set[int] = set()
        for owner in self._owners:
            if owner.mapper is not prop.parent:
                continue
            if owner.key is None:
                held.update(id(x) for x in loaded_related(owner, prop))
                continue
            history = owner.collection_changes
            if history and prop.key in history:
                held.update(id(x) for x in history[prop.key][0])
            changes = owner.changes
            obj = owner.object
            if changes and prop.key in changes and obj is not None:
                current = obj.__dict__.get(prop.key)
                if _is_object(current):
                    held.add(id(current))
        return held


def find_orphans(
    session: AsyncSession,
    inserts: Sequence[InstanceState],
    updates: Sequence[InstanceState],
    deletes: Sequence[InstanceState],
    relating: tuple[Sequence[InstanceState], Sequence[InstanceState]],
) -> list[InstanceState]:
    """The objects of *session* a flush must delete (or, when pending, expunge) as orphans.

    Candidates: objects removed from a delete-orphan relationship of a
    persistent object, and objects whose many-to-one to a delete-orphan
    parent was set to None. A candidate that was given a parent again
    (moved) is no orphan. *relating* is ``(inserts, updates)`` narrowed to
    the states that :func:`touching` any writable relationship key: the
    candidates can only come from those.
    """
    new_relating, old_relating = relating
    candidates: dict[tuple[int, int], tuple[RelationshipProperty[Any], InstanceState]] = {}

    def candidate(prop: RelationshipProperty[Any], obj: Any) -> None:
        state = state_of(obj) if _is_object(obj) else None
        if state is not None:
            candidates[(id(state), id(prop))] = (prop, state)

    # Most objects touch no relationship a candidate comes from: they are
    # skipped by one set operation each (see relationship_keys).
    for state in touching(old_relating, attrgetter("orphaning"), False):
        _removed_candidates(state, candidate)
    for states, new in ((new_relating, True), (old_relating, False)):
        for state in touching(states, attrgetter("many_to_one"), new):
            _cleared_candidates(state, candidate)
    if not candidates:
        return []
    gone = {id(s) for s in deletes}
    attachments = _Attachments([*inserts, *updates])
    orphans: dict[int, InstanceState] = {}
    for prop, state in candidates.values():
        if (
            state.session is not session
            or id(state) in gone
            or state.marked_deleted
            or state.flushed_deleted
            or attachments.holds(prop, state)
        ):
            continue
        orphans[id(state)] = state
    return list(orphans.values())


def _removed_candidates(state: InstanceState, candidate: Any) -> None:
    """Objects removed from *state*'s delete-orphan relationships (collections and scalars)."""
    relationships = state.mapper.relationships
    history = state.collection_changes
    if history:
        for key, (_added, removed) in history.items():
            prop = relationships.get(key)
            if prop is not None and prop.cascade.delete_orphan and not prop.viewonly:
                for obj in removed:
                    candidate(prop, obj)
    changes = state.changes
    obj = state.object
    if changes and obj is not None:
        for key, old in changes.items():
            prop = relationships.get(key)
            if (
                prop is not None
                and prop.cascade.delete_orphan
                and not prop.viewonly
                and not prop.uselist
                and obj.__dict__.get(key) is not old
            ):
                candidate(prop, old)


def _cleared_candidates(state: InstanceState, candidate: Any) -> None:
    """*state* itself, when its many-to-one to a delete-orphan parent was set to None."""
    obj = state.object
    if obj is None:
        return
    d = obj.__dict__
    changes = state.changes
    for prop in state.mapper.relationships.values():
        if prop.direction is not _MANYTOONE or d.get(prop.key, NO_VALUE) is not None:
            continue
        if state.key is not None and not (changes and prop.key in changes):
            continue
        if state.key is None and any(d.get(k) is not None for k in prop.local_keys):
            continue  # a pending object given its parent's key directly has a parent
        for parent_prop in orphan_parents(prop):
            candidate(parent_prop, obj)


# -- merge ------------------------------------------------------------------------


async def merge(session: AsyncSession, obj: Any, *, load: bool) -> Any:
    """``session.merge(obj)``: *obj*'s copy in *session*, following merge cascades.

    Each object reached is merged once (a graph with cycles is fine). A
    relationship loaded on the source is given the merged copies of its
    objects on the target (a collection of a persistent target is loaded
    first, so what it loses is known). Autoflush runs once, before the merge.
    """
    await session._autoflush()
    with session._suspend_autoflush():
        return await _merge(session, obj, load, {})


async def _merge(session: AsyncSession, obj: Any, load: bool, memo: dict[int, Any]) -> Any:
    found = memo.get(id(obj))
    if found is not None:
        return found
    target = await executing.merge(session, obj, load=load)
    memo[id(obj)] = target
    if target is obj:
        return obj
    mapper = mapper_of(target)
    values = obj.__dict__
    for prop in mapper.relationships.values():
        if prop.viewonly or not prop.cascade.merge or prop.key not in values:
            continue
        value = values[prop.key]
        if prop.uselist:
            if not isinstance(value, list):
                continue
            items = [await _merge(session, item, load, memo) for item in list(value)]
            target_state = instance_state_of(target)
            if prop.key not in target.__dict__ and target_state.key is not None:
                await fetch_related(session, [target_state], prop)
                if prop.key not in target.__dict__:
                    continue  # a collection that is never loaded (dynamic)
            setattr(target, prop.key, items)
        else:
            merged = None if value is None else await _merge(session, value, load, memo)
            setattr(target, prop.key, merged)
    return target
