from __future__ import annotations

import pytest

from aorm.exc import ArgumentError, CompileError
from aorm.sql import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    aliased,
    and_,
    case,
    cast,
    distinct,
    except_,
    exists,
    false,
    func,
    intersect,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
    text,
    true,
    union,
)
from tests.sql.compile_helpers import args, pg_compile, qmarks_to_dollars, sql_both, sqlite_compile
from tests.sql.conftest import Schema

U = '"users"'


def both(statement: object, sqlite_sql: str) -> None:
    """SQLite SQL as given; PostgreSQL the same with $n placeholders."""
    assert sql_both(statement) == (sqlite_sql, qmarks_to_dollars(sqlite_sql))


def test_simple_select_where(schema: Schema) -> None:
    users = schema.users
    stmt = select(users.c.id, users.c.name).where(users.c.name == "x")
    both(stmt, f'SELECT {U}."id", {U}."name" FROM {U} WHERE {U}."name" = ?')
    compiled = pg_compile(stmt)
    assert compiled.result_keys == ("id", "name")
    assert args(compiled, stmt) == ["x"]
    assert not compiled.is_write
    assert compiled.returns_rows


def test_select_table_expands_to_all_columns(schema: Schema) -> None:
    stmt = select(schema.addresses)
    both(
        stmt, 'SELECT "addresses"."id", "addresses"."user_id", "addresses"."email" FROM "addresses"'
    )
    assert stmt.raw_entities == (schema.addresses,)


def test_join_where_order_limit_offset(schema: Schema) -> None:
    users, addresses = schema.users, schema.addresses
    stmt = (
        select(users.c.name, addresses.c.email)
        .join(addresses)
        .where(users.c.id > 5, addresses.c.email.like("%@x.org"))
        .order_by(users.c.name, addresses.c.email.desc())
        .limit(10)
        .offset(20)
    )
    both(
        stmt,
        f'SELECT {U}."name", "addresses"."email" FROM {U} '
        f'JOIN "addresses" ON "addresses"."user_id" = {U}."id" '
        f'WHERE {U}."id" > ? AND "addresses"."email" LIKE ? '
        f'ORDER BY {U}."name", "addresses"."email" DESC LIMIT ? OFFSET ?',
    )
    assert args(sqlite_compile(stmt), stmt) == [5, "%@x.org", 10, 20]


def test_outer_join_explicit_on_and_join_from(schema: Schema) -> None:
    users, addresses = schema.users, schema.addresses
    stmt = select(users.c.id).outerjoin(addresses, addresses.c.user_id == users.c.id)
    both(
        stmt,
        f'SELECT {U}."id" FROM {U} LEFT OUTER JOIN "addresses" ON "addresses"."user_id" = {U}."id"',
    )
    stmt2 = select(addresses.c.email, users.c.name).join_from(users, addresses)
    both(
        stmt2,
        f'SELECT "addresses"."email", {U}."name" FROM {U} '
        f'JOIN "addresses" ON "addresses"."user_id" = {U}."id"',
    )


def test_self_join_through_an_alias() -> None:
    metadata = MetaData()
    nodes = Table(
        "nodes",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("parent_id", ForeignKey("nodes.id")),
        Column("name", String(20)),
    )
    parent = aliased(nodes, "parent")
    stmt = select(nodes.c.name, parent.c.name).join(parent, nodes.c.parent_id == parent.c.id)
    both(
        stmt,
        'SELECT "nodes"."name", "parent"."name" FROM "nodes" JOIN "nodes" AS "parent" '
        'ON "nodes"."parent_id" = "parent"."id"',
    )
    assert pg_compile(stmt).result_keys == ("name", "name_1")
    anonymous = nodes.alias()
    both(select(anonymous.c.id), 'SELECT "nodes_1"."id" FROM "nodes" AS "nodes_1"')


def test_filter_filter_by_and_distinct(schema: Schema) -> None:
    users = schema.users
    stmt = select(users.c.id).filter(users.c.bio.is_(None)).filter_by(name="a").distinct()
    both(
        stmt,
        f'SELECT DISTINCT {U}."id" FROM {U} WHERE {U}."bio" IS NULL AND {U}."name" = ?',
    )
    with pytest.raises(ArgumentError, match="has no column 'nope'"):
        select(users).filter_by(nope=1)


