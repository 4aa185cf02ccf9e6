"""``UPDATE … FROM`` / ``DELETE … USING`` arrays: many rows of one table in one statement.

The unit of work changes or deletes many rows of a table the same way (the
same columns set, rows found by their key and version). Sent as an
executemany, that is one statement per row, and asyncpg cannot count the
rows an executemany matched. :class:`UpdateFromArrays` and
:class:`DeleteFromArrays` send them as one statement taking one array
parameter per column instead (on PostgreSQL)::

    UPDATE t SET name = v.c0 FROM unnest($1::TEXT[], $2::INTEGER[]) AS v(c0, c1)
    WHERE t.id = v.c1
    DELETE FROM t USING unnest($1::INTEGER[], $2::INTEGER[]) AS v(c0, c1)
    WHERE t.id = v.c0 AND t.version = v.c1

so the rows go in one round trip and the statement's row count says how
many matched. The parameters, given at execution, are named: one list per
column, all of the same length (one element per row).

A dialect whose compiler cannot write them (see
``SQLCompiler.can_use_arrays``) raises :class:`~aorm.exc.CompileError`;
callers check first and fall back to an executemany.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from aorm.exc import ArgumentError
from aorm.sql.cache_key import KeyContext
from aorm.sql.dml import DMLStatement
from aorm.sql.schema import Column, Table

__all__ = ["DeleteFromArrays", "UpdateFromArrays"]


class UpdateFromArrays(DMLStatement):
    """``UPDATE table SET col = array values … WHERE key columns = array values``.

    *set_columns* and *match_columns* pair a parameter name with a column
    of *table*: the columns set from their arrays, and the columns that
    must equal theirs for a row to be changed (its key, and version).
    """

    __visit_name__ = "update_from_arrays"

    def __init__(
        self,
        table: Table,
        set_columns: Sequence[tuple[str, Column]],
        match_columns: Sequence[tuple[str, Column]],
    ) -> None:
        super().__init__(table)
        if not set_columns or not match_columns:
            raise ArgumentError(
                f"UPDATE of {table.name!r} from arrays needs columns to set and to match"
            )
        _check_columns(table, [*set_columns, *match_columns])
        self.set_columns: tuple[tuple[str, Column], ...] = tuple(set_columns)
        self.match_columns: tuple[tuple[str, Column], ...] = tuple(match_columns)

    @property
    def columns(self) -> tuple[Column, ...]:
        """Every column an array is sent for: the set ones, then the matched ones."""
        return tuple(column for _, column in (*self.set_columns, *self.match_columns))

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return (
            "update_from_arrays",
            self.table,
            tuple([(name, c._gen_key(ctx)) for name, c in self.set_columns]),
            tuple([(name, c._gen_key(ctx)) for name, c in self.match_columns]),
            self._returning_key(ctx),
        )


class DeleteFromArrays(DMLStatement):
    """``DELETE FROM table WHERE match columns = array values`` (one row per element).

    *match_columns* pair a parameter name with a column of *table*: a row
    is deleted when every column equals its array's element at one position.
    """

    __visit_name__ = "delete_from_arrays"

    def __init__(self, table: Table, match_columns: Sequence[tuple[str, Column]]) -> None:
        super().__init__(table)
        if not match_columns:
            raise ArgumentError(f"DELETE from {table.name!r} by arrays needs columns to match")
        _check_columns(table, match_columns)
        self.match_columns: tuple[tuple[str, Column], ...] = tuple(match_columns)

    @property
    def columns(self) -> tuple[Column, ...]:
        """Every column an array is sent for."""
        return tuple(column for _, column in self.match_columns)

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return (
            "delete_from_arrays",
            self.table,
            tuple([(name, c._gen_key(ctx)) for name, c in self.match_columns]),
            self._returning_key(ctx),
        )


def _check_columns(table: Table, pairs: Sequence[tuple[str, Column]]) -> None:
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise ArgumentError(f"a statement on {table.name!r} from arrays repeats a parameter name")
    for _, column in pairs:
        if column.table is not table:
            raise ArgumentError(f"{column!r} is not a column of {table.name!r}")
