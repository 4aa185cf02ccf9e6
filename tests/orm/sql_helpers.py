"""Compiling expressions built from mapped attributes, to check their SQL (no IO)."""

from __future__ import annotations

from typing import Any

from aorm.dialects._postgresql_compiler import PGCompiler
from aorm.dialects._sqlite_compiler import SQLiteCompiler
from aorm.sql.compiled import Compiled
from aorm.sql.elements import ColumnElement
from aorm.sql.expressions import literal_column
from aorm.sql.select import select


class SQLiteInfo:
    """The DialectInfo of SQLite: ``?`` placeholders, double-quoted identifiers."""

    name = "sqlite"

    def placeholder(self, position: int) -> str:
        return "?"

    def quote_identifier(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'


class PostgreSQLInfo(SQLiteInfo):
    """The DialectInfo of PostgreSQL: ``$n`` placeholders."""

    name = "postgresql"

    def placeholder(self, position: int) -> str:
        return f"${position}"


def compile_sqlite(statement: Any) -> Compiled:
    """*statement* compiled for SQLite."""
    return SQLiteCompiler(SQLiteInfo()).compile(statement)


def compile_postgresql(statement: Any) -> Compiled:
    """*statement* compiled for PostgreSQL."""
    return PGCompiler(PostgreSQLInfo()).compile(statement)


def sql_of(criterion: ColumnElement) -> str:
    """The SQLite SQL of a boolean expression (as it appears after WHERE)."""
    sql = compile_sqlite(select(literal_column("1")).where(criterion)).sql
    return sql.split(" WHERE ", 1)[1]


def order_sql(expression: ColumnElement) -> str:
    """The SQLite SQL of an ORDER BY expression."""
    sql = compile_sqlite(select(literal_column("1")).order_by(expression)).sql
    return sql.split(" ORDER BY ", 1)[1]
