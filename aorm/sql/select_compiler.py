"""Rendering of SELECTs: result columns, FROM lists, joins, correlation, CTEs and set operations."""

from __future__ import annotations

from typing import Any

from aorm.exc import CompileError
from aorm.sql import operators as ops
from aorm.sql.element_compiler import ElementCompiler
from aorm.sql.elements import ClauseElement, ColumnElement, Label, UnaryExpression
from aorm.sql.select import Select
from aorm.sql.select_base import CompoundSelect, Exists, ForUpdate, ScalarSubquery, SelectBase
from aorm.sql.selectable import CTE, Alias, ColumnClause, FromClause, Join, Subquery

__all__ = ["SelectCompiler"]


def _covered(from_clause: FromClause, others: list[FromClause]) -> bool:
    return any(o is from_clause or o._refers_to(from_clause) for o in others)


class SelectCompiler(ElementCompiler):
    """``visit_*`` methods for SELECT statements and FROM objects."""

    # -- FROM lists ---------------------------------------------------------

    def select_froms(self, select: Select, correlate: list[FromClause]) -> list[FromClause]:
        """Explicit FROMs, then those implied by columns and criteria, minus correlated ones.

        A nested SELECT drops FROMs its enclosing SELECTs have, unless that
        would leave it with none (then it stands alone, e.g. ``SELECT max(x)
        FROM t`` inside a query of ``t``).
        """
        explicit = list(select._from_list)
        implicit: list[FromClause] = []
        for group in (
            select._columns,
            select._where,
            select._group_by,
            select._having,
            select._order_by,
        ):
            for element in group:
                for from_clause in element._from_objects():
                    if from_clause.__visit_name__ == "excluded":
                        continue
                    if _covered(from_clause, explicit) or _covered(from_clause, implicit):
                        continue
                    implicit.append(from_clause)
        if correlate and implicit:
            kept = [f for f in implicit if not _covered(f, correlate)]
            if kept or explicit:
                implicit = kept
        return explicit + implicit

    def nested_select(self, select: Any) -> str:
        """A SELECT inside an expression (scalar, EXISTS, IN): correlated to the enclosing ones."""
        correlate = [f for level in self.state.from_stack for f in level]
        return self.process(select, correlate=correlate)

    # -- SELECT -------------------------------------------------------------

    def visit_select(
        self,
        select: Select,
        *,
        as_subquery: bool = False,
        correlate: list[FromClause] | None = None,
        **kw: Any,
    ) -> str:
        if not select._columns:
            raise CompileError("a SELECT needs at least one column")
        froms = self.select_froms(select, correlate or [])
        state = self.state
        state.from_stack.append(froms)
        try:
            columns = self.columns_clause(select, as_subquery=as_subquery)
            sql = "SELECT DISTINCT " if select._distinct else "SELECT "
            sql += columns
            if froms:
                sql += " FROM " + ", ".join(self.process(f, asfrom=True) for f in froms)
            if select._where:
                sql += " WHERE " + self.criteria(select._where)
            if select._group_by:
                sql += " GROUP BY " + ", ".join(
                    self.group_term(select, froms, term) for term in select._group_by
                )
            if select._having:
                sql += " HAVING " + self.criteria(select._having)
            if select._order_by:
                sql += " ORDER BY " + ", ".join(
                    self.order_term(select, term) for term in select._order_by
                )
            sql += self.limit_offset(select)
            if select._for_update is not None:
                sql += self.for_update_sql(select._for_update)
        finally:
            state.from_stack.pop()
        return sql

    def criteria(self, criteria: tuple[ColumnElement, ...]) -> str:
        """WHERE/HAVING criteria ANDed."""
        if len(criteria) == 1:
            return self.process(criteria[0])
        return " AND ".join(self.operand(c, ops.AND) for c in criteria)

    def columns_clause(self, select: Select, *, as_subquery: bool) -> str:
        """The selected columns; in a subquery each gets the name its ``.c`` key promises."""
        keys = iter(select._exported_columns())
        parts: list[str] = []
        for column in select._columns:
            if not isinstance(column, ColumnElement):
                parts.append(self.process(column))
                continue
            key, _ = next(keys)
            parts.append(self.column_sql(column, key, as_subquery=as_subquery))
        return ", ".join(parts)

    def column_sql(self, column: ColumnElement, key: str, *, as_subquery: bool) -> str:
        """One result column, labelled where its name must be known."""
        if isinstance(column, Label):
            inner = self.process(column.element)
            return f"{inner} AS {self.quote(key if as_subquery else column.name)}"
        sql = self.process(column)
        if not as_subquery:
            return sql
        if isinstance(column, ColumnClause) and not column.is_literal and column.name == key:
            return sql
        return f"{sql} AS {self.quote(key)}"

    def order_term(self, select: SelectBase, term: ColumnElement) -> str:
        """An ORDER BY / GROUP BY term; a selected label is referred to by its name."""
        inner: ClauseElement = term
        suffix = ""
        while isinstance(inner, UnaryExpression) and inner.operator.precedence == 1:
            suffix = f" {inner.operator.sql}{suffix}"
            inner = inner.element
        if isinstance(inner, Label) and any(c is inner for c in getattr(select, "_columns", ())):
            return self.quote(inner.name) + suffix
        return self.process(inner) + suffix

    def group_term(self, select: Select, froms: list[FromClause], term: ColumnElement) -> str:
        """A GROUP BY term; a selected label by its name, unless a FROM column has that name.

        (GROUP BY resolves a name to an input column first, so a colliding
        label must be written out; the name avoids sending a parameter twice.)
        """
        if isinstance(term, Label) and any(c is term for c in select._columns):
            names = {
                getattr(c, "name", None) for f in froms for leaf in f._leaves() for c in leaf.c
            }
            if term.name not in names:
                return self.quote(term.name)
        return self.process(term.element if isinstance(term, Label) else term)

    def limit_offset(self, select: SelectBase) -> str:
        """LIMIT/OFFSET with their values as parameters."""
        limit = None if select._limit is None else self.process(select._limit)
        offset = None if select._offset is None else self.process(select._offset)
        return self.limit_offset_sql(limit, offset)

    def limit_offset_sql(self, limit: str | None, offset: str | None) -> str:
        """`` LIMIT x OFFSET y``; dialects adjust (SQLite needs a LIMIT before OFFSET)."""
        sql = ""
        if limit is not None:
            sql += f" LIMIT {limit}"
        if offset is not None:
            sql += f" OFFSET {offset}"
        return sql

    def for_update_sql(self, for_update: ForUpdate) -> str:
        """`` FOR UPDATE [OF …] [NOWAIT | SKIP LOCKED]`` (``FOR SHARE`` when read)."""
        sql = " FOR SHARE" if for_update.read else " FOR UPDATE"
        if for_update.of:
            sql += " OF " + ", ".join(self.from_name(f) for f in for_update.of)
        if for_update.nowait:
            sql += " NOWAIT"
        if for_update.skip_locked:
            sql += " SKIP LOCKED"
        return sql

    # -- set operations -----------------------------------------------------

    def visit_compound_select(
        self,
        compound: CompoundSelect,
        *,
        as_subquery: bool = False,
        correlate: list[FromClause] | None = None,
        **kw: Any,
    ) -> str:
        parts = []
        for member in compound.selects:
            sql = self.process(member, as_subquery=as_subquery, correlate=correlate)
            if member._order_by or member._limit is not None or member._offset is not None:
                # Neither backend takes ORDER BY/LIMIT on a bare member; SQLite
                # takes no parentheses either, so the member becomes a subquery.
                sql = f"SELECT * FROM ({sql}) AS {self.quote(self.anon_name(member, 'anon'))}"
            parts.append(sql)
        sql = f" {compound.keyword} ".join(parts)
        if compound._order_by:
            sql += " ORDER BY " + ", ".join(
                self.compound_order_term(compound, t) for t in compound._order_by
            )
        return sql + self.limit_offset(compound)

    def compound_order_term(self, compound: CompoundSelect, term: ColumnElement) -> str:
        """ORDER BY of a UNION refers to result column names, unqualified."""
        inner: ClauseElement = term
        suffix = ""
        while isinstance(inner, UnaryExpression) and inner.operator.precedence == 1:
            suffix = f" {inner.operator.sql}{suffix}"
            inner = inner.element
        for key, column in compound._exported_columns():
            if column is inner:
                return self.quote(key) + suffix
        if isinstance(inner, Label):
            return self.quote(inner.name) + suffix
        if isinstance(inner, ColumnClause) and not inner.is_literal:
            return self.quote(inner.name or "") + suffix
        return self.process(inner) + suffix

    # -- subqueries as values ---------------------------------------------

    def visit_scalar_subquery(self, element: ScalarSubquery, **kw: Any) -> str:
        return "(" + self.nested_select(element.element) + ")"

    def visit_exists(self, element: Exists, **kw: Any) -> str:
        return "EXISTS (" + self.nested_select(element.element) + ")"

    # -- FROM objects ---------------------------------------------------------

    def visit_table(self, table: FromClause, **kw: Any) -> str:
        return self.from_name(table)

    def visit_alias(self, alias: Alias, **kw: Any) -> str:
        element = alias.element
        name = self.from_name(alias)
        if element.__visit_name__ == "table":
            return f"{self.from_name(element)} AS {name}"
        if isinstance(element, CTE):
            self.register_cte(element)
            return f"{self.from_name(element)} AS {name}"
        if isinstance(element, Subquery):
            return f"({self.subquery_select(element.element)}) AS {name}"
        raise CompileError(f"cannot alias {type(element).__name__} objects")

    def visit_subquery(self, subquery: Subquery, **kw: Any) -> str:
        return f"({self.subquery_select(subquery.element)}) AS {self.from_name(subquery)}"

    def subquery_select(self, select: SelectBase) -> str:
        """A SELECT inside FROM or WITH: its own scope, its columns named by their keys."""
        state = self.state
        saved, state.from_stack = state.from_stack, []
        try:
            return self.process(select, as_subquery=True, correlate=[])
        finally:
            state.from_stack = saved

    def visit_join(self, join: Join, **kw: Any) -> str:
        left = self.process(join.left, asfrom=True)
        right = self.process(join.right, asfrom=True)
        if isinstance(join.right, Join):
            right = f"({right})"
        kind = "FULL OUTER JOIN" if join.full else "LEFT OUTER JOIN" if join.isouter else "JOIN"
        return f"{left} {kind} {right} ON {self.process(join.onclause)}"

    # -- CTEs -----------------------------------------------------------------

    def visit_cte(self, cte: CTE, **kw: Any) -> str:
        self.register_cte(cte)
        return self.from_name(cte)

    def register_cte(self, cte: Any) -> None:
        """Render *cte* into the statement's WITH list (once per anchor, fullest form wins)."""
        state = self.state
        root = cte._root
        entry = state.ctes.get(id(root))
        parts = len(cte._recursive_parts)
        if entry is not None and (entry[1] is None or entry[2] >= parts):
            return  # being rendered (a recursive reference) or already complete
        name = self.cte_name(cte)
        entry = [name, None, parts]
        state.ctes[id(root)] = entry
        state.keepalive.append(root)
        body = self.subquery_select(cte.element)
        for all_, part in cte._recursive_parts:
            body += (" UNION ALL " if all_ else " UNION ") + self.subquery_select(part)
        entry[1] = f"{self.quote(name)} AS ({body})"
        if cte.recursive:
            state.recursive = True
        if id(root) in state.cte_order:
            state.cte_order.remove(id(root))
        state.cte_order.append(id(root))

    def with_prefix(self) -> str:
        """``WITH [RECURSIVE] …`` for the CTEs the statement used ('' if none)."""
        state = self.state
        if not state.cte_order:
            return ""
        bodies = ", ".join(state.ctes[i][1] for i in state.cte_order)
        return f"WITH {'RECURSIVE ' if state.recursive else ''}{bodies} "
