"""Select-IN loading: one query per chunk of parents, ``WHERE key IN (…)``.

The loader collects the parents' key values (their primary key for a
one-to-many or many-to-many, their foreign key for a many-to-one), and asks
for the related rows whose key columns hold those values, with the key
columns selected too so each row is given to the right parents (for a
many-to-many the key columns are the ``secondary`` table's, joined in).

``in_()`` sends a whole list as one array parameter on both backends (on
PostgreSQL, over a key column with no index, as a semi-join against
``unnest()`` of it: :func:`~aorm.session.relationship_sql.keys_in`), so
a chunk is bounded for memory and statement size, not by the drivers'
bind-parameter limits: :data:`DEFAULT_CHUNK_SIZE` keys per query (or the
option's ``chunk_size``). A composite key is matched by one ``IN`` per
column and the rows filtered to the exact key tuples here.

A many-to-one whose target is already in the identity map is answered from
it with no query. Awaited loads (``lazy="select"``) use this loader for the
objects being loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any, Final

from aorm.orm.attributes import RelationshipAttribute
from aorm.orm.instrumentation import STATE_KEY
from aorm.orm.join_conditions import RelationshipDirection
from aorm.orm.relationships import RelationshipProperty
from aorm.session.joined_loading import JoinedRows, attach_joined
from aorm.session.loader_options import PlanNode
from aorm.session.loading import loading_for
from aorm.session.loading_context import LoadContext, store_related
from aorm.session.relationship_sql import extra_criteria, is_many_to_many, key_columns, keys_in
from aorm.sql.select import Select, select

__all__ = ["DEFAULT_CHUNK_SIZE", "fetch_related", "parent_groups", "selectin_load", "store_groups"]

#: Parent keys per select-IN query.
DEFAULT_CHUNK_SIZE: Final = 5000

KeyTuple = tuple[Any, ...]


def related_statement(prop: RelationshipProperty[Any]) -> Select:
    """``SELECT target, key columns FROM target [JOIN secondary]`` with the extra criteria."""
    target = prop.mapper
    stmt = select(target.class_, *key_columns(prop))
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
    """Run *stmt* (target entity, then key columns) and group its objects by key.

    Joined loads below *node* are added to the statement; the relationship's
    ``order_by`` is applied by the caller.
    """
    prop = node.prop
    loading = loading_for(prop.mapper)
    width = loading.width
    key_count = len(prop.local_remote_pairs)
    stmt, branches = attach_joined(
        stmt, prop.mapper, node.children, node.wildcard, _unchanged, path=(prop,)
    )
    result = await ctx.connection.execute(stmt, params)
    raw_rows = result.tuples().all()
    # The loader reads the entity's leading columns and ignores the key columns after them.
    identity_map = ctx.session._identity_map
    held_before = len(identity_map)
    objects = ctx.hydrator.entities(loading, raw_rows)
    # Every row made a new object (the map grew by one per row): no object
    # comes twice and none is None.
    all_new = len(identity_map) - held_before == len(objects)
    joined = JoinedRows(branches, ctx.hydrator) if branches else None
    if joined is None and all_new:
        return _group(objects, raw_rows, width, key_count)
    stop = width + key_count
    groups: dict[KeyTuple, list[Any]] = {}
    # An object is listed once per key. Only an object met before (a row
    # repeated by a join, or by duplicate association rows) can already be
    # in its key's group: the groups' member sets are built for those alone.
    met: set[int] = set()
    members_of: dict[KeyTuple, set[int]] = {}
    for obj, raw in zip(objects, raw_rows, strict=True):
        if obj is None:
            continue
        if joined is not None:
            joined.add_row(obj, raw)
        key = raw[width:stop]
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
    if joined is not None:
        joined.finish(ctx)
    return groups


def _group(
    objects: list[Any], raw_rows: Sequence[tuple[Any, ...]], width: int, key_count: int
) -> dict[KeyTuple, list[Any]]:
    """*objects* (distinct, none None) by the key columns after each row's entity columns."""
    groups: dict[Any, list[Any]] = {}
    get = groups.get
    if key_count == 1:
        # Grouped by the bare value; the keys become 1-tuples once, per group.
        for obj, key in zip(objects, map(itemgetter(width), raw_rows), strict=True):
            group = get(key)
            if group is None:
                groups[key] = [obj]
            else:
                group.append(obj)
        return {(key,): group for key, group in groups.items()}
    stop = width + key_count
    for obj, raw in zip(objects, raw_rows, strict=True):
        key = raw[width:stop]
        group = get(key)
        if group is None:
            groups[key] = [obj]
        else:
            group.append(obj)
    return groups


def _unchanged(column: Any) -> None:
    return None


def parent_groups(
    parents: Sequence[Any], prop: RelationshipProperty[Any], *, refresh: bool
) -> dict[KeyTuple, list[Any]]:
    """The parents by their key values; parents with a NULL key get their empty value now."""
    groups: dict[KeyTuple, list[Any]] = {}
    local_keys = prop.local_keys
    single = local_keys[0] if len(local_keys) == 1 else None
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
    attributes: dict[type[Any], RelationshipAttribute[Any] | None] = {}
    empty: list[Any] = []
    related_get = related.get
    for key in keys:
        items = related_get(key, empty)
        for parent in parents_by_key[key]:
            d = parent.__dict__
            cls = type(parent)
            if cls in attributes:
                attr = attributes[cls]
            else:
                attr = attributes[cls] = _collection_attribute(cls, name)
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
        found = identity_map.get((cls, tuple(key[i] for i in order)))
        if found is not None:
            for parent in parents_by_key.pop(key):
                store_related(parent, prop, found, refresh=refresh)


def _key_filter(prop: RelationshipProperty[Any], keys: Sequence[KeyTuple]) -> list[Any]:
    columns = key_columns(prop)
    if len(columns) == 1:
        return [keys_in(columns[0], [key[0] for key in keys])]
    # One IN per column matches a superset of the key tuples; the rows are
    # grouped by their exact key afterwards, so the extra ones are ignored.
    return [
        keys_in(column, list(dict.fromkeys(key[i] for key in keys)))
        for i, column in enumerate(columns)
    ]


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
    base = related_statement(prop)
    if prop.order_by:
        base = base.order_by(*prop.order_by)
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        related = await fetch_related(ctx, node, base.where(*_key_filter(prop, part)))
        store_groups(prop, parents_by_key, part, related, refresh=refresh)
