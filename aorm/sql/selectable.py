"""FROM objects: the base class, aliases, joins, subqueries and CTEs.

Tables are FROM objects too (``aorm.sql.schema``). Joins without an explicit
ON clause are inferred from foreign keys here (:func:`join_condition`).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from aorm.exc import ArgumentError
from aorm.sql import operators as ops
from aorm.sql.cache_key import KeyContext, type_key
from aorm.sql.column_collection import ColumnCollection
from aorm.sql.elements import (
    BooleanClauseList,
    ClauseElement,
    ColumnElement,
    coerce_element,
    coerce_where,
)
from aorm.sql.type_inference import NULLTYPE
from aorm.sql.types import TypeEngine

if TYPE_CHECKING:
    from aorm.sql.select import Select
    from aorm.sql.select_base import CompoundSelect

__all__ = [
    "CTE",
    "Alias",
    "ColumnClause",
    "ColumnProxy",
    "FromClause",
    "Join",
    "Subquery",
    "coerce_from",
    "describe_from",
    "aliased",
    "join_condition",
]


class ColumnClause(ColumnElement):
    """A named column of a FROM object, or literal SQL standing for one (``literal_column``)."""

    __visit_name__ = "column"

    def __init__(
        self,
        name: str | None,
        type_: TypeEngine | None = None,
        *,
        table: FromClause | None = None,
        is_literal: bool = False,
    ) -> None:
        self.name = name
        self.key: str | None = name
        self._type = type_
        self.table = table
        self.is_literal = is_literal

    @property
    def type(self) -> TypeEngine:
        return self._type if self._type is not None else NULLTYPE

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        if self.table is None:
            return ("col", self.name, self.is_literal, type_key(self.type))
        return ("col", ctx.from_key(self.table), self.name, self.is_literal)

    def _from_objects(self) -> list[FromClause]:
        return [] if self.table is None else [self.table]

    def __repr__(self) -> str:
        table = getattr(self.table, "name", None)
        return f"<{type(self).__name__} {table + '.' if table else ''}{self.name}>"


class FromClause(ClauseElement):
    """Something rows come from: a table, an alias, a join, a subquery or a CTE."""

    __visit_name__ = "from"
    _is_from = True
    name: str | None = None

    @property
    def c(self) -> ColumnCollection[Any]:
        """The columns, by key."""
        raise NotImplementedError

    @property
    def columns(self) -> ColumnCollection[Any]:
        """Same as :attr:`c`."""
        return self.c

    def alias(self, name: str | None = None) -> Alias:
        """This FROM object under another name (``users AS u``); None: a generated name."""
        return Alias(self, name)

    def join(
        self,
        right: Any,
        onclause: Any = None,
        *,
        isouter: bool = False,
        full: bool = False,
    ) -> Join:
        """``self JOIN right ON onclause``; without *onclause* it is inferred from foreign keys."""
        return Join(self, coerce_from(right), onclause, isouter=isouter, full=full)

    def outerjoin(self, right: Any, onclause: Any = None, *, full: bool = False) -> Join:
        """``self LEFT OUTER JOIN right`` (``FULL OUTER`` with *full*)."""
        return Join(self, coerce_from(right), onclause, isouter=True, full=full)

    def corresponding_column(self, column: ColumnElement) -> ColumnElement | None:
        """The column of this FROM object that stands for *column* (a base column or a proxy)."""
        for own in self.c:
            if own is column or _base_column(own) is _base_column(column):
                return own  # type: ignore[no-any-return]
        return None

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return ctx.from_key(self)

    def _gen_from_key(self, ctx: KeyContext) -> Hashable:
        """The full shape of this FROM object (called once per traversal)."""
        raise NotImplementedError

    def _from_objects(self) -> list[FromClause]:
        return [self]

    def _leaves(self) -> list[FromClause]:
        """The tables/aliases/subqueries this FROM object is made of."""
        return [self]

    def _fk_links(self) -> list[tuple[Hashable, ColumnElement, ColumnElement]]:
        """``(constraint id, own column, referenced base column)`` for each foreign key."""
        return []

    def _column_for(self, base: ColumnElement) -> ColumnElement | None:
        """This object's column standing for the base table column *base*, if any."""
        return None

    def _refers_to(self, other: FromClause) -> bool:
        """True when *other* is this object or a leaf of it."""
        return any(leaf is other for leaf in self._leaves())


def _base_column(column: ColumnElement) -> ColumnElement:
    while isinstance(column, ColumnProxy):
        column = column.element
    return column


class ColumnProxy(ColumnClause):
    """A column of an alias or subquery, standing for a column (or expression) inside it."""

    __visit_name__ = "column"

    def __init__(self, name: str, element: ColumnElement, parent: FromClause) -> None:
        super().__init__(name, None, table=parent)
        self.element = element

    @property
    def type(self) -> TypeEngine:
        return self.element.type

    @property
    def base_column(self) -> ColumnElement:
        """The innermost column this proxy stands for."""
        return _base_column(self)


