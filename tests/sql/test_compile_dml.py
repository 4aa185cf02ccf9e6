from __future__ import annotations

import itertools

import pytest

from aorm.dialects._postgresql_compiler import PGCompiler
from aorm.dialects._sqlite_compiler import SQLiteCompiler
from aorm.exc import ArgumentError, CompileError, DataError
from aorm.sql import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from aorm.sql.compiled import BindSlot
from tests.sql.compile_helpers import (
    FakePostgreSQL,
    FakeSQLite,
    args,
    pg_compile,
    qmarks_to_dollars,
    sql_both,
    sqlite_compile,
)
from tests.sql.conftest import Schema

A = '"addresses"'


def both(statement: object, sqlite_sql: str) -> None:
    assert sql_both(statement) == (sqlite_sql, qmarks_to_dollars(sqlite_sql))


def test_insert_single_row_with_returning(schema: Schema) -> None:
    addresses = schema.addresses
    stmt = insert(addresses).values(user_id=1, email="a@x.org").returning(addresses.c.id)
    both(stmt, f'INSERT INTO {A} ("user_id", "email") VALUES (?, ?) RETURNING {A}."id"')
    compiled = pg_compile(stmt)
    assert compiled.is_write
    assert compiled.returns_rows
    assert compiled.result_keys == ("id",)
    assert args(compiled, stmt) == [1, "a@x.org"]


def test_insert_without_values_is_default_values(schema: Schema) -> None:
    metadata = MetaData()
    table = Table("t", metadata, Column("id", Integer, primary_key=True))
    both(insert(table), 'INSERT INTO "t" DEFAULT VALUES')
    plain = pg_compile(insert(table))
    assert plain.is_write
    assert not plain.returns_rows
    assert plain.bind([], None) == []
    # Parameters would be rows: they need compile_insert_batches, not this SQL.
    with pytest.raises(ArgumentError, match="are its rows"):
        plain.bind([], {"id": 1})


def test_insert_many_rows_via_values(schema: Schema) -> None:
    addresses = schema.addresses
    stmt = insert(addresses).values([{"user_id": 1, "email": "a"}, {"user_id": 2, "email": "b"}])
    both(stmt, f'INSERT INTO {A} ("user_id", "email") VALUES (?, ?), (?, ?)')
    assert args(sqlite_compile(stmt), stmt) == [1, "a", 2, "b"]
    with pytest.raises(ArgumentError, match="must set the same columns"):
        insert(addresses).values([{"user_id": 1}, {"email": "b"}])


def test_insert_values_by_column_object_and_sql_expression(schema: Schema) -> None:
    addresses = schema.addresses
    stmt = insert(addresses).values({addresses.c.email: func.lower("A@X.ORG"), "user_id": 3})
    sqlite_sql, pg_sql = sql_both(stmt)
    assert sqlite_sql == f'INSERT INTO {A} ("email", "user_id") VALUES (lower(?), ?)'
    assert pg_sql == f'INSERT INTO {A} ("email", "user_id") VALUES (lower($1::TEXT), $2)'
    with pytest.raises(ArgumentError, match="table 'addresses' has no column 'nope'"):
        insert(addresses).values(nope=1)


def test_insert_from_select(schema: Schema) -> None:
    users, addresses = schema.users, schema.addresses
    stmt = insert(addresses).from_select(
        ["user_id", "email"], select(users.c.id, users.c.name).where(users.c.id > 1)
    )
    both(
        stmt,
        f'INSERT INTO {A} ("user_id", "email") SELECT "users"."id", "users"."name" '
        'FROM "users" WHERE "users"."id" > ?',
    )


def test_python_defaults_fill_missing_columns_each_execution() -> None:
    counter = itertools.count(1)
    table = Table(
        "t",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("n", Integer, default=lambda: next(counter)),
        Column("label", String(10), default="none"),
    )
    stmt = insert(table).values(id=5)
    both(stmt, 'INSERT INTO "t" ("id", "n", "label") VALUES (?, ?, ?)')
    assert stmt._cache_key()[1] == [5, 1, "none"]
    assert stmt._cache_key()[1] == [5, 2, "none"]
    given = insert(table).values(id=5, n=0, label="x")
    assert given._cache_key()[1] == [5, 0, "x"]


