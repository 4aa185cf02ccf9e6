"""Rendering of INSERT / UPDATE / DELETE, upserts and RETURNING, and multi-row INSERT batches."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import Any

from aorm.exc import ArgumentError, CompileError
from aorm.sql.compiled import BindSlot, Compiled, Processor
from aorm.sql.compiler_base import CompileState
from aorm.sql.dml import Delete, Insert, OnConflict, Update, extra_froms
from aorm.sql.elements import BindParameter, ClauseElement, ColumnElement
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
        in VALUES order. Consecutive rows that set the same columns share a
        batch; Python-side column defaults fill the columns a row leaves out
        (callables called once per row). Values set by the statement's own
        ``.values()`` apply to every row unless the row sets the column.
        """
        if not isinstance(statement, Insert):
            raise ArgumentError(f"compile_insert_batches() takes an INSERT, not {statement!r}")
        if statement._multi_values or statement._from_select is not None:
            raise ArgumentError(
                "an INSERT with values([...]) or from_select() cannot take rows as well"
            )
        if max_params < 1:
            raise ArgumentError(f"max_params must be positive, not {max_params}")
        base = {c: v for c, v in (statement._values or ())}
        group: list[list[Any]] = []
        group_key: tuple[int, ...] | None = None
        group_columns: list[Column] = []
        # The statement without its values: its literals are those it carries
        # beside the rows (ON CONFLICT … SET values), sent with every batch.
        stripped = statement._generate()
        stripped._values = None
        stripped._for_rows = True
        _, extra_literals = stripped._cache_key()
        per_batch_budget = max_params - len(extra_literals)
        for row in rows:
            columns, values = self._row_values(statement, base, row)
            key = tuple(id(c) for c in columns)
            if key != group_key or (columns and (len(group) + 1) * len(columns) > per_batch_budget):
                if group:
                    yield self._batch(stripped, group_columns, group, extra_literals)
                group, group_key, group_columns = [], key, columns
            group.append(values)
            if not columns:
                yield self._batch(stripped, group_columns, group, extra_literals)
                group, group_key = [], None
        if group:
            yield self._batch(stripped, group_columns, group, extra_literals)

    def _row_values(
        self, statement: Insert, base: Mapping[Column, ColumnElement], row: Mapping[str, Any]
    ) -> tuple[list[Column], list[Any]]:
        table = statement.table
        given: dict[Column, Any] = {}
        for key, value in row.items():
            column = table.c.get(key)
            if column is None:
                column = next((c for c in table.c if c.name == key), None)
            if column is None:
                raise ArgumentError(f"table {table.name!r} has no column {key!r}")
            if isinstance(value, ClauseElement) or hasattr(value, "__clause_element__"):
                raise ArgumentError(
                    f"row value for {table.name}.{column.name} is a SQL expression; "
                    "put SQL expressions in .values()"
                )
            given[column] = value
        for column, element in base.items():
            if column not in given:
                if not isinstance(element, BindParameter) or element.callable_ is not None:
                    raise ArgumentError(
                        f"{table.name}.{column.name}: only plain values in .values() combine "
                        "with rows"
                    )
                given[column] = element.value
        for column in statement.default_columns(given):
            default = column.default
            if isinstance(default, ClauseElement) or hasattr(default, "__clause_element__"):
                raise CompileError(
                    f"{table.name}.{column.name}: SQL expression defaults cannot be used "
                    "with rows; give the value in each row"
                )
            given[column] = default() if callable(default) else default
        columns = [c for c in table.c if c in given]
        return columns, [given[c] for c in columns]

    def _batch(
        self,
        statement: Insert,
        columns: list[Column],
        rows: list[list[Any]],
        extra_literals: Sequence[Any],
    ) -> tuple[Compiled, list[Any]]:
        compiled = self._batch_template(statement, columns, len(rows))
        flat: list[Any] = [value for row in rows for value in row]
        flat.extend(extra_literals)
        return compiled, compiled.bind(flat, None)

    def _batch_template(self, statement: Insert, columns: list[Column], nrows: int) -> Compiled:
        shape, binds, _ = statement._key_parts()
        cache_key = (shape, tuple(id(c) for c in columns), nrows)
        cached = self._batch_cache.get(cache_key)
        if cached is not None:
            self._batch_cache.move_to_end(cache_key)
            return cached
        width = len(columns)
        offset = nrows * width
        # Literal positions: the row values first, then the statement's own values.
        bind_index = {id(b): offset + i for i, b in enumerate(binds)}
        self._state = CompileState(bind_index)
        try:
            processors = [self._column_processor(c) for c in columns]
            slots = self.state.slots
            if not columns:
                values_sql = self.default_values_sql(statement.table, nrows)
            else:
                names = ", ".join(self.quote(c.name or "") for c in columns)
                row_sql = []
                for r in range(nrows):
                    markers = []
                    for i in range(width):
                        slots.append(BindSlot(None, r * width + i, processors[i]))
                        markers.append(f"\x00{len(slots) - 1}\x00")
                    row_sql.append("(" + ", ".join(markers) + ")")
                values_sql = f" ({names}) VALUES " + ", ".join(row_sql)
            sql = f"INSERT INTO {self.table_sql(statement.table)}{values_sql}"
            if statement._on_conflict is not None:
                sql += self.on_conflict_sql(statement, statement._on_conflict)
            sql += self.returning_sql(statement._returning)
            compiled = self.finish(
                self.with_prefix() + sql,
                **self.returning_info(statement._returning),
                returns_rows=bool(statement._returning),
                is_write=True,
            )
        finally:
            self._state = None
        self._batch_cache[cache_key] = compiled
        if len(self._batch_cache) > _BATCH_CACHE_SIZE:
            self._batch_cache.popitem(last=False)
        return compiled

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