def test_group_by_having_and_labels(schema: Schema) -> None:
    addresses = schema.addresses
    n = func.count(addresses.c.id).label("n")
    stmt = (
        select(addresses.c.user_id, n)
        .group_by(addresses.c.user_id)
        .having(func.count(addresses.c.id) > 1)
        .order_by(n.desc())
    )
    both(
        stmt,
        'SELECT "addresses"."user_id", count("addresses"."id") AS "n" FROM "addresses" '
        'GROUP BY "addresses"."user_id" HAVING count("addresses"."id") > ? ORDER BY "n" DESC',
    )
    assert sqlite_compile(stmt).result_keys == ("user_id", "n")


def test_count_star_with_select_from(schema: Schema) -> None:
    both(select(func.count()).select_from(schema.users), f"SELECT count(*) FROM {U}")


def test_subquery_in_from_with_generated_name(schema: Schema) -> None:
    users, addresses = schema.users, schema.addresses
    counts = (
        select(addresses.c.user_id, func.count().label("n"))
        .group_by(addresses.c.user_id)
        .subquery()
    )
    stmt = select(users.c.name, counts.c.n).join(counts, counts.c.user_id == users.c.id)
    both(
        stmt,
        f'SELECT {U}."name", "anon_1"."n" FROM {U} JOIN (SELECT "addresses"."user_id", '
        'count(*) AS "n" FROM "addresses" GROUP BY "addresses"."user_id") AS "anon_1" '
        f'ON "anon_1"."user_id" = {U}."id"',
    )


def test_subquery_columns_are_labelled_by_their_keys(schema: Schema) -> None:
    users, addresses = schema.users, schema.addresses
    sub = select(users.c.id, addresses.c.id, func.lower(users.c.name)).join(addresses).subquery("s")
    assert sub.c.keys() == ["id", "id_1", "lower"]
    both(
        select(sub.c.id_1, sub.c.lower),
        'SELECT "s"."id_1", "s"."lower" FROM (SELECT "users"."id", "addresses"."id" AS "id_1", '
        'lower("users"."name") AS "lower" FROM "users" JOIN "addresses" '
        'ON "addresses"."user_id" = "users"."id") AS "s"',
    )


def test_join_to_a_subquery_is_inferred_from_its_foreign_key_columns(schema: Schema) -> None:
    sub = select(schema.addresses.c.user_id, schema.addresses.c.email).subquery("a")
    both(
        select(schema.users.c.name, sub.c.email).join(sub),
        f'SELECT {U}."name", "a"."email" FROM {U} JOIN (SELECT "addresses"."user_id", '
        '"addresses"."email" FROM "addresses") AS "a" ON "a"."user_id" = "users"."id"',
    )


def test_scalar_subquery_is_correlated_to_the_enclosing_select(schema: Schema) -> None:
    users, addresses = schema.users, schema.addresses
    count = (
        select(func.count(addresses.c.id))
        .where(addresses.c.user_id == users.c.id)
        .scalar_subquery()
    )
    both(
        select(users.c.name, count.label("n")),
        f'SELECT {U}."name", (SELECT count("addresses"."id") FROM "addresses" '
        f'WHERE "addresses"."user_id" = {U}."id") AS "n" FROM {U}',
    )


def test_uncorrelatable_scalar_subquery_keeps_its_from(schema: Schema) -> None:
    users = schema.users
    top = select(func.max(users.c.id)).scalar_subquery()
    both(
        select(users.c.name).where(users.c.id == top),
        f'SELECT {U}."name" FROM {U} WHERE {U}."id" = (SELECT max({U}."id") FROM {U})',
    )


def test_exists_both_forms(schema: Schema) -> None:
    users, addresses = schema.users, schema.addresses
    correlated = exists().where(addresses.c.user_id == users.c.id)
    both(
        select(users.c.id).where(correlated),
        f'SELECT {U}."id" FROM {U} WHERE EXISTS (SELECT 1 FROM "addresses" '
        f'WHERE "addresses"."user_id" = {U}."id")',
    )
    negated = select(addresses.c.id).where(addresses.c.user_id == users.c.id).exists()
    both(
        select(users.c.id).where(~negated),
        f'SELECT {U}."id" FROM {U} WHERE NOT EXISTS (SELECT "addresses"."id" FROM "addresses" '
        f'WHERE "addresses"."user_id" = {U}."id")',
    )


