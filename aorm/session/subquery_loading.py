"""Subquery loading: one second query that joins the first query, as a subquery.

For parents loaded by a statement, the related rows are found by joining
the target table to ``SELECT DISTINCT <parent keys> FROM (<the statement,
selecting only the parent keys>)``: the statement's own criteria, joins and
(with LIMIT/OFFSET) ordering pick the parents again inside the database, so
no key list travels. The statement runs with its own parameters.

Deeper levels join the previous level's query the same way. Parents that
were not loaded by a statement (by an awaited load, select-IN or a join)
are loaded with select-IN instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aorm.session.loader_options import PlanNode
from aorm.session.loading_context import LoadContext
from aorm.session.relationship_sql import key_columns
from aorm.session.selectin_loading import (
    fetch_related,
    parent_groups,
    related_statement,
    selectin_load,
    store_groups,
)
from aorm.sql.expressions import and_
from aorm.sql.select import Select, select

__all__ = ["SourceQuery", "subquery_load"]


@dataclass(frozen=True)
class SourceQuery:
    """The statement that loaded some parents, and its parameters."""

    statement: Select
    params: Any = None


def _keys_subquery(source: SourceQuery, node: PlanNode) -> Any:
    locals_ = [local for local, _ in node.prop.local_remote_pairs]
    inner = source.statement.with_only_columns(*locals_)
    if inner.limit_value is None and inner.offset_value is None:
        # Without a LIMIT/OFFSET the order picks no rows; leave it out.
        inner = inner.order_by(None)
    return select(*inner.subquery().c).distinct().subquery()


async def subquery_load(
    ctx: LoadContext, parents: Sequence[Any], node: PlanNode, source: SourceQuery | None
) -> SourceQuery | None:
    """Load *node*'s relationship for *parents*, which *source* loaded.

    Returns the query that loaded the related objects (the source for the
    next level), or None when select-IN was used instead.
    """
    if source is None:
        await selectin_load(ctx, parents, node)
        return None
    prop = node.prop
    refresh = ctx.populate_existing
    parents_by_key = parent_groups(parents, prop, refresh=refresh)
    if not parents_by_key:
        return None
    keys = _keys_subquery(source, node)
    stmt = related_statement(prop).join(
        keys,
        and_(*[column == key for column, key in zip(key_columns(prop), keys.c, strict=True)]),
    )
    if prop.order_by:
        stmt = stmt.order_by(*prop.order_by)
    related = await fetch_related(ctx, node, stmt, source.params)
    store_groups(prop, parents_by_key, list(parents_by_key), related, refresh=refresh)
    return SourceQuery(stmt, source.params)
