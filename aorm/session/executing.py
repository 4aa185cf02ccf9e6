"""What the session's awaited read methods do: execute, stream, get, refresh, merge.

These run inside a session operation (the caller holds the concurrent-use
guard); they autoflush where the session contract says so, run statements
on the session's connection, and turn rows into objects through the
identity map (:mod:`aorm.session.loading`). Entity queries with loader
options, or of classes with eager relationships, are run through
:mod:`aorm.session.eager_loading` (joins added to the statement, then the
eager loads after it). Bulk UPDATE/DELETE statements are handed to
:mod:`aorm.session.bulk_sync`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aorm.engine.async_result import AsyncResult
from aorm.engine.result import Result
from aorm.exc import ArgumentError, LazyLoadError, NoResultFound
from aorm.orm.instrumentation import STATE_KEY
from aorm.orm.mapper import Mapper, mapper_of
from aorm.session.bulk_sync import execute_bulk
from aorm.session.eager_loading import QueryLoad, prepare_query, refresh_eager
from aorm.session.identity import map_key
from aorm.session.loading import Hydrator, entity_layout, loading_for, populate_state
from aorm.session.loading_context import LoadContext, has_eager_defaults
from aorm.session.state import InstanceState, instance_state_of
from aorm.session.strategies import RaiseStrategy, effective_strategy
from aorm.sql.dml import Delete, Update

if TYPE_CHECKING:
    from aorm.session.session import AsyncSession

__all__ = ["execute", "get", "load_attribute", "merge", "refresh", "stream"]


def _options(statement: Any, given: Mapping[str, Any] | None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    getter = getattr(statement, "get_execution_options", None)
    if getter is not None:
        options.update(getter())
    if given:
        options.update(given)
    return options


async def execute(
    session: AsyncSession,
    statement: Any,
    params: Any,
    execution_options: Mapping[str, Any] | None,
) -> Result:
    """Run *statement*: objects for entity rows, identity-map sync for bulk DML."""
    options = _options(statement, execution_options)
    if isinstance(statement, Update | Delete):
        await session._autoflush()
        return await execute_bulk(session, statement, params, options)
    await session._autoflush()
    query = prepare_query(statement)
    if query is not None:
        return await _execute_loading(session, query, params, options)
    conn = await session._connection()
    result = await conn.execute(statement, params)
    if not result.returns_rows:
        return result
    layout = entity_layout(statement, result.keys())
    if layout is None:
        return result
    hydrator = Hydrator(
        session._identity_map,
        session._ref,
        populate_existing=bool(options.get("populate_existing")),
    )
    if len(layout) == 1 and layout[0].loading is not None:
        # One entity: a result of bare objects (no 1-tuple per row).
        raw_rows = list(result.tuples().all())
        # Closed so that take_entities() holds the only reference to the raw rows.
        result.close()
        objects = hydrator.take_entities(layout[0].loading, raw_rows)
        return Result.of_values(layout[0].key, objects, rowcount=result.rowcount)
    rows = hydrator.rows(layout, result.tuples().all())
    return Result([slot.key for slot in layout], rows, rowcount=result.rowcount)


async def _execute_loading(
    session: AsyncSession, query: QueryLoad, params: Any, options: Mapping[str, Any]
) -> Result:
    """Run an entity query that has loading work: its objects, then its eager loads."""
    ctx = await LoadContext.begin(
        session, populate_existing=bool(options.get("populate_existing")), params=params
    )
    result = await ctx.connection.execute(query.statement, params)
    keys = result.keys()
    if query.width is not None:
        keys = keys[: query.width]
    raw_rows = result.tuples().all()
    layout = entity_layout(query.original, keys)
    if layout is None:
        width = len(keys)
        return Result(keys, [raw[:width] for raw in raw_rows], rowcount=result.rowcount)
    rows = await query.load(ctx, layout, raw_rows)
    return Result([slot.key for slot in layout], rows, rowcount=result.rowcount)


async def stream(
    session: AsyncSession,
    statement: Any,
    params: Any,
    execution_options: Mapping[str, Any] | None,
    chunk_size: int,
) -> AsyncResult:
    """Stream *statement*'s rows; entity rows are turned into objects chunk by chunk."""
    options = _options(statement, execution_options)
    populate_existing = bool(options.get("populate_existing"))
    await session._autoflush()
    query = prepare_query(statement, streaming=True)
    conn = await session._connection()
    inner = await conn.stream(
        statement if query is None else query.statement, params, chunk_size=chunk_size
    )
    keys = inner.keys()
    if query is not None and query.width is not None:
        keys = keys[: query.width]
    layout = entity_layout(statement, keys)
    if layout is None:
        return inner
    hydrator = Hydrator(session._identity_map, session._ref, populate_existing=populate_existing)
    slots = layout

    raw_view = inner.tuples()

    async def fetch(size: int) -> list[tuple[Any, ...]]:
        raw_rows = await raw_view.fetchmany(size)
        if query is None:
            return hydrator.rows(slots, raw_rows)
        # Each chunk's eager loads run before its rows are handed out; they
        # use the session's connection between two fetches of the cursor.
        with session._operation("stream"):
            ctx = await LoadContext.begin(
                session, populate_existing=populate_existing, params=params
            )
            return await query.load(ctx, slots, raw_rows)

    return AsyncResult([slot.key for slot in layout], fetch, inner.close, chunk_size=chunk_size)