def test_update_with_where_and_returning(schema: Schema) -> None:
    users = schema.users
    stmt = (
        update(users)
        .where(users.c.id == 7)
        .values(name="new", bio=users.c.bio + "!")
        .returning(users.c.id, users.c.name)
    )
    both(
        stmt,
        'UPDATE "users" SET "name" = ?, "bio" = "users"."bio" || ? WHERE "users"."id" = ? '
        'RETURNING "users"."id", "users"."name"',
    )
    assert args(sqlite_compile(stmt), stmt) == ["new", "!", 7]


def test_update_applies_onupdate_when_the_column_is_not_set() -> None:
    stamps = iter([1, 2])
    table = Table(
        "t",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String(10)),
        Column("version", Integer, onupdate=lambda: next(stamps)),
    )
    stmt = update(table).where(table.c.id == 1).values(name="a")
    both(stmt, 'UPDATE "t" SET "name" = ?, "version" = ? WHERE "t"."id" = ?')
    assert stmt._cache_key()[1] == ["a", 1, 1]
    explicit = update(table).values(version=9)
    both(explicit, 'UPDATE "t" SET "version" = ?')


def test_update_for_executemany_with_named_parameters(schema: Schema) -> None:
    users = schema.users
    stmt = (
        update(users)
        .where(users.c.id == bindparam("pk"))
        .values(name=bindparam("new_name"), created=bindparam("ts"))
    )
    compiled = sqlite_compile(stmt)
    assert compiled.sql == ('UPDATE "users" SET "name" = ?, "created" = ? WHERE "users"."id" = ?')
    with pytest.raises(DataError, match=r"users\.id"):
        args(compiled, stmt, {"pk": "x", "new_name": "n", "ts": None})
    with pytest.raises(ArgumentError, match="missing value for bind parameter 'pk'"):
        args(compiled, stmt, {"new_name": "n", "ts": None})


def test_update_without_values_is_a_compile_error(schema: Schema) -> None:
    with pytest.raises(CompileError, match="UPDATE of 'users' has no values"):
        sqlite_compile(update(schema.users).where(schema.users.c.id == 1))


def test_update_from_another_table(schema: Schema) -> None:
    users, addresses = schema.users, schema.addresses
    stmt = (
        update(addresses)
        .values(email=users.c.name)
        .where(addresses.c.user_id == users.c.id, users.c.id == 1)
    )
    both(
        stmt,
        f'UPDATE {A} SET "email" = "users"."name" FROM "users" '
        f'WHERE {A}."user_id" = "users"."id" AND "users"."id" = ?',
    )


def test_delete_with_where_and_returning(schema: Schema) -> None:
    addresses = schema.addresses
    stmt = delete(addresses).where(addresses.c.email.in_(["a", "b"])).returning(addresses.c.id)
    sqlite_sql, pg_sql = sql_both(stmt)
    assert sqlite_sql == (
        f'DELETE FROM {A} WHERE {A}."email" IN (SELECT value FROM json_each(?)) RETURNING {A}."id"'
    )
    assert pg_sql == f'DELETE FROM {A} WHERE {A}."email" = ANY($1) RETURNING {A}."id"'


def test_delete_using_another_table(schema: Schema) -> None:
    users, addresses = schema.users, schema.addresses
    stmt = delete(addresses).where(addresses.c.user_id == users.c.id, users.c.name == "x")
    assert pg_compile(stmt).sql == (
        f'DELETE FROM {A} USING "users" WHERE {A}."user_id" = "users"."id" AND "users"."name" = $1'
    )
    with pytest.raises(CompileError, match="SQLite has no DELETE … USING"):
        sqlite_compile(stmt)


