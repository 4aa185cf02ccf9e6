"""A many-row INSERT sent as several batches: order, a failing batch, cancellation."""

from __future__ import annotations

import asyncio

import pytest

from aorm import exc
from aorm.engine import Engine, create_engine
from aorm.sql import Column, CreateTable, Integer, MetaData, String, Table, insert, select
from tests.engine.support import count_rows

#: Rows per batch, made small so a few rows take several statements.
BATCH_ROWS = 3

metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), unique=True),
)


async def prepared(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Create the table, make batches small; the INSERTs sent from now on are listed."""
    async with engine.begin() as conn:
        await conn.execute(CreateTable(items))
    compiler = engine.dialect.compiler
    # SQLite sends multi-row VALUES, PostgreSQL one array per column.
    monkeypatch.setattr(compiler, "VALUES_BATCH_ROWS", BATCH_ROWS)
    monkeypatch.setattr(compiler, "ARRAY_BATCH_ROWS", BATCH_ROWS)
    sent: list[str] = []
    engine.add_listener(
        "before_execute", lambda sql, params: sent.append(sql) if "INSERT" in sql else None
    )
    return sent


def rows(count: int) -> list[dict[str, object]]:
    return [{"name": f"n{i}"} for i in range(count)]


async def test_batches_return_their_rows_in_order(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = await prepared(engine, monkeypatch)
    async with engine.begin() as conn:
        result = await conn.execute(insert(items).returning(items.c.id, items.c.name), rows(10))
        returned = list(result.all())
        assert result.rowcount == 10
    assert len(sent) == 4
    assert [name for _, name in returned] == [f"n{i}" for i in range(10)]
    ids = [id_ for id_, _ in returned]
    assert ids == sorted(ids)
    async with engine.connect() as conn:
        stored = (await conn.execute(select(items.c.id, items.c.name).order_by(items.c.id))).all()
    assert [tuple(row) for row in stored] == returned


@pytest.mark.parametrize("isolation_level", [None, "AUTOCOMMIT"])
async def test_a_failing_batch_raises_its_error_and_stops_the_rest(
    db_url: str, monkeypatch: pytest.MonkeyPatch, isolation_level: str | None
) -> None:
    async with create_engine(db_url, isolation_level=isolation_level) as engine:
        sent = await prepared(engine, monkeypatch)
        batch = rows(12)
        batch[4]["name"] = "n0"  # the second batch breaks the unique constraint
        async with engine.connect() as conn:
            with pytest.raises(exc.IntegrityError) as caught:
                await conn.execute(insert(items).returning(items.c.id), batch)
            await conn.rollback()
        assert "INSERT INTO" in str(caught.value)
        assert len(sent) == 2
        # Without a transaction the first batch committed on its own; the rest never ran.
        expected = BATCH_ROWS if isolation_level == "AUTOCOMMIT" else 0
        assert await count_rows(engine, "items") == expected
        stats = engine.pool.stats()
        assert (stats.checked_out, stats.invalidated) == (0, 0)


async def test_cancelled_between_batches_leaves_the_pool_whole(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = await prepared(engine, monkeypatch)
    work: asyncio.Task[None] | None = None

    def cancel_at_the_third_batch(sql: str, params: object) -> None:
        if "INSERT" in sql and len(sent) == 3 and work is not None:
            work.cancel()

    engine.add_listener("before_execute", cancel_at_the_third_batch)

    async def insert_many() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(items), rows(12))

    work = asyncio.create_task(insert_many())
    with pytest.raises(asyncio.CancelledError):
        await work
    assert len(sent) == 3
    stats = engine.pool.stats()
    assert (stats.checked_out, stats.waiting) == (0, 0)
    assert stats.connections == stats.idle
    assert await count_rows(engine, "items") == 0
    async with engine.begin() as conn:
        await conn.execute(insert(items), rows(4))
    assert await count_rows(engine, "items") == 4