class Alias(FromClause):
    """A FROM object under another name: ``"users" AS "u"``."""

    __visit_name__ = "alias"

    def __init__(self, element: FromClause, name: str | None = None) -> None:
        if name is not None and (not isinstance(name, str) or not name):
            raise ArgumentError(f"alias name must be a non-empty string, not {name!r}")
        self.element = element
        self.name = name
        self._c: ColumnCollection[ColumnProxy] | None = None

    @property
    def c(self) -> ColumnCollection[ColumnProxy]:
        if self._c is None:
            self._c = ColumnCollection(
                (key, ColumnProxy(getattr(col, "name", None) or key, col, self))
                for key, col in self.element.c.items()
            )
        return self._c

    @property
    def original(self) -> FromClause:
        """The FROM object this is an alias of."""
        return self.element

    def _gen_from_key(self, ctx: KeyContext) -> Hashable:
        return ("alias", self.element._gen_key(ctx), self.name)

    def _fk_links(self) -> list[tuple[Hashable, ColumnElement, ColumnElement]]:
        links: list[tuple[Hashable, ColumnElement, ColumnElement]] = []
        for cid, own, target in self.element._fk_links():
            mine = self._column_for_inner(own)
            if mine is not None:
                links.append(((id(self), cid), mine, target))
        return links

    def _column_for_inner(self, inner: ColumnElement) -> ColumnElement | None:
        for proxy in self.c:
            if proxy.element is inner:
                return proxy
        return None

    def _column_for(self, base: ColumnElement) -> ColumnElement | None:
        inner = self.element._column_for(base)
        return None if inner is None else self._column_for_inner(inner)

    def __repr__(self) -> str:
        return f"<Alias {self.name or '(anonymous)'} of {describe_from(self.element)}>"


class Join(FromClause):
    """``left [LEFT OUTER | FULL OUTER] JOIN right ON onclause``."""

    __visit_name__ = "join"

    def __init__(
        self,
        left: FromClause,
        right: FromClause,
        onclause: Any = None,
        *,
        isouter: bool = False,
        full: bool = False,
    ) -> None:
        self.left = left
        self.right = right
        self.onclause: ColumnElement = (
            join_condition(left, right) if onclause is None else coerce_where(onclause)
        )
        self.isouter = isouter or full
        self.full = full
        self._c: ColumnCollection[ColumnElement] | None = None

    @property
    def c(self) -> ColumnCollection[ColumnElement]:
        """Columns of both sides, keyed ``<table>_<key>``."""
        if self._c is None:
            items: list[tuple[str, ColumnElement]] = []
            for side in (self.left, self.right):
                for leaf in side._leaves():
                    prefix = leaf.name or "anon"
                    items.extend((f"{prefix}_{key}", col) for key, col in leaf.c.items())
            self._c = ColumnCollection(items)
        return self._c

    def _gen_from_key(self, ctx: KeyContext) -> Hashable:
        return (
            "join",
            self.left._gen_key(ctx),
            self.right._gen_key(ctx),
            self.onclause._gen_key(ctx),
            self.isouter,
            self.full,
        )

    def _leaves(self) -> list[FromClause]:
        return self.left._leaves() + self.right._leaves()

    def _from_objects(self) -> list[FromClause]:
        return [self]


class Subquery(FromClause):
    """A SELECT used as a FROM object: ``(SELECT …) AS "name"``."""

    __visit_name__ = "subquery"

    def __init__(self, element: Select | CompoundSelect, name: str | None = None) -> None:
        if name is not None and (not isinstance(name, str) or not name):
            raise ArgumentError(f"subquery name must be a non-empty string, not {name!r}")
        self.element = element
        self.name = name
        self._c: ColumnCollection[ColumnProxy] | None = None

    @property
    def c(self) -> ColumnCollection[ColumnProxy]:
        if self._c is None:
            self._c = ColumnCollection(
                (key, ColumnProxy(key, col, self)) for key, col in self.element._exported_columns()
            )
        return self._c

    def _gen_from_key(self, ctx: KeyContext) -> Hashable:
        return ("subq", self.element._gen_key(ctx), self.name)

    def _fk_links(self) -> list[tuple[Hashable, ColumnElement, ColumnElement]]:
        links: list[tuple[Hashable, ColumnElement, ColumnElement]] = []
        for proxy in self.c:
            base = _base_column(proxy)
            for fk in getattr(base, "foreign_keys", ()):
                links.append(((id(self), id(fk.constraint)), proxy, fk.column))
        return links

    def _column_for(self, base: ColumnElement) -> ColumnElement | None:
        for proxy in self.c:
            if _base_column(proxy) is base:
                return proxy
        return None


