"""The rows given to an INSERT at execution, turned into columns and values.

``conn.execute(insert(t), [row, row, …])`` hands the compiler mappings of
column key (or name) to value. Rows that set the same keys share a
:class:`RowShape`, worked out once: which columns they fill (in table order),
and where each value comes from (the row, a constant from ``.values()``, or a
Python-side column default, called once per row). Reading a row is then one
``itemgetter`` call and a type check of its values, instead of resolving
every key of every row again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import Any

from aorm.exc import ArgumentError, CompileError
from aorm.sql.dml import Insert
from aorm.sql.elements import BindParameter, ClauseElement
from aorm.sql.keyed_rows import KeyedRows
from aorm.sql.schema import Column

__all__ = ["KeyedRows", "RowShape", "group_rows"]

# Values of these exact types are never SQL expressions: a row made only of
# them skips the per-value ``isinstance`` checks.
_PLAIN_TYPES = frozenset(
    {
        int,
        str,
        float,
        bool,
        bytes,
        type(None),
        datetime,
        date,
        time,
        timedelta,
        Decimal,
        uuid.UUID,
    }
)

#: One column's value for a row: read from the row, or made without it.
ValueSource = Callable[[Mapping[str, Any]], Any]


def _is_sql(value: Any) -> bool:
    return isinstance(value, ClauseElement) or hasattr(value, "__clause_element__")


def _constant(value: Any) -> ValueSource:
    return lambda _row: value


def _called(default: Callable[[], Any]) -> ValueSource:
    return lambda _row: default()


class RowShape:
    """How rows that set one tuple of keys become a list of values, in table order."""

    __slots__ = ("_getter", "_keys", "_sources", "columns", "group_key", "table_name")

    def __init__(
        self, statement: Insert, base: Mapping[Column, Any], keys: tuple[str, ...]
    ) -> None:
        table = statement.table
        self.table_name = table.name
        given: dict[Column, str] = {}
        for key in keys:
            column = table.c.get(key)
            if column is None:
                column = next((c for c in table.c if c.name == key), None)
            if column is None:
                raise ArgumentError(f"table {table.name!r} has no column {key!r}")
            given[column] = key
        sources: dict[Column, ValueSource] = {c: itemgetter(k) for c, k in given.items()}
        for column, element in base.items():
            if column not in sources:
                if not isinstance(element, BindParameter) or element.callable_ is not None:
                    raise ArgumentError(
                        f"{table.name}.{column.name}: only plain values in .values() combine "
                        "with rows"
                    )
                sources[column] = _constant(element.value)
        for column in statement.default_columns(sources):
            default = column.default
            if _is_sql(default):
                raise CompileError(
                    f"{table.name}.{column.name}: SQL expression defaults cannot be used "
                    "with rows; give the value in each row"
                )
            sources[column] = _called(default) if callable(default) else _constant(default)
        #: The columns these rows fill, in table order.
        self.columns: tuple[Column, ...] = tuple(c for c in table.c if c in sources)
        #: Equal for shapes filling the same columns (their rows may share a statement).
        self.group_key: tuple[int, ...] = tuple(id(c) for c in self.columns)
        self._keys = tuple(given[c] for c in self.columns if c in given)
        if len(self._keys) == len(self.columns):
            # Every value comes from the row: one C-level call reads them all.
            self._getter: Callable[[Mapping[str, Any]], Any] | None = (
                itemgetter(*self._keys) if self._keys else None
            )
            self._sources: tuple[ValueSource, ...] = ()
        else:
            self._getter = None
            self._sources = tuple(sources[c] for c in self.columns)

    def values(self, row: Mapping[str, Any]) -> Sequence[Any]:
        """*row*'s values for :attr:`columns`; ArgumentError for a SQL expression among them."""
        getter = self._getter
        values: Sequence[Any]
        if getter is not None:
            got = getter(row)
            # itemgetter of several keys gives a tuple already: no copy.
            values = got if len(self._keys) > 1 else (got,)
        else:
            values = [source(row) for source in self._sources]
        if not _PLAIN_TYPES.issuperset(map(type, values)):
            self._check_plain(row)
        return values

    def all_values(self, rows: Sequence[Mapping[str, Any]]) -> list[Sequence[Any]] | None:
        """:meth:`values` of every row of *rows* (rows with this shape's keys), or None
        when some values do not come from the rows (use :meth:`values`, row by row, so
        that column defaults are called in row order)."""
        getter = self._getter
        if getter is None:
            return None
        # One key: itemgetter gives the bare value, which zip puts in a 1-tuple.
        got = map(getter, rows)
        values: list[Sequence[Any]] = (
            list(got) if len(self._keys) > 1 else list(zip(got, strict=True))
        )
        if not _PLAIN_TYPES.issuperset(map(type, chain.from_iterable(values))):
            issuperset = _PLAIN_TYPES.issuperset
            for row, row_values in zip(rows, values, strict=True):
                if not issuperset(map(type, row_values)):
                    self._check_plain(row)
        return values

    def _check_plain(self, row: Mapping[str, Any]) -> None:
        for key in self._keys:
            if _is_sql(row[key]):
                column = next(c for c in self.columns if c.key == key or c.name == key)
                raise ArgumentError(
                    f"row value for {self.table_name}.{column.name} is a SQL expression; "
                    "put SQL expressions in .values()"
                )


