"""Select-IN loading: one query per chunk of parents, ``WHERE key IN (…)``.

The loader collects the parents' key values (their primary key for a
one-to-many or many-to-many, their foreign key for a many-to-one), and asks
for the related rows whose key columns hold those values. Each row is given
to the right parents by its key values: read among the target's own columns
for a one-to-many or many-to-one, selected after them for a many-to-many
(the ``secondary`` table's key columns, joined in): :func:`row_keys`.

The key lists are bound parameters of one statement per relationship, made
once (:func:`_keys_statement`). ``in_()`` sends a whole list as one array
parameter on both backends (on PostgreSQL, over a key column with no index,
as a semi-join against ``unnest()`` of it:
:func:`~aorm.session.relationship_sql.keys_in`), so a chunk is bounded
for memory and statement size, not by the drivers' bind-parameter limits:
:data:`DEFAULT_CHUNK_SIZE` keys per query (or the option's ``chunk_size``).
A composite key is matched by one ``IN`` per column and the rows filtered
to the exact key tuples here.

When every row makes a new object (the usual case), the objects are
grouped by key as they are made, in the hydration loop itself; otherwise
(an object already in the session, a repeated row, joined loads below) the
rows are grouped afterwards, each object once per key.

A many-to-one whose target is already in the identity map is answered from
it with no query. Awaited loads (``lazy="select"``) use this loader for the
objects being loaded.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from operator import attrgetter, itemgetter
from typing import Any, Final

from aorm._collector import PausedCollector
from aorm.orm.attributes import RelationshipAttribute
from aorm.orm.instrumentation import STATE_KEY
from aorm.orm.join_conditions import RelationshipDirection
from aorm.orm.relationships import RelationshipProperty
from aorm.session.identity import map_key
from aorm.session.joined_loading import JoinedBranch, JoinedRows, attach_joined
from aorm.session.loader_options import PlanNode
from aorm.session.loading import loading_for, take_chunks
from aorm.session.loading_context import LoadContext, store_related
from aorm.session.relationship_sql import extra_criteria, is_many_to_many, key_columns, keys_in
from aorm.sql.expressions import bindparam
from aorm.sql.schema import Column
from aorm.sql.select import Select, select

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "fetch_related",
    "parent_groups",
    "related_statement",
    "row_keys",
    "selectin_load",
    "store_groups",
]

#: Parent keys per select-IN query.
DEFAULT_CHUNK_SIZE: Final = 5000

KeyTuple = tuple[Any, ...]

_dict_of = attrgetter("__dict__")


class _RowKeys:
    """Where a related row of a relationship holds its key values (see :func:`row_keys`)."""

    __slots__ = ("extra", "positions")

    def __init__(self, extra: tuple[Column, ...], positions: tuple[int, ...]) -> None:
        #: Key columns selected after the entity's columns (the ``secondary``
        #: table's of a many-to-many; none when the target's own columns hold the key).
        self.extra = extra
        #: The positions of the key values in a row, in ``key_columns()`` order.
        self.positions = positions


_row_keys: weakref.WeakKeyDictionary[RelationshipProperty[Any], _RowKeys] = (
    weakref.WeakKeyDictionary()
)


def row_keys(prop: RelationshipProperty[Any]) -> _RowKeys:
    """Which key columns :func:`related_statement` adds, and where a row holds the keys.

    A key column of the target's own table is read at its place among the
    entity's columns instead of being selected a second time.
    """
    found = _row_keys.get(prop)
    if found is None:
        loading = loading_for(prop.mapper)
        own = () if is_many_to_many(prop) else tuple(prop.mapper.table.c)
        extra: list[Column] = []
        positions: list[int] = []
        for column in key_columns(prop):
            # By identity: a column's == builds an expression.
            at = next((i for i, c in enumerate(own) if c is column), None)
            if at is None:
                at = loading.width + len(extra)
                extra.append(column)
            positions.append(at)
        found = _row_keys[prop] = _RowKeys(tuple(extra), tuple(positions))
    return found


def related_statement(prop: RelationshipProperty[Any]) -> Select:
    """``SELECT target[, key columns] FROM target [JOIN secondary]`` with the extra criteria.

    The key columns are added only where the target's columns do not hold
    them (:func:`row_keys`).
    """
    target = prop.mapper
    stmt = select(target.class_, *row_keys(prop).extra)
    if is_many_to_many(prop):
        assert prop.secondary is not None
        assert prop.secondaryjoin is not None
        stmt = stmt.select_from(target.table).join(prop.secondary, prop.secondaryjoin)
    extra = extra_criteria(prop)
    if extra:
        stmt = stmt.where(*extra)
    return stmt


async def fetch_related(
    ctx: LoadContext, node: PlanNode, stmt: Select, params: Any = None
) -> dict[KeyTuple, list[Any]]:
    """Run *stmt* (from :func:`related_statement`) and group its objects by key.

    Joined loads below *node* are added to the statement; the relationship's
    ``order_by`` is applied by the caller.
    """
    prop = node.prop
    stmt, branches = attach_joined(
        stmt, prop.mapper, node.children, node.wildcard, _unchanged, path=(prop,)
    )
    result = await ctx.connection.execute(stmt, params)
    # One pause over making and grouping the objects; the rows are let go
    # before it ends, so the collection it ends with does not walk them.
    with PausedCollector():
        raw_rows = list(result.tuples().all())
        # Closed so that _objects_by_key() holds the only reference to the raw rows.
        result.close()
        groups = _objects_by_key(ctx, node, branches, raw_rows)
        del raw_rows
    return groups


def _objects_by_key(
    ctx: LoadContext,
    node: PlanNode,
    branches: list[JoinedBranch],
    raw_rows: list[tuple[Any, ...]],
) -> dict[KeyTuple, list[Any]]:
    """The objects of *raw_rows* by key: grouped as they are made, or after (the general way).

    Without joined loads the rows are taken (the list is emptied) a chunk at
    a time: a chunk's rows are let go once its objects are made, so their
    memory is reused for the next objects instead of adding to the peak.
    """
    prop = node.prop
    loading = loading_for(prop.mapper)
    positions = row_keys(prop).positions
    hydrator = ctx.hydrator
    if branches:
        joined = JoinedRows(branches, hydrator)
        grouped = _KeyGroups(positions, joined)
        grouped.add(hydrator.entities(loading, raw_rows), raw_rows)
        joined.finish(ctx)
        return grouped.groups
    grouped = _KeyGroups(positions, None)
    for chunk in take_chunks(raw_rows):
        objects, fresh = hydrator.entities_by_key(loading, chunk, positions)
        if fresh is not None:
            grouped.add_fresh(objects, fresh)
        else:
            grouped.add(objects, chunk)
    return grouped.groups


class _KeyGroups:
    """Objects grouped by their rows' key values, each object once per key."""

    __slots__ = ("_joined", "_key_of", "_members_of", "_met", "_single", "groups")

    def __init__(self, positions: tuple[int, ...], joined: JoinedRows | None) -> None:
        self.groups: dict[KeyTuple, list[Any]] = {}
        self._single = len(positions) == 1
        self._key_of = itemgetter(*positions)
        self._joined = joined
        # The ids of the objects grouped so far, made only once a row's object
        # may have been met before (no chunk so far was all new objects).
        self._met: set[int] | None = None
        self._members_of: dict[KeyTuple, set[int]] = {}

    def add_fresh(self, objects: list[Any], fresh: dict[Any, list[Any]]) -> None:
        """Add objects the hydration loop grouped itself (every one new, none None)."""
        single = self._single
        groups = self.groups
        if not groups and self._met is None:
            # The first chunk (often the only one): its groups as they are.
            self.groups = {(value,): objs for value, objs in fresh.items()} if single else fresh
            return
        members_of = self._members_of
        for value, objs in fresh.items():
            key: KeyTuple = (value,) if single else value
            group = groups.get(key)
            if group is None:
                groups[key] = objs
            else:
                group.extend(objs)
            if members_of:
                members = members_of.get(key)
                if members is not None:
                    members.update(map(id, objs))
        if self._met is not None:
            self._met.update(map(id, objects))

    def add(self, objects: list[Any], raw_rows: Sequence[Sequence[Any]]) -> None:
        """Group *objects* by the key values of their *raw_rows* (the general way)."""
        groups = self.groups
        key_of = self._key_of
        single = self._single
        joined = self._joined
        met = self._met
        if met is None:
            met = self._met = {id(obj) for group in groups.values() for obj in group}
        # An object is listed once per key. Only an object met before (a row
        # repeated by a join, or by duplicate association rows) can already be
        # in its key's group: the groups' member sets are built for those alone.
        members_of = self._members_of
        for obj, raw in zip(objects, raw_rows, strict=True):
            if obj is None:
                continue
            if joined is not None:
                joined.add_row(obj, raw)
            key: KeyTuple = (key_of(raw),) if single else key_of(raw)
            group = groups.get(key)
            if group is None:
                group = groups[key] = []
            marker = id(obj)
            if marker in met:
                members = members_of.get(key)
                if members is None:
                    members = members_of[key] = {id(x) for x in group}
                if marker in members:
                    continue
                members.add(marker)
            else:
                met.add(marker)
                if members_of:
                    members = members_of.get(key)
                    if members is not None:
                        members.add(marker)
            group.append(obj)


