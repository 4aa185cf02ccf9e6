"""Rendering of column expressions: columns, operators, functions, CASE, CAST, JSON access."""

from __future__ import annotations

from typing import Any

from aorm.exc import CompileError
from aorm.sql import operators as ops
from aorm.sql.compiler_base import CompilerBase
from aorm.sql.elements import (
    BinaryExpression,
    BooleanClauseList,
    ClauseElement,
    ClauseList,
    False_,
    Grouping,
    InList,
    Label,
    Null,
    True_,
    UnaryExpression,
)
from aorm.sql.expressions import Case, Cast, Tuple, TypeCoerce
from aorm.sql.functions import Function, Over, Star
from aorm.sql.json_access import JSONElement
from aorm.sql.operators import Operator
from aorm.sql.selectable import Alias, ColumnClause, FromClause
from aorm.sql.text import TextClause

__all__ = ["ElementCompiler"]


def _precedence(element: ClauseElement) -> tuple[int, Operator | None]:
    if isinstance(element, BinaryExpression):
        return element.operator.precedence, element.operator
    if isinstance(element, BooleanClauseList) and len(element.clauses) > 1:
        return element.operator.precedence, element.operator
    if isinstance(element, UnaryExpression) and element.operator in (ops.NOT, ops.NEG):
        return element.operator.precedence, element.operator
    if isinstance(element, JSONElement) and element.cast_type is None:
        return ops.GETITEM.precedence, ops.GETITEM
    return 100, None  # atoms: columns, literals, function calls, parenthesized things


