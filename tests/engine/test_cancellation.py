"""A task cancelled anywhere leaves the pool whole and commits nothing partial."""

from __future__ import annotations

import asyncio

import pytest

from aorm.engine import Connection, Engine, create_engine
from aorm.sql.text import text
from tests.engine.support import Backend, count_rows, wait_until

INSERT = text("INSERT INTO t (v) VALUES (:v)")


@pytest.fixture
async def table(engine: Engine) -> Engine:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (v INTEGER)"))
    return engine


async def assert_pool_whole(engine: Engine) -> None:
    stats = engine.pool.stats()
    assert (stats.checked_out, stats.waiting) == (0, 0)
    assert stats.connections == stats.idle
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT 1")) == 1


class Worker:
    """Runs a unit of work in a task and exposes its connection once it has one."""

    def __init__(self) -> None:
        self.connected = asyncio.Event()
        self.conn: Connection | None = None

    def connection(self) -> Connection:
        assert self.conn is not None
        return self.conn


async def test_cancelled_mid_query(table: Engine, backend_tools: Backend) -> None:
    worker = Worker()

    async def work() -> None:
        async with table.connect() as conn:
            await backend_tools.prepare_slow(conn)
            await conn.execute(INSERT, {"v": 1})
            worker.conn = conn
            worker.connected.set()
            await conn.execute(text(backend_tools.slow_sql))
            await conn.commit()

    task = asyncio.create_task(work())
    await worker.connected.wait()
    await backend_tools.wait_running(worker.connection(), backend_tools.slow_sql)
    task.cancel()
    backend_tools.release_slow()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert worker.connection().closed
    await assert_pool_whole(table)
    assert await count_rows(table, "t") == 0


async def test_cancelled_mid_commit(table: Engine, backend_tools: Backend) -> None:
    worker = Worker()

    async def work() -> None:
        async with table.connect() as conn:
            await backend_tools.prepare_slow_commit(conn, "t")
            await conn.commit()
            await conn.execute(INSERT, {"v": 1})
            await conn.execute(INSERT, {"v": 2})
            await backend_tools.arm_slow_commit(conn)
            worker.conn = conn
            worker.connected.set()
            await conn.commit()

    task = asyncio.create_task(work())
    await worker.connected.wait()
    await backend_tools.wait_running(worker.connection(), "COMMIT")
    task.cancel()
    backend_tools.release_slow()
    with pytest.raises(asyncio.CancelledError):
        await task
    await assert_pool_whole(table)
    assert await count_rows(table, "t") == 0


async def test_cancelled_inside_a_transaction_between_statements(table: Engine) -> None:
    inside = asyncio.Event()
    never = asyncio.Event()

    async def work() -> None:
        async with table.begin() as conn:
            await conn.execute(INSERT, {"v": 1})
            inside.set()
            await never.wait()

    task = asyncio.create_task(work())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await assert_pool_whole(table)
    # Rolled back, not thrown away: nothing was in flight.
    assert table.pool.stats().invalidated == 0
    assert await count_rows(table, "t") == 0


async def test_cancelled_while_waiting_for_a_connection(db_url: str) -> None:
    async with create_engine(db_url, pool_size=1, max_overflow=0) as engine:
        holder = await engine.connect()
        waiter = asyncio.create_task(engine.connect().start())

        async def queued() -> bool:
            return engine.pool.stats().waiting == 1

        await wait_until(queued, "the second checkout to queue")
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        stats = engine.pool.stats()
        assert (stats.waiting, stats.checked_out) == (0, 1)
        await holder.close()
        await assert_pool_whole(engine)


async def test_cancelled_while_closing_still_returns_the_connection(table: Engine) -> None:
    closing = asyncio.Event()

    async def work() -> None:
        conn = await table.connect()
        await conn.execute(INSERT, {"v": 1})
        closing.set()
        await conn.close()

    task = asyncio.create_task(work())
    await closing.wait()
    task.cancel()
    # The cancellation arrives during the (shielded) hand-back, which finishes first.
    with pytest.raises(asyncio.CancelledError):
        await task
    await assert_pool_whole(table)
    assert await count_rows(table, "t") == 0
