"""Joined eager loading: related rows come in the same statement, by LEFT OUTER JOIN.

:func:`attach_joined` adds, for every ``joined`` node that applies to an
entity of a statement (options and ``lazy="joined"`` defaults, nested ones
too), a LEFT OUTER JOIN to an *alias* of the target table (so a
self-referential relationship, or a target the query already joins, does
not clash) and the alias's columns at the end of the select list. A
many-to-many joins its ``secondary`` table (aliased as well) on the way.
The relationship's ``order_by`` is appended to the statement's ORDER BY,
after the statement's own terms, so parents keep their order.

:func:`wrap_limited` prepares a statement with LIMIT/OFFSET first: the
limit must count parents, not parent-and-child rows, so the limited
statement becomes a subquery and the joins attach to that.

A :class:`JoinedRows` collects each row's related objects per parent;
:meth:`JoinedRows.finish` stores them (keeping values already loaded, see
:func:`~aorm.session.loading_context.store_related`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aorm.exc import ArgumentError
from aorm.orm.mapper import Mapper
from aorm.orm.relationships import RelationshipProperty
from aorm.session.loader_options import PlanNode
from aorm.session.loading import Hydrator, MapperLoading, loading_for
from aorm.session.loading_context import LoadContext, effective_nodes, store_related
from aorm.session.relationship_sql import (
    ColumnMap,
    adapt,
    column_map,
    extra_criteria,
    is_many_to_many,
)
from aorm.sql import operators as ops
from aorm.sql.elements import ColumnElement, UnaryExpression
from aorm.sql.expressions import and_
from aorm.sql.schema import Column
from aorm.sql.select import Select, select
from aorm.sql.selectable import aliased

__all__ = ["JoinedBranch", "JoinedRows", "attach_joined", "has_collection", "wrap_limited"]

# The ORDER BY modifiers a term may be wrapped in (``x DESC NULLS LAST``).
_MODIFIERS = (ops.ASC, ops.DESC, ops.NULLS_FIRST, ops.NULLS_LAST)


@dataclass(eq=False)
class JoinedBranch:
    """One joined relationship in a statement: where its columns are, and its parent branch."""

    node: PlanNode
    #: The branch whose objects are this one's parents (None: the statement's entity).
    parent: JoinedBranch | None
    loading: MapperLoading
    #: Position of the target's first column in the row.
    offset: int


def _resolved(resolve: ColumnMap, column: Column) -> ColumnElement:
    found = resolve(column)
    return column if found is None else found


def _join_one(stmt: Select, node: PlanNode, resolve: ColumnMap) -> tuple[Select, ColumnMap, int]:
    """*stmt* joined to *node*'s target (aliased); the target's column map and column offset."""
    prop = node.prop
    target_table = prop.mapper.table
    target = aliased(target_table)
    target_map = column_map(target, target_table)
    if is_many_to_many(prop):
        assert prop.secondary is not None
        secondary = aliased(prop.secondary)
        secondary_map = column_map(secondary, prop.secondary)
        to_secondary = and_(
            *[
                _resolved(resolve, local) == _resolved(secondary_map, remote)
                for local, remote in prop.local_remote_pairs
            ]
        )
        stmt = stmt.outerjoin(secondary, to_secondary)

        def both(column: Column) -> ColumnElement | None:
            found = secondary_map(column)
            return target_map(column) if found is None else found

        to_target = and_(
            *[
                _resolved(target_map, target_col) == _resolved(secondary_map, secondary_col)
                for target_col, secondary_col in prop.secondary_pairs
            ],
            *[adapt(criterion, both) for criterion in extra_criteria(prop)],
        )
        stmt = stmt.outerjoin(target, to_target)
    else:
        onclause = and_(
            *[
                _resolved(resolve, local) == _resolved(target_map, remote)
                for local, remote in prop.local_remote_pairs
            ],
            *[adapt(criterion, target_map) for criterion in extra_criteria(prop)],
        )
        stmt = stmt.outerjoin(target, onclause)
    offset = len(stmt.columns_clause)
    stmt = stmt.add_columns(target)
    if prop.order_by:
        stmt = stmt.order_by(*[adapt(term, target_map) for term in prop.order_by])
    return stmt, target_map, offset


def attach_joined(
    stmt: Select,
    mapper: Mapper[Any],
    children: dict[str, PlanNode],
    wildcard: str | None,
    resolve: ColumnMap,
    *,
    path: tuple[RelationshipProperty[Any], ...] = (),
) -> tuple[Select, list[JoinedBranch]]:
    """*stmt* with the joins for the ``joined`` nodes below an entity of *mapper*.

    *resolve* maps the entity's table columns to the columns that stand for
    them in *stmt* (None: the table itself). *path* holds the relationships
    already joined above, so a ``lazy="joined"`` default does not join its
    own relationship again (a cycle); options join as deep as they say.
    Branches come parents first.
    """
    branches: list[JoinedBranch] = []

    def visit(
        stmt: Select,
        mapper: Mapper[Any],
        children: dict[str, PlanNode],
        wildcard: str | None,
        resolve: ColumnMap,
        parent: JoinedBranch | None,
        path: tuple[RelationshipProperty[Any], ...],
    ) -> Select:
        for node in effective_nodes(mapper, children, wildcard):
            if node.strategy != "joined" or (not node.explicit and node.prop in path):
                continue
            stmt, target_map, offset = _join_one(stmt, node, resolve)
            branch = JoinedBranch(node, parent, loading_for(node.prop.mapper), offset)
            branches.append(branch)
            stmt = visit(
                stmt,
                node.prop.mapper,
                node.children,
                node.wildcard,
                target_map,
                branch,
                (*path, node.prop),
            )
        return stmt

    stmt = visit(stmt, mapper, children, wildcard, resolve, None, path)
    return stmt, branches


def has_collection(branches: Sequence[JoinedBranch]) -> bool:
    """True when a branch loads a collection (rows then repeat their parents)."""
    return any(branch.node.prop.uselist for branch in branches)


def _strip(term: ColumnElement) -> tuple[ColumnElement, list[UnaryExpression]]:
    modifiers: list[UnaryExpression] = []
    while isinstance(term, UnaryExpression) and term.operator in _MODIFIERS:
        modifiers.append(term)
        term = term.element
    return term, modifiers


def _rewrap(column: ColumnElement, modifiers: list[UnaryExpression]) -> ColumnElement:
    for modifier in reversed(modifiers):
        column = UnaryExpression(column, modifier.operator, modifier.type)
    return column


def wrap_limited(
    stmt: Select, entity_offsets: Sequence[tuple[int, Mapper[Any]]]
) -> tuple[Select, dict[int, ColumnMap]]:
    """*stmt* (which has LIMIT/OFFSET) as a subquery, selected again in the same order.

    Returns the outer statement, whose first columns are *stmt*'s, and for
    each entity offset of *entity_offsets* the map from that entity's table
    columns to the subquery's columns (what joins attach to).
    """
    columns = stmt.columns_clause
    width = len(columns)
    order_terms: list[tuple[ColumnElement, list[UnaryExpression]]] = []
    extra: list[ColumnElement] = []
    positions: list[int] = []
    for term in stmt.order_by_clauses:
        core, modifiers = _strip(term)
        position = next((i for i, column in enumerate(columns) if column is core), None)
        if position is None:
            position = width + len(extra)
            extra.append(core.label(f"aorm_order_{len(extra)}"))
        order_terms.append((core, modifiers))
        positions.append(position)
    inner = stmt.add_columns(*extra) if extra else stmt
    sub = inner.subquery()
    sub_columns = list(sub.c)
    if len(sub_columns) != width + len(extra):
        raise ArgumentError(
            "joined eager loading of a collection with LIMIT/OFFSET needs a statement whose "
            "selected items are all columns or entities; use selectinload() instead"
        )
    outer = select(*sub_columns[:width])
    outer = outer.order_by(
        *[
            _rewrap(sub_columns[position], modifiers)
            for position, (_, modifiers) in zip(positions, order_terms, strict=True)
        ]
    )
    maps: dict[int, ColumnMap] = {}
    for offset, mapper in entity_offsets:
        table = mapper.table
        index = {id(column): offset + i for i, column in enumerate(table.c)}
        maps[offset] = _subquery_map(table, index, sub_columns)
    return outer, maps


def _subquery_map(table: Any, index: dict[int, int], sub_columns: list[Any]) -> ColumnMap:
    def lookup(column: Column) -> ColumnElement | None:
        if column.table is not table:
            return None
        position = index.get(id(column))
        return None if position is None else sub_columns[position]

    return lookup


class JoinedRows:
    """Collects, row by row, the related objects the joins of one entity brought."""

    __slots__ = ("_branches", "_collected", "_loaders")

    def __init__(self, branches: Sequence[JoinedBranch], hydrator: Hydrator) -> None:
        self._branches = list(branches)
        self._loaders: list[Callable[[Sequence[Any]], Any]] = [
            hydrator.loader(branch.loading) for branch in self._branches
        ]
        # Per branch: id(parent) -> (parent, related objects, their ids).
        self._collected: list[dict[int, tuple[Any, list[Any], set[int]]]] = [
            {} for _ in self._branches
        ]

    def add_row(self, entity: Any, row: Sequence[Any]) -> None:
        """Take the related objects out of *row*, whose entity object is *entity*."""
        if entity is None:
            return
        found: dict[int, Any] = {}
        branches = self._branches
        for index, branch in enumerate(branches):
            parent_branch = branch.parent
            parent = entity if parent_branch is None else found.get(id(parent_branch))
            if parent is None:
                found[id(branch)] = None
                continue
            offset = branch.offset
            target = self._loaders[index](row[offset : offset + branch.loading.width])
            found[id(branch)] = target
            collected = self._collected[index]
            entry = collected.get(id(parent))
            if entry is None:
                entry = collected[id(parent)] = (parent, [], set())
            if target is not None and id(target) not in entry[2]:
                entry[2].add(id(target))
                entry[1].append(target)

    def finish(self, ctx: LoadContext) -> None:
        """Store what was collected into the parents that need it, and tell *ctx*."""
        for branch, collected in zip(self._branches, self._collected, strict=True):
            node = branch.node
            prop = node.prop
            parents = [entry[0] for entry in collected.values()]
            for parent in ctx.needing(parents, node):
                items = collected[id(parent)][1]
                if prop.uselist:
                    store_related(parent, prop, items, refresh=ctx.populate_existing)
                else:
                    value = items[0] if items else None
                    store_related(parent, prop, value, refresh=ctx.populate_existing)
            ctx.joined(node, parents)
