from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest

from aorm.dialects._sqlite_compiler import json_array
from aorm.exc import ArgumentError, DataError
from aorm.sql import ColumnElement, bindparam, func, select, tuple_
from tests.sql.compile_helpers import args, pg_compile, qmarks_to_dollars, sql_both, sqlite_compile
from tests.sql.conftest import Schema

N = '"users"."name"'
ID = '"users"."id"'


def where_sql(schema: Schema, criterion: ColumnElement) -> tuple[str, str]:
    """The WHERE clause text of ``SELECT users.id FROM users WHERE criterion``."""
    stmt = select(schema.users.c.id).where(criterion)
    prefix = 'SELECT "users"."id" FROM "users" WHERE '
    sqlite_sql, pg_sql = sql_both(stmt)
    assert sqlite_sql.startswith(prefix)
    assert pg_sql.startswith(prefix)
    return sqlite_sql[len(prefix) :], pg_sql[len(prefix) :]


CASES: list[tuple[str, Callable[[Any], ColumnElement], str]] = [
    ("eq", lambda u: u.c.name == "a", f"{N} = ?"),
    ("ne", lambda u: u.c.name != "a", f"{N} <> ?"),
    ("lt", lambda u: u.c.id < 1, f"{ID} < ?"),
    ("le", lambda u: u.c.id <= 1, f"{ID} <= ?"),
    ("gt", lambda u: u.c.id > 1, f"{ID} > ?"),
    ("ge", lambda u: u.c.id >= 1, f"{ID} >= ?"),
    ("reversed", lambda u: u.c.id > 5, f"{ID} > ?"),
    ("eq_none", lambda u: u.c.name == None, f"{N} IS NULL"),  # noqa: E711
    ("ne_none", lambda u: u.c.name != None, f"{N} IS NOT NULL"),  # noqa: E711
    ("is_", lambda u: u.c.name.is_(None), f"{N} IS NULL"),
    ("is_not", lambda u: u.c.name.is_not(None), f"{N} IS NOT NULL"),
    ("add", lambda u: u.c.id + 1 == 2, f"{ID} + ? = ?"),
    ("radd", lambda u: 1 + u.c.id == 2, f"? + {ID} = ?"),
    ("sub", lambda u: u.c.id - 1 == 2, f"{ID} - ? = ?"),
    ("rsub", lambda u: 10 - u.c.id == 2, f"? - {ID} = ?"),
    ("mul", lambda u: u.c.id * 3 == 6, f"{ID} * ? = ?"),
    ("rmul", lambda u: 3 * u.c.id == 6, f"? * {ID} = ?"),
    ("div", lambda u: u.c.id / 2 == 1, f"{ID} / ? = ?"),
    ("rdiv", lambda u: 8 / u.c.id == 1, f"? / {ID} = ?"),
    ("mod", lambda u: u.c.id % 2 == 1, f"{ID} % ? = ?"),
    ("rmod", lambda u: 7 % u.c.id == 1, f"? % {ID} = ?"),
    ("neg", lambda u: -u.c.id == -1, f"-{ID} = ?"),
    ("neg_binary", lambda u: -(u.c.id + 1) == -1, f"-({ID} + ?) = ?"),
    ("concat", lambda u: u.c.name + "x" == "ax", f"({N} || ?) = ?"),
    ("rconcat", lambda u: "x" + u.c.name == "xa", f"(? || {N}) = ?"),
    ("invert", lambda u: ~(u.c.id == 1), f"NOT ({ID} = ?)"),
    ("and", lambda u: (u.c.id == 1) & (u.c.name == "a"), f"{ID} = ? AND {N} = ?"),
    ("or", lambda u: (u.c.id == 1) | (u.c.name == "a"), f"{ID} = ? OR {N} = ?"),
    ("between", lambda u: u.c.id.between(1, 5), f"{ID} BETWEEN ? AND ?"),
    ("like", lambda u: u.c.name.like("a%"), f"{N} LIKE ?"),
    ("like_escape", lambda u: u.c.name.like("a!%%", escape="!"), f"{N} LIKE ? ESCAPE '!'"),
    ("not_like", lambda u: u.c.name.not_like("a%"), f"{N} NOT LIKE ?"),
    ("notlike", lambda u: u.c.name.notlike("a%"), f"{N} NOT LIKE ?"),
    ("contains", lambda u: u.c.name.contains("a"), f"{N} LIKE ? ESCAPE '/'"),
    ("startswith", lambda u: u.c.name.startswith("a"), f"{N} LIKE ? ESCAPE '/'"),
    ("endswith", lambda u: u.c.name.endswith("a"), f"{N} LIKE ? ESCAPE '/'"),
    (
        "contains_column",
        lambda u: u.c.name.contains(u.c.bio),
        f'{N} LIKE (? || "users"."bio" || ?)',
    ),
]