def test_in_subquery(schema: Schema) -> None:
    users, addresses = schema.users, schema.addresses
    emails = select(addresses.c.user_id).where(addresses.c.email.endswith("@x.org"))
    both(
        select(users.c.id).where(users.c.id.in_(emails)),
        f'SELECT {U}."id" FROM {U} WHERE {U}."id" IN (SELECT "addresses"."user_id" '
        'FROM "addresses" WHERE "addresses"."email" LIKE ? ESCAPE \'/\')',
    )
    both(
        select(users.c.id).where(users.c.id.not_in(emails.subquery())),
        f'SELECT {U}."id" FROM {U} WHERE {U}."id" NOT IN (SELECT "addresses"."user_id" '
        'FROM "addresses" WHERE "addresses"."email" LIKE ? ESCAPE \'/\')',
    )


def test_cte_and_union(schema: Schema) -> None:
    users, addresses = schema.users, schema.addresses
    active = select(users.c.id, users.c.name).where(users.c.active.is_(True)).cte("active")
    stmt = select(active.c.name).where(active.c.id > 3)
    sqlite_sql, pg_sql = sql_both(stmt)
    assert sqlite_sql == (
        'WITH "active" AS (SELECT "users"."id", "users"."name" FROM "users" '
        'WHERE "users"."active" IS 1) SELECT "active"."name" FROM "active" WHERE "active"."id" > ?'
    )
    assert pg_sql == (
        'WITH "active" AS (SELECT "users"."id", "users"."name" FROM "users" '
        'WHERE "users"."active" IS true) SELECT "active"."name" FROM "active" '
        'WHERE "active"."id" > $1'
    )
    both(
        union(select(users.c.id), select(addresses.c.user_id)).order_by(users.c.id).limit(3),
        f'SELECT {U}."id" FROM {U} UNION SELECT "addresses"."user_id" FROM "addresses" '
        'ORDER BY "id" LIMIT ?',
    )
    both(
        select(users.c.id).union_all(select(addresses.c.user_id).limit(1)),
        f'SELECT {U}."id" FROM {U} UNION ALL SELECT * FROM (SELECT "addresses"."user_id" '
        'FROM "addresses" LIMIT ?) AS "anon_1"',
    )
    both(
        intersect(select(users.c.id), select(addresses.c.user_id)),
        f'SELECT {U}."id" FROM {U} INTERSECT SELECT "addresses"."user_id" FROM "addresses"',
    )
    both(
        except_(select(users.c.id), select(addresses.c.user_id)),
        f'SELECT {U}."id" FROM {U} EXCEPT SELECT "addresses"."user_id" FROM "addresses"',
    )


def test_binds_inside_a_cte_come_first_in_text_order(schema: Schema) -> None:
    users = schema.users
    named = select(users.c.id).where(users.c.name == "cte-value").cte("c")
    stmt = select(users.c.id, literal("col-value")).where(users.c.id.in_(select(named.c.id)))
    compiled = sqlite_compile(stmt)
    assert compiled.sql.startswith('WITH "c" AS (SELECT "users"."id" FROM "users" WHERE')
    assert args(compiled, stmt) == ["cte-value", "col-value"]
    assert args(pg_compile(stmt), stmt) == ["cte-value", "col-value"]


def test_recursive_cte() -> None:
    metadata = MetaData()
    nodes = Table(
        "nodes",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("parent_id", ForeignKey("nodes.id")),
    )
    tree = select(nodes.c.id).where(nodes.c.id == 1).cte("tree", recursive=True)
    tree = tree.union_all(select(nodes.c.id).join(tree, nodes.c.parent_id == tree.c.id))
    both(
        select(tree.c.id),
        'WITH RECURSIVE "tree" AS (SELECT "nodes"."id" FROM "nodes" WHERE "nodes"."id" = ? '
        'UNION ALL SELECT "nodes"."id" FROM "nodes" JOIN "tree" ON "nodes"."parent_id" = '
        '"tree"."id") SELECT "tree"."id" FROM "tree"',
    )