class CTE(Subquery):
    """A common table expression: ``WITH "name" AS (SELECT …)``, referenced by name."""

    __visit_name__ = "cte"

    def __init__(
        self,
        element: Select | CompoundSelect,
        name: str | None = None,
        *,
        recursive: bool = False,
    ) -> None:
        super().__init__(element, name)
        self.recursive = recursive
        #: For a recursive CTE: the SELECTs joined to the anchor with UNION [ALL].
        self._recursive_parts: tuple[tuple[bool, Select | CompoundSelect], ...] = ()
        #: The anchor CTE this one grew from with union_all(); the recursive parts
        #: refer to it, and the compiler treats all CTEs of one root as one name.
        self._root: CTE = self

    def _gen_from_key(self, ctx: KeyContext) -> Hashable:
        root = None if self._root is self else self._root._gen_key(ctx)
        return (
            "cte",
            self.name,
            self.recursive,
            root,
            self.element._gen_key(ctx),
            tuple([(all_, part._gen_key(ctx)) for all_, part in self._recursive_parts]),
        )

    def union_all(self, other: Any) -> CTE:
        """The recursive form: ``anchor UNION ALL other``, where *other* refers to this CTE."""
        return self._with_part(True, other)

    def union(self, other: Any) -> CTE:
        """The recursive form with ``UNION`` (duplicates removed)."""
        return self._with_part(False, other)

    def _with_part(self, all_: bool, other: Any) -> CTE:
        element = coerce_element(other)
        if not element._is_select:
            raise ArgumentError(f"a CTE part must be a SELECT, not {element!r}")
        new = CTE(self.element, self.name, recursive=self.recursive)
        new._recursive_parts = (*self._recursive_parts, (all_, element))  # type: ignore[arg-type]
        new._root = self._root
        return new


def coerce_from(value: Any) -> FromClause:
    """*value* as a FROM object; mapped classes and the like via ``__clause_element__()``."""
    element = coerce_element(value)
    if isinstance(element, FromClause):
        return element
    if element._is_select:
        raise ArgumentError(
            f"a SELECT used as a FROM object must be made a subquery first: "
            f"call .subquery() on it ({element!r})"
        )
    if value is not element:
        # Made by __clause_element__(): a relationship attribute gives its join
        # condition, which is an ON clause, not a FROM object.
        raise ArgumentError(
            f"expected a table, mapped class, alias, join or subquery, not {value!r} "
            f"(which is {element!r}); to join along a relationship, name the target "
            "and pass the relationship as the ON clause: .join(Target, Parent.relationship)"
        )
    raise ArgumentError(f"expected a table, mapped class, alias, join or subquery, not {element!r}")


def describe_from(from_clause: FromClause) -> str:
    """A readable name for error messages."""
    if isinstance(from_clause, Join):
        return f"{describe_from(from_clause.left)} JOIN {describe_from(from_clause.right)}"
    if from_clause.name:
        return repr(from_clause.name)
    if isinstance(from_clause, Alias):
        return f"an anonymous alias of {describe_from(from_clause.element)}"
    return f"an anonymous {type(from_clause).__name__.lower()}"


def join_condition(left: FromClause, right: FromClause) -> ColumnElement:
    """The ON clause joining *left* to *right*, from the foreign keys between them.

    Raises :class:`~aorm.exc.ArgumentError` naming both sides when there is no
    foreign key between them, or more than one way to join them.
    """
    groups: dict[Hashable, list[tuple[ColumnElement, ColumnElement]]] = {}
    for left_leaf in left._leaves():
        for right_leaf in right._leaves():
            _collect_links(right_leaf, left_leaf, groups, "r")
            _collect_links(left_leaf, right_leaf, groups, "l")
    if not groups:
        raise ArgumentError(
            f"cannot join {describe_from(left)} to {describe_from(right)}: no foreign key "
            "relates them; give the ON clause explicitly"
        )
    if len(groups) > 1:
        raise ArgumentError(
            f"cannot join {describe_from(left)} to {describe_from(right)}: there is more than "
            "one foreign key path between them; give the ON clause explicitly"
        )
    (pairs,) = groups.values()
    criteria = [local == remote for local, remote in pairs]
    if len(criteria) == 1:
        return criteria[0]
    return BooleanClauseList(ops.AND, criteria)


def _collect_links(
    referring: FromClause,
    referred: FromClause,
    groups: dict[Hashable, list[tuple[ColumnElement, ColumnElement]]],
    direction: str,
) -> None:
    for cid, local, target in referring._fk_links():
        remote = referred._column_for(target)
        if remote is not None:
            groups.setdefault((direction, id(referred), cid), []).append((local, remote))


def aliased(element: Any, name: str | None = None) -> Alias:
    """An alias of a table or subquery (``FROM users AS name``); a name is generated if None."""
    return Alias(coerce_from(element), name)
