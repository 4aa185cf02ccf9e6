"""SQLite's SQL flavour."""

from __future__ import annotations

from aorm.sql.compiler import SQLCompiler

__all__ = ["SQLiteCompiler"]


class SQLiteCompiler(SQLCompiler):
    """Compiles statements for SQLite (``?`` placeholders)."""
