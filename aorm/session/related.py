"""The objects a relationship holds: what is known without IO, and the awaited fetch.

Cascades and the flush ask "which objects does this relationship of this
object hold?". :func:`loaded_related` answers from memory only: the loaded
value in ``__dict__`` plus objects appended while the collection was not
loaded (``state.collection_changes``). :func:`known_related` says whether
that answer is the whole truth. :func:`fetch_related` loads what is not
known, for many objects of one class at once: through the relationship's
registered loader strategy when it has an awaited loader that puts the value
in ``__dict__``, otherwise with one query of its own
(``SELECT target … WHERE fk IN (…)``), whose result it stores as the loaded
value (except for ``lazy="dynamic"``, which never holds a loaded value).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from aorm.exc import ExpiredAttributeError, LazyLoadError
from aorm.orm.attributes import set_committed_value
from aorm.orm.instrumentation import NO_VALUE, STATE_KEY
from aorm.orm.join_conditions import RelationshipDirection
from aorm.orm.mapper import Mapper
from aorm.orm.relationships import RelationshipProperty
from aorm.session import executing
from aorm.session.state import InstanceState
from aorm.session.strategies import LoaderStrategy, strategy_for
from aorm.sql.elements import ColumnElement
from aorm.sql.expressions import and_, or_
from aorm.sql.schema import Column
from aorm.sql.select import Select, select

if TYPE_CHECKING:
    from aorm.session.session import AsyncSession

__all__ = ["by_mapper", "fetch_related", "known_related", "loaded_related", "state_of"]

_ONETOMANY = RelationshipDirection.ONETOMANY
_MANYTOONE = RelationshipDirection.MANYTOONE

# Strategies whose awaited loader (if any) does not leave a loaded value behind.
_NOT_STORED: Final = frozenset({"dynamic", "noload", "raise"})


def state_of(obj: object) -> InstanceState | None:
    """*obj*'s session state, or None for an object no session has seen."""
    state = obj.__dict__.get(STATE_KEY)
    return state if isinstance(state, InstanceState) else None


def by_mapper(states: Sequence[InstanceState]) -> list[tuple[Mapper[Any], list[InstanceState]]]:
    """*states* grouped by mapper, in the order each mapper first appears."""
    if not states:
        return []
    first = states[0].mapper
    for state in states:
        if state.mapper is not first:
            break
    else:
        return [(first, list(states))]  # one class (the usual flush): no grouping
    groups: dict[int, tuple[Mapper[Any], list[InstanceState]]] = {}
    for state in states:
        mapper = state.mapper
        entry = groups.get(id(mapper))
        if entry is None:
            entry = groups[id(mapper)] = (mapper, [])
        entry[1].append(state)
    return list(groups.values())


def _pending_added(state: InstanceState, key: str) -> list[Any]:
    history = state.collection_changes
    if not history:
        return []
    entry = history.get(key)
    return list(entry[0]) if entry else []


def _pending_removed(state: InstanceState, key: str) -> list[Any]:
    history = state.collection_changes
    if not history:
        return []
    entry = history.get(key)
    return list(entry[1]) if entry else []


def _merge(items: Sequence[Any], extra: Sequence[Any]) -> list[Any]:
    """*items*, then the objects of *extra* not among them (by identity)."""
    result = list(items)
    seen = {id(x) for x in result}
    for item in extra:
        if id(item) not in seen:
            seen.add(id(item))
            result.append(item)
    return result


def loaded_related(state: InstanceState, prop: RelationshipProperty[Any]) -> list[Any]:
    """The objects *prop* of *state*'s object holds as far as memory knows (never IO)."""
    obj = state.object
    if obj is None:
        return []
    key = prop.key
    value = obj.__dict__.get(key, NO_VALUE)
    if prop.uselist:
        items: list[Any] = list(value) if isinstance(value, list) else []
    elif value is NO_VALUE or value is None:
        items = []
    else:
        items = [value]
    history = state.collection_changes
    entry = history.get(key) if history else None
    # Most objects have no pending additions: skip the merge (this runs per object per flush).
    return _merge(items, entry[0]) if entry and entry[0] else items