def test_upsert_do_nothing(schema: Schema) -> None:
    addresses = schema.addresses
    stmt = insert(addresses).values(user_id=1, email="a").on_conflict_do_nothing(["email"])
    both(
        stmt,
        f'INSERT INTO {A} ("user_id", "email") VALUES (?, ?) ON CONFLICT ("email") DO NOTHING',
    )
    anywhere = insert(addresses).values(user_id=1, email="a").on_conflict_do_nothing()
    both(anywhere, f'INSERT INTO {A} ("user_id", "email") VALUES (?, ?) ON CONFLICT DO NOTHING')


def test_upsert_do_update(schema: Schema) -> None:
    addresses = schema.addresses
    stmt = insert(addresses).values(id=1, user_id=1, email="a")
    stmt = stmt.on_conflict_do_update(
        index_elements=[addresses.c.id],
        set_={"email": stmt.excluded.email, "user_id": 5},
        where=addresses.c.email != stmt.excluded.email,
    ).returning(addresses.c.id)
    both(
        stmt,
        f'INSERT INTO {A} ("id", "user_id", "email") VALUES (?, ?, ?) ON CONFLICT ("id") '
        f'DO UPDATE SET "email" = excluded."email", "user_id" = ? '
        f'WHERE {A}."email" <> excluded."email" RETURNING {A}."id"',
    )
    assert args(sqlite_compile(stmt), stmt) == [1, 1, "a", 5]
    with pytest.raises(ArgumentError, match="needs index_elements"):
        insert(addresses).on_conflict_do_update(set_={"email": "x"})


def test_upsert_from_select_on_sqlite_wraps_the_select(schema: Schema) -> None:
    users, addresses = schema.users, schema.addresses
    stmt = (
        insert(addresses)
        .from_select(["user_id", "email"], select(users.c.id, users.c.name))
        .on_conflict_do_nothing()
    )
    sqlite_sql, pg_sql = sql_both(stmt)
    assert sqlite_sql == (
        f'INSERT INTO {A} ("user_id", "email") SELECT * FROM (SELECT "users"."id", '
        '"users"."name" FROM "users") WHERE true ON CONFLICT DO NOTHING'
    )
    assert pg_sql == (
        f'INSERT INTO {A} ("user_id", "email") SELECT "users"."id", "users"."name" '
        'FROM "users" ON CONFLICT DO NOTHING'
    )


def _batches(compiler: object, stmt: object, rows: list[dict[str, object]], limit: int) -> list:  # type: ignore[type-arg]
    return list(compiler.compile_insert_batches(stmt, rows, limit))  # type: ignore[attr-defined]


def test_insert_batches_stay_under_the_parameter_limit(schema: Schema) -> None:
    addresses = schema.addresses
    rows: list[dict[str, object]] = [{"user_id": i, "email": f"e{i}"} for i in range(7)]
    stmt = insert(addresses).returning(addresses.c.id)
    batches = _batches(SQLiteCompiler(FakeSQLite()), stmt, rows, 6)
    assert [len(a) for _, a in batches] == [6, 6, 2]
    assert batches[0][0].sql == (
        f'INSERT INTO {A} ("user_id", "email") VALUES (?, ?), (?, ?), (?, ?) RETURNING {A}."id"'
    )
    assert [v for _, a in batches for v in a] == [
        v for r in rows for v in (r["user_id"], r["email"])
    ]
    assert batches[0][0] is batches[1][0]  # one compiled template per batch size
    # PostgreSQL sends one array per column instead, whatever the number of rows.
    pg_batches = _batches(PGCompiler(FakePostgreSQL()), stmt, rows, 100)
    assert len(pg_batches) == 1
    assert pg_batches[0][0].sql.endswith(
        'ORDER BY "aorm_rows"."aorm_ordinal" RETURNING "addresses"."id"'
    )
    assert pg_batches[0][1] == [[r["user_id"] for r in rows], [r["email"] for r in rows]]


