from __future__ import annotations

from aorm.sql.compiler import SQLCompiler
from aorm.sql.text import text


class _Qmark:
    name = "sqlite"

    def placeholder(self, position: int) -> str:
        return "?"

    def quote_identifier(self, name: str) -> str:
        return f'"{name}"'


class _Dollar(_Qmark):
    name = "postgresql"

    def placeholder(self, position: int) -> str:
        return f"${position}"


def test_named_parameters_become_positional_placeholders() -> None:
    clause = text("SELECT * FROM t WHERE a = :a AND b = :b AND c = :a")
    compiled = SQLCompiler(_Dollar()).compile(clause)
    assert compiled.sql == "SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3"
    assert compiled.bind((), {"a": 1, "b": 2}) == [1, 2, 1]
    assert SQLCompiler(_Qmark()).compile(clause).sql == (
        "SELECT * FROM t WHERE a = ? AND b = ? AND c = ?"
    )


def test_quotes_casts_and_escaped_colons_are_not_parameters() -> None:
    clause = text("SELECT ':x', \":y\", 1::int, '10\\:30', a\\:b FROM t WHERE z = :z")
    compiled = SQLCompiler(_Dollar()).compile(clause)
    assert compiled.sql == "SELECT ':x', \":y\", 1::int, '10\\:30', a:b FROM t WHERE z = $1"
    assert clause.param_names == ("z",)


def test_write_statements_are_marked() -> None:
    compiler = SQLCompiler(_Qmark())
    assert compiler.compile(text("INSERT INTO t VALUES (1)")).is_write
    assert not compiler.compile(text("INSERT INTO t VALUES (1)")).returns_rows
    assert compiler.compile(text("insert into t values (1) returning id")).returns_rows
    assert not compiler.compile(text("SELECT 1")).is_write
