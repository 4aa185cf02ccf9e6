"""The order of rows inside one table that a flush's relationships imply.

A self-referential relationship (a tree, a chain) makes some rows of a
table refer to others of the same table. :func:`relationship_row_dependencies`
tells the unit of work which rows go first (a parent before its children),
and :func:`insert_waves` splits a table's INSERTs so that a row referring to
a row whose key the database generates is inserted after it, in a later
batch. ``post_update`` relationships take no part: their column is written
by a separate UPDATE once both rows exist.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from aorm.orm.instrumentation import NO_VALUE
from aorm.orm.join_conditions import RelationshipDirection
from aorm.orm.mapper import Mapper
from aorm.orm.relationships import RelationshipProperty
from aorm.session.related import loaded_related, state_of
from aorm.session.state import InstanceState
from aorm.session.unit_of_work import row_dependency_sources

__all__ = ["insert_waves", "is_post_update", "relationship_row_dependencies"]

_MANYTOONE = RelationshipDirection.MANYTOONE
_MANYTOMANY = RelationshipDirection.MANYTOMANY


def is_post_update(prop: RelationshipProperty[Any]) -> bool:
    """Whether *prop*'s foreign key is written by a later UPDATE (``post_update`` on a side)."""
    reverse = prop.reverse_property
    return prop.post_update or (reverse is not None and reverse.post_update)


def _self_referential(mapper: Mapper[Any]) -> list[RelationshipProperty[Any]]:
    return [
        prop
        for prop in mapper.relationships.values()
        if prop.mapper is mapper
        and prop.direction is not _MANYTOMANY
        and not prop.viewonly
        and not is_post_update(prop)
    ]


def _row_pairs(
    mapper: Mapper[Any], states: Sequence[InstanceState]
) -> Iterator[tuple[InstanceState, InstanceState, tuple[str, ...]]]:
    """``(first, then, keys)``: *then* refers to *first* through *first*'s columns *keys*."""
    props = _self_referential(mapper)
    if not props:
        return
    members = {id(s) for s in states}
    for prop in props:
        if prop.direction is _MANYTOONE:
            for state in states:
                obj = state.object
                value = obj.__dict__.get(prop.key) if obj is not None else None
                if value is not None and value is not NO_VALUE:
                    target = state_of(value)
                    if target is not None and id(target) in members and target is not state:
                        yield target, state, prop.remote_keys
        else:
            for state in states:
                for child in loaded_related(state, prop):
                    child_state = state_of(child)
                    if (
                        child_state is not None
                        and id(child_state) in members
                        and child_state is not state
                    ):
                        yield state, child_state, prop.local_keys


def relationship_row_dependencies(
    mapper: Mapper[Any], states: Sequence[InstanceState]
) -> Iterator[tuple[InstanceState, InstanceState]]:
    """Row dependencies from self-referential relationships: a parent before its children."""
    for first, then, _keys in _row_pairs(mapper, states):
        yield first, then


def insert_waves(mapper: Mapper[Any], states: list[InstanceState]) -> list[list[InstanceState]]:
    """*states* (in row order) split into INSERT batches so a parent's generated key is known.

    A row referring to a row of the same table whose key the database
    generates goes in a later batch than that row; without such references
    all rows go in one batch.
    """
    if len(states) < 2:
        return [states]
    waiting: dict[int, list[InstanceState]] = {}
    for first, then, keys in _row_pairs(mapper, states):
        obj = first.object
        if first.key is None and obj is not None and any(obj.__dict__.get(k) is None for k in keys):
            waiting.setdefault(id(then), []).append(first)
    if not waiting:
        return [states]
    level: dict[int, int] = {}
    waves: list[list[InstanceState]] = []
    for state in states:
        depth = 0
        for first in waiting.get(id(state), ()):
            if id(first) in level:
                depth = max(depth, level[id(first)] + 1)
        level[id(state)] = depth
        while len(waves) <= depth:
            waves.append([])
        waves[depth].append(state)
    return waves


row_dependency_sources.append(relationship_row_dependencies)
