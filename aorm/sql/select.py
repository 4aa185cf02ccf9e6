"""SELECT statements: :func:`select`, compound selects, scalar subqueries and EXISTS.

Statements are generative: every method returns a new statement and leaves
the original unchanged. Arguments go through ``__clause_element__()`` when
they have it, so a higher layer's objects (mapped classes, attributes) can be
passed anywhere a table or column is expected; :attr:`Select.raw_entities`
keeps what was passed to ``select()`` as it was.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, TypeAlias, TypeVar, overload

from aorm._typing import RowT, ValueT
from aorm.exc import ArgumentError
from aorm.sql.cache_key import KeyContext
from aorm.sql.column_collection import ColumnCollection
from aorm.sql.elements import ClauseElement, ColumnElement, coerce_element, coerce_where
from aorm.sql.select_base import Exists, ForUpdate, ScalarSubquery, SelectBase, unique_keys
from aorm.sql.selectable import FromClause, Join, coerce_from, describe_from
from aorm.sql.statement import HasWhere
from aorm.sql.text import TextClause
from aorm.sql.type_inference import NULLTYPE
from aorm.sql.types import TypeEngine

__all__ = ["Select", "TypedColumnsClause", "describe_entity", "exists", "select"]


class TypedColumnsClause(Protocol[ValueT]):
    """For type checkers: something that stands for a column expression of values of ``ValueT``.

    ``User.name`` (``Mapped[str]``) is one for ``str``; any column expression
    is one for its own type parameter (``Any`` for an untyped one).
    """

    def __clause_element__(self) -> ColumnElement[ValueT]: ...


_T0 = TypeVar("_T0")
_T1 = TypeVar("_T1")
_T2 = TypeVar("_T2")
_T3 = TypeVar("_T3")
_T4 = TypeVar("_T4")
_T5 = TypeVar("_T5")
_T6 = TypeVar("_T6")

if TYPE_CHECKING:
    # One select() argument whose result type is known: a mapped class (its
    # objects) or a typed column expression (its values).
    _Entity: TypeAlias = type[_T0] | TypedColumnsClause[_T0]


def _expand_entity(entity: Any) -> list[ClauseElement]:
    if isinstance(entity, ColumnCollection):
        return list(entity)
    element = coerce_element(entity)
    if isinstance(element, FromClause):
        if isinstance(element, Join):
            return [col for leaf in element._leaves() for col in leaf.c]
        return list(element.c)
    if isinstance(element, ColumnElement | TextClause):
        return [element]
    if element._is_select:
        return [element.scalar_subquery()]  # type: ignore[attr-defined]
    raise ArgumentError(f"select() takes tables, columns and expressions, not {entity!r}")


class Select(HasWhere, SelectBase, Generic[RowT]):
    """``SELECT columns FROM … WHERE … GROUP BY … HAVING … ORDER BY … LIMIT … OFFSET …``.

    For type checkers a ``Select`` is generic over the shape of its rows:
    ``select(User)`` is a ``Select[tuple[User]]``, ``select(User.id, User.name)``
    a ``Select[tuple[int, str]]``; the builder methods keep that type. The
    parameter costs nothing at runtime.
    """

    __visit_name__ = "select"

    def __init__(self, *entities: Any) -> None:
        #: What was passed to select()/add_columns(), before coercion.
        self.raw_entities: tuple[Any, ...] = entities
        columns: list[ClauseElement] = []
        for entity in entities:
            columns.extend(_expand_entity(entity))
        self._columns: tuple[ClauseElement, ...] = tuple(columns)
        self._where: tuple[ColumnElement, ...] = ()
        self._having: tuple[ColumnElement, ...] = ()
        self._group_by: tuple[ColumnElement, ...] = ()
        self._from_list: tuple[FromClause, ...] = ()
        self._distinct = False
        self._for_update: ForUpdate | None = None
        self._filter_by_target: Any = entities[0] if entities else None

    # -- reading back ---------------------------------------------------------

    @property
    def columns_clause(self) -> tuple[ClauseElement, ...]:
        """The selected columns, entities expanded, in order."""
        return self._columns

    @property
    def from_list(self) -> tuple[FromClause, ...]:
        """The explicit FROM objects (from ``select_from`` and joins)."""
        return self._from_list

    @property
    def having_criteria(self) -> tuple[ColumnElement, ...]:
        """The HAVING criteria (ANDed)."""
        return self._having

    @property
    def group_by_clauses(self) -> tuple[ColumnElement, ...]:
        """The GROUP BY terms."""
        return self._group_by

    @property
    def is_distinct(self) -> bool:
        """Whether ``DISTINCT`` was asked for."""
        return self._distinct

    def _exported_columns(self) -> list[tuple[str, ColumnElement]]:
        return unique_keys(self._columns)

    if TYPE_CHECKING:
        # The subquery has the type of the one selected column.
        @overload
        def scalar_subquery(self: Select[tuple[_T0]]) -> ScalarSubquery[_T0]: ...

        @overload
        def scalar_subquery(self) -> ScalarSubquery[Any]: ...

        def scalar_subquery(self) -> ScalarSubquery[Any]: ...

    # -- building ---------------------------------------------------------

    def add_columns(self, *entities: Any) -> Select[tuple[Any, ...]]:
        """More result columns (entities are expanded to their columns)."""
        new = self._generate()
        new.raw_entities = self.raw_entities + entities
        new._columns = self._columns + tuple(c for e in entities for c in _expand_entity(e))
        return new

    def with_only_columns(self, *entities: Any) -> Select[tuple[Any, ...]]:
        """The same statement with these result columns instead (FROMs stay as they were)."""
        new = self._generate()
        if not self._from_list:
            new._from_list = tuple(self._implicit_froms())
        new.raw_entities = entities
        new._columns = tuple(c for e in entities for c in _expand_entity(e))
        return new

    def filter_by(self, **criteria: Any) -> Self:
        """``col == value`` criteria by column key, on the last joined entity (else the first)."""
        target = self._filter_by_target
        if target is None:
            raise ArgumentError("filter_by() needs a selected or joined entity")
        clauses = []
        for key, value in criteria.items():
            attr = None
            if not isinstance(target, ClauseElement):
                attr = getattr(target, key, None)
                if attr is not None and not hasattr(attr, "__clause_element__"):
                    attr = None
            if attr is None:
                element = coerce_element(target)
                if isinstance(element, ColumnElement):
                    froms = element._from_objects()
                    element = froms[0] if froms else element
                columns = getattr(element, "c", None)
                if columns is None or key not in columns:
                    raise ArgumentError(
                        f"filter_by: {describe_entity(target)} has no column {key!r}"
                    )
                attr = columns[key]
            clauses.append(attr == value)
        return self.where(*clauses)

    def group_by(self, *clauses: Any) -> Self:
        """Add GROUP BY terms; ``group_by(None)`` removes them."""
        new = self._generate()
        if len(clauses) == 1 and clauses[0] is None:
            new._group_by = ()
        else:
            new._group_by = self._group_by + tuple(self._resolve_term(c) for c in clauses)
        return new

    def having(self, *criteria: Any) -> Self:
        """Add HAVING criteria (ANDed)."""
        new = self._generate()
        new._having = self._having + tuple(coerce_where(c) for c in criteria)
        return new

    def distinct(self) -> Self:
        """``SELECT DISTINCT``."""
        new = self._generate()
        new._distinct = True
        return new

    def with_for_update(
        self,
        *,
        read: bool = False,
        nowait: bool = False,
        skip_locked: bool = False,
        of: Any = None,
    ) -> Self:
        """Lock the selected rows (``FOR UPDATE``, ``FOR SHARE`` with *read*); SQLite ignores it."""
        targets = () if of is None else tuple(coerce_from(o) for o in _as_tuple(of))
        new = self._generate()
        new._for_update = ForUpdate(read=read, nowait=nowait, skip_locked=skip_locked, of=targets)
        return new

    def select_from(self, *froms: Any) -> Self:
        """Name FROM objects explicitly (e.g. ``select(func.count()).select_from(users)``)."""
        new = self._generate()
        current = list(self._from_list)
        for item in froms:
            from_clause = coerce_from(item)
            if not any(f is from_clause or f._refers_to(from_clause) for f in current):
                current.append(from_clause)
        new._from_list = tuple(current)
        return new

    def join(
        self, target: Any, onclause: Any = None, *, isouter: bool = False, full: bool = False
    ) -> Self:
        """JOIN *target*, from the FROM object it relates to.

        Without *onclause* the condition comes from the foreign keys; no path,
        or more than one, raises :class:`~aorm.exc.ArgumentError` naming both sides.
        """
        return self._join(None, target, onclause, isouter=isouter, full=full)

    def outerjoin(self, target: Any, onclause: Any = None, *, full: bool = False) -> Self:
        """LEFT OUTER JOIN *target* (FULL OUTER with *full*)."""
        return self._join(None, target, onclause, isouter=True, full=full)

    def join_from(
        self,
        left: Any,
        right: Any,
        onclause: Any = None,
        *,
        isouter: bool = False,
        full: bool = False,
    ) -> Self:
        """JOIN *right* to the given *left* side."""
        return self._join(left, right, onclause, isouter=isouter, full=full)

    def outerjoin_from(self, left: Any, right: Any, onclause: Any = None) -> Self:
        """LEFT OUTER JOIN *right* to the given *left* side."""
        return self._join(left, right, onclause, isouter=True, full=False)

    def _join(self, left: Any, target: Any, onclause: Any, *, isouter: bool, full: bool) -> Self:
        right = coerce_from(target)
        froms = list(self._from_list) or self._implicit_froms()
        on = None if onclause is None else _coerce_onclause(onclause)
        if left is not None:
            left_from = coerce_from(left)
            index = next(
                (i for i, f in enumerate(froms) if f is left_from or f._refers_to(left_from)), None
            )
            if index is None:
                froms.append(left_from)
                index = len(froms) - 1
            joined: FromClause = froms[index]
            if on is None and joined is not left_from:
                # Infer from the named left side only, then join onto the whole item.
                on = Join(left_from, right).onclause
        else:
            index = _pick_left(froms, right, on)
            joined = froms[index]
        join = Join(joined, right, on, isouter=isouter, full=full)
        # Items the join now covers (the target, listed because a column named it) go.
        froms = [f for i, f in enumerate(froms) if i == index or not join._refers_to(f)]
        froms[froms.index(joined) if joined in froms else 0] = join
        new = self._generate()
        new._from_list = tuple(froms)
        new._filter_by_target = target
        return new

    def _implicit_froms(self) -> list[FromClause]:
        """FROM objects implied by the columns and criteria, in order of first mention."""
        seen: list[FromClause] = []
        for element in (*self._columns, *self._where):
            for from_clause in element._from_objects():
                if not any(f is from_clause for f in seen):
                    seen.append(from_clause)
        return seen

    # -- cache key ---------------------------------------------------------

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return (
            "select",
            tuple([c._gen_key(ctx) for c in self._columns]),
            tuple([f._gen_key(ctx) for f in self._from_list]),
            tuple([w._gen_key(ctx) for w in self._where]),
            tuple([g._gen_key(ctx) for g in self._group_by]),
            tuple([h._gen_key(ctx) for h in self._having]),
            self._distinct,
            None if self._for_update is None else self._for_update._gen_key(ctx),
            self._gen_tail_key(ctx),
        )

    def __repr__(self) -> str:
        return f"<Select {', '.join(k for k, _ in self._exported_columns())}>"


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def describe_entity(entity: Any) -> str:
    """A readable name for an entity in error messages."""
    if isinstance(entity, FromClause):
        return describe_from(entity)
    return getattr(entity, "__name__", None) or repr(entity)


def _coerce_onclause(onclause: Any) -> ColumnElement:
    return coerce_where(onclause)


def _pick_left(froms: list[FromClause], right: FromClause, on: ColumnElement | None) -> int:
    if not froms:
        raise ArgumentError(f"nothing to join {describe_from(right)} to: select something first")
    if on is not None:
        mentioned = [f for f in on._from_objects() if f is not right and not right._refers_to(f)]
        for i, item in enumerate(froms):
            if any(item is m or item._refers_to(m) for m in mentioned):
                return i
        return 0
    candidates = []
    for i, item in enumerate(froms):
        try:
            Join(item, right)
        except ArgumentError as exc:
            if "more than one" in str(exc):
                raise
            continue
        candidates.append(i)
    if not candidates:
        names = ", ".join(describe_from(f) for f in froms)
        raise ArgumentError(
            f"cannot join {names} to {describe_from(right)}: no foreign key relates them; "
            "give the ON clause explicitly"
        )
    if len(candidates) > 1:
        names = " and ".join(describe_from(froms[i]) for i in candidates)
        raise ArgumentError(
            f"cannot tell whether to join {describe_from(right)} to {names}; "
            "use join_from() or give the ON clause explicitly"
        )
    return candidates[0]


@overload
def select(e0: _Entity[_T0], /) -> Select[tuple[_T0]]: ...


@overload
def select(e0: _Entity[_T0], e1: _Entity[_T1], /) -> Select[tuple[_T0, _T1]]: ...


@overload
def select(
    e0: _Entity[_T0], e1: _Entity[_T1], e2: _Entity[_T2], /
) -> Select[tuple[_T0, _T1, _T2]]: ...


@overload
def select(
    e0: _Entity[_T0], e1: _Entity[_T1], e2: _Entity[_T2], e3: _Entity[_T3], /
) -> Select[tuple[_T0, _T1, _T2, _T3]]: ...


@overload
def select(
    e0: _Entity[_T0],
    e1: _Entity[_T1],
    e2: _Entity[_T2],
    e3: _Entity[_T3],
    e4: _Entity[_T4],
    /,
) -> Select[tuple[_T0, _T1, _T2, _T3, _T4]]: ...


@overload
def select(
    e0: _Entity[_T0],
    e1: _Entity[_T1],
    e2: _Entity[_T2],
    e3: _Entity[_T3],
    e4: _Entity[_T4],
    e5: _Entity[_T5],
    /,
) -> Select[tuple[_T0, _T1, _T2, _T3, _T4, _T5]]: ...


@overload
def select(
    e0: _Entity[_T0],
    e1: _Entity[_T1],
    e2: _Entity[_T2],
    e3: _Entity[_T3],
    e4: _Entity[_T4],
    e5: _Entity[_T5],
    e6: _Entity[_T6],
    /,
) -> Select[tuple[_T0, _T1, _T2, _T3, _T4, _T5, _T6]]: ...


@overload
def select(*entities: Any) -> Select[tuple[Any, ...]]: ...


def select(*entities: Any) -> Select[tuple[Any, ...]]:
    """``SELECT`` the given tables (all their columns), columns and expressions.

    Anything with ``__clause_element__()`` is accepted; what was passed is
    kept as :attr:`Select.raw_entities`. For type checkers the statement is
    typed by what was selected: up to seven mapped classes and typed column
    expressions give ``Select[tuple[User, str, ...]]``; anything else (a
    table, a list) gives ``Select[tuple[Any, ...]]``.
    """
    if len(entities) == 1 and isinstance(entities[0], list | tuple):
        entities = tuple(entities[0])
    return Select(*entities)


def exists(*args: Any) -> Exists:
    """``EXISTS (SELECT …)``: of a SELECT, or ``exists().where(…)`` for ``SELECT 1 … WHERE …``."""
    if len(args) == 1 and isinstance(coerce_element(args[0]), SelectBase):
        return Exists(coerce_element(args[0]))  # type: ignore[arg-type]
    if args:
        return Exists(Select(*args))
    return Exists(Select(_literal_one))


class _LiteralOne(ColumnElement):
    __visit_name__ = "literal_one"
    key = "one"

    @property
    def type(self) -> TypeEngine:
        return NULLTYPE

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return "1"


_literal_one = _LiteralOne()
