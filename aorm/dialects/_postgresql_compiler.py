"""PostgreSQL's SQL flavour."""

from __future__ import annotations

from aorm.sql.compiler import SQLCompiler

__all__ = ["PGCompiler"]


class PGCompiler(SQLCompiler):
    """Compiles statements for PostgreSQL (``$n`` placeholders)."""
