"""Public constructors of expressions (``and_``, ``case``, ``cast``, ``literal``, …) and
the elements only they build (CASE, CAST, row values)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from aorm.exc import ArgumentError
from aorm.sql import operators as ops
from aorm.sql.cache_key import KeyContext, type_key
from aorm.sql.elements import (
    FALSE,
    NO_VALUE,
    NULL,
    TRUE,
    BinaryExpression,
    BindParameter,
    BooleanClauseList,
    ClauseElement,
    ClauseList,
    ColumnElement,
    Grouping,
    UnaryExpression,
    coerce_column,
    coerce_where,
    in_expression,
)
from aorm.sql.operators import Operator
from aorm.sql.selectable import ColumnClause, FromClause
from aorm.sql.type_inference import BOOLEAN, NULLTYPE, infer_type, is_null_type
from aorm.sql.types import TypeEngine, to_instance

__all__ = [
    "Case",
    "Cast",
    "Tuple",
    "TypeCoerce",
    "and_",
    "asc",
    "bindparam",
    "case",
    "cast",
    "desc",
    "distinct",
    "false",
    "literal",
    "literal_column",
    "not_",
    "null",
    "nulls_first",
    "nulls_last",
    "or_",
    "true",
    "tuple_",
    "type_coerce",
]


def _value(value: Any) -> ColumnElement:
    """A CASE/THEN operand: elements as they are, values bound with a cast on PostgreSQL."""
    if value is None:
        return NULL
    return coerce_column(value)


class Case(ColumnElement):
    """``CASE [value] WHEN … THEN … [ELSE …] END``."""

    __visit_name__ = "case"

    def __init__(
        self,
        whens: list[tuple[ColumnElement, ColumnElement]],
        value: ColumnElement | None,
        else_: ColumnElement | None,
    ) -> None:
        if not whens:
            raise ArgumentError("case() needs at least one WHEN")
        self.whens = whens
        self.value = value
        self.else_ = else_
        results = [r for _, r in whens] + ([else_] if else_ is not None else [])
        self._type = next((r.type for r in results if not is_null_type(r.type)), NULLTYPE)

    @property
    def type(self) -> TypeEngine:
        return self._type

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return (
            "case",
            None if self.value is None else self.value._gen_key(ctx),
            tuple([(c._gen_key(ctx), r._gen_key(ctx)) for c, r in self.whens]),
            None if self.else_ is None else self.else_._gen_key(ctx),
        )

    def _from_objects(self) -> list[FromClause]:
        result: list[FromClause] = []
        if self.value is not None:
            result.extend(self.value._from_objects())
        for condition, outcome in self.whens:
            result.extend(condition._from_objects())
            result.extend(outcome._from_objects())
        if self.else_ is not None:
            result.extend(self.else_._from_objects())
        return result


class Cast(ColumnElement):
    """``CAST(expr AS type)``."""

    __visit_name__ = "cast"

    def __init__(self, element: ColumnElement, type_: TypeEngine) -> None:
        self.element = element
        self._type = type_
        self.key = element.key

    @property
    def type(self) -> TypeEngine:
        return self._type

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return ("cast", self.element._gen_key(ctx), type_key(self._type))

    def _from_objects(self) -> list[FromClause]:
        return self.element._from_objects()


class TypeCoerce(ColumnElement):
    """An expression treated as another type in Python only; the SQL is unchanged."""

    __visit_name__ = "type_coerce"

    def __init__(self, element: ColumnElement, type_: TypeEngine) -> None:
        self.element = element
        self._type = type_
        self.key = element.key

    @property
    def type(self) -> TypeEngine:
        return self._type

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return ("coerce", self.element._gen_key(ctx), type_key(self._type))

    def _from_objects(self) -> list[FromClause]:
        return self.element._from_objects()


class Tuple(ColumnElement):
    """A row value ``(a, b)``, e.g. for ``tuple_(a, b).in_([(1, 2), …])``.

    Its IN list is written out value by value (one placeholder per value),
    so callers with very many rows must split them into chunks.
    """

    __visit_name__ = "tuple"

    def __init__(self, clauses: list[ColumnElement]) -> None:
        self.clauses: tuple[ColumnElement, ...] = tuple(clauses)

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return ("tuple", tuple([c._gen_key(ctx) for c in self.clauses]))

    def _from_objects(self) -> list[FromClause]:
        return ClauseList(self.clauses)._from_objects()

    def _compare(self, op: Operator, *other: Any, **kw: Any) -> ColumnElement:
        if op is not ops.IN and op is not ops.NOT_IN:
            return super()._compare(op, *other, **kw)
        value = other[0]
        if isinstance(value, ClauseElement) or hasattr(value, "__clause_element__"):
            return in_expression(self, value, negate=op is ops.NOT_IN)
        rows: list[ClauseElement] = []
        width = len(self.clauses)
        for row in value:
            if len(row) != width:
                raise ArgumentError(f"tuple_ IN: row {row!r} has {len(row)} values, not {width}")
            rows.append(Tuple([c._bind_against(v) for c, v in zip(self.clauses, row, strict=True)]))
        if not rows:
            return FALSE if op is ops.IN else TRUE
        return BinaryExpression(self, Grouping(ClauseList(rows)), op, BOOLEAN)


def and_(*clauses: Any) -> ColumnElement:
    """All of *clauses* (``a AND b …``); with none, true."""
    criteria = [coerce_where(c) for c in clauses]
    if not criteria:
        return TRUE
    return criteria[0] if len(criteria) == 1 else BooleanClauseList(ops.AND, criteria)


def or_(*clauses: Any) -> ColumnElement:
    """Any of *clauses* (``a OR b …``); with none, false."""
    criteria = [coerce_where(c) for c in clauses]
    if not criteria:
        return FALSE
    return criteria[0] if len(criteria) == 1 else BooleanClauseList(ops.OR, criteria)


def not_(clause: Any) -> ColumnElement:
    """``NOT clause``."""
    return UnaryExpression(coerce_where(clause), ops.NOT, BOOLEAN)


def literal(value: Any, type_: TypeEngine | type[TypeEngine] | None = None) -> BindParameter:
    """A bound value used as an expression (``SELECT $1::INTEGER``); typed from the value."""
    resolved = infer_type(value) if type_ is None else to_instance(type_)
    return BindParameter(value, resolved, render_cast=True)


def literal_column(text: str, type_: TypeEngine | type[TypeEngine] | None = None) -> ColumnClause:
    """SQL text used as a column, written as it is (never put user input here)."""
    if not isinstance(text, str) or not text:
        raise ArgumentError(f"literal_column() takes non-empty SQL text, not {text!r}")
    return ColumnClause(text, None if type_ is None else to_instance(type_), is_literal=True)


def bindparam(
    key: str, value: Any = NO_VALUE, type_: TypeEngine | type[TypeEngine] | None = None
) -> BindParameter:
    """A parameter: without *value*, supplied by name at execution (``{key: …}``).

    With *value* it is an ordinary bound value. Named parameters are how one
    compiled statement serves an ``executemany`` with many parameter sets.
    """
    if not isinstance(key, str) or not key:
        raise ArgumentError(f"bindparam() needs a non-empty name, not {key!r}")
    if type_ is not None:
        resolved = to_instance(type_)
    else:
        resolved = NULLTYPE if value is NO_VALUE else infer_type(value)
    return BindParameter(value, resolved, name=key)


def case(*whens: Any, value: Any = None, else_: Any = None) -> Case:
    """``CASE WHEN cond THEN result … ELSE else_ END``.

    *whens* are ``(condition, result)`` pairs; with *value*, a mapping (or
    pairs) of ``compare_to -> result`` for ``CASE value WHEN … THEN …``.
    """
    subject = None if value is None else coerce_column(value)
    items: list[Any]
    if len(whens) == 1 and isinstance(whens[0], Mapping):
        items = list(whens[0].items())
    else:
        items = list(whens)
    pairs: list[tuple[ColumnElement, ColumnElement]] = []
    for item in items:
        if not isinstance(item, tuple) or len(item) != 2:
            raise ArgumentError(f"case() takes (condition, result) pairs, not {item!r}")
        condition, outcome = item
        if subject is None:
            pairs.append((coerce_where(condition), _value(outcome)))
        else:
            pairs.append((subject._bind_against(condition), _value(outcome)))
    return Case(pairs, subject, None if else_ is None else _value(else_))


def cast(expression: Any, type_: TypeEngine | type[TypeEngine]) -> Cast:
    """``CAST(expression AS type)`` (the type's DDL for the dialect)."""
    return Cast(coerce_column(expression), to_instance(type_))


def type_coerce(expression: Any, type_: TypeEngine | type[TypeEngine]) -> TypeCoerce:
    """*expression* handled as *type_* in Python (bind/result processing); no SQL CAST."""
    return TypeCoerce(coerce_column(expression), to_instance(type_))


def distinct(expression: Any) -> ColumnElement:
    """``DISTINCT expression`` (e.g. ``func.count(distinct(col))``)."""
    element = coerce_column(expression)
    return UnaryExpression(element, ops.DISTINCT, element.type)


def asc(expression: Any) -> ColumnElement:
    """``expression ASC``."""
    return coerce_column(expression).asc()


def desc(expression: Any) -> ColumnElement:
    """``expression DESC``."""
    return coerce_column(expression).desc()


def nulls_first(expression: Any) -> ColumnElement:
    """``expression NULLS FIRST``."""
    return coerce_column(expression).nulls_first()


def nulls_last(expression: Any) -> ColumnElement:
    """``expression NULLS LAST``."""
    return coerce_column(expression).nulls_last()


def null() -> ColumnElement:
    """SQL ``NULL``."""
    return NULL


def true() -> ColumnElement:
    """SQL true."""
    return TRUE


def false() -> ColumnElement:
    """SQL false."""
    return FALSE


def tuple_(*clauses: Any) -> Tuple:
    """A row value ``(a, b, …)``."""
    return Tuple([coerce_column(c) for c in clauses])