def test_a_values_batch_template_numbers_and_types_every_placeholder() -> None:
    # The template of a many-row VALUES batch is made in bulk: each placeholder
    # still has its own number (where the dialect numbers them) and slot, whose
    # processor is its column's, in row order.
    table = Table(
        "t",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("a", Integer),
        Column("b", String),
    )
    stmt = insert(table)
    for compiler, marks in (
        (SQLiteCompiler(FakeSQLite()), ["?"] * 6),
        (PGCompiler(FakePostgreSQL()), [f"${n}" for n in range(1, 7)]),
    ):
        template = compiler._batch_template(stmt, [table.c.a, table.c.b], 3)
        rows_sql = ", ".join(f"({marks[r * 2]}, {marks[r * 2 + 1]})" for r in range(3))
        assert template.sql == f'INSERT INTO "t" ("a", "b") VALUES {rows_sql}'
        assert [(s.name, s.index) for s in template.slots] == [(None, i) for i in range(6)]
        assert all(type(s) is BindSlot for s in template.slots)
        a_processor, b_processor = template.slots[0].processor, template.slots[1].processor
        assert a_processor is not b_processor
        assert [s.processor for s in template.slots] == [a_processor, b_processor] * 3


def test_insert_batches_group_rows_by_their_columns_in_order() -> None:
    table = Table(
        "t",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("a", Integer),
        Column("b", Integer, default=0),
    )
    rows: list[dict[str, object]] = [{"a": 1}, {"a": 2}, {"a": 3, "b": 9}, {"id": 7, "a": 4}, {}]
    batches = _batches(SQLiteCompiler(FakeSQLite()), insert(table), rows, 100)
    assert [(c.sql, a) for c, a in batches] == [
        ('INSERT INTO "t" ("a", "b") VALUES (?, ?), (?, ?), (?, ?)', [1, 0, 2, 0, 3, 9]),
        ('INSERT INTO "t" ("id", "a", "b") VALUES (?, ?, ?)', [7, 4, 0]),
        ('INSERT INTO "t" ("b") VALUES (?)', [0]),
    ]


def test_insert_batches_of_all_default_rows() -> None:
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True))
    batches = _batches(SQLiteCompiler(FakeSQLite()), insert(table), [{}, {}], 100)
    assert [(c.sql, a) for c, a in batches] == [
        ('INSERT INTO "t" DEFAULT VALUES', []),
        ('INSERT INTO "t" DEFAULT VALUES', []),
    ]


def test_insert_batches_process_values_and_carry_upsert_values(schema: Schema) -> None:
    users = schema.users
    stmt = insert(users).on_conflict_do_update(index_elements=["id"], set_={"bio": "dup"})
    rows: list[dict[str, object]] = [
        {"id": 1, "name": "a", "active": False},
        {"id": 2, "name": "b"},
    ]
    batches = _batches(SQLiteCompiler(FakeSQLite()), stmt, rows, 100)
    assert [(c.sql, a) for c, a in batches] == [
        (
            'INSERT INTO "users" ("id", "name", "active") VALUES (?, ?, ?), (?, ?, ?) '
            'ON CONFLICT ("id") DO UPDATE SET "bio" = ?',
            [1, "a", False, 2, "b", True, "dup"],
        )
    ]
    with pytest.raises(DataError, match=r"users\.name"):
        _batches(SQLiteCompiler(FakeSQLite()), insert(users), [{"name": 5}], 100)
    with pytest.raises(ArgumentError, match="table 'users' has no column 'nope'"):
        _batches(SQLiteCompiler(FakeSQLite()), insert(users), [{"nope": 5}], 100)


def test_insert_batches_merge_statement_values_into_rows() -> None:
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("at", DateTime))
    stmt = insert(table).values(at=None)
    batches = _batches(PGCompiler(FakePostgreSQL()), stmt, [{"id": 1}, {"id": 2, "at": None}], 9)
    assert [(c.sql, a) for c, a in batches] == [
        (
            'INSERT INTO "t" ("id", "at") SELECT "aorm_rows"."c0", "aorm_rows"."c1" FROM '
            "unnest($1::INTEGER[], $2::TIMESTAMP[]) WITH ORDINALITY "
            'AS "aorm_rows"("c0", "c1", "aorm_ordinal") ORDER BY "aorm_rows"."aorm_ordinal"',
            [[1, 2], [None, None]],
        )
    ]