@pytest.mark.parametrize(("name", "build", "expected"), CASES, ids=[c[0] for c in CASES])
def test_operator_renders_the_same_on_both_backends(
    schema: Schema, name: str, build: Callable[[Any], ColumnElement], expected: str
) -> None:
    assert where_sql(schema, build(schema.users)) == (expected, qmarks_to_dollars(expected))


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ("50%", "%50/%%"),
        ("a_b", "%a/_b%"),
        ("x/y", "%x//y%"),
        ("it's", "%it's%"),
        ("\\", "%\\%"),
    ],
)
def test_contains_escapes_wildcards_and_the_escape_character(
    schema: Schema, value: str, pattern: str
) -> None:
    stmt = select(schema.users.c.id).where(schema.users.c.name.contains(value))
    assert args(sqlite_compile(stmt), stmt) == [pattern]


def test_startswith_and_endswith_patterns(schema: Schema) -> None:
    name = schema.users.c.name
    stmt = select(name).where(name.startswith("a%"), name.endswith("_z"))
    assert args(pg_compile(stmt), stmt) == ["a/%%", "%/_z"]


def test_ilike_is_portable(schema: Schema) -> None:
    criterion = schema.users.c.name.ilike("%Ab%")
    assert where_sql(schema, criterion) == (f"lower({N}) LIKE lower(?)", f"{N} ILIKE $1")
    negated = schema.users.c.name.not_ilike("%Ab%")
    assert where_sql(schema, negated) == (f"lower({N}) NOT LIKE lower(?)", f"{N} NOT ILIKE $1")


def test_in_list_is_one_parameter_whatever_its_length(schema: Schema) -> None:
    users = schema.users
    assert where_sql(schema, users.c.id.in_([1, 2, 3])) == (
        f"{ID} IN (SELECT value FROM json_each(?))",
        f"{ID} = ANY($1)",
    )
    assert where_sql(schema, users.c.id.not_in([1, 2, 3])) == (
        f"{ID} NOT IN (SELECT value FROM json_each(?))",
        f"NOT ({ID} = ANY($1))",
    )
    short = select(users.c.id).where(users.c.id.in_([1]))
    long = select(users.c.id).where(users.c.id.in_(range(100_000)))
    assert short._cache_key()[0] == long._cache_key()[0]
    assert args(sqlite_compile(short), short) == ["[1]"]
    assert args(pg_compile(long), long)[0][-1] == 99_999


@pytest.mark.parametrize("count", [0, 1, 999, 1000, 1001, 2500])
def test_long_in_lists_encode_as_one_json_array(schema: Schema, count: int) -> None:
    values: list[Any] = [i * 7 - 3 for i in range(count)]
    # Every kind of JSON value, and text the encoder escapes, across chunk edges.
    for position, odd in zip(
        range(0, count, 333), [None, 1.5, float("nan"), 'é"\n', True, -0.0, 10**20], strict=False
    ):
        values[position] = odd
    assert json_array(values) == json.dumps(values, separators=(",", ":"))
    keys = list(range(count))
    long = select(schema.users.c.id).where(schema.users.c.id.in_(keys))
    assert args(sqlite_compile(long), long) == [json.dumps(keys, separators=(",", ":"))]