def test_case_cast_and_functions(schema: Schema) -> None:
    users = schema.users
    stmt = select(
        case((users.c.id > 10, "big"), (users.c.id > 5, "medium"), else_="small").label("size"),
        cast(users.c.id, String(10)),
        func.coalesce(users.c.bio, "none"),
        func.upper(users.c.name),
        func.length(users.c.name),
        func.count(distinct(users.c.name)),
    )
    sqlite_sql, pg_sql = sql_both(stmt)
    assert sqlite_sql == (
        f'SELECT CASE WHEN {U}."id" > ? THEN ? WHEN {U}."id" > ? THEN ? ELSE ? END AS "size", '
        f'CAST({U}."id" AS VARCHAR(10)), coalesce({U}."bio", ?), upper({U}."name"), '
        f'length({U}."name"), count(DISTINCT {U}."name") FROM {U}'
    )
    # Values with no column to take a type from are cast for PostgreSQL.
    assert pg_sql == (
        f'SELECT CASE WHEN {U}."id" > $1 THEN $2::TEXT WHEN {U}."id" > $3 THEN $4::TEXT '
        f'ELSE $5::TEXT END AS "size", CAST({U}."id" AS VARCHAR(10)), '
        f'coalesce({U}."bio", $6::TEXT), upper({U}."name"), length({U}."name"), '
        f'count(DISTINCT {U}."name") FROM {U}'
    )
    compiled = sqlite_compile(stmt)
    assert compiled.result_keys == ("size", "id", "coalesce", "upper", "length", "count")


def test_case_with_a_value_and_a_mapping(schema: Schema) -> None:
    users = schema.users
    stmt = select(case({"a": 1, "b": 2}, value=users.c.name, else_=0))
    assert sqlite_compile(stmt).sql == (
        f'SELECT CASE {U}."name" WHEN ? THEN ? WHEN ? THEN ? ELSE ? END FROM {U}'
    )


def test_boolean_logic_and_parentheses(schema: Schema) -> None:
    users = schema.users
    stmt = select(users.c.id).where(
        or_(users.c.id == 1, and_(users.c.id > 2, users.c.id < 9)),
        not_(users.c.name.like("a%")),
        (users.c.id + 1) * 2 > users.c.id - (users.c.id - 1),
    )
    both(
        stmt,
        f'SELECT {U}."id" FROM {U} WHERE ({U}."id" = ? OR {U}."id" > ? AND {U}."id" < ?) '
        f'AND NOT ({U}."name" LIKE ?) AND ({U}."id" + ?) * ? > {U}."id" - ({U}."id" - ?)',
    )


def test_true_false_null_literals(schema: Schema) -> None:
    users = schema.users
    stmt = select(users.c.id).where(
        true(), users.c.bio.is_not(null()), or_(false(), users.c.active)
    )
    sqlite_sql, pg_sql = sql_both(stmt)
    assert sqlite_sql == (
        f'SELECT {U}."id" FROM {U} WHERE 1 AND {U}."bio" IS NOT NULL AND (0 OR {U}."active")'
    )
    assert pg_sql == (
        f'SELECT {U}."id" FROM {U} WHERE true AND {U}."bio" IS NOT NULL AND (false OR {U}."active")'
    )


def test_literal_column_text_and_literal(schema: Schema) -> None:
    users = schema.users
    stmt = select(literal_column("42").label("answer"), literal(7)).where(
        text("users.id > :low"), users.c.id < 100
    )
    sqlite_sql, pg_sql = sql_both(stmt)
    assert sqlite_sql == (
        f'SELECT 42 AS "answer", ? FROM {U} WHERE (users.id > ?) AND {U}."id" < ?'
    )
    assert pg_sql == (
        f'SELECT 42 AS "answer", $1::BIGINT FROM {U} WHERE (users.id > $2) AND {U}."id" < $3'
    )
    compiled = pg_compile(stmt)
    assert args(compiled, stmt, {"low": 3}) == [7, 3, 100]


