"""Connection.stream(): rows read in chunks as they are iterated."""

from __future__ import annotations

from typing import Any

import pytest

from aorm import exc
from aorm.engine import Engine
from aorm.sql.text import text

ROWS = 2500


@pytest.fixture
async def numbers(engine: Engine) -> Engine:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE numbers (n INTEGER PRIMARY KEY, label VARCHAR(10))"))
        await conn.execute(
            text("INSERT INTO numbers (n, label) VALUES (:n, :label)"),
            [{"n": n, "label": f"#{n}"} for n in range(ROWS)],
        )
    return engine


SELECT_ALL = text("SELECT n, label FROM numbers ORDER BY n")


async def test_async_for_reads_every_row_in_chunks(numbers: Engine) -> None:
    fetched: list[Any] = []
    seen_sql: list[str] = []
    numbers.add_listener("before_execute", lambda sql, params: seen_sql.append(sql))
    async with numbers.connect() as conn:
        result = await conn.stream(SELECT_ALL, chunk_size=300)
        assert result.keys() == ["n", "label"]
        async for row in result:
            fetched.append(row)
    assert [row.n for row in fetched] == list(range(ROWS))
    assert fetched[7].label == "#7"
    assert len(seen_sql) == 1
    assert numbers.pool.stats().checked_out == 0


async def test_stream_scalars_partitions_and_terminals(numbers: Engine) -> None:
    async with numbers.connect() as conn:
        scalars = await conn.stream_scalars(text("SELECT n FROM numbers ORDER BY n"), chunk_size=7)
        assert [n async for n in scalars] == list(range(ROWS))

        result = await conn.stream(SELECT_ALL, chunk_size=1000)
        sizes = [len(part) async for part in result.partitions(600)]
        assert sizes == [600, 600, 600, 600, 100]

        result = await conn.stream(SELECT_ALL)
        assert list(await result.fetchmany(3)) == [(0, "#0"), (1, "#1"), (2, "#2")]
        assert (await result.fetchone()) == (3, "#3")
        assert len(await result.all()) == ROWS - 4

        first = await (await conn.stream(SELECT_ALL)).first()
        assert first == (0, "#0")
        assert await (await conn.stream(text("SELECT count(*) FROM numbers"))).scalar() == ROWS
        mappings = (await conn.stream(SELECT_ALL)).mappings()
        assert (await mappings.first()) == {"n": 0, "label": "#0"}
        one = await conn.stream(text("SELECT n FROM numbers WHERE n = :n"), {"n": 5})
        assert await one.scalar_one() == 5
        none = await conn.stream(text("SELECT n FROM numbers WHERE n < 0"))
        assert await none.one_or_none() is None
        many = await conn.stream(SELECT_ALL)
        with pytest.raises(exc.MultipleResultsFound):
            await many.one()
        dupes = await conn.stream(text("SELECT n / 1000 FROM numbers ORDER BY n"))
        assert await dupes.scalars().unique().all() == [0, 1, 2]


async def test_a_closed_stream_refuses_more(numbers: Engine) -> None:
    async with numbers.connect() as conn:
        result = await conn.stream(SELECT_ALL, chunk_size=10)
        await result.fetchmany(5)
        await result.close()
        assert result.closed
        with pytest.raises(exc.ResourceClosedError):
            await result.fetchone()
        assert await conn.scalar(text("SELECT 1")) == 1


async def test_ending_the_transaction_closes_open_streams(numbers: Engine) -> None:
    async with numbers.connect() as conn:
        result = await conn.stream(SELECT_ALL, chunk_size=10)
        await result.fetchmany(3)
        await conn.commit()
        with pytest.raises(exc.ResourceClosedError):
            await result.fetchmany(3)


async def test_closing_the_connection_mid_stream_returns_it_cleanly(numbers: Engine) -> None:
    async with numbers.connect() as conn:
        result = await conn.stream(SELECT_ALL, chunk_size=10)
        await result.fetchmany(3)
    assert numbers.pool.stats().checked_out == 0
    async with numbers.begin() as conn:
        await conn.execute(text("DELETE FROM numbers WHERE n < 10"))
    async with numbers.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM numbers")) == ROWS - 10


async def test_a_bad_chunk_size_is_refused(numbers: Engine) -> None:
    async with numbers.connect() as conn:
        with pytest.raises(exc.ArgumentError, match="chunk_size"):
            await conn.stream(SELECT_ALL, chunk_size=0)