#: Key values taken as they are: no mapping or sequence to unpack.
_SCALAR_KEYS = frozenset({int, str})


def _mapper(entity: Any) -> Mapper[Any]:
    try:
        mapper = mapper_of(entity)
    except Exception:
        raise ArgumentError(f"expected a mapped class, not {entity!r}") from None
    mapper.configure()
    return mapper


def primary_key_of(mapper: Mapper[Any], ident: Any) -> tuple[Any, ...]:
    """*ident* (a value, a tuple, or a mapping by key) as the primary key tuple of *mapper*."""
    keys = mapper.pk_keys
    if type(ident) in _SCALAR_KEYS and len(keys) == 1:
        return (ident,)
    name = mapper.class_.__name__
    if isinstance(ident, Mapping):
        missing = [k for k in keys if k not in ident]
        if missing:
            raise ArgumentError(f"{name} primary key needs {', '.join(missing)}")
        return tuple(ident[k] for k in keys)
    values = tuple(ident) if isinstance(ident, tuple | list) else (ident,)
    if len(values) != len(keys):
        raise ArgumentError(
            f"{name} has a primary key of {len(keys)} column(s) ({', '.join(keys)}); "
            f"got {len(values)} value(s): {ident!r}"
        )
    if any(v is None for v in values):
        raise ArgumentError(f"{name} primary key values cannot be None: {ident!r}")
    return values


async def get(
    session: AsyncSession,
    entity: type[Any],
    ident: Any,
    *,
    populate_existing: bool,
    with_for_update: bool,
) -> Any:
    """``session.get()``: the identity map first, then a SELECT by primary key."""
    mapper = _mapper(entity)
    pk = primary_key_of(mapper, ident)
    if not populate_existing and not with_for_update:
        found = session._identity_map.lookup(map_key(mapper.class_, pk))
        if found is not None:
            state: InstanceState = found.__dict__[STATE_KEY]
            if state.marked_deleted:
                return None
            if not state.expired_attributes:
                return found
    if session._autoflush_due():  # no coroutine per get otherwise
        await session._autoflush()
    loading = loading_for(mapper)
    stmt: Any = loading.select_by_key()
    if with_for_update:
        stmt = stmt.with_for_update()
    # The statement carries no loader options: only eager defaults make work.
    query = prepare_query(stmt) if has_eager_defaults(mapper) else None
    if query is not None:
        options = {"populate_existing": populate_existing}
        rows = await _execute_loading(session, query, loading.key_params(pk), options)
        return rows.scalars().first()
    tx = session._transaction
    conn = tx.root.connection if tx is not None else None
    if conn is None:
        conn = await session._connection()
    found_rows = await conn.fetch_tuples(stmt, loading.key_params(pk))
    if not found_rows:
        return None
    raw = found_rows[0]
    # The session keeps the plain get()'s hydrator, with its row loaders.
    hydrator = None if populate_existing else session._get_hydrator
    if hydrator is None:
        hydrator = Hydrator(
            session._identity_map, session._ref, populate_existing=populate_existing
        )
        if not populate_existing:
            session._get_hydrator = hydrator
    return hydrator.entity(loading, raw)