def _unchanged(column: Any) -> None:
    return None


def parent_groups(
    parents: Sequence[Any], prop: RelationshipProperty[Any], *, refresh: bool
) -> dict[KeyTuple, list[Any]]:
    """The parents by their key values; parents with a NULL key get their empty value now."""
    local_keys = prop.local_keys
    single = local_keys[0] if len(local_keys) == 1 else None
    if single is not None:
        distinct = _distinct_key_groups(parents, single)
        if distinct is not None:
            return distinct
    groups: dict[KeyTuple, list[Any]] = {}
    for parent in parents:
        d = parent.__dict__
        if single is not None:
            if single not in d:
                continue  # an expired key: left unloaded (the awaited path refreshes it first)
            values: KeyTuple = (d[single],)
        else:
            if any(k not in d for k in local_keys):
                continue
            values = tuple([d[k] for k in local_keys])
        if None in values:
            store_related(parent, prop, [] if prop.uselist else None, refresh=refresh)
            continue
        group = groups.get(values)
        if group is None:
            groups[values] = [parent]
        else:
            group.append(parent)
    return groups


def _distinct_key_groups(parents: Sequence[Any], key: str) -> dict[KeyTuple, list[Any]] | None:
    """:func:`parent_groups` when every parent has its own, loaded, non-NULL value of *key*.

    The usual case (parents by primary key), done column-wise in C; None
    for any other, which the general loop handles.
    """
    try:
        values = list(map(itemgetter(key), map(_dict_of, parents)))
    except KeyError:
        return None
    if None in values:
        return None
    # zip() of one sequence gives the 1-tuples: the keys, and each parent's list.
    groups = dict(zip(zip(values), map(list, zip(parents)), strict=True))
    return groups if len(groups) == len(values) else None


