"""Statement objects (not just text()) through the engine: batches, RETURNING, result types."""

from __future__ import annotations

import datetime
import decimal

import pytest

from aorm.engine import Engine
from aorm.exc import ArgumentError
from aorm.sql import (
    Column,
    CreateTable,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    delete,
    insert,
    select,
    update,
)

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
    Column("at", DateTime(timezone=True)),
    Column("price", Numeric(10, 2)),
)
WHEN = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC)


@pytest.fixture
async def table(engine: Engine) -> Engine:
    async with engine.begin() as conn:
        await conn.execute(CreateTable(things))
    return engine


async def test_many_rows_become_multi_row_inserts_returning_in_order(table: Engine) -> None:
    seen: list[str] = []
    table.add_listener("before_execute", lambda sql, params: seen.append(sql))
    rows = [{"name": f"n{i}", "at": WHEN, "price": decimal.Decimal("1.50")} for i in range(7)]
    async with table.begin() as conn:
        result = await conn.execute(insert(things).returning(things.c.id, things.c.name), rows)
        assert list(result.all()) == [(i + 1, f"n{i}") for i in range(7)]
        assert result.rowcount == 7
    assert len(seen) == 1
    # One statement for every row: multi-row VALUES, or one array per column.
    assert seen[0].count("(") > 7 or "unnest(" in seen[0]


async def test_one_row_for_an_insert_without_values(table: Engine) -> None:
    async with table.begin() as conn:
        result = await conn.execute(insert(things), {"name": "solo", "at": WHEN})
        assert result.rowcount == 1
        assert await conn.scalar(select(things.c.name)) == "solo"


async def test_an_insert_with_named_parameters_runs_as_executemany(table: Engine) -> None:
    async with table.begin() as conn:
        statement = insert(things).values(name=bindparam("label"))
        await conn.execute(statement, [{"label": "a"}, {"label": "b"}])
        names = (await conn.execute(select(things.c.name).order_by(things.c.id))).scalars()
        assert names.all() == ["a", "b"]


async def test_results_come_back_as_python_values(table: Engine) -> None:
    async with table.begin() as conn:
        await conn.execute(
            insert(things), [{"id": 1, "name": "x", "at": WHEN, "price": decimal.Decimal("9.99")}]
        )
        row = (await conn.execute(select(things).where(things.c.id == 1))).one()
        assert row.at == WHEN
        assert row.price == decimal.Decimal("9.99")
        assert row._fields == ("id", "name", "at", "price")
        streamed = await conn.stream(select(things.c.at))
        assert await streamed.scalar_one() == WHEN


async def test_update_and_delete_report_rowcount(table: Engine) -> None:
    async with table.begin() as conn:
        await conn.execute(insert(things), [{"name": f"n{i}"} for i in range(5)])
        changed = await conn.execute(update(things).where(things.c.id > 2).values(name="z"))
        assert changed.rowcount == 3
        removed = await conn.execute(delete(things).where(things.c.id == 1))
        assert removed.rowcount == 1
        gone = await conn.execute(delete(things).where(things.c.id == 1))
        assert gone.rowcount == 0


async def test_repeated_statements_hit_the_compiled_cache(table: Engine) -> None:
    before = table.dialect.compiled_cache.stats()
    async with table.connect() as conn:
        for i in range(5):
            await conn.execute(select(things.c.id).where(things.c.id == i))
    after = table.dialect.compiled_cache.stats()
    assert after.misses - before.misses == 1
    assert after.hits - before.hits == 4


@pytest.mark.parametrize("count", [1, 3, 20], ids=["one row", "few rows", "many rows"])
async def test_fetch_tuples_gives_the_rows_execute_gives(table: Engine, count: int) -> None:
    rows = [{"name": f"n{i}", "at": WHEN, "price": decimal.Decimal("2.25")} for i in range(count)]
    query = select(things.c.id, things.c.name, things.c.at, things.c.price).where(
        things.c.name != bindparam("skip")
    )
    async with table.begin() as conn:
        await conn.execute(insert(things), rows)
        fetched = await conn.fetch_tuples(query.order_by(things.c.id), {"skip": "none"})
        executed = (await conn.execute(query.order_by(things.c.id), {"skip": "none"})).tuples()
        assert fetched == executed.all()
    assert [type(row) for row in fetched] == [tuple] * count
    # Values come back processed, as execute() returns them.
    assert fetched[0] == (1, "n0", WHEN, decimal.Decimal("2.25"))
    assert all(isinstance(row[2], datetime.datetime) for row in fetched)


async def test_fetch_tuples_refuses_statements_that_return_no_rows(table: Engine) -> None:
    async with table.begin() as conn:
        with pytest.raises(ArgumentError, match="fetch_tuples\\(\\) runs a query once"):
            await conn.fetch_tuples(delete(things))
        # The refusal left the connection usable.
        assert await conn.fetch_tuples(select(things.c.id)) == []
