"""Running the loader strategies: eager loads after a query, awaited loads, refreshes.

For an entity query, :func:`prepare_query` reads the statement's loader
options and the queried classes' ``lazy=`` defaults into plans
(:mod:`aorm.session.loader_options`), adds the ``joined`` ones to the
statement (:mod:`aorm.session.joined_loading`), and returns a
:class:`QueryLoad` that turns the rows into objects and then runs the rest,
level by level: ``selectin`` (:mod:`aorm.session.selectin_loading`) and
``subquery`` (:mod:`aorm.session.subquery_loading`) queries, ``noload``
values, and the per-object ``lazyload``/``raiseload`` markers. Levels are
walked breadth first; each (object, relationship) pair is handled once per
operation, so a cycle of eager relationships ends.

Awaited loads (``await obj.awaitable_attrs.books``, ``session.load()``)
and ``refresh(obj, ["books"])`` go through the strategies registered here,
which load with select-IN and then run the targets' own eager defaults.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from aorm.exc import ArgumentError
from aorm.orm.mapper import Mapper, is_mapped_class
from aorm.orm.relationships import RelationshipProperty
from aorm.session.joined_loading import (
    JoinedBranch,
    JoinedRows,
    attach_joined,
    has_collection,
    wrap_limited,
)
from aorm.session.loader_options import EntityPlan, PlanNode, compile_plans
from aorm.session.loading import EntitySlot, loading_for
from aorm.session.loading_context import (
    LoadContext,
    effective_nodes,
    has_eager_defaults,
    related_objects,
    store_related,
)
from aorm.session.relationship_sql import ColumnMap
from aorm.session.selectin_loading import selectin_load
from aorm.session.strategies import (
    DynamicStrategy,
    NoLoadStrategy,
    RaiseStrategy,
    SelectStrategy,
    raise_error,
    register_strategy,
    set_loader_override,
)
from aorm.session.subquery_loading import SourceQuery, subquery_load
from aorm.sql.select import Select, select

if TYPE_CHECKING:
    from aorm.session.session import AsyncSession
    from aorm.session.state import InstanceState

__all__ = [
    "QueryLoad",
    "load_relationship",
    "prepare_query",
    "refresh_eager",
    "run_plans",
]


# -- the level-by-level walk -----------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Level:
    """Objects of one class that just loaded, and what applies below them."""

    mapper: Mapper[Any]
    objects: Sequence[Any]
    children: dict[str, PlanNode]
    wildcard: str | None
    #: The query that loaded them, when a subquery load may join it.
    source: SourceQuery | None


async def _apply(
    ctx: LoadContext, node: PlanNode, objects: list[Any], source: SourceQuery | None
) -> SourceQuery | None:
    """Do what *node* says for *objects*; the source query of the next level, if any."""
    strategy = node.strategy
    prop = node.prop
    key = prop.key
    if strategy == "noload":
        empty: Any = [] if prop.uselist else None
        for obj in objects:
            if node.explicit:
                set_loader_override(obj, key, strategy)
            if key not in obj.__dict__:
                store_related(obj, prop, empty)
        return None
    if strategy in ("select", "raise"):
        if node.explicit:
            for obj in objects:
                set_loader_override(obj, key, strategy)
        return None
    if strategy == "dynamic":
        return None
    needing = ctx.needing(objects, node)
    if not needing:
        return None
    if strategy == "subquery":
        return await subquery_load(ctx, needing, node, source)
    # "selectin", and "joined" where no statement joined it.
    await selectin_load(ctx, needing, node, refresh=ctx.populate_existing)
    return None


def _goes_deeper(node: PlanNode) -> bool:
    if node.strategy in ("noload", "dynamic"):
        return False
    return bool(node.children) or node.wildcard is not None or has_eager_defaults(node.prop.mapper)


async def run_plans(ctx: LoadContext, levels: Sequence[_Level]) -> None:
    """Walk the plans from *levels* down, breadth first, loading what they say."""
    queue = deque(levels)
    while queue:
        level = queue.popleft()
        for node in effective_nodes(level.mapper, level.children, level.wildcard):
            objects = ctx.first_visit(level.objects, node)
            if not objects:
                continue
            source = await _apply(ctx, node, objects, level.source)
            if not _goes_deeper(node):
                continue
            targets = related_objects(objects, node.prop.key)
            if targets:
                queue.append(
                    _Level(node.prop.mapper, targets, node.children, node.wildcard, source)
                )


# -- queries ---------------------------------------------------------------------


@dataclass(eq=False)
class _EntityLoad:
    """One queried entity of a statement: where its columns are, its plan and its joins."""

    offset: int
    plan: EntityPlan
    branches: list[JoinedBranch]


def _unchanged(column: Any) -> None:
    return None


def _entities(statement: Any) -> list[tuple[int, Mapper[Any]]]:
    entities = getattr(statement, "raw_entities", None)
    if not entities:
        return []
    found: list[tuple[int, Mapper[Any]]] = []
    offset = 0
    for entity in entities:
        if is_mapped_class(entity):
            mapper: Mapper[Any] = entity.__mapper__
            mapper.configure()
            found.append((offset, mapper))
            offset += loading_for(mapper).width
        else:
            offset += len(select(entity).columns_clause)
    return found


class QueryLoad:
    """The loading work of one entity query: the statement to run, then objects and eager loads.

    Made by :func:`prepare_query`; call :meth:`load` with the rows of
    :attr:`statement` (for a stream, once per chunk).
    """

    def __init__(self, statement: Any, *, streaming: bool = False) -> None:
        self.original = statement
        options = tuple(getattr(statement, "applied_options", ()))
        entities = _entities(statement)
        plans = {plan.mapper: plan for plan in compile_plans(options, [m for _, m in entities])}
        self._entities = [_EntityLoad(offset, plans[m], []) for offset, m in entities]
        #: The statement to execute (with the joins of joined loading).
        self.statement = statement
        #: How many leading columns of each row are the original statement's (None: all).
        self.width: int | None = None
        self.repeats_parents = False
        # A locking SELECT cannot lock the nullable side of an outer join
        # (PostgreSQL refuses): its joined loads run as select-IN after it.
        locking = getattr(statement, "_for_update", None) is not None
        if isinstance(statement, Select) and not locking:
            self._join(statement, streaming)

    def _join(self, statement: Select, streaming: bool) -> None:
        trial = [self._attach(statement, entity, _unchanged)[1] for entity in self._entities]
        branches = [b for found in trial for b in found]
        if not branches:
            return
        self.width = len(statement.columns_clause)
        self.repeats_parents = has_collection(branches)
        if self.repeats_parents and streaming:
            names = ", ".join(b.node.prop.class_name for b in branches if b.node.prop.uselist)
            raise ArgumentError(
                f"stream() cannot load collections with joinedload() ({names}): a parent's rows "
                "may span chunks; use selectinload() instead"
            )
        stmt = statement
        maps: dict[int, ColumnMap] = {}
        limited = statement.limit_value is not None or statement.offset_value is not None
        if self.repeats_parents and limited:
            offsets = [
                (e.offset, e.plan.mapper) for e, b in zip(self._entities, trial, strict=True) if b
            ]
            stmt, maps = wrap_limited(statement, offsets)
        for entity in self._entities:
            stmt, entity.branches = self._attach(stmt, entity, maps.get(entity.offset, _unchanged))
        self.statement = stmt

    @staticmethod
    def _attach(
        stmt: Select, entity: _EntityLoad, resolve: ColumnMap
    ) -> tuple[Select, list[JoinedBranch]]:
        plan = entity.plan
        return attach_joined(stmt, plan.mapper, plan.children, plan.wildcard, resolve)

    async def load(
        self, ctx: LoadContext, layout: Sequence[EntitySlot], raw_rows: Sequence[tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        """The result rows (objects in place of entity columns), after every eager load ran."""
        width = self.width
        base_rows = raw_rows if width is None else [raw[:width] for raw in raw_rows]
        rows = ctx.hydrator.rows(layout, base_rows)
        index = {slot.offset: i for i, slot in enumerate(layout) if slot.loading is not None}
        collectors: list[JoinedRows] = []
        for entity in self._entities:
            if not entity.branches:
                continue
            position = index[entity.offset]
            collector = JoinedRows(entity.branches, ctx.hydrator)
            for row, raw in zip(rows, raw_rows, strict=True):
                collector.add_row(row[position], raw)
            collectors.append(collector)
        if self.repeats_parents:
            rows = _unique_rows(rows, layout)
        for collector in collectors:
            collector.finish(ctx)
        levels = []
        for entity in self._entities:
            position = index[entity.offset]
            objects = _distinct(list(map(itemgetter(position), rows)))
            if objects:
                source = SourceQuery(self.original, ctx.params)
                plan = entity.plan
                levels.append(_Level(plan.mapper, objects, plan.children, plan.wildcard, source))
        await run_plans(ctx, levels)
        return rows


def _distinct(values: Iterable[Any]) -> list[Any]:
    """*values* without None and repeats (compared by identity), each in its first place."""
    if not isinstance(values, list):
        values = list(values)
    # Made in C: a dict keeps its keys' first insertion, and a repeat stores the same object.
    by_id = dict(zip(map(id, values), values, strict=True))
    none = id(None)
    if len(by_id) == len(values) and none not in by_id:
        return values
    by_id.pop(none, None)
    return list(by_id.values())


def _unique_rows(
    rows: list[tuple[Any, ...]], layout: Sequence[EntitySlot]
) -> list[tuple[Any, ...]]:
    """*rows* without repeats (objects compared by identity, values by equality)."""
    entity = [slot.loading is not None for slot in layout]
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for row in rows:
        key = tuple(
            [id(v) if is_entity else _hashable(v) for v, is_entity in zip(row, entity, strict=True)]
        )
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return ("unhashable", id(value))
    return value


def prepare_query(statement: Any, *, streaming: bool = False) -> QueryLoad | None:
    """The loading work of *statement*, or None when it has none.

    None for a statement that selects no mapped class, and for one with no
    loader options whose classes have no eager ``lazy=`` defaults (rows are
    then simply hydrated). Raises :class:`~aorm.exc.ArgumentError` for
    options that do not fit the statement, and (with *streaming*) for
    joined loading of a collection.
    """
    entities = getattr(statement, "raw_entities", None)
    if not entities:
        return None
    mappers: list[Mapper[Any]] = [e.__mapper__ for e in entities if is_mapped_class(e)]
    if not mappers:
        return None
    options = getattr(statement, "applied_options", ())
    if not options and not any(has_eager_defaults(m) for m in mappers):
        return None
    return QueryLoad(statement, streaming=streaming)


# -- awaited loads and refreshes ---------------------------------------------------


async def load_relationship(
    session: AsyncSession,
    states: Sequence[InstanceState],
    prop: RelationshipProperty[Any],
    *,
    refresh: bool = False,
) -> None:
    """Load *prop* for the objects of *states* (one select-IN per chunk), then their defaults.

    With *refresh* the loaded values replace unflushed changes of *prop*.
    """
    objects = [obj for obj in (s.object for s in states) if obj is not None]
    if not objects:
        return
    ctx = await LoadContext.begin(session)
    node = PlanNode(prop, "select", explicit=True)
    if prop.lazy == "noload":
        for obj in objects:
            store_related(obj, prop, [] if prop.uselist else None, refresh=refresh)
        return
    await selectin_load(ctx, objects, node, refresh=refresh)
    if has_eager_defaults(prop.mapper):
        targets = related_objects(objects, prop.key)
        await run_plans(ctx, [_Level(prop.mapper, targets, {}, None, None)])


async def refresh_eager(session: AsyncSession, state: InstanceState) -> None:
    """Reload the eager (``lazy="selectin"``, …) relationships of *state*'s object (refresh)."""
    obj = state.object
    mapper = state.mapper
    if obj is None or not has_eager_defaults(mapper):
        return
    for node in effective_nodes(mapper, {}, None):
        await load_relationship(session, [state], node.prop, refresh=True)


# -- the strategies' awaited loaders ---------------------------------------------


class SelectLoading(SelectStrategy):
    """``select`` (and the eager strategies, read on objects loaded without them): select-IN."""

    async def load(
        self,
        session: Any,
        states: Sequence[InstanceState],
        prop: RelationshipProperty[Any],
        *,
        refresh: bool = False,
    ) -> None:
        await load_relationship(session, states, prop, refresh=refresh)


class RaiseLoading(RaiseStrategy):
    """``raise``: an awaited load raises; an explicit refresh still loads."""

    async def load(
        self,
        session: Any,
        states: Sequence[InstanceState],
        prop: RelationshipProperty[Any],
        *,
        refresh: bool = False,
    ) -> None:
        if not refresh:
            raise raise_error(prop)
        await load_relationship(session, states, prop, refresh=True)


for _name in ("select", "joined", "selectin", "subquery"):
    register_strategy(_name, SelectLoading(_name))
del _name
register_strategy("raise", RaiseLoading())
register_strategy("noload", NoLoadStrategy())
register_strategy("dynamic", DynamicStrategy())
