"""Rendering of INSERT / UPDATE / DELETE, upserts and RETURNING, and multi-row INSERT batches."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import partial
from itertools import chain, cycle, islice, repeat
from typing import Any

from aorm.exc import ArgumentError, CompileError
from aorm.sql.array_dml import DeleteFromArrays, UpdateFromArrays
from aorm.sql.compiled import BindSlot, Compiled, Processor, process_all
from aorm.sql.compiler_base import CompileState
from aorm.sql.dml import Delete, Insert, OnConflict, Update, extra_froms
from aorm.sql.elements import ColumnElement
from aorm.sql.insert_rows import group_rows
from aorm.sql.keyed_rows import columns_of
from aorm.sql.schema import Column, Table
from aorm.sql.select_base import unique_keys
from aorm.sql.select_compiler import SelectCompiler

__all__ = ["DMLCompiler"]

# Compiled batch templates kept per compiler: (shape, columns, rows) -> Compiled.
_BATCH_CACHE_SIZE = 64


class DMLCompiler(SelectCompiler):
    """``visit_*`` methods for data-changing statements, and INSERT batching."""

    def __init__(self, dialect: Any) -> None:
        super().__init__(dialect)
        self._batch_cache: OrderedDict[Hashable, Compiled] = OrderedDict()

    def table_sql(self, table: Table) -> str:
        """The target table of a DML statement."""
        return self.from_name(table)

    def returning_sql(self, columns: tuple[ColumnElement, ...]) -> str:
        """`` RETURNING …`` ('' without columns)."""
        if not columns:
            return ""
        keys = unique_keys(columns)
        return " RETURNING " + ", ".join(
            self.column_sql(column, key, as_subquery=False) for key, column in keys
        )

    # -- INSERT ---------------------------------------------------------------

    def visit_insert(self, insert: Insert, **kw: Any) -> str:
        table = insert.table
        sql = f"INSERT INTO {self.table_sql(table)}"
        if insert._from_select is not None:
            columns, select = insert._from_select
            names = ", ".join(self.quote(c.name or "") for c in columns)
            body = self.subquery_select(select)
            if insert._on_conflict is not None:
                body = self.upsert_select(body)
            sql += f" ({names}) {body}"
        else:
            rows = insert._effective_rows()
            if not rows or not rows[0]:
                sql += self.default_values_sql(table, len(rows) or 1)
            else:
                names = ", ".join(self.quote(c.name or "") for c, _ in rows[0])
                values = ", ".join(
                    "(" + ", ".join(self.process(v) for _, v in row) + ")" for row in rows
                )
                sql += f" ({names}) VALUES {values}"
        if insert._on_conflict is not None:
            sql += self.on_conflict_sql(insert, insert._on_conflict)
        return sql + self.returning_sql(insert._returning)

    def default_values_sql(self, table: Table, rows: int) -> str:
        """An INSERT of rows with every column defaulted."""
        if rows != 1:
            raise CompileError(f"{self.dialect.name} inserts one all-default row per statement")
        return " DEFAULT VALUES"

    def upsert_select(self, select_sql: str) -> str:
        """INSERT … SELECT followed by ON CONFLICT; SQLite needs the SELECT wrapped."""
        return select_sql

    def on_conflict_sql(self, insert: Insert, clause: OnConflict) -> str:
        """`` ON CONFLICT [(target) [WHERE …]] DO NOTHING | DO UPDATE SET … [WHERE …]``."""
        sql = " ON CONFLICT"
        if clause.index_elements:
            sql += (
                " ("
                + ", ".join(self.process(e, unqualified=True) for e in clause.index_elements)
                + ")"
            )
            if clause.index_where is not None:
                sql += " WHERE " + self.process(clause.index_where)
        if clause.set_ is None:
            return sql + " DO NOTHING"
        assignments = ", ".join(
            f"{self.quote(c.name or '')} = {self.process(v)}" for c, v in clause.set_
        )
        sql += f" DO UPDATE SET {assignments}"
        if clause.where is not None:
            sql += " WHERE " + self.process(clause.where)
        return sql

    # -- UPDATE / DELETE --------------------------------------------------------

    def visit_update(self, update: Update, **kw: Any) -> str:
        pairs = update._effective_values()
        if not pairs:
            raise CompileError(
                f"UPDATE of {update.table.name!r} has no values: call .values(...) "
                "(use bindparam() for per-row values)"
            )
        state = self.state
        state.from_stack.append([update.table])
        try:
            sets = ", ".join(f"{self.quote(c.name or '')} = {self.process(v)}" for c, v in pairs)
            sql = f"UPDATE {self.table_sql(update.table)} SET {sets}"
            others = extra_froms(update.table, update._where)
            if others:
                sql += " FROM " + ", ".join(self.process(f, asfrom=True) for f in others)
            if update._where:
                sql += " WHERE " + self.criteria(update._where)
        finally:
            state.from_stack.pop()
        return sql + self.returning_sql(update._returning)

    def visit_delete(self, delete: Delete, **kw: Any) -> str:
        state = self.state
        state.from_stack.append([delete.table])
        try:
            sql = f"DELETE FROM {self.table_sql(delete.table)}"
            others = extra_froms(delete.table, delete._where)
            if others:
                sql += self.delete_using_sql(others)
            if delete._where:
                sql += " WHERE " + self.criteria(delete._where)
        finally:
            state.from_stack.pop()
        return sql + self.returning_sql(delete._returning)

    def visit_update_from_arrays(self, update: UpdateFromArrays, **kw: Any) -> str:
        sql = self.update_from_arrays_sql(update)
        if sql is None:
            raise CompileError(
                f"{self.dialect.name} cannot UPDATE rows of {update.table.name!r} from arrays; "
                "send one UPDATE per row (an executemany)"
            )
        return sql + self.returning_sql(update._returning)

    def can_use_arrays(self, columns: Sequence[Column]) -> bool:
        """True when :meth:`update_from_arrays_sql` / :meth:`delete_from_arrays_sql` can
        send arrays of these columns."""
        return False

    def update_from_arrays_sql(self, update: UpdateFromArrays) -> str | None:
        """The SQL of an :class:`~aorm.sql.array_dml.UpdateFromArrays`, or None.

        Its named placeholders take one array each (processed element by
        element); the base compiler has no such form.
        """
        return None

    def visit_delete_from_arrays(self, delete: DeleteFromArrays, **kw: Any) -> str:
        sql = self.delete_from_arrays_sql(delete)
        if sql is None:
            raise CompileError(
                f"{self.dialect.name} cannot DELETE rows of {delete.table.name!r} by arrays; "
                "send one DELETE per row (an executemany)"
            )
        return sql + self.returning_sql(delete._returning)

    def delete_from_arrays_sql(self, delete: DeleteFromArrays) -> str | None:
        """The SQL of a :class:`~aorm.sql.array_dml.DeleteFromArrays`, or None (as above)."""
        return None

    def delete_using_sql(self, others: list[Any]) -> str:
        """`` USING …`` for other tables in a DELETE's WHERE (PostgreSQL)."""
        return " USING " + ", ".join(self.process(f, asfrom=True) for f in others)

    # -- multi-row INSERT batches -------------------------------------------------

    def compile_insert_batches(
        self, statement: Insert, rows: Sequence[Mapping[str, Any]], max_params: int
    ) -> Iterator[tuple[Compiled, list[Any]]]:
        """Split *rows* into multi-row INSERTs of at most *max_params* parameters each.

        Yields ``(Compiled, args)`` pairs, args already processed; running them
        in order inserts the rows in input order, and their RETURNING rows
        (concatenated) come back in input order too — both PostgreSQL and
        SQLite return the rows of a multi-row ``INSERT … VALUES … RETURNING``
        in VALUES order, and the array form a dialect may offer
        (:meth:`array_insert_sql`) orders its rows explicitly. Consecutive
        rows that set the same columns share a batch; Python-side column
        defaults fill the columns a row leaves out (callables called once per
        row). Values set by the statement's own ``.values()`` apply to every
        row unless the row sets the column.

        A batch holds at most :attr:`VALUES_BATCH_ROWS` rows, so a large
        flush runs the same few statement texts over and over: the drivers
        keep them prepared, and compiling them is paid once per process.
        """
        if not isinstance(statement, Insert):
            raise ArgumentError(f"compile_insert_batches() takes an INSERT, not {statement!r}")
        if statement._multi_values or statement._from_select is not None:
            raise ArgumentError(
                "an INSERT with values([...]) or from_select() cannot take rows as well"
            )
        if max_params < 1:
            raise ArgumentError(f"max_params must be positive, not {max_params}")
        # The statement without its values: its literals are those it carries
        # beside the rows (ON CONFLICT … SET values), sent with every batch.
        stripped = statement._generate()
        stripped._values = None
        stripped._for_rows = True
        _, extra_literals = stripped._cache_key()
        budget = max_params - len(extra_literals)
        for columns, values in group_rows(statement, rows):
            if not columns:
                # All-default rows: one ``DEFAULT VALUES`` statement each.
                for row in values:
                    yield self._values_batch(stripped, columns, [row], extra_literals)
                continue
            template = self._array_template(stripped, columns)
            if template is not None:
                yield from self._array_batches(template, columns, values, extra_literals)
                continue
            per_batch = max(1, min(self.VALUES_BATCH_ROWS, budget // len(columns)))
            for start in range(0, len(values), per_batch):
                chunk = values[start : start + per_batch]
                yield self._values_batch(stripped, columns, chunk, extra_literals)

    #: Most rows in one ``INSERT … VALUES`` batch.
    VALUES_BATCH_ROWS = 1000
    #: Most rows in one array-form INSERT (:meth:`array_insert_sql`).
    ARRAY_BATCH_ROWS = 5000

    def _values_batch(
        self,
        statement: Insert,
        columns: Sequence[Column],
        rows: Sequence[Sequence[Any]],
        extra_literals: Sequence[Any],
    ) -> tuple[Compiled, list[Any]]:
        compiled = self._batch_template(statement, columns, len(rows))
        width = len(columns)
        count = len(rows) * width
        if not _rows_first(compiled, count):
            # Placeholders before the VALUES (a CTE's): bind in text order.
            flat = [value for row in rows for value in row]
            return compiled, compiled.bind(flat + list(extra_literals), None)
        processors = [slot.processor for slot in compiled.slots[:width]]
        if any(p is not None for p in processors):
            # Column by column (each processed as a whole, then interleaved
            # back into row order): cheaper than zipping every row with the
            # processors, and most columns are checked at C speed.
            columns_values = [
                values if p is None else process_all(p, values)
                for values, p in zip(columns_of(rows, width), processors, strict=True)
            ]
            args = list(chain.from_iterable(zip(*columns_values, strict=True)))
        else:
            args = list(chain.from_iterable(rows))
        args.extend(_tail_args(compiled, count, extra_literals))
        return compiled, args

    def _array_batches(
        self,
        compiled: Compiled,
        columns: Sequence[Column],
        rows: Sequence[Sequence[Any]],
        extra_literals: Sequence[Any],
    ) -> Iterator[tuple[Compiled, list[Any]]]:
        width = len(columns)
        for start in range(0, len(rows), self.ARRAY_BATCH_ROWS):
            chunk = rows[start : start + self.ARRAY_BATCH_ROWS]
            # Column-major: one list of values per column, each one array parameter.
            arrays: list[Any] = columns_of(chunk, width)
            literals = arrays + list(extra_literals)
            args = compiled.bind(literals, None)
            if len(args) < width:  # pragma: no cover - the template guarantees it
                raise CompileError("array INSERT template lost a column")
            yield compiled, args

    def array_insert_sql(self, columns: Sequence[Column], markers: Sequence[str]) -> str | None:
        """The row source of an INSERT taking one array parameter per column, or None.

        *markers* are the placeholders of the arrays, one per column; the
        result replaces `` VALUES (…), (…)`` after the column list and must
        produce the rows in array order. The base compiler has no such form.
        """
        return None

    def array_bind_processor(self, column: Column) -> Processor | None:
        """The processor of an array of *column*'s values (each checked and converted)."""
        element = self._column_processor(column)
        if element is None:
            return None
        return _each(element)

    def _array_template(self, statement: Insert, columns: Sequence[Column]) -> Compiled | None:
        shape, binds, _ = statement._key_parts()
        cache_key = (shape, tuple(id(c) for c in columns), "arrays")
        cached = self._batch_cache.get(cache_key)
        if cached is not None:
            self._batch_cache.move_to_end(cache_key)
            return cached
        width = len(columns)
        # Literal positions: one array per column first, then the statement's own values.
        self._state = CompileState({id(b): width + i for i, b in enumerate(binds)})
        try:
            markers = [
                self.add_slot(None, i, self.array_bind_processor(column))
                for i, column in enumerate(columns)
            ]
            source = self.array_insert_sql(columns, markers)
            if source is None:
                return None
            names = ", ".join(self.quote(c.name or "") for c in columns)
            compiled = self._finish_insert(statement, f" ({names}) {source}")
        finally:
            self._state = None
        self._remember_batch(cache_key, compiled)
        return compiled

    def _batch_template(self, statement: Insert, columns: Sequence[Column], nrows: int) -> Compiled:
        shape, binds, _ = statement._key_parts()
        cache_key = (shape, tuple(id(c) for c in columns), nrows)
        cached = self._batch_cache.get(cache_key)
        if cached is not None:
            self._batch_cache.move_to_end(cache_key)
            return cached
        width = len(columns)
        offset = nrows * width
        # Literal positions: the row values first, then the statement's own values.
        self._state = CompileState({id(b): offset + i for i, b in enumerate(binds)})
        try:
            direct: tuple[BindSlot, ...] = ()
            if not columns:
                values_sql = self.default_values_sql(statement.table, nrows)
            elif not binds:
                # The rows are the only placeholders: write them numbered at
                # once instead of as markers numbered by finish(), which costs
                # a regex callback per value (thousands for one batch).
                values_sql, direct = self._direct_rows_sql(columns, nrows)
            else:
                processors = [self._column_processor(c) for c in columns]
                slots = self.state.slots
                first = len(slots)
                # One marker per value; the slots are made in row order, so the
                # marker of value (r, i) is slot first + r * width + i.
                slots.extend(
                    BindSlot(None, r * width + i, processors[i])
                    for r in range(nrows)
                    for i in range(width)
                )
                row_sql = [
                    "("
                    + ", ".join([f"\x00{first + r * width + i}\x00" for i in range(width)])
                    + ")"
                    for r in range(nrows)
                ]
                names = ", ".join(self.quote(c.name or "") for c in columns)
                values_sql = f" ({names}) VALUES " + ", ".join(row_sql)
            compiled = self._finish_insert(statement, values_sql)
            if direct:
                compiled = replace(compiled, slots=direct)
        finally:
            self._state = None
        self._remember_batch(cache_key, compiled)
        return compiled

    def _direct_rows_sql(
        self, columns: Sequence[Column], nrows: int
    ) -> tuple[str, tuple[BindSlot, ...]]:
        """`` (cols) VALUES (…), …`` with final placeholders, and their slots in order."""
        width = len(columns)
        count = nrows * width
        processors = [self._column_processor(c) for c in columns]
        # A template holds thousands of slots (a new engine compiles its first
        # large INSERT while a flush waits): made in C, each straight from its
        # (name, index, processor) tuple, without BindSlot's Python __new__.
        slots = tuple(
            map(
                partial(tuple.__new__, BindSlot),
                zip(repeat(None), range(count), islice(cycle(processors), count)),
            )
        )
        placeholder = self.dialect.placeholder
        if placeholder(1) == placeholder(2):
            # Unnumbered placeholders (``?``): every row's text is the same.
            row = "(" + ", ".join([placeholder(1)] * width) + ")"
            row_sql = [row] * nrows
        else:
            marks = [placeholder(n) for n in range(1, count + 1)]
            row_sql = [
                "(" + ", ".join(marks[r * width : (r + 1) * width]) + ")" for r in range(nrows)
            ]
        names = ", ".join(self.quote(c.name or "") for c in columns)
        return f" ({names}) VALUES " + ", ".join(row_sql), slots

    def _finish_insert(self, statement: Insert, rows_sql: str) -> Compiled:
        sql = f"INSERT INTO {self.table_sql(statement.table)}{rows_sql}"
        if statement._on_conflict is not None:
            sql += self.on_conflict_sql(statement, statement._on_conflict)
        sql += self.returning_sql(statement._returning)
        return self.finish(
            self.with_prefix() + sql,
            **self.returning_info(statement._returning),
            returns_rows=bool(statement._returning),
            is_write=True,
        )

    def _remember_batch(self, cache_key: Hashable, compiled: Compiled) -> None:
        self._batch_cache[cache_key] = compiled
        if len(self._batch_cache) > _BATCH_CACHE_SIZE:
            self._batch_cache.popitem(last=False)

    def _column_processor(self, column: Column) -> Processor | None:
        return column.type.bind_processor(self.dialect.name, column.fullname)

    def returning_info(self, columns: tuple[ColumnElement, ...]) -> dict[str, Any]:
        """``result_keys`` / ``result_processors`` for RETURNING columns."""
        if not columns:
            return {}
        keys = tuple(k for k, _ in unique_keys(columns))
        return {
            "result_keys": keys,
            "result_processors": tuple(self.result_processor(c) for c in columns),
        }


def _each(element: Processor) -> Processor:
    """A processor applying *element* to every value of a list (column-wise when it can)."""

    def process(values: list[Any]) -> list[Any]:
        # Any iterable is taken; a list is not copied (batch forms never change it).
        return process_all(element, values if type(values) is list else list(values))

    return process


def _rows_first(compiled: Compiled, count: int) -> bool:
    """True when *compiled*'s first *count* placeholders are the row values, in order."""
    slots = compiled.slots
    if len(slots) < count:
        return False
    if count == 0:
        return True
    first, last = slots[0], slots[count - 1]
    return (
        first.name is None and first.index == 0 and last.name is None and (last.index == count - 1)
    )


def _tail_args(compiled: Compiled, first: int, extra_literals: Sequence[Any]) -> list[Any]:
    """The processed values of *compiled*'s slots from *first* on: the statement's own.

    Their indexes count from *first* (the row values come before them).
    """
    args: list[Any] = []
    for slot in compiled.slots[first:]:
        if slot.name is not None:
            raise ArgumentError(f"missing value for bind parameter {slot.name!r}")
        value = extra_literals[slot.index - first]
        args.append(value if slot.processor is None else slot.processor(value))
    return args