def _keyed_values(shape: RowShape, rows: KeyedRows) -> list[Sequence[Any]] | None:
    """*rows*' values in *shape*'s column order, or None when some come from elsewhere."""
    if shape._getter is None:
        return None  # defaults or .values() fill columns: row by row, in row order
    order = [rows.keys.index(key) for key in shape._keys]
    values: list[Sequence[Any]]
    if order == list(range(len(rows.keys))):
        values = list(rows.values)
    elif len(order) == 1:
        values = [(row[order[0]],) for row in rows.values]
    else:
        values = list(map(itemgetter(*order), rows.values))
    if rows.checked:
        return values
    if not _PLAIN_TYPES.issuperset(map(type, chain.from_iterable(values))):
        for row, row_values in zip(rows, values, strict=True):
            if not _PLAIN_TYPES.issuperset(map(type, row_values)):
                shape._check_plain(row)
    return values


def group_rows(
    statement: Insert, rows: Sequence[Mapping[str, Any]]
) -> Iterator[tuple[tuple[Column, ...], list[Sequence[Any]]]]:
    """Consecutive *rows* filling the same columns, as ``(columns, [values, …])`` groups.

    Input order is kept: the groups, and the rows in each, come in the order
    the rows were given. Values set by the statement's ``.values()`` apply to
    every row that does not set the column; Python-side defaults fill the
    columns left (callables are called once per row, in row order).
    """
    base = dict(statement._values or ())
    shapes: dict[tuple[str, ...], RowShape] = {}
    if isinstance(rows, KeyedRows) and rows:
        keyed = shapes[rows.keys] = RowShape(statement, base, rows.keys)
        keyed_values = _keyed_values(keyed, rows)
        if keyed_values is not None:
            yield keyed.columns, keyed_values
            return
    elif rows and len(key_sets := set(map(tuple, rows))) == 1:
        # Every row sets the same keys (a flush's rows do): read them all in C.
        only = key_sets.pop()
        uniform = shapes[only] = RowShape(statement, base, only)
        values = uniform.all_values(rows)
        if values is not None:
            yield uniform.columns, values
            return
    group: list[Sequence[Any]] = []
    group_shape: RowShape | None = None
    for row in rows:
        keys = tuple(row)
        shape = shapes.get(keys)
        if shape is None:
            shape = shapes[keys] = RowShape(statement, base, keys)
        if group_shape is not None and shape.group_key != group_shape.group_key:
            yield group_shape.columns, group
            group = []
        group_shape = shape
        group.append(shape.values(row))
    if group_shape is not None:
        yield group_shape.columns, group