def test_in_list_values_are_processed_by_the_column_type(schema: Schema) -> None:
    created = schema.users.c.created
    when = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    stmt = select(schema.users.c.id).where(created.in_([when, None]))
    assert args(sqlite_compile(stmt), stmt) == ['["2024-01-02 03:04:05.000000+00:00",null]']
    assert args(pg_compile(stmt), stmt) == [[when, None]]
    bad = select(schema.users.c.id).where(schema.users.c.id.in_([1, "two"]))
    with pytest.raises(DataError, match=r"users\.id"):
        args(pg_compile(bad), bad)
    with pytest.raises(DataError, match=r"users\.id"):
        args(sqlite_compile(bad), bad)


def test_empty_in_list_is_valid(schema: Schema) -> None:
    stmt = select(schema.users.c.id).where(schema.users.c.id.in_([]))
    assert args(sqlite_compile(stmt), stmt) == ["[]"]
    assert args(pg_compile(stmt), stmt) == [[]]


def test_in_on_a_binary_column_compares_hex_on_sqlite(schema: Schema) -> None:
    avatar = schema.users.c.avatar
    assert where_sql(schema, avatar.in_([b"\x00\xff"])) == (
        '(CASE WHEN "users"."avatar" IS NOT NULL THEN hex("users"."avatar") END) '
        "IN (SELECT value FROM json_each(?))",
        '"users"."avatar" = ANY($1)',
    )
    stmt = select(schema.users.c.id).where(avatar.in_([b"\x00\xff", None]))
    assert args(sqlite_compile(stmt), stmt) == ['["00FF", null]']


def test_in_with_a_named_parameter(schema: Schema) -> None:
    stmt = select(schema.users.c.id).where(schema.users.c.id.in_(bindparam("ids")))
    assert args(pg_compile(stmt), stmt, {"ids": (1, 2)}) == [[1, 2]]
    assert args(sqlite_compile(stmt), stmt, {"ids": [1, 2]}) == ["[1,2]"]


def test_in_with_expressions_writes_them_out(schema: Schema) -> None:
    users = schema.users
    assert where_sql(schema, users.c.id.in_([users.c.id, 5])) == (
        f"{ID} IN ({ID}, ?)",
        f"{ID} IN ({ID}, $1)",
    )


def test_tuple_in(schema: Schema) -> None:
    users = schema.users
    criterion = tuple_(users.c.id, users.c.name).in_([(1, "a"), (2, "b")])
    expected = f"({ID}, {N}) IN ((?, ?), (?, ?))"
    assert where_sql(schema, criterion) == (expected, qmarks_to_dollars(expected))
    with pytest.raises(ArgumentError, match="has 1 values, not 2"):
        tuple_(users.c.id, users.c.name).in_([(1,)])


def test_in_rejects_strings(schema: Schema) -> None:
    with pytest.raises(ArgumentError, match="list of values or a subquery"):
        schema.users.c.name.in_("abc")


def test_order_by_modifiers(schema: Schema) -> None:
    users = schema.users
    stmt = select(users.c.id).order_by(
        users.c.name.asc().nulls_first(), users.c.id.desc().nulls_last()
    )
    expected = f'SELECT {ID} FROM "users" ORDER BY {N} ASC NULLS FIRST, {ID} DESC NULLS LAST'
    assert sql_both(stmt) == (expected, expected)


def test_values_are_typed_by_the_column_they_meet(schema: Schema) -> None:
    users = schema.users
    stmt = select(users.c.id).where(users.c.id == "seven")
    with pytest.raises(DataError, match=r"users\.id"):
        args(sqlite_compile(stmt), stmt)
    # Arithmetic with a value of another type keeps the value's type.
    scaled = select(users.c.id * 1.5)
    assert args(pg_compile(scaled), scaled) == [1.5]
    assert pg_compile(select(func.lower(users.c.name) == "x")).sql == (
        'SELECT lower("users"."name") = $1 FROM "users"'
    )