def known_related(state: InstanceState, prop: RelationshipProperty[Any]) -> list[Any] | None:
    """Every object *prop* holds, when that is known without IO; None when it needs a load.

    Known: the value is loaded, the object is pending (its relationships are
    all in memory), or a many-to-one resolves without a query (NULL foreign
    key, target in the identity map).
    """
    obj = state.object
    if obj is None:
        return []
    d = obj.__dict__
    if prop.key in d or state.key is None or prop.key in state.empty_relationships:
        return loaded_related(state, prop)
    if prop.uselist:
        return None
    try:
        value = strategy_for(prop).missing(state, prop)
    except (LazyLoadError, ExpiredAttributeError):
        return None
    return [] if value is None else [value]


def _loads_into_dict(prop: RelationshipProperty[Any]) -> bool:
    strategy = strategy_for(prop)
    # The base class's load() only raises: nothing is registered for it yet.
    return prop.lazy not in _NOT_STORED and type(strategy).load is not LoaderStrategy.load


async def fetch_related(
    session: AsyncSession, states: Sequence[InstanceState], prop: RelationshipProperty[Any]
) -> dict[int, list[Any]]:
    """``id(state)`` → every object *prop* holds, for each of *states*, loading what is unknown.

    The caller holds the session's operation guard (this runs statements on
    the session's connection, after an autoflush unless one is running or
    suspended).
    """
    result: dict[int, list[Any]] = {}
    todo: list[InstanceState] = []
    for state in states:
        found = known_related(state, prop)
        if found is None:
            todo.append(state)
        else:
            result[id(state)] = found
    if todo and _loads_into_dict(prop):
        # A loader option may forbid lazy loads of these objects: they are queried below.
        with contextlib.suppress(LazyLoadError):
            await strategy_for(prop).load(session, todo, prop)
        still: list[InstanceState] = []
        for state in todo:
            found = known_related(state, prop)
            if found is None:
                still.append(state)
            else:
                result[id(state)] = found
        todo = still
    if todo:
        rows = await _query(session, todo, prop)
        store = prop.lazy != "dynamic"
        for state in todo:
            obj = state.object
            items = rows.get(id(state), [])
            removed = {id(x) for x in _pending_removed(state, prop.key)}
            items = _merge(
                [x for x in items if id(x) not in removed], _pending_added(state, prop.key)
            )
            if store and obj is not None and prop.key not in obj.__dict__:
                set_committed_value(obj, prop.key, items if prop.uselist else _one(items))
            result[id(state)] = items
    return result


def _one(items: Sequence[Any]) -> Any:
    return items[0] if items else None


def _criteria(columns: Sequence[Column], keys: Sequence[tuple[Any, ...]]) -> ColumnElement:
    """``columns`` equal to one of *keys* (an IN list for one column)."""
    if len(columns) == 1:
        return columns[0].in_([k[0] for k in keys])
    return or_(*[and_(*[c == v for c, v in zip(columns, k, strict=True)]) for k in keys])


async def _query(
    session: AsyncSession, states: Sequence[InstanceState], prop: RelationshipProperty[Any]
) -> dict[int, list[Any]]:
    """Load *prop* for *states* with one query: ``id(state)`` → the related objects."""
    target = prop.mapper.class_
    # Which parent values each state joins on: its local columns' values.
    wanted: dict[tuple[Any, ...], list[InstanceState]] = {}
    for state in states:
        obj = state.object
        if obj is None:
            continue
        d = obj.__dict__
        if any(k not in d for k in prop.local_keys):
            continue  # an expired key cannot be joined on; nothing is known to load
        value = tuple(d[k] for k in prop.local_keys)
        if None in value:
            continue  # a NULL reference holds nothing
        wanted.setdefault(value, []).append(state)
    if not wanted:
        return {}
    remote = [r for _, r in prop.local_remote_pairs]
    stmt: Select
    if prop.direction is RelationshipDirection.MANYTOMANY:
        assert prop.secondary is not None
        assert prop.secondaryjoin is not None
        stmt = (
            select(target, *remote)
            .join(prop.secondary, prop.secondaryjoin)
            .where(_criteria(remote, list(wanted)))
        )
    else:
        stmt = select(target, *remote).where(_criteria(remote, list(wanted)))
    if prop.order_by:
        stmt = stmt.order_by(*prop.order_by)
    result = await executing.execute(session, stmt, None, None)
    found: dict[int, list[Any]] = {}
    width = len(remote)
    for row in result.all():
        values = tuple(row)
        related, key = values[0], tuple(values[1 : 1 + width])
        for state in wanted.get(key, ()):
            found.setdefault(id(state), []).append(related)
    return found
