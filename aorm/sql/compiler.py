"""The base SQL compiler; each dialect subclasses it for its flavour.

``SQLCompiler(dialect).compile(statement)`` turns any statement (``text()``,
SELECT, INSERT, UPDATE, DELETE, DDL) into :class:`~aorm.sql.compiled.Compiled`
SQL. The dialect compilers (``aorm/dialects/_sqlite_compiler.py``,
``_postgresql_compiler.py``) override the hooks where the SQL differs.
"""

from __future__ import annotations

from typing import Any

from aorm.exc import CompileError
from aorm.sql.compiled import BindSlot, Compiled, DialectInfo
from aorm.sql.compiler_base import CompileState
from aorm.sql.ddl import DDLElement
from aorm.sql.ddl_compiler import DDLCompiler
from aorm.sql.dml import DMLStatement, Insert
from aorm.sql.elements import ColumnElement
from aorm.sql.select_base import CompoundSelect, SelectBase
from aorm.sql.statement import Executable
from aorm.sql.text import TextClause

__all__ = ["SQLCompiler"]

# Leading keywords of statements that write (and so take SQLite's write lock).
_WRITE_VERBS = frozenset(
    {"insert", "update", "delete", "replace", "create", "drop", "alter", "upsert"}
)


class SQLCompiler(DDLCompiler):
    """Turns a statement into :class:`Compiled` SQL for one dialect."""

    def __init__(self, dialect: DialectInfo) -> None:
        super().__init__(dialect)

    def compile(self, statement: Any) -> Compiled:
        """Compile *statement*; raises :class:`~aorm.exc.CompileError` for unknown kinds."""
        if isinstance(statement, TextClause):
            return self.compile_text(statement)
        if isinstance(statement, DDLElement):
            return self._compile_ddl(statement)
        if isinstance(statement, Executable):
            return self._compile_statement(statement)
        raise CompileError(f"cannot compile {type(statement).__name__!s} objects")

    def _compile_statement(self, statement: Executable) -> Compiled:
        _, binds, _ = statement._key_parts()
        previous = self._state
        self._state = CompileState({id(b): i for i, b in enumerate(binds)})
        try:
            body = self.process(statement)
            sql = self.with_prefix() + body
            if isinstance(statement, SelectBase):
                info = self.select_result_info(statement)
                return self.finish(sql, **info, **self.select_flags(statement))
            if isinstance(statement, DMLStatement):
                returning = statement._returning
                return self.finish(
                    sql,
                    **self.returning_info(returning),
                    returns_rows=bool(returning),
                    is_write=True,
                    params_as_rows=isinstance(statement, Insert) and statement.takes_rows,
                )
            raise CompileError(f"cannot compile {type(statement).__name__} objects")
        finally:
            self._state = previous

    def select_result_info(self, select: SelectBase) -> dict[str, Any]:
        """``result_keys`` / ``result_processors`` of a SELECT's result columns."""
        first: Any = select
        while isinstance(first, CompoundSelect):  # the first member names the columns
            first = first.selects[0]
        columns = first._columns
        if not all(isinstance(c, ColumnElement) for c in columns):
            return {}
        exported = select._exported_columns()
        return {
            "result_keys": tuple(k for k, _ in exported),
            "result_processors": tuple(self.result_processor(c) for _, c in exported),
        }

    def select_flags(self, select: SelectBase) -> dict[str, Any]:
        """``returns_rows`` / ``is_write`` of a SELECT (dialects may mark locking reads)."""
        return {"returns_rows": True, "is_write": False}

    def _compile_ddl(self, statement: DDLElement) -> Compiled:
        previous = self._state
        self._state = CompileState({}, literal_binds=True)
        try:
            sql = self.process(statement)
            return self.finish(sql, returns_rows=False, is_write=True)
        finally:
            self._state = previous

    def compile_text(self, clause: TextClause) -> Compiled:
        """Compile a ``text()`` clause: each ``:name`` becomes a positional placeholder."""
        parts: list[str] = []
        slots: list[BindSlot] = []
        for i, piece in enumerate(clause._pieces):
            if i % 2 == 0:
                parts.append(piece)
            else:
                slots.append(BindSlot(piece))
                parts.append(self.dialect.placeholder(len(slots)))
        sql = "".join(parts)
        verb = sql.lstrip().split(None, 1)[0].lower() if sql.strip() else ""
        is_write = verb in _WRITE_VERBS or (verb == "with" and _mentions_write(sql))
        returns_rows = not is_write or " returning " in f" {sql.lower()} "
        return Compiled(sql=sql, slots=tuple(slots), returns_rows=returns_rows, is_write=is_write)


def _mentions_write(sql: str) -> bool:
    lowered = f" {sql.lower()} "
    return any(f" {verb} " in lowered for verb in ("insert", "update", "delete"))
