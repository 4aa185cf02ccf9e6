"""INSERT, UPDATE and DELETE, with RETURNING and upserts (``ON CONFLICT``).

Values are always bound parameters typed by their column. Python-side
column defaults (``Column(default=…)``) fill columns an INSERT does not set,
and ``onupdate=`` columns an UPDATE does not set; callables among them are
called each time the statement is executed (per row for many rows).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Self

from aorm.exc import ArgumentError
from aorm.sql.cache_key import KeyContext
from aorm.sql.column_collection import ColumnCollection
from aorm.sql.elements import (
    NO_VALUE,
    BindParameter,
    ClauseElement,
    ColumnElement,
    coerce_column,
    coerce_element,
    coerce_where,
)
from aorm.sql.schema import Column, Table
from aorm.sql.select_base import SelectBase
from aorm.sql.selectable import ColumnClause, FromClause, Join
from aorm.sql.statement import Executable, HasWhere
from aorm.sql.type_inference import is_null_type

__all__ = ["Delete", "Insert", "OnConflict", "Update", "delete", "insert", "update"]

ValuePairs = tuple[tuple[Column, ColumnElement], ...]


def _coerce_table(value: Any, what: str) -> Table:
    element = coerce_element(value)
    if not isinstance(element, Table):
        raise ArgumentError(f"{what}() takes a Table (or a mapped class), not {value!r}")
    return element


def _column_of(table: Table, key: Any) -> Column:
    if isinstance(key, str):
        column = table.c.get(key)
        if column is None:
            column = next((c for c in table.c if c.name == key), None)
        if column is None:
            raise ArgumentError(f"table {table.name!r} has no column {key!r}")
        return column  # type: ignore[no-any-return]
    element = coerce_element(key)
    if not isinstance(element, Column) or element.table is not table:
        raise ArgumentError(f"{key!r} is not a column of table {table.name!r}")
    return element


def value_for(column: Column, value: Any) -> ColumnElement:
    """*value* as what is written into *column*: a bound parameter typed by the column,
    or a SQL expression as it is (a named ``bindparam()`` takes the column's type)."""
    if isinstance(value, ClauseElement) or hasattr(value, "__clause_element__"):
        element = coerce_column(value)
        if (
            isinstance(element, BindParameter)
            and element.value is NO_VALUE
            and is_null_type(element.type_)
        ):
            return BindParameter(NO_VALUE, column.type, name=element.name, against=column)
        return element
    return BindParameter(value, column.type, against=column)


def default_for(column: Column, default: Any) -> ColumnElement:
    """A Python-side default (value, zero-argument callable or SQL expression) as a value."""
    if isinstance(default, ClauseElement) or hasattr(default, "__clause_element__"):
        return coerce_column(default)
    if callable(default):
        return BindParameter(None, column.type, against=column, callable_=default)
    return BindParameter(default, column.type, against=column)


def _pairs(table: Table, values: Mapping[Any, Any]) -> ValuePairs:
    pairs: list[tuple[Column, ColumnElement]] = []
    seen: set[int] = set()
    for key, value in values.items():
        column = _column_of(table, key)
        if id(column) in seen:
            raise ArgumentError(f"column {column.fullname!r} is given twice")
        seen.add(id(column))
        pairs.append((column, value_for(column, value)))
    return tuple(pairs)


def _expand_returning(table: Table, columns: Sequence[Any]) -> tuple[ColumnElement, ...]:
    result: list[ColumnElement] = []
    for item in columns:
        element = coerce_element(item)
        if isinstance(element, FromClause):
            result.extend(element.c)
        else:
            result.append(coerce_column(element))
    return tuple(result)


class DMLStatement(Executable):
    """What INSERT, UPDATE and DELETE share: the target table and RETURNING."""

    is_dml = True
    _returning: tuple[ColumnElement, ...] = ()

    def __init__(self, table: Table) -> None:
        self.table = table

    def _generate(self) -> Self:
        new = super()._generate()
        new.__dict__.pop("_effective_memo", None)
        return new

    def returning(self, *columns: Any) -> Self:
        """Return these columns (tables/mapped classes: all their columns) of the affected rows."""
        new = self._generate()
        new._returning = self._returning + _expand_returning(self.table, columns)
        return new

    @property
    def returning_columns(self) -> tuple[ColumnElement, ...]:
        """The RETURNING columns."""
        return self._returning

    def _returning_key(self, ctx: KeyContext) -> Hashable:
        return tuple([c._gen_key(ctx) for c in self._returning])


class OnConflict:
    """``ON CONFLICT [(target) [WHERE …]] DO NOTHING | DO UPDATE SET … [WHERE …]``."""

    __slots__ = ("index_elements", "index_where", "set_", "where")

    def __init__(
        self,
        index_elements: tuple[ColumnElement, ...],
        index_where: ColumnElement | None,
        set_: ValuePairs | None,
        where: ColumnElement | None,
    ) -> None:
        self.index_elements = index_elements
        self.index_where = index_where
        #: None for DO NOTHING.
        self.set_ = set_
        self.where = where

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return (
            tuple([e._gen_key(ctx) for e in self.index_elements]),
            None if self.index_where is None else self.index_where._gen_key(ctx),
            None
            if self.set_ is None
            else tuple([(c._gen_key(ctx), v._gen_key(ctx)) for c, v in self.set_]),
            None if self.where is None else self.where._gen_key(ctx),
        )


class _Excluded(FromClause):
    """The row proposed for insertion, inside ``ON CONFLICT DO UPDATE`` (``excluded``)."""

    __visit_name__ = "excluded"

    def __init__(self, table: Table) -> None:
        self.table = table
        self.name = "excluded"
        self._c: ColumnCollection[ColumnClause] = ColumnCollection(
            (c.key or "", ColumnClause(c.name, c.type, table=self)) for c in table.c
        )

    @property
    def c(self) -> ColumnCollection[ColumnClause]:
        return self._c

    def _gen_from_key(self, ctx: KeyContext) -> Hashable:
        return ("excluded", self.table)


class Insert(DMLStatement):
    """``INSERT INTO table (…) VALUES (…)`` (one row, several, ``DEFAULT VALUES`` or a SELECT).

    Executed with a list of parameter dictionaries, the rows are sent as
    multi-row INSERTs (see ``SQLCompiler.compile_insert_batches``).
    """

    __visit_name__ = "insert"
    #: Read by the dialect layer: many parameter sets become multi-row batches.
    is_insert = True
    _values: ValuePairs | None = None
    _multi_values: tuple[ValuePairs, ...] = ()
    _from_select: tuple[tuple[Column, ...], SelectBase] | None = None
    _on_conflict: OnConflict | None = None
    #: Set on the copy used as a template for rows given at execution.
    _for_rows = False

    def values(self, *args: Any, **kwargs: Any) -> Insert:
        """Set values: ``values(name="x")``, ``values({"name": "x"})``, or many rows
        ``values([{…}, {…}])``. Keys are column keys, names or columns."""
        new = self._generate()
        if args and kwargs:
            raise ArgumentError("values() takes a dictionary/list or keyword arguments, not both")
        if len(args) > 1:
            raise ArgumentError("values() takes one positional argument")
        if args and isinstance(args[0], list | tuple):
            rows = list(args[0])
            if not rows:
                raise ArgumentError("values([]) needs at least one row")
            if new._values is not None:
                raise ArgumentError("cannot mix single-row values() with a list of rows")
            new._multi_values = self._multi_values + tuple(self._row_pairs(r) for r in rows)
            keys = {tuple(id(c) for c, _ in row) for row in new._multi_values}
            if len(keys) > 1:
                raise ArgumentError("every row given to values([...]) must set the same columns")
            return new
        if new._multi_values:
            raise ArgumentError("cannot mix single-row values() with a list of rows")
        given = dict(args[0]) if args else kwargs
        merged = {c: v for c, v in (self._values or ())}
        for column, value in _pairs(self.table, given):
            merged[column] = value
        new._values = tuple(merged.items())
        return new

    @property
    def takes_rows(self) -> bool:
        """True when the statement sets no values itself: its rows come at execution."""
        return self._values is None and not self._multi_values and self._from_select is None

    def _row_pairs(self, row: Any) -> ValuePairs:
        if isinstance(row, Mapping):
            return _pairs(self.table, row)
        if isinstance(row, list | tuple):
            columns = list(self.table.c)
            if len(row) != len(columns):
                raise ArgumentError(
                    f"a positional row for {self.table.name!r} needs {len(columns)} values"
                )
            return tuple((c, value_for(c, v)) for c, v in zip(columns, row, strict=True))
        raise ArgumentError(f"values([...]) rows must be dictionaries, not {row!r}")

    def from_select(self, names: Iterable[Any], select: Any) -> Insert:
        """``INSERT INTO table (names) SELECT …``."""
        element = coerce_element(select)
        if not isinstance(element, SelectBase):
            raise ArgumentError(f"from_select() takes a SELECT, not {select!r}")
        new = self._generate()
        new._from_select = (tuple(_column_of(self.table, n) for n in names), element)
        return new

    @property
    def excluded(self) -> ColumnCollection[ColumnClause]:
        """The proposed row's columns, for ``on_conflict_do_update(set_=…)``."""
        cached = self.__dict__.get("_excluded")
        if cached is None:
            cached = self.__dict__["_excluded"] = _Excluded(self.table)
        return cached.c

    def on_conflict_do_nothing(
        self, index_elements: Iterable[Any] | None = None, index_where: Any = None
    ) -> Insert:
        """``ON CONFLICT [(index_elements)] DO NOTHING``."""
        new = self._generate()
        new._on_conflict = OnConflict(
            self._conflict_target(index_elements), self._opt_where(index_where), None, None
        )
        return new

    def on_conflict_do_update(
        self,
        index_elements: Iterable[Any] | None = None,
        set_: Mapping[Any, Any] | None = None,
        where: Any = None,
        index_where: Any = None,
    ) -> Insert:
        """``ON CONFLICT (index_elements) DO UPDATE SET … [WHERE …]``.

        *set_* maps columns (keys, names or columns) to values or expressions,
        e.g. ``{"name": stmt.excluded.name}``.
        """
        target = self._conflict_target(index_elements)
        if not target:
            raise ArgumentError(
                "on_conflict_do_update() needs index_elements (the conflict target)"
            )
        if not set_:
            raise ArgumentError("on_conflict_do_update() needs set_ (the columns to update)")
        new = self._generate()
        new._on_conflict = OnConflict(
            target, self._opt_where(index_where), _pairs(self.table, set_), self._opt_where(where)
        )
        return new

    def _conflict_target(self, elements: Iterable[Any] | None) -> tuple[ColumnElement, ...]:
        if elements is None:
            return ()
        result: list[ColumnElement] = []
        for item in elements:
            if isinstance(item, str):
                result.append(_column_of(self.table, item))
            else:
                result.append(coerce_column(item))
        return tuple(result)

    @staticmethod
    def _opt_where(value: Any) -> ColumnElement | None:
        return None if value is None else coerce_where(value)

    @property
    def on_conflict(self) -> OnConflict | None:
        """The upsert clause, if any."""
        return self._on_conflict

    def default_columns(self, given: Iterable[Column]) -> list[Column]:
        """Columns with a Python-side default that *given* leaves out, in table order."""
        given_ids = {id(c) for c in given}
        return [c for c in self.table.c if c.default is not None and id(c) not in given_ids]

    def _effective_rows(self) -> tuple[ValuePairs, ...]:
        """The rows to insert, Python defaults added (memoized: cache key and compiler agree)."""
        memo = self.__dict__.get("_effective_memo")
        if memo is not None:
            return memo  # type: ignore[no-any-return]
        if self._from_select is not None or self._for_rows:
            rows: tuple[ValuePairs, ...] = ()
        else:
            given_rows = self._multi_values or (self._values or (),)
            rows = tuple(
                row
                + tuple(
                    (c, default_for(c, c.default)) for c in self.default_columns(c for c, _ in row)
                )
                for row in given_rows
            )
        self.__dict__["_effective_memo"] = rows
        return rows

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        rows = self._effective_rows()
        select_key = None
        if self._from_select is not None:
            columns, select = self._from_select
            select_key = (tuple(c._gen_key(ctx) for c in columns), select._gen_key(ctx))
        return (
            "insert",
            self.table,
            tuple([tuple([(c._gen_key(ctx), v._gen_key(ctx)) for c, v in row]) for row in rows]),
            select_key,
            None if self._on_conflict is None else self._on_conflict._gen_key(ctx),
            self._returning_key(ctx),
        )


class Update(HasWhere, DMLStatement):
    """``UPDATE table SET … WHERE … [RETURNING …]``; other tables in WHERE become ``FROM``."""

    __visit_name__ = "update"
    _values: ValuePairs = ()

    def values(self, *args: Any, **kwargs: Any) -> Update:
        """Columns to set: ``values(name="x")`` or ``values({users.c.name: "x"})``."""
        if args and kwargs:
            raise ArgumentError("values() takes a dictionary or keyword arguments, not both")
        if len(args) > 1 or (args and not isinstance(args[0], Mapping)):
            raise ArgumentError("update().values() takes one dictionary")
        new = self._generate()
        merged = {c: v for c, v in self._values}
        for column, value in _pairs(self.table, args[0] if args else kwargs):
            merged[column] = value
        new._values = tuple(merged.items())
        return new

    def _effective_values(self) -> ValuePairs:
        memo = self.__dict__.get("_effective_memo")
        if memo is not None:
            return memo  # type: ignore[no-any-return]
        given = {id(c) for c, _ in self._values}
        extra = tuple(
            (c, default_for(c, c.onupdate))
            for c in self.table.c
            if c.onupdate is not None and id(c) not in given
        )
        pairs = self._values + extra
        self.__dict__["_effective_memo"] = pairs
        return pairs

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        pairs = self._effective_values()
        return (
            "update",
            self.table,
            tuple([(c._gen_key(ctx), v._gen_key(ctx)) for c, v in pairs]),
            tuple([w._gen_key(ctx) for w in self._where]),
            self._returning_key(ctx),
        )


class Delete(HasWhere, DMLStatement):
    """``DELETE FROM table WHERE … [RETURNING …]``."""

    __visit_name__ = "delete"

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return (
            "delete",
            self.table,
            tuple([w._gen_key(ctx) for w in self._where]),
            self._returning_key(ctx),
        )


def extra_froms(table: Table, criteria: Sequence[ColumnElement]) -> list[FromClause]:
    """FROM objects other than *table* that *criteria* refer to (UPDATE … FROM)."""
    result: list[FromClause] = []
    for criterion in criteria:
        for from_clause in criterion._from_objects():
            if from_clause is table or (
                isinstance(from_clause, Join) and from_clause._refers_to(table)
            ):
                continue
            if not any(f is from_clause for f in result):
                result.append(from_clause)
    return result


def insert(table: Any) -> Insert:
    """``INSERT INTO table`` (a Table, or anything whose ``__clause_element__()`` is one)."""
    return Insert(_coerce_table(table, "insert"))


def update(table: Any) -> Update:
    """``UPDATE table``."""
    return Update(_coerce_table(table, "update"))


def delete(table: Any) -> Delete:
    """``DELETE FROM table``."""
    return Delete(_coerce_table(table, "delete"))
