"""Higher layers pass their own objects through ``__clause_element__`` and ``ColumnOperators``."""

from __future__ import annotations

from typing import Any

from aorm.sql import (
    Column,
    ColumnElement,
    ColumnOperators,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)
from tests.sql.compile_helpers import sqlite_compile

metadata = MetaData()
users_table = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
)
posts_table = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id")),
)


class Attribute(ColumnOperators):
    """A stand-in for a mapped attribute: column-like through the mixin."""

    def __init__(self, column: Column) -> None:
        self.column = column

    def __clause_element__(self) -> ColumnElement:
        return self.column


class EntityMeta(type):
    """Mapped classes answer ``__clause_element__`` with their table."""

    table: Table

    def __clause_element__(cls) -> Table:
        return cls.table


class User(metaclass=EntityMeta):
    table = users_table
    id = Attribute(users_table.c.id)
    name = Attribute(users_table.c.name)


class Post(metaclass=EntityMeta):
    table = posts_table
    id = Attribute(posts_table.c.id)
    user_id = Attribute(posts_table.c.user_id)


def test_entities_and_attributes_go_anywhere_tables_and_columns_do() -> None:
    marker = object()
    stmt = (
        select(User)
        .join(Post)
        .where(User.name.startswith("a"), Post.id > 3)
        .filter_by(user_id=5)
        .order_by(User.name.desc())
        .options(marker)
    )
    assert stmt.raw_entities == (User,)
    assert stmt.applied_options == (marker,)
    assert sqlite_compile(stmt).sql == (
        'SELECT "users"."id", "users"."name" FROM "users" JOIN "posts" '
        'ON "posts"."user_id" = "users"."id" WHERE "users"."name" LIKE ? ESCAPE \'/\' '
        'AND "posts"."id" > ? AND "posts"."user_id" = ? ORDER BY "users"."name" DESC'
    )


def test_attributes_work_in_functions_dml_and_returning() -> None:
    counted = select(func.count(User.id), User.name).group_by(User.name)
    assert sqlite_compile(counted).sql == (
        'SELECT count("users"."id"), "users"."name" FROM "users" GROUP BY "users"."name"'
    )
    assert sqlite_compile(insert(User).values({User.name: "x"}).returning(User.id)).sql == (
        'INSERT INTO "users" ("name") VALUES (?) RETURNING "users"."id"'
    )
    changed = update(User).where(User.id == 1).values({User.name: "y"}).returning(User)
    assert sqlite_compile(changed).sql == (
        'UPDATE "users" SET "name" = ? WHERE "users"."id" = ? '
        'RETURNING "users"."id", "users"."name"'
    )
    assert sqlite_compile(delete(User).where(User.id.in_([1, 2]))).sql == (
        'DELETE FROM "users" WHERE "users"."id" IN (SELECT value FROM json_each(?))'
    )


def test_an_overridden_operate_sees_every_operator() -> None:
    seen: list[str] = []

    class Tracing(Attribute):
        def operate(self, op: Any, *other: Any, **kw: Any) -> ColumnElement:
            seen.append(op.name)
            return super().operate(op, *other, **kw)

    name = Tracing(users_table.c.name)
    select(users_table).where(name == "a", name.in_(["b"]), name.like("c%"), ~name.is_(None))
    assert seen == ["eq", "in", "like", "is"]
