"""A new object's relationships stay loaded after the flush that inserts it.

DESIGN §3: a new object's collections start empty and loaded. Once its row
is inserted the object is persistent, and a relationship it never held in
``__dict__`` would otherwise read as unloaded (:class:`~aorm.exc.LazyLoadError`).
But a row that did not exist before this flush can only be referred to by
rows this flush wrote, so :func:`fill_new_relationships` fills, with no IO,
each relationship of each inserted object that was never loaded or set:

* a one-to-many collection (or one-to-one scalar): the objects saved in the
  flush whose foreign key now names the new row, in the relationship's
  ``order_by`` (NULLs placed as the database places them), else in flush
  order;
* a many-to-many collection: the objects linked to it by association rows
  the flush inserted;
* a many-to-one with every foreign key column NULL: None (a non-NULL key may
  name a row outside the flush, so that one is left to its loader).

Relationships loaded with ``"dynamic"``, ``"noload"`` or ``"raise"``, and
``viewonly`` ones (their join may not follow the foreign key), are left
alone, as are objects the flush only updated (they had a row before) and
collections ordered by something other than plain columns. At commit,
``expire_on_commit`` still expires all of it as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final

from aorm.orm.attributes import set_committed_value
from aorm.orm.collections import InstrumentedList
from aorm.orm.join_conditions import RelationshipDirection
from aorm.orm.relationships import RelationshipProperty
from aorm.sql import operators as ops
from aorm.sql.elements import UnaryExpression
from aorm.sql.schema import Column

if TYPE_CHECKING:
    from aorm.session.dependencies import FlushWork
    from aorm.session.state import InstanceState
    from aorm.session.unit_of_work import FlushPlan

__all__ = ["fill_new_relationships"]

_ONETOMANY = RelationshipDirection.ONETOMANY
_MANYTOONE = RelationshipDirection.MANYTOONE
_MANYTOMANY = RelationshipDirection.MANYTOMANY

# Strategies that never hold a loaded value (or must not get one without a load).
_LEFT_ALONE: Final = frozenset({"dynamic", "noload", "raise"})

#: One sort step: a key function and whether it runs descending.
_SortStep = tuple[Callable[[Any], tuple[int, Any]], bool]


def fill_new_relationships(plan: FlushPlan, work: FlushWork) -> None:
    """Fill the never-loaded relationships of the objects *plan* inserted (see the module doc).

    Called once every statement of the flush succeeded, before the objects
    are marked flushed; it does no IO and raises nothing. A relationship that
    no object of the flush can be in (nothing of its target class was saved,
    no association row of its table was added) is empty for every inserted
    object: rather than building an empty collection per object, each state
    gets one shared tuple of those keys (:attr:`InstanceState.empty_relationships`),
    which reads as loaded and empty until expired.
    """
    if not any(actions.inserts for actions in plan.saves):
        return
    saved_classes = tuple({actions.mapper.class_ for actions in plan.saves})
    linked: set[int] | None = None
    fill: _Filler | None = None
    for actions in plan.saves:
        if not actions.inserts:
            continue
        empty_keys: list[str] = []
        per_object: list[RelationshipProperty[Any]] = []
        for prop in actions.mapper.relationships.values():
            if prop.lazy == "dynamic":
                _to_query(work, actions.inserts, prop.key)
                continue
            if prop.viewonly or prop.lazy in _LEFT_ALONE:
                continue
            direction = prop.direction
            if direction is _ONETOMANY:
                target = prop.mapper.class_
                if set(prop.local_keys) <= set(actions.mapper.pk_keys) and not any(
                    issubclass(c, target) for c in saved_classes
                ):
                    empty_keys.append(prop.key)
                    continue
            elif direction is _MANYTOMANY:
                if linked is None:
                    linked = {id(p.secondary) for p, _, _ in work.associations.added_links()}
                if id(prop.secondary) not in linked:
                    empty_keys.append(prop.key)
                    continue
            per_object.append(prop)
        empty = tuple(empty_keys)
        if per_object and fill is None:
            saved = [s for a in plan.saves for s in (*a.inserts, *a.updates)]
            fill = _Filler(saved, work)
        for state in actions.inserts:
            if state.expired_attributes:
                state.empty_relationships = ()
                continue
            state.empty_relationships = empty
            if fill is None or not per_object:
                continue
            obj = state.object
            if obj is None:
                continue
            d = obj.__dict__
            for prop in per_object:
                if prop.key not in d:
                    fill.relationship(state, d, prop)


def _to_query(work: FlushWork, inserted: Sequence[InstanceState], key: str) -> None:
    """Make a dynamic relationship of just-inserted objects read as its query again.

    Before its row existed the object held the appended objects in a list
    (those are written now); with the row, the attribute is the query. The
    transaction keeps the list, for a rollback that makes the object new again.
    """
    tx = work.session._transaction
    for state in inserted:
        obj = state.object
        if obj is None:
            continue
        held = obj.__dict__.pop(key, None)
        if isinstance(held, InstrumentedList):
            held.detach()
            if tx is not None:
                tx.record_dropped_list(state, key, list(held))


class _Filler:
    """The objects of one flush, indexed on demand by the keys that refer to a new row."""

    def __init__(self, saved: Sequence[InstanceState], work: FlushWork) -> None:
        self._saved = saved
        self._work = work
        # (id(target class), foreign key attribute keys) -> {values: objects in flush order}.
        self._by_foreign_key: dict[
            tuple[int, tuple[str, ...]], dict[tuple[Any, ...], list[Any]]
        ] = {}
        # SQLite sorts NULL before every value; PostgreSQL after.
        self._nulls_largest = work.session.bind.dialect.name != "sqlite"
        self._flush_order: dict[int, int] = {}
        for index, state in enumerate(saved):
            self._flush_order[id(state.object)] = index

    def relationship(
        self, state: InstanceState, d: dict[str, Any], prop: RelationshipProperty[Any]
    ) -> None:
        if prop.direction is _MANYTOONE:
            if all(d.get(k) is None for k in prop.local_keys):
                set_committed_value(state.object, prop.key, None)
            return
        if prop.direction is _ONETOMANY:
            values = tuple(d.get(k) for k in prop.local_keys)
            if None in values:
                return
            related = self._referring(prop).get(values, [])
        elif prop.direction is _MANYTOMANY:
            related = self._linked(state, prop)
        else:  # pragma: no cover - every direction is handled above
            return
        if prop.uselist:
            ordered = self._ordered(prop, related)
            if ordered is not None:
                set_committed_value(state.object, prop.key, ordered)
        else:
            set_committed_value(state.object, prop.key, related[0] if related else None)

    def _referring(self, prop: RelationshipProperty[Any]) -> dict[tuple[Any, ...], list[Any]]:
        """Saved objects of *prop*'s target class by the values of its foreign key."""
        target = prop.mapper.class_
        group = (id(target), prop.remote_keys)
        found = self._by_foreign_key.get(group)
        if found is None:
            found = self._by_foreign_key[group] = {}
            for state in self._saved:
                obj = state.object
                if obj is None or not isinstance(obj, target):
                    continue
                values = tuple(obj.__dict__.get(k) for k in prop.remote_keys)
                if None not in values:
                    found.setdefault(values, []).append(obj)
        return found

    def _linked(self, state: InstanceState, prop: RelationshipProperty[Any]) -> list[Any]:
        """Objects linked to *state* through *prop*'s association table in this flush."""
        mine = {id(sec) for _, sec in prop.local_remote_pairs}
        found: list[Any] = []
        seen: set[int] = set()
        for link_prop, owner, item in self._work.associations.added_links():
            if link_prop.secondary is not prop.secondary:
                continue
            owner_side = {id(sec) for _, sec in link_prop.local_remote_pairs}
            item_side = {id(sec) for _, sec in link_prop.secondary_pairs}
            other = None
            if owner is state and owner_side == mine:
                other = item
            elif item is state and item_side == mine:
                other = owner
            obj = other.object if other is not None else None
            if obj is not None and id(obj) not in seen:
                seen.add(id(obj))
                found.append(obj)
        found.sort(key=lambda o: self._flush_order.get(id(o), len(self._flush_order)))
        return found

    def _ordered(self, prop: RelationshipProperty[Any], items: list[Any]) -> list[Any] | None:
        """*items* in *prop*'s ``order_by`` (None when it is not plain columns)."""
        if not prop.order_by or len(items) < 2:
            return list(items)
        steps: list[_SortStep] = []
        for element in prop.order_by:
            step = _sort_step(prop, element, self._nulls_largest)
            if step is None:
                return None
            steps.append(step)
        ordered = list(items)
        try:
            for key, descending in reversed(steps):
                ordered.sort(key=key, reverse=descending)
        except TypeError:
            return None  # values Python cannot compare: left to the loader
        return ordered


def _sort_step(
    prop: RelationshipProperty[Any], element: Any, nulls_largest: bool
) -> _SortStep | None:
    """How to sort by one ``order_by`` element, or None for anything but a column (ASC/DESC)."""
    descending = False
    nulls_first: bool | None = None
    while isinstance(element, UnaryExpression):
        operator = element.operator
        if operator is ops.DESC:
            descending = True
        elif operator is ops.NULLS_FIRST:
            nulls_first = True
        elif operator is ops.NULLS_LAST:
            nulls_first = False
        elif operator is not ops.ASC:
            return None
        element = element.element
    if not isinstance(element, Column):
        return None
    key = prop.mapper.column_to_key.get(element)
    if key is None:
        return None
    # Like the database: NULL is the largest value on PostgreSQL and the smallest
    # on SQLite, unless placed explicitly; the sort runs reversed for DESC.
    if nulls_first is None:
        none_rank = 2 if nulls_largest else 0
    else:
        none_rank = 0 if nulls_first != descending else 2

    def sort_key(obj: Any) -> tuple[int, Any]:
        value = obj.__dict__.get(key)
        return (none_rank, 0) if value is None else (1, value)

    return sort_key, descending