def test_for_update(schema: Schema) -> None:
    users = schema.users
    stmt = select(users.c.id).where(users.c.id == 1).with_for_update(skip_locked=True)
    sqlite_sql, pg_sql = sql_both(stmt)
    assert sqlite_sql == f'SELECT {U}."id" FROM {U} WHERE {U}."id" = ?'
    assert pg_sql == f'SELECT {U}."id" FROM {U} WHERE {U}."id" = $1 FOR UPDATE SKIP LOCKED'
    # SQLite has no row locks: the read takes the write lock instead.
    assert sqlite_compile(stmt).is_write
    assert pg_compile(select(users.c.id).with_for_update(read=True, of=users)).sql == (
        f'SELECT {U}."id" FROM {U} FOR SHARE OF {U}'
    )


def test_offset_without_limit(schema: Schema) -> None:
    sqlite_sql, pg_sql = sql_both(select(schema.users.c.id).offset(5))
    assert sqlite_sql == f'SELECT {U}."id" FROM {U} LIMIT -1 OFFSET ?'
    assert pg_sql == f'SELECT {U}."id" FROM {U} OFFSET $1'


def test_window_function(schema: Schema) -> None:
    addresses = schema.addresses
    rank = func.row_number().over(partition_by=addresses.c.user_id, order_by=addresses.c.id)
    both(
        select(addresses.c.id, rank.label("rank")),
        'SELECT "addresses"."id", row_number() OVER (PARTITION BY "addresses"."user_id" '
        'ORDER BY "addresses"."id") AS "rank" FROM "addresses"',
    )


def test_with_only_columns_add_columns_and_order_by_reset(schema: Schema) -> None:
    users = schema.users
    stmt = select(users).where(users.c.id == 1).order_by(users.c.name)
    counted = stmt.with_only_columns(func.count()).order_by(None)
    both(counted, f'SELECT count(*) FROM {U} WHERE {U}."id" = ?')
    extra = select(users.c.id).add_columns(users.c.name)
    both(extra, f'SELECT {U}."id", {U}."name" FROM {U}')
    assert extra.raw_entities == (users.c.id, users.c.name)


def test_json_element_access(schema: Schema) -> None:
    data = schema.users.c.data
    stmt = select(data["a"], data["a"][0].as_integer()).where(data["kind"].as_string() == "x")
    sqlite_sql, pg_sql = sql_both(stmt)
    assert sqlite_sql == (
        f'SELECT {U}."data" -> ?, CAST({U}."data" -> ? ->> ? AS INTEGER) FROM {U} '
        f'WHERE ({U}."data" ->> ?) = ?'
    )
    assert pg_sql == (
        f'SELECT {U}."data" -> $1::TEXT, CAST({U}."data" -> $2::TEXT ->> $3::INTEGER '
        f'AS BIGINT) FROM {U} WHERE ({U}."data" ->> $4::TEXT) = $5'
    )
    with pytest.raises(ArgumentError, match="only defined for JSON"):
        schema.users.c.name["x"]


def test_select_rejects_strings_as_criteria(schema: Schema) -> None:
    with pytest.raises(ArgumentError, match="wrap SQL strings in text"):
        select(schema.users).where("id = 1")
    with pytest.raises(ArgumentError, match="limit must be a non-negative int"):
        select(schema.users).limit(-1)
    with pytest.raises(ArgumentError, match=r"call \.subquery\(\) on it"):
        select(schema.users).join(select(schema.addresses))
    with pytest.raises(TypeError, match="truth value of a SQL expression"):
        bool(schema.users.c.id > 1)
    with pytest.raises(CompileError, match="at least one column"):
        sqlite_compile(select().select_from(schema.users))


def test_group_by_a_label_that_shadows_a_column_is_written_out(schema: Schema) -> None:
    users = schema.users
    shadowing = func.lower(users.c.name).label("name")
    assert pg_compile(select(shadowing).group_by(shadowing)).sql == (
        f'SELECT lower({U}."name") AS "name" FROM {U} GROUP BY lower({U}."name")'
    )


def test_statements_are_generative(schema: Schema) -> None:
    users = schema.users
    base = select(users.c.id)
    narrowed = base.where(users.c.id > 1).order_by(users.c.id).limit(5)
    assert sqlite_compile(base).sql == f'SELECT {U}."id" FROM {U}'
    assert narrowed.where_criteria != base.where_criteria
    assert narrowed.limit_value == 5
    assert base.limit_value is None
