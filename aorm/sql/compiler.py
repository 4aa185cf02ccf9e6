"""The base SQL compiler; each dialect subclasses it for its flavour."""

from __future__ import annotations

from typing import Any

from aorm.exc import CompileError
from aorm.sql.compiled import BindSlot, Compiled, DialectInfo
from aorm.sql.text import TextClause

__all__ = ["SQLCompiler"]

# Leading keywords of statements that write (and so take SQLite's write lock).
_WRITE_VERBS = frozenset(
    {"insert", "update", "delete", "replace", "create", "drop", "alter", "upsert"}
)


class SQLCompiler:
    """Turns a statement into :class:`Compiled` SQL for one dialect."""

    def __init__(self, dialect: DialectInfo) -> None:
        self.dialect = dialect

    def compile(self, statement: Any) -> Compiled:
        """Compile *statement*; raises :class:`~aorm.exc.CompileError` for unknown kinds."""
        if isinstance(statement, TextClause):
            return self.compile_text(statement)
        raise CompileError(f"cannot compile {type(statement).__name__!s} objects")

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
