"""Fake dialects and helpers for compile tests (no IO)."""

from __future__ import annotations

from typing import Any

from aorm.dialects._postgresql_compiler import PGCompiler
from aorm.dialects._sqlite_compiler import SQLiteCompiler
from aorm.sql.compiled import Compiled


class FakeSQLite:
    """The DialectInfo of SQLite: ``?`` placeholders, double-quoted identifiers."""

    name = "sqlite"

    def placeholder(self, position: int) -> str:
        return "?"

    def quote_identifier(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'


class FakePostgreSQL(FakeSQLite):
    """The DialectInfo of PostgreSQL: ``$n`` placeholders."""

    name = "postgresql"

    def placeholder(self, position: int) -> str:
        return f"${position}"


def sqlite_compile(statement: Any) -> Compiled:
    """*statement* compiled by the SQLite compiler."""
    return SQLiteCompiler(FakeSQLite()).compile(statement)


def pg_compile(statement: Any) -> Compiled:
    """*statement* compiled by the PostgreSQL compiler."""
    return PGCompiler(FakePostgreSQL()).compile(statement)


def sql_both(statement: Any) -> tuple[str, str]:
    """The SQL of *statement* on (SQLite, PostgreSQL)."""
    return sqlite_compile(statement).sql, pg_compile(statement).sql


def args(compiled: Compiled, statement: Any, params: dict[str, Any] | None = None) -> list[Any]:
    """The driver arguments *compiled* gets for *statement*'s own values."""
    _, literals = statement._cache_key()
    return compiled.bind(literals, params)


def qmarks_to_dollars(sql: str) -> str:
    """The SQLite form of a statement turned into the PostgreSQL form (``?`` -> ``$n``)."""
    out: list[str] = []
    n = 0
    for char in sql:
        if char == "?":
            n += 1
            out.append(f"${n}")
        else:
            out.append(char)
    return "".join(out)
