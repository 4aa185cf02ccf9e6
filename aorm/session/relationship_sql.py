"""The SQL of a relationship, as loaders need it: key columns, extra criteria, aliases.

A relationship's join is its ``(local, remote)`` column pairs (see
:class:`~aorm.orm.relationships.RelationshipProperty`) plus, for a custom
``primaryjoin``/``secondaryjoin``, any other criteria in it
(:func:`extra_criteria`: conditions on the target rows, such as
``Book.published == True``). Loaders build their statements from these
rather than from the join expression itself, because the same join is
needed against different FROM objects: the table, an alias of it (joined
loading, a self-referential relationship), or a subquery.
:func:`adapt` rewrites an expression's columns for such a FROM object.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from aorm.orm.join_conditions import RelationshipDirection
from aorm.orm.relationships import RelationshipProperty
from aorm.sql import operators as ops
from aorm.sql.cache_key import KeyContext
from aorm.sql.constraints import UniqueConstraint
from aorm.sql.elements import (
    BinaryExpression,
    BindParameter,
    BooleanClauseList,
    ClauseElement,
    ColumnElement,
    InList,
)
from aorm.sql.schema import Column, Table
from aorm.sql.selectable import ColumnClause, FromClause

__all__ = [
    "ColumnMap",
    "KeysInArray",
    "adapt",
    "column_map",
    "extra_criteria",
    "is_indexed",
    "is_many_to_many",
    "key_columns",
    "keys_in",
]

#: A function giving the column that stands for a table column in some FROM
#: object (None: leave the column as it is).
ColumnMap = Callable[[Column], ColumnElement | None]


def is_many_to_many(prop: RelationshipProperty[Any]) -> bool:
    """True for a relationship through a ``secondary`` table."""
    return prop.direction is RelationshipDirection.MANYTOMANY


def key_columns(prop: RelationshipProperty[Any]) -> tuple[Column, ...]:
    """The columns whose values say which parent a loaded row belongs to.

    The remote side of each ``(local, remote)`` pair: target table columns,
    or ``secondary`` columns for a many-to-many. A row's values of these
    equal its parent's values of the local columns.
    """
    return tuple(remote for _, remote in prop.local_remote_pairs)


class KeysInArray(InList):
    """``column IN (values…)`` that PostgreSQL runs as a semi-join: ``IN (SELECT unnest($1))``.

    For select-IN loading over a column with no index. ``col = ANY($1)``
    is fastest in a custom plan, but in a generic plan (a prepared
    statement's, under ``plan_cache_mode = force_generic_plan``) PostgreSQL
    tests every row against the whole array, one value after another; the
    ``unnest`` form is a hash semi-join in both plans. The PostgreSQL
    compiler reads :attr:`unnest_subquery`; SQLite renders it as any
    ``IN``.
    """

    __slots__ = ()
    #: Read by the PostgreSQL compiler.
    unnest_subquery = True

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return ("in_unnest", self.left._gen_key(ctx), self.values._gen_key(ctx))


def is_indexed(column: Column) -> bool:
    """True when an index the metadata knows of starts with *column* (its lookups are cheap)."""
    if column.index or column.unique:
        return True
    table = column.table
    if not isinstance(table, Table):
        return False
    leading: list[list[Column]] = [list(table.primary_key.columns)]
    leading.extend(index.columns for index in table.indexes)
    leading.extend(list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint))
    return any(columns and columns[0] is column for columns in leading)


def keys_in(column: Column, values: Any) -> ColumnElement:
    """``column IN values`` for a loader: a semi-join on PostgreSQL when *column* has no index.

    *values* is a list, or a bind parameter whose list is given at execution.
    """
    expression = column.in_(values)
    if isinstance(expression, InList) and not is_indexed(column):
        return KeysInArray(expression.left, expression.values, negate=False)
    return expression


def _conjuncts(expression: ColumnElement | None) -> list[ColumnElement]:
    if expression is None:
        return []
    if isinstance(expression, BooleanClauseList) and expression.operator is ops.AND:
        return list(expression.clauses)
    return [expression]


def _is_pair(part: ColumnElement, pairs: Sequence[tuple[Column, Column]]) -> bool:
    if not (isinstance(part, BinaryExpression) and part.operator is ops.EQ):
        return False
    left, right = part.left, part.right
    return any((left is a and right is b) or (left is b and right is a) for a, b in pairs)


def extra_criteria(prop: RelationshipProperty[Any]) -> list[ColumnElement]:
    """The conditions of a custom join besides its column pairs (none for a plain foreign key).

    They are taken as conditions on the target (and ``secondary``) rows.
    """
    parts = [p for p in _conjuncts(prop.primaryjoin) if not _is_pair(p, prop.local_remote_pairs)]
    if prop.secondaryjoin is not None:
        parts.extend(
            p for p in _conjuncts(prop.secondaryjoin) if not _is_pair(p, prop.secondary_pairs)
        )
    return parts


def column_map(from_clause: FromClause, table: Any) -> ColumnMap:
    """Columns of *table* → the matching columns of *from_clause* (an alias of it, say)."""
    cache: dict[int, ColumnElement | None] = {}

    def lookup(column: Column) -> ColumnElement | None:
        if column.table is not table:
            return None
        key = id(column)
        if key not in cache:
            cache[key] = from_clause.corresponding_column(column)
        return cache[key]

    return lookup


def adapt(element: ColumnElement, replace: ColumnMap) -> ColumnElement:
    """*element* with each table column that *replace* maps swapped for its replacement.

    Nothing is changed in place: the parts that change are copied.
    """
    adapted = _adapt(element, replace)
    assert isinstance(adapted, ColumnElement)
    return adapted


def _adapt(element: Any, replace: ColumnMap) -> Any:
    if isinstance(element, Column):
        found = replace(element)
        return element if found is None else found
    if isinstance(element, ColumnClause | BindParameter | FromClause):
        return element
    if not isinstance(element, ClauseElement) or not element._from_objects():
        return element
    changed: dict[str, Any] = {}
    for name in _fields(element):
        value = getattr(element, name, None)
        if isinstance(value, ClauseElement):
            new = _adapt(value, replace)
        elif isinstance(value, tuple) and any(isinstance(v, ClauseElement) for v in value):
            new = tuple(_adapt(v, replace) for v in value)
        else:
            continue
        if new is not value:
            changed[name] = new
    if not changed:
        return element
    duplicate = copy.copy(element)
    for name, value in changed.items():
        object.__setattr__(duplicate, name, value)
    return duplicate


def _fields(element: ClauseElement) -> list[str]:
    names: list[str] = []
    for cls in type(element).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    names.extend(getattr(element, "__dict__", {}))
    return [n for n in names if not n.startswith("__")]
