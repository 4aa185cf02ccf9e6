from __future__ import annotations

import datetime

from aorm.sql import (
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from tests.sql.conftest import Schema


def _same_shape(a: object, b: object) -> tuple[list[object], list[object]]:
    shape_a, literals_a = a._cache_key()  # type: ignore[attr-defined]
    shape_b, literals_b = b._cache_key()  # type: ignore[attr-defined]
    assert shape_a == shape_b
    assert hash(shape_a) == hash(shape_b)
    return list(literals_a), list(literals_b)


def test_same_shape_different_values(schema: Schema) -> None:
    users, addresses = schema.users, schema.addresses

    def query(name: str, page: int) -> object:
        return (
            select(users.c.id, func.count(addresses.c.id))
            .join(addresses)
            .where(users.c.name == name, users.c.id.in_([page, page + 1]))
            .group_by(users.c.id)
            .order_by(users.c.id)
            .limit(10)
            .offset(page * 10)
        )

    assert _same_shape(query("a", 1), query("b", 2)) == (
        ["a", (1, 2), 10, 10],
        ["b", (2, 3), 10, 20],
    )


def test_dml_statements_share_shapes(schema: Schema) -> None:
    users = schema.users
    assert _same_shape(
        insert(users).values(name="a").returning(users.c.id),
        insert(users).values(name="b").returning(users.c.id),
    ) == (["a", True], ["b", True])  # active's Python default comes last
    assert _same_shape(
        update(users).where(users.c.id == 1).values(name="x"),
        update(users).where(users.c.id == 2).values(name="y"),
    ) == (["x", 1], ["y", 2])
    assert _same_shape(delete(users).where(users.c.id == 1), delete(users).where(users.c.id == 2))


def test_shape_changes_with_anything_that_changes_the_sql(schema: Schema) -> None:
    users = schema.users
    base = select(users.c.id).where(users.c.id == 1)
    variants = [
        select(users.c.name).where(users.c.id == 1),
        select(users.c.id).where(users.c.id != 1),
        select(users.c.id).where(users.c.name == "1"),
        base.limit(1),
        base.offset(1),
        base.order_by(users.c.id),
        base.distinct(),
        base.with_for_update(),
        select(users.c.id).where(users.c.id == None),  # noqa: E711
        select(users.c.id).where(users.c.id.not_in([1])),
        select(users.c.id).where(and_(users.c.id == 1, users.c.id == 1)),
        select(schema.users.alias("u").c.id),
        select(literal(1)),
        select(literal("1")),
        select(cast(users.c.id, String(5))),
        select(cast(users.c.id, String(6))),
        select(case((users.c.id == 1, "a"))),
        select(users.c.id).where(text("id = 1")),
        select(users.c.id).where(text("id = 2")),
        select(users.c.id).where(users.c.id == bindparam("x")),
        select(users.c.id).where(users.c.id == bindparam("y")),
    ]
    shapes = {base._cache_key()[0]} | {v._cache_key()[0] for v in variants}
    assert len(shapes) == len(variants) + 1


def test_types_built_twice_share_a_shape(schema: Schema) -> None:
    users = schema.users
    assert _same_shape(select(cast(users.c.id, String(5))), select(cast(users.c.id, String(5))))
    now = datetime.datetime(2024, 1, 1)
    assert _same_shape(select(literal(now)), select(literal(now.replace(year=2025))))


def test_anonymous_aliases_and_subqueries_are_structural(schema: Schema) -> None:
    users = schema.users

    def query(n: int) -> object:
        alias = users.alias()
        sub = select(users.c.id).where(users.c.id > n).subquery()
        return select(alias.c.name, sub.c.id).join(sub, sub.c.id == alias.c.id)

    assert _same_shape(query(1), query(2)) == ([1], [2])
    two = users.alias()
    one_alias_twice = select(two.c.id, two.c.name)
    two_aliases = select(users.alias().c.id, users.alias().c.name)
    assert one_alias_twice._cache_key()[0] != two_aliases._cache_key()[0]


def test_options_and_execution_options_do_not_change_the_shape(schema: Schema) -> None:
    base = select(schema.users).where(schema.users.c.id == 1)
    marker = object()
    optioned = base.options(marker).execution_options(populate_existing=True)
    assert optioned.applied_options == (marker,)
    assert optioned.get_execution_options() == {"populate_existing": True}
    assert base.applied_options == ()
    assert base.get_execution_options() == {}
    assert _same_shape(base, optioned)


def test_the_key_is_memoized_per_statement(schema: Schema) -> None:
    stmt = select(schema.users).where(schema.users.c.id == 1)
    first = stmt._cache_key()
    assert stmt._cache_key()[0] is first[0]
