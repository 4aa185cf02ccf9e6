"""The flush plan: which rows to INSERT, UPDATE and DELETE, in foreign-key order.

Tables are ordered by their foreign keys (a referenced table before the
tables that refer to it), leaving out the foreign keys written only by
``post_update`` relationships, which is what lets two tables refer to each
other; the order is computed once per set of mappers and cached. Saves
(INSERT, then UPDATE) run table by table in that order, so parents exist
before their children; DELETEs run afterwards in the reverse order, so
children go before their parents.

Inside one table, rows keep the order their objects were added, except
where rows depend on each other (a self-referencing table): then a row comes
after the rows it refers to (and, for deletes, before them). Those row
dependencies come from :data:`row_dependency_sources`: the built-in source
reads foreign-key values that match another flushed row's key (except the
columns of ``post_update`` relationships); :mod:`aorm.session.row_order`
registers another that reads related objects.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aorm.orm.mapper import Mapper
from aorm.sql.schema import Table

if TYPE_CHECKING:
    from aorm.session.state import InstanceState

__all__ = [
    "FlushPlan",
    "MapperActions",
    "RowDependencySource",
    "build_flush_plan",
    "order_rows",
    "row_dependency_sources",
    "sort_mappers",
]

#: ``fn(mapper, states)`` yields ``(first, then)`` pairs among *states* (all of
#: *mapper*, in one INSERT or DELETE group): for inserts, *first*'s row must
#: exist before *then*'s; deletes use the same pairs reversed.
RowDependencySource = Callable[[Mapper[Any], Sequence["InstanceState"]], Iterable[tuple[Any, Any]]]


@dataclass
class MapperActions:
    """The rows of one mapper to write in a flush."""

    mapper: Mapper[Any]
    inserts: list[InstanceState] = field(default_factory=list)
    updates: list[InstanceState] = field(default_factory=list)
    deletes: list[InstanceState] = field(default_factory=list)


@dataclass
class FlushPlan:
    """What a flush sends: saves parents-first, then deletes children-first."""

    #: Per mapper, in dependency order: INSERTs, then UPDATEs.
    saves: list[MapperActions]
    #: Per mapper, in reverse dependency order: DELETEs.
    deletes: list[MapperActions]

    @property
    def empty(self) -> bool:
        """True when the flush has nothing to send."""
        return not self.saves and not self.deletes


def _is_post_update(prop: Any) -> bool:
    reverse = prop.reverse_property
    return bool(prop.post_update or (reverse is not None and reverse.post_update))


def _post_update_columns(mappers: Iterable[Mapper[Any]]) -> set[int]:
    """Ids of the foreign key columns that only ``post_update`` relationships write.

    Such a column is written by an UPDATE once every row exists (and cleared
    before the deletes), so it orders no tables: that is how it breaks a cycle.
    """
    post: set[int] = set()
    plain: set[int] = set()
    for mapper in mappers:
        for prop in mapper.relationships.values():
            if prop.viewonly:
                continue
            into = post if _is_post_update(prop) else plain
            into.update(id(column) for column in prop.foreign_columns)
    return post - plain


@lru_cache(maxsize=256)
def _table_order(mappers: frozenset[Mapper[Any]]) -> dict[Table, int]:
    """Tables parents-first by the foreign keys that order rows (``post_update`` ones left out).

    Tables still in a cycle keep their name order; a flush that really needs
    one row of the cycle before the other is refused when it copies the key
    (:mod:`aorm.session.dependencies` names the relationships).
    """
    tables = sorted({id(m.table): m.table for m in mappers}.values(), key=_table_sort_key)
    position = {id(t): i for i, t in enumerate(tables)}
    ignored = _post_update_columns(mappers)
    parents: dict[int, set[int]] = {i: set() for i in range(len(tables))}
    for child_at, table in enumerate(tables):
        for constraint in table.foreign_key_constraints:
            columns = [fk.parent for fk in constraint.elements]
            if all(c is not None and id(c) in ignored for c in columns):
                continue
            for fk in constraint.elements:
                if not fk._can_resolve():
                    continue
                parent_at = position.get(id(fk.column.table))
                if parent_at is not None and parent_at != child_at:
                    parents[child_at].add(parent_at)
    order = _ordered_positions(len(tables), parents)
    return {tables[i]: index for index, i in enumerate(order)}


def _ordered_positions(count: int, before: dict[int, set[int]]) -> list[int]:
    """Positions ``0..count-1`` with each after the positions ``before[it]`` names.

    Among positions free to go, the lowest goes first, so a starting order
    with no dependencies is kept; in a cycle the lowest position still
    waiting is released.
    """
    waiting = {i: set(before.get(i, ())) for i in range(count)}
    followers: dict[int, list[int]] = {}
    for after, firsts in before.items():
        for first in firsts:
            followers.setdefault(first, []).append(after)
    ready = [i for i, firsts in waiting.items() if not firsts]
    heapq.heapify(ready)
    order: list[int] = []
    done: set[int] = set()
    while len(order) < count:
        if not ready:
            ready = [min(i for i in range(count) if i not in done)]
        current = heapq.heappop(ready)
        if current in done:
            continue
        done.add(current)
        order.append(current)
        for follower in followers.get(current, ()):
            firsts = waiting[follower]
            firsts.discard(current)
            if not firsts and follower not in done:
                heapq.heappush(ready, follower)
    return order


def _table_sort_key(table: Table) -> tuple[str, str]:
    # A stable starting order, so the result does not depend on set iteration.
    return (table.schema or "", table.name)


def sort_mappers(mappers: Iterable[Mapper[Any]]) -> list[Mapper[Any]]:
    """*mappers* parents-first by their tables' foreign keys (cached per set of mappers).

    Foreign keys written only by ``post_update`` relationships do not count.
    """
    unique = {id(m): m for m in mappers}
    order = _table_order(frozenset(unique.values()))
    return sorted(unique.values(), key=lambda m: (order[m.table], m.insert_order))


def _self_references(
    mapper: Mapper[Any],
) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """``(referring keys, referred keys)`` for each foreign key of a table to itself.

    Foreign keys written by a ``post_update`` relationship are left out: they
    are set after both rows exist (and cleared before a delete), so they
    order nothing.
    """
    table = mapper.table
    post_update = _post_update_columns((mapper,))
    result: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for constraint in table.foreign_key_constraints:
        pairs = []
        for fk in constraint.elements:
            if not fk.references(table) or fk.parent is None or id(fk.parent) in post_update:
                break
            pairs.append((mapper.column_to_key[fk.parent], mapper.column_to_key[fk.column]))
        else:
            if pairs:
                result.append((tuple(p for p, _ in pairs), tuple(r for _, r in pairs)))
    return result


def _foreign_key_values(
    mapper: Mapper[Any], states: Sequence[InstanceState]
) -> Iterable[tuple[Any, Any]]:
    """Built-in row dependencies: a row whose self-referencing key names another row."""
    references = _self_references(mapper)
    if not references:
        return
    for referring, referred in references:
        by_value: dict[tuple[Any, ...], InstanceState] = {}
        for state in states:
            obj = state.object
            if obj is None:
                continue
            d = obj.__dict__
            value = tuple(d.get(k) for k in referred)
            if None not in value:
                by_value[value] = state
        for state in states:
            obj = state.object
            if obj is None:
                continue
            d = obj.__dict__
            value = tuple(d.get(k) for k in referring)
            if None in value:
                continue
            parent = by_value.get(value)
            if parent is not None and parent is not state:
                yield (parent, state)


#: Where row dependencies come from (append to add a source).
row_dependency_sources: list[RowDependencySource] = [_foreign_key_values]


def order_rows(
    mapper: Mapper[Any], states: list[InstanceState], *, reverse: bool = False
) -> list[InstanceState]:
    """*states* ordered so each row follows the rows it depends on (preceding them if *reverse*).

    Rows with no dependency between them keep their order; rows in a cycle
    keep their order too (the database must accept that order).
    """
    if len(states) < 2:
        return states
    # Made at the first dependency: most tables have none, and for a large
    # flush this map would be its biggest temporary.
    position: dict[int, int] | None = None
    before: dict[int, set[int]] = {}
    for source in row_dependency_sources:
        for first, then in source(mapper, states):
            if position is None:
                position = {id(s): i for i, s in enumerate(states)}
            a, b = position.get(id(first)), position.get(id(then))
            if a is None or b is None or a == b:
                continue
            if reverse:
                a, b = b, a
            before.setdefault(b, set()).add(a)
    if not before:
        return states
    order = _ordered_positions(len(states), before)
    return [states[i] for i in order]


def build_flush_plan(
    inserts: Iterable[InstanceState],
    updates: Iterable[InstanceState],
    deletes: Iterable[InstanceState],
) -> FlushPlan:
    """The plan for flushing these states (each list in the order given)."""
    actions: dict[int, MapperActions] = {}
    for states, field_name in ((inserts, "inserts"), (updates, "updates"), (deletes, "deletes")):
        # Consecutive states mostly share a mapper: look its list up once per run of them.
        mapper: Mapper[Any] | None = None
        bucket: list[InstanceState] = []
        for state in states:
            if state.mapper is not mapper:
                mapper = state.mapper
                found = actions.get(id(mapper))
                if found is None:
                    found = actions[id(mapper)] = MapperActions(mapper)
                bucket = getattr(found, field_name)
            bucket.append(state)
    if not actions:
        return FlushPlan([], [])
    ordered = sort_mappers(a.mapper for a in actions.values())
    saves: list[MapperActions] = []
    removals: list[MapperActions] = []
    for mapper in ordered:
        item = actions[id(mapper)]
        if item.inserts or item.updates:
            item.inserts = order_rows(mapper, item.inserts)
            saves.append(item)
    for mapper in reversed(ordered):
        item = actions[id(mapper)]
        if item.deletes:
            removals.append(
                MapperActions(mapper, deletes=order_rows(mapper, item.deletes, reverse=True))
            )
    return FlushPlan(saves, removals)