async def refresh(session: AsyncSession, state: InstanceState, names: list[str] | None) -> None:
    """Reload *names* (all columns when None) of persistent *state* from its row."""
    mapper = state.mapper
    if state.key is None:
        raise ArgumentError(
            f"refresh(): this {mapper.class_.__name__} object is pending; flush it first"
        )
    if names is None:
        columns: list[str] = list(mapper.column_keys)
        relationships: list[str] = []
    else:
        columns = [n for n in names if n in mapper.columns]
        relationships = [n for n in names if n in mapper.relationships]
    if columns:
        loading = loading_for(mapper)
        stmt = loading.select_by_key(tuple(columns))
        conn = await session._connection()
        result = await conn.execute(stmt, loading.key_params(state.key[1:]))
        row = result.first()
        if row is None:
            raise NoResultFound(
                f"refresh(): the {mapper.class_.__name__} row with primary key "
                f"{state.key[1:]!r} no longer exists"
            )
        populate_state(state, columns, row._tuple())
    if names is None:
        await refresh_eager(session, state)
    for key in relationships:
        prop = mapper.relationships[key]
        await effective_strategy(state, prop).load(session, [state], prop, refresh=True)


async def load_attribute(session: AsyncSession, state: InstanceState, key: str) -> Any:
    """``await obj.awaitable_attrs.<key>``: the value, loaded first if needed."""
    obj = state.object
    mapper = state.mapper
    if key in obj.__dict__:
        return obj.__dict__[key]
    if key in mapper.columns:
        if state.key is None:
            return None
        # One query reloads every expired column, not just this one.
        wanted = [k for k in mapper.column_keys if k in state.expired_attributes or k == key]
        await refresh(session, state, wanted)
        return obj.__dict__[key]
    prop = mapper.relationships.get(key)
    if prop is None:
        raise ArgumentError(f"{mapper.class_.__name__} has no mapped attribute {key!r}")
    try:
        return getattr(obj, key)
    except LazyLoadError:
        pass
    strategy = effective_strategy(state, prop)
    if not isinstance(strategy, RaiseStrategy):
        guard = getattr(session, "_lazy_load_guard", None)
        if guard is not None:
            guard.before_load(state, prop)
        await session._autoflush()
        expired = [k for k in prop.local_keys if k in state.expired_attributes]
        if expired:
            await refresh(session, state, expired)
    await strategy.load(session, [state], prop)
    return getattr(obj, key)


async def merge(session: AsyncSession, obj: Any, *, load: bool) -> Any:
    """``session.merge()``: copy *obj*'s loaded columns onto the session's object for its key."""
    source = instance_state_of(obj)
    if source.session is session:
        return obj
    mapper = source.mapper
    d = obj.__dict__
    target: Any = None
    pk_values = [d.get(k) for k in mapper.pk_keys]
    if None not in pk_values:
        pk = tuple(pk_values)
        target = session._identity_map.lookup(map_key(mapper.class_, pk))
        if target is None and load:
            target = await get(
                session, mapper.class_, pk, populate_existing=False, with_for_update=False
            )
    if target is None:
        target = mapper.new_instance()
        session._add_state(instance_state_of(target), target)
    _copy_columns(mapper, obj, target)
    return target


def _copy_columns(mapper: Mapper[Any], source: Any, target: Any) -> None:
    values = source.__dict__
    for key in mapper.column_keys:
        if key in values:
            setter = mapper.setter(key)
            assert setter is not None
            setter(target, values[key])
