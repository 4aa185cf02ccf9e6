"""``sqlite:///:memory:``: one shared connection that outlives faults it can recover from."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from aorm.engine import Connection, Engine, create_engine
from aorm.pool import StaticPool
from aorm.sql.text import text
from tests.engine.support import Backend

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
async def memory() -> AsyncIterator[Engine]:
    async with create_engine("sqlite:///:memory:") as engine:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v INTEGER)"))
            await conn.execute(text("INSERT INTO t (v) VALUES (1)"))
        yield engine


async def test_every_connection_sees_the_same_database(memory: Engine) -> None:
    assert isinstance(memory.pool, StaticPool)
    for _ in range(3):
        async with memory.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM t")) == 1


async def test_a_cancelled_query_does_not_lose_the_database(memory: Engine) -> None:
    tools = Backend("sqlite", "sqlite:///:memory:")
    running = asyncio.Event()
    held: list[Connection] = []

    async def work() -> None:
        async with memory.connect() as conn:
            await tools.prepare_slow(conn)
            await conn.execute(text("INSERT INTO t (v) VALUES (2)"))
            held.append(conn)
            running.set()
            await conn.execute(text(tools.slow_sql))

    task = asyncio.create_task(work())
    await running.wait()
    await tools.wait_running(held[0], tools.slow_sql)
    task.cancel()
    tools.release_slow()
    with pytest.raises(asyncio.CancelledError):
        await task
    stats = memory.pool.stats()
    assert (stats.checked_out, stats.invalidated) == (0, 0)
    async with memory.connect() as conn:
        assert (await conn.execute(text("SELECT v FROM t"))).scalars().all() == [1]
