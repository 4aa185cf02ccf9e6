"""Keeping the identity map truthful after bulk ``update()`` / ``delete()`` statements.

A bulk statement run through the session changes rows behind the objects
the session holds. Afterwards, each object of the statement's table is
brought in line, by one of two strategies (execution option
``synchronize_session``):

* ``"evaluate"`` — the WHERE clause is evaluated in Python against each
  object's loaded values (comparisons, ``AND``/``OR``/``NOT``, ``IN``,
  ``IS NULL``, ``BETWEEN``, arithmetic, with SQL's NULL logic). Matching
  objects get the new values (values that cannot be computed in Python are
  expired instead) or, for a DELETE, become deleted.
* ``"fetch"`` — the statement also returns the primary keys of its rows
  (``RETURNING``), and exactly those objects are updated (their changed
  attributes expired) or marked deleted.

The default, ``"auto"``, evaluates when it can (every node understood, every
object's needed attributes loaded, one parameter set) and fetches otherwise;
``False`` turns synchronisation off.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from aorm.orm.mapper import Mapper
from aorm.sql import operators as ops
from aorm.sql.elements import (
    NO_VALUE,
    BinaryExpression,
    BindParameter,
    BooleanClauseList,
    ClauseList,
    False_,
    Grouping,
    InList,
    Null,
    True_,
    UnaryExpression,
)
from aorm.sql.schema import Column

__all__ = ["Unevaluable", "compile_value", "compile_where", "referenced_keys"]

#: Reads one value of an object's ``__dict__``; raises :class:`KeyError` when not loaded.
Evaluator = Callable[[Mapping[str, Any]], Any]

_COMPARE: Final[dict[ops.Operator, Callable[[Any, Any], Any]]] = {
    ops.EQ: operator.eq,
    ops.NE: operator.ne,
    ops.LT: operator.lt,
    ops.LE: operator.le,
    ops.GT: operator.gt,
    ops.GE: operator.ge,
}
_ARITHMETIC: Final[dict[ops.Operator, Callable[[Any, Any], Any]]] = {
    ops.ADD: operator.add,
    ops.SUB: operator.sub,
    ops.MUL: operator.mul,
    ops.CONCAT: operator.add,
}


class Unevaluable(Exception):
    """The expression cannot be evaluated in Python (so the session fetches instead)."""


def _and(values: Sequence[Any]) -> Any:
    # SQL AND: false wins, then unknown (NULL).
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def _or(values: Sequence[Any]) -> Any:
    if any(v is True for v in values):
        return True
    if any(v is None for v in values):
        return None
    return False


def _truth(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    raise Unevaluable(f"{value!r} is not a truth value")


def referenced_keys(element: Any, mapper: Mapper[Any]) -> set[str]:
    """Attribute keys of *mapper* that *element* reads (Unevaluable for other tables)."""
    keys: set[str] = set()
    _collect(element, mapper, keys)
    return keys


def _collect(element: Any, mapper: Mapper[Any], keys: set[str]) -> None:
    if isinstance(element, Column):
        key = mapper.column_to_key.get(element)
        if key is None:
            raise Unevaluable(f"{element!r} is not a column of {mapper.table.name!r}")
        keys.add(key)
        return
    for child in _children(element):
        _collect(child, mapper, keys)


def _children(element: Any) -> Sequence[Any]:
    if isinstance(element, BinaryExpression):
        return (element.left, element.right)
    if isinstance(element, BooleanClauseList | ClauseList):
        return element.clauses
    if isinstance(element, UnaryExpression | Grouping):
        return (element.element,)
    if isinstance(element, InList):
        return (element.left,)
    return ()


def compile_where(criteria: Sequence[Any], mapper: Mapper[Any]) -> Evaluator:
    """A Python function computing the SQL truth of *criteria* (ANDed) for one object.

    Raises :class:`Unevaluable` for anything it does not understand.
    """
    parts = [compile_value(c, mapper) for c in criteria]

    def evaluate(d: Mapping[str, Any]) -> Any:
        return _and([_truth(p(d)) for p in parts])

    return evaluate


def compile_value(element: Any, mapper: Mapper[Any]) -> Evaluator:
    """A Python function computing the value of SQL expression *element* for one object."""
    if isinstance(element, Column):
        key = mapper.column_to_key.get(element)
        if key is None:
            raise Unevaluable(f"{element!r} is not a column of {mapper.table.name!r}")
        return lambda d: d[key]
    if isinstance(element, BindParameter):
        if element.value is NO_VALUE or element.callable_ is not None or element.expanding:
            raise Unevaluable("a parameter whose value is given at execution")
        value = element.value
        return lambda d: value
    if isinstance(element, Null):
        return lambda d: None
    if isinstance(element, True_):
        return lambda d: True
    if isinstance(element, False_):
        return lambda d: False
    if isinstance(element, Grouping):
        return compile_value(element.element, mapper)
    if isinstance(element, BooleanClauseList):
        parts = [compile_value(c, mapper) for c in element.clauses]
        combine = _and if element.operator is ops.AND else _or
        if element.operator not in (ops.AND, ops.OR):
            raise Unevaluable(f"operator {element.operator.name}")
        return lambda d: combine([_truth(p(d)) for p in parts])
    if isinstance(element, UnaryExpression):
        inner = compile_value(element.element, mapper)
        if element.operator is ops.NOT:

            def negate(d: Mapping[str, Any]) -> Any:
                value = _truth(inner(d))
                return None if value is None else not value

            return negate
        if element.operator is ops.NEG:
            return lambda d: None if (v := inner(d)) is None else -v
        raise Unevaluable(f"operator {element.operator.name}")
    if isinstance(element, InList):
        return _compile_in(element, mapper)
    if isinstance(element, BinaryExpression):
        return _compile_binary(element, mapper)
    raise Unevaluable(f"{type(element).__name__} expressions")


def _compile_in(element: InList, mapper: Mapper[Any]) -> Evaluator:
    left = compile_value(element.left, mapper)
    bind = element.values
    if bind.value is NO_VALUE:
        raise Unevaluable("an IN list given at execution")
    values = list(bind.value)
    has_null = any(v is None for v in values)
    negate = element.negate

    def evaluate(d: Mapping[str, Any]) -> Any:
        value = left(d)
        if value is None:
            return None
        found = value in values
        if not found and has_null:
            return None
        return not found if negate else found

    return evaluate


def _compile_binary(element: BinaryExpression, mapper: Mapper[Any]) -> Evaluator:
    op = element.operator
    left = compile_value(element.left, mapper)
    if op is ops.BETWEEN:
        bounds = element.right
        if not isinstance(bounds, ClauseList) or len(bounds.clauses) != 2:
            raise Unevaluable("BETWEEN without two bounds")
        low = compile_value(bounds.clauses[0], mapper)
        high = compile_value(bounds.clauses[1], mapper)

        def between(d: Mapping[str, Any]) -> Any:
            value, lo, hi = left(d), low(d), high(d)
            if value is None or lo is None or hi is None:
                return None
            return bool(lo <= value <= hi)

        return between
    right = compile_value(element.right, mapper)
    if op is ops.IS or op is ops.IS_NOT:
        wanted = op is ops.IS

        def null_safe_equal(d: Mapping[str, Any]) -> Any:
            # IS / IS NOT never give NULL: NULL IS NULL is true.
            a, b = left(d), right(d)
            if a is None or b is None:
                return (a is None and b is None) is wanted
            return bool(a == b) is wanted

        return null_safe_equal
    compare = _COMPARE.get(op)
    if compare is not None:

        def comparison(d: Mapping[str, Any]) -> Any:
            a, b = left(d), right(d)
            if a is None or b is None:
                return None
            try:
                return bool(compare(a, b))
            except TypeError as exc:
                raise Unevaluable(str(exc)) from None

        return comparison
    arithmetic = _ARITHMETIC.get(op)
    if arithmetic is not None:

        def compute(d: Mapping[str, Any]) -> Any:
            a, b = left(d), right(d)
            if a is None or b is None:
                return None
            try:
                return arithmetic(a, b)
            except TypeError as exc:
                raise Unevaluable(str(exc)) from None

        return compute
    raise Unevaluable(f"operator {op.name}")
