"""Which relationship keys of a mapper each step of a flush looks at, worked out once.

A flush walks every inserted and updated object several times (foreign key
syncs, orphans, association rows). Most objects touch none of their
relationships: a new object whose relationships were never set, a loaded
one whose changes are all columns. Each walk first compares the object's
``__dict__`` (new objects) or change record (loaded ones) with the key set
it cares about, a C-level set operation, and skips the object when they do
not meet (callers skip the call altogether when the key set is empty).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from aorm.orm.join_conditions import RelationshipDirection
from aorm.orm.mapper import Mapper, per_mapper
from aorm.session.state import InstanceState

__all__ = ["RelationshipKeys", "relationship_keys", "touching"]

_MANYTOONE = RelationshipDirection.MANYTOONE
_MANYTOMANY = RelationshipDirection.MANYTOMANY


@dataclass(frozen=True, slots=True)
class RelationshipKeys:
    """Keys of a mapper's writable (not ``viewonly``) relationships, by a flush's use of them."""

    #: All of them (each set below is part of it).
    writable: frozenset[str]
    #: Those whose values decide foreign keys (every direction but many-to-many).
    synced: frozenset[str]
    #: Those with a ``delete-orphan`` cascade.
    orphaning: frozenset[str]
    #: The many-to-ones (setting one to None may orphan the object).
    many_to_one: frozenset[str]
    #: The many-to-manys (their changes are association rows).
    many_to_many: frozenset[str]
    #: Those with a ``delete`` cascade.
    deleting: frozenset[str]
    #: Whether deleting an object may need a load: a ``delete`` cascade that
    #: is not a collection left to the database (``passive_deletes``).
    delete_may_load: bool


@per_mapper
def relationship_keys(mapper: Mapper[Any]) -> RelationshipKeys:
    """The :class:`RelationshipKeys` of configured *mapper*."""
    live = [p for p in mapper.relationships.values() if not p.viewonly]
    return RelationshipKeys(
        writable=frozenset(p.key for p in live),
        synced=frozenset(p.key for p in live if p.direction is not _MANYTOMANY),
        orphaning=frozenset(p.key for p in live if p.cascade.delete_orphan),
        many_to_one=frozenset(p.key for p in live if p.direction is _MANYTOONE),
        many_to_many=frozenset(p.key for p in live if p.direction is _MANYTOMANY),
        deleting=frozenset(p.key for p in live if p.cascade.delete),
        delete_may_load=any(
            p.cascade.delete and not (p.passive_deletes and p.uselist) for p in live
        ),
    )


def touching(
    states: Iterable[InstanceState],
    pick: Callable[[RelationshipKeys], frozenset[str]],
    new: bool,
) -> Iterator[InstanceState]:
    """Those of *states* whose object may hold something under the keys *pick* takes of
    their mapper, in order: the objects a flush step must look at.

    A new object (*new*): one of the keys is in its ``__dict__`` (set, or a
    collection made) or it has collection changes. A loaded one: one of the
    keys is in its changes or collection changes.
    """
    mapper: Mapper[Any] | None = None
    keys: frozenset[str] = frozenset()
    # One set operation per object: this runs once per flushed object, several times a flush.
    for state in states:
        if state.mapper is not mapper:
            # Consecutive states mostly share a mapper: one look-up per run of them.
            mapper = state.mapper
            keys = pick(relationship_keys(mapper))
        if not keys:
            continue
        if state.collection_changes:
            yield state
        elif new:
            obj = state()
            if obj is not None and not keys.isdisjoint(obj.__dict__):
                yield state
        else:
            changes = state.changes
            if changes is not None and not keys.isdisjoint(changes):
                yield state