def store_groups(
    prop: RelationshipProperty[Any],
    parents_by_key: dict[KeyTuple, list[Any]],
    keys: Sequence[KeyTuple],
    related: dict[KeyTuple, list[Any]],
    *,
    refresh: bool,
) -> None:
    """Give each parent of *keys* the related objects of its key."""
    if prop.uselist and not refresh:
        _store_collections(prop, parents_by_key, keys, related)
        return
    for key in keys:
        items = related.get(key, [])
        value: Any = items if prop.uselist else (items[0] if items else None)
        for parent in parents_by_key[key]:
            store_related(parent, prop, value, refresh=refresh)


def _collection_attribute(cls: type[Any], key: str) -> RelationshipAttribute[Any] | None:
    """*cls*'s attribute for collection *key*, where :func:`set_committed_value` would use it."""
    attr = cls.__dict__.get(key)
    if attr is None:
        attr = getattr(cls, key, None)
    if isinstance(attr, RelationshipAttribute) and attr.property.uselist:
        return attr
    return None


def _store_collections(
    prop: RelationshipProperty[Any],
    parents_by_key: dict[KeyTuple, list[Any]],
    keys: Sequence[KeyTuple],
    related: dict[KeyTuple, list[Any]],
) -> None:
    """:func:`store_groups` of a collection, not a refresh: what :func:`store_related` does.

    It is the per-parent step of every collection load, so the common case
    (the attribute not loaded yet, no unflushed change of it) is done here
    with no call per parent; any other parent goes through
    :func:`store_related`.
    """
    name = prop.key
    reverse = prop.reverse_property
    back = (
        reverse.key
        if reverse is not None
        and not reverse.uselist
        and prop.direction is RelationshipDirection.ONETOMANY
        else None
    )
    # The attribute of the parents' class (they are nearly always of one class).
    cls: type[Any] | None = None
    attr: RelationshipAttribute[Any] | None = None
    empty: list[Any] = []
    related_get = related.get
    for key in keys:
        items = related_get(key, empty)
        for parent in parents_by_key[key]:
            d = parent.__dict__
            if type(parent) is not cls:
                cls = type(parent)
                attr = _collection_attribute(cls, name)
            state = d.get(STATE_KEY)
            if attr is None or name in d or (state is not None and state.collection_changes):
                store_related(parent, prop, items)
                continue
            # set_committed_value() without its look-ups: the attribute makes the list.
            attr._store_collection(parent, items)
            if back is not None:
                for item in items:
                    item_dict = item.__dict__
                    if back not in item_dict:
                        item_dict[back] = parent