class ElementCompiler(CompilerBase):
    """``visit_*`` methods for column expressions."""

    def operand(self, element: ClauseElement, parent: Operator, *, right: bool = False) -> str:
        """*element* as an operand of *parent*, parenthesized when it binds less tightly."""
        sql = self.process(element)
        precedence, op = _precedence(element)
        if op is None:
            return sql
        if parent.isolated or op.isolated:
            needs = op is not parent or right
        elif precedence < parent.precedence:
            needs = True
        elif precedence == parent.precedence:
            needs = right or op is not parent or not parent.associative
        else:
            needs = False
        return f"({sql})" if needs else sql

    # -- columns and from names ----------------------------------------------

    def from_name(self, from_clause: FromClause) -> str:
        """How columns of *from_clause* are qualified (``"users"``, ``"u"``, ``"anon_1"``)."""
        visit = from_clause.__visit_name__
        if visit == "table":
            schema = getattr(from_clause, "schema", None)
            name = self.quote(from_clause.name or "")
            return f"{self.quote(schema)}.{name}" if schema else name
        if visit == "excluded":
            return "excluded"
        if visit == "cte":
            return self.quote(self.cte_name(from_clause))
        if from_clause.name:
            return self.quote(from_clause.name)
        if isinstance(from_clause, Alias) and from_clause.element.__visit_name__ == "table":
            return self.quote(self.anon_name(from_clause, from_clause.element.name or "anon"))
        return self.quote(self.anon_name(from_clause, "anon"))

    def cte_name(self, cte: Any) -> str:
        """The name of a CTE (shared by every CTE grown from one anchor)."""
        root = cte._root
        return root.name or self.anon_name(root, "anon")

    def visit_column(self, column: ColumnClause, *, unqualified: bool = False, **kw: Any) -> str:
        if column.is_literal:
            return column.name or ""
        name = self.quote(column.name or "")
        table = column.table
        if table is None or unqualified or self.state.unqualified:
            return name
        if table.__visit_name__ == "cte":
            self.register_cte(table)
        return f"{self.from_name(table)}.{name}"

    def register_cte(self, cte: Any) -> None:  # pragma: no cover - defined by SelectCompiler
        raise NotImplementedError

    # -- operators ------------------------------------------------------------

    def visit_binary(self, binary: BinaryExpression, **kw: Any) -> str:
        op = binary.operator
        left = self.operand(binary.left, op)
        if op is ops.BETWEEN:
            bounds = binary.right
            assert isinstance(bounds, ClauseList)
            low, high = (self.operand(b, op, right=True) for b in bounds.clauses)
            return f"{left} BETWEEN {low} AND {high}"
        if op is ops.ILIKE or op is ops.NOT_ILIKE:
            right = self.operand(binary.right, op, right=True)
            return self.ilike_sql(left, right, negate=op is ops.NOT_ILIKE, escape=binary.escape)
        if op is ops.IN or op is ops.NOT_IN:
            return f"{left} {op.sql} {self.process(binary.right)}"
        right = self.operand(binary.right, op, right=True)
        sql = f"{left} {op.sql} {right}"
        if binary.escape is not None:
            sql += f" ESCAPE {self.render_literal(binary.escape)}"
        return sql

    def ilike_sql(self, left: str, right: str, *, negate: bool, escape: str | None) -> str:
        """Case-insensitive LIKE; the base uses ``ILIKE``."""
        sql = f"{left} {'NOT ILIKE' if negate else 'ILIKE'} {right}"
        if escape is not None:
            sql += f" ESCAPE {self.render_literal(escape)}"
        return sql

    def visit_unary(self, unary: UnaryExpression, **kw: Any) -> str:
        op = unary.operator
        if op is ops.NOT:
            inner = self.process(unary.element)
            if _precedence(unary.element)[1] is not None:
                inner = f"({inner})"
            return f"NOT {inner}"
        if op is ops.NEG:
            return f"-{self.operand(unary.element, op)}"
        if op is ops.DISTINCT:
            return f"DISTINCT {self.process(unary.element)}"
        return f"{self.process(unary.element, **kw)} {op.sql}"

    def visit_boolean_list(self, clauses: BooleanClauseList, **kw: Any) -> str:
        if not clauses.clauses:
            return self.process(True_() if clauses.operator is ops.AND else False_())
        op = clauses.operator
        return f" {op.sql} ".join(self.operand(c, op) for c in clauses.clauses)

    def visit_clause_list(self, clauses: ClauseList, **kw: Any) -> str:
        return ", ".join(self.process(c) for c in clauses.clauses)

    def visit_tuple(self, row: Tuple, **kw: Any) -> str:
        return "(" + ", ".join(self.process(c) for c in row.clauses) + ")"

    def visit_grouping(self, grouping: Grouping, **kw: Any) -> str:
        element = grouping.element
        if getattr(element, "_is_select", False):
            return "(" + self.nested_select(element) + ")"
        if isinstance(element, TextClause):
            return "(" + self.process(element) + ")"
        return "(" + self.process(element) + ")"

    def nested_select(self, select: Any) -> str:  # pragma: no cover - defined by SelectCompiler
        raise NotImplementedError

    def visit_label(self, label: Label, *, within_columns: bool = False, **kw: Any) -> str:
        inner = self.process(label.element)
        if within_columns:
            return f"{inner} AS {self.quote(label.name)}"
        return inner

    def visit_null(self, element: Null, **kw: Any) -> str:
        return "NULL"

    def visit_true(self, element: True_, **kw: Any) -> str:
        return self.bool_literal(True)

    def visit_false(self, element: False_, **kw: Any) -> str:
        return self.bool_literal(False)

    def visit_literal_one(self, element: Any, **kw: Any) -> str:
        return "1"

    def visit_in_list(self, element: InList, **kw: Any) -> str:
        """``IN`` with the whole list as one parameter: the dialect decides how."""
        raise CompileError(f"in_() lists are not supported by the {self.dialect.name} compiler")

    # -- functions, CASE, CAST ---------------------------------------------

    def visit_star(self, element: Star, **kw: Any) -> str:
        return "*"

    def visit_function(self, function: Function, **kw: Any) -> str:
        return self.function_sql(function, self.process(function.clauses))

    def function_sql(self, function: Function, arguments: str) -> str:
        """``name(arguments)``; dialects rewrite the functions they lack."""
        return f"{function.name}({arguments})"

    def visit_over(self, over: Over, **kw: Any) -> str:
        parts = []
        if over.partition_by.clauses:
            parts.append(f"PARTITION BY {self.process(over.partition_by)}")
        if over.order_by.clauses:
            parts.append(f"ORDER BY {self.process(over.order_by)}")
        return f"{self.process(over.function)} OVER ({' '.join(parts)})"

    def visit_case(self, case: Case, **kw: Any) -> str:
        parts = ["CASE"]
        if case.value is not None:
            parts.append(self.process(case.value))
        for condition, outcome in case.whens:
            parts.append(f"WHEN {self.process(condition)} THEN {self.process(outcome)}")
        if case.else_ is not None:
            parts.append(f"ELSE {self.process(case.else_)}")
        parts.append("END")
        return " ".join(parts)

    def visit_cast(self, cast: Cast, **kw: Any) -> str:
        return f"CAST({self.process(cast.element)} AS {cast.type.ddl(self.dialect.name)})"

    def visit_type_coerce(self, element: TypeCoerce, **kw: Any) -> str:
        return self.process(element.element, **kw)

    def visit_json_element(self, element: JSONElement, **kw: Any) -> str:
        document = self.operand(element.document, ops.GETITEM)
        arrow = "->>" if element.as_text else "->"
        sql = f"{document} {arrow} {self.process(element.index)}"
        if element.cast_type is not None:
            return f"CAST({sql} AS {element.cast_type.ddl(self.dialect.name)})"
        return sql

    # -- text -----------------------------------------------------------------

    def visit_text(self, clause: TextClause, **kw: Any) -> str:
        parts: list[str] = []
        for i, piece in enumerate(clause._pieces):
            if i % 2 == 0:
                parts.append(piece)
            else:
                parts.append(self.add_slot(piece, -1, None))
        return "".join(parts)