def _from_identity_map(
    ctx: LoadContext,
    prop: RelationshipProperty[Any],
    parents_by_key: dict[KeyTuple, list[Any]],
    *,
    refresh: bool,
) -> None:
    """Answer many-to-one keys whose target is in the identity map (and drop them)."""
    target = prop.mapper
    remote = prop.remote_keys
    if set(remote) != set(target.pk_keys):
        return
    order = [remote.index(k) for k in target.pk_keys]
    identity_map = ctx.session._identity_map
    cls = target.class_
    for key in list(parents_by_key):
        found = identity_map.lookup(map_key(cls, tuple(key[i] for i in order)))
        if found is not None:
            for parent in parents_by_key.pop(key):
                store_related(parent, prop, found, refresh=refresh)


def _key_param(position: int) -> str:
    return f"aorm_keys_{position}"


_keys_statements: weakref.WeakKeyDictionary[RelationshipProperty[Any], Select] = (
    weakref.WeakKeyDictionary()
)


def _keys_statement(prop: RelationshipProperty[Any]) -> Select:
    """:func:`related_statement`, ordered, with one ``IN`` per key column (made once).

    The key lists are bound parameters (:func:`_key_params`): the statement
    is the same for every chunk and every load, and the lists are not
    scanned for SQL expressions as literal ``in_()`` lists are.
    """
    found = _keys_statements.get(prop)
    if found is None:
        stmt = related_statement(prop)
        if prop.order_by:
            stmt = stmt.order_by(*prop.order_by)
        columns = key_columns(prop)
        found = _keys_statements[prop] = stmt.where(
            *[keys_in(column, bindparam(_key_param(i))) for i, column in enumerate(columns)]
        )
    return found


def _key_params(keys: Sequence[KeyTuple]) -> dict[str, list[Any]]:
    """The parameters of :func:`_keys_statement` for parents' key tuples *keys*."""
    if len(keys[0]) == 1:
        return {_key_param(0): [key[0] for key in keys]}
    # One IN per column matches a superset of the key tuples; the rows are
    # grouped by their exact key afterwards, so the extra ones are ignored.
    return {_key_param(i): list(dict.fromkeys(key[i] for key in keys)) for i in range(len(keys[0]))}


async def selectin_load(
    ctx: LoadContext, parents: Sequence[Any], node: PlanNode, *, refresh: bool = False
) -> None:
    """Load *node*'s relationship for *parents* (replacing unflushed changes with *refresh*)."""
    prop = node.prop
    parents_by_key = parent_groups(parents, prop, refresh=refresh)
    if prop.direction is RelationshipDirection.MANYTOONE and not (refresh or ctx.populate_existing):
        _from_identity_map(ctx, prop, parents_by_key, refresh=refresh)
    if not parents_by_key:
        return
    keys = list(parents_by_key)
    chunk = node.chunk_size or DEFAULT_CHUNK_SIZE
    stmt = _keys_statement(prop)
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        related = await fetch_related(ctx, node, stmt, _key_params(part))
        store_groups(prop, parents_by_key, part, related, refresh=refresh)
