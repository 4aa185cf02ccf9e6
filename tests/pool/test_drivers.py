"""The pool over real aiosqlite and asyncpg connections, on both backends."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import aiosqlite
import asyncpg
import pytest

from aorm.pool import NullPool, Pool, StaticPool
from tests.pool.fakes import wait_until


class RawDriver:
    """The few driver calls these tests make, for the backend under test."""

    def __init__(self, backend: str, db_url: str) -> None:
        self.backend = backend
        self.url = db_url
        self.path = db_url.removeprefix("sqlite:///")

    async def connect(self) -> Any:
        if self.backend == "sqlite":
            return await aiosqlite.connect(self.path)
        return await asyncpg.connect(self.url)

    async def execute(self, conn: Any, sql: str) -> None:
        if self.backend == "sqlite":
            await (await conn.execute(sql)).close()
        else:
            await conn.execute(sql)

    async def scalar(self, conn: Any, sql: str) -> Any:
        if self.backend == "sqlite":
            cursor = await conn.execute(sql)
            row = await cursor.fetchone()
            await cursor.close()
            return row[0]
        return await conn.fetchval(sql)

    async def begin(self, conn: Any) -> None:
        # aiosqlite opens a transaction implicitly before the first write.
        if self.backend == "postgresql":
            await conn.execute("BEGIN")

    def in_transaction(self, conn: Any) -> bool:
        if self.backend == "sqlite":
            return bool(conn.in_transaction)
        return bool(conn.is_in_transaction())

    def is_closed(self, conn: Any) -> bool:
        if self.backend == "sqlite":
            return conn._connection is None
        return bool(conn.is_closed())

    async def kill_behind_the_pools_back(self, conn: Any) -> None:
        """Make *conn* dead without the pool knowing."""
        if self.backend == "sqlite":
            await conn.close()
            return
        admin = await asyncpg.connect(self.url)
        try:
            await admin.fetchval("SELECT pg_terminate_backend($1)", conn.get_server_pid())
        finally:
            await admin.close()
        # asyncpg notices once the server has closed the socket.
        await wait_until(conn.is_closed)

    async def wait_until_running(self, conn: Any, text: str, timeout: float = 10.0) -> None:
        """Wait until the server runs a query containing *text* on *conn* (PostgreSQL)."""
        admin = await asyncpg.connect(self.url)
        deadline = time.monotonic() + timeout
        try:
            while not await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE pid = $1 AND state = 'active' AND position($2 in query) > 0",
                conn.get_server_pid(),
                text,
            ):
                assert time.monotonic() < deadline, "query never started"
                await asyncio.sleep(0.005)
        finally:
            await admin.close()


@pytest.fixture
async def driver(backend: str, db_url: str) -> RawDriver:
    """The raw driver for the backend under test, with a committed table ``t``."""
    raw = RawDriver(backend, db_url)
    conn = await raw.connect()
    try:
        await raw.execute(conn, "CREATE TABLE t (x integer)")
        if backend == "sqlite":
            await conn.commit()
    finally:
        await conn.close()
    return raw


async def test_reset_on_return_hides_uncommitted_work(driver: RawDriver) -> None:
    async with Pool(driver.connect, size=1, max_overflow=0) as pool:
        async with pool.connection() as conn:
            await driver.begin(conn)
            await driver.execute(conn, "INSERT INTO t VALUES (1)")
            assert driver.in_transaction(conn)
        async with pool.connection() as same:
            assert same is conn
            assert not driver.in_transaction(same)
            assert await driver.scalar(same, "SELECT count(*) FROM t") == 0


async def test_reset_after_an_error_inside_a_transaction(driver: RawDriver) -> None:
    async with Pool(driver.connect, size=1, max_overflow=0) as pool:
        async with pool.connection() as conn:
            await driver.begin(conn)
            await driver.execute(conn, "INSERT INTO t VALUES (1)")
            with pytest.raises(Exception, match="nope"):
                await driver.execute(conn, "SELECT * FROM nope")
        async with pool.connection() as same:
            assert same is conn
            assert await driver.scalar(same, "SELECT count(*) FROM t") == 0


async def test_pre_ping_replaces_a_dead_idle_connection(driver: RawDriver) -> None:
    async with Pool(driver.connect, pre_ping=True) as pool:
        async with pool.connection() as conn:
            pass
        await driver.kill_behind_the_pools_back(conn)
        async with pool.connection() as fresh:
            assert fresh is not conn
            assert await driver.scalar(fresh, "SELECT 1") == 1
        stats = pool.stats()
        assert (stats.invalidated, stats.connections) == (1, 1)


async def test_pre_ping_keeps_a_live_connection(driver: RawDriver) -> None:
    async with Pool(driver.connect, pre_ping=True) as pool:
        async with pool.connection() as conn:
            pass
        async with pool.connection() as same:
            assert same is conn


async def test_a_holder_cancelled_mid_query_has_its_connection_closed(
    driver: RawDriver,
) -> None:
    entered = threading.Event()
    proceed = threading.Event()

    def block(value: int) -> int:
        entered.set()
        proceed.wait(10)
        return value

    async def long_query(conn: Any) -> None:
        if driver.backend == "sqlite":
            await conn.create_function("block", 1, block)
            await driver.scalar(conn, "SELECT block(1)")
        else:
            await conn.execute("SELECT pg_sleep(30)")

    async with Pool(driver.connect, size=1, max_overflow=0) as pool:
        seen: list[Any] = []

        async def hold() -> None:
            async with pool.connection() as conn:
                seen.append(conn)
                await long_query(conn)

        task = asyncio.create_task(hold())
        if driver.backend == "sqlite":
            await wait_until(entered.is_set)
        else:
            await wait_until(lambda: bool(seen))
            await driver.wait_until_running(seen[0], "pg_sleep")
        task.cancel()
        proceed.set()  # the sqlite thread finishes its call; the close follows it
        with pytest.raises(asyncio.CancelledError):
            await task
        (conn,) = seen
        assert driver.is_closed(conn)
        assert pool.stats().connections == 0
        async with pool.connection() as fresh:
            assert await driver.scalar(fresh, "SELECT 1") == 1


async def test_invalidate_and_dispose_close_real_connections(driver: RawDriver) -> None:
    pool: Pool[Any] = Pool(driver.connect)
    first, second = await pool.acquire(), await pool.acquire()
    await pool.invalidate(first)
    assert driver.is_closed(first)
    await pool.release(second)
    await pool.dispose()
    assert driver.is_closed(second)


async def test_null_pool_opens_and_closes_real_connections(driver: RawDriver) -> None:
    async with NullPool(driver.connect) as pool:
        async with pool.connection() as conn:
            assert await driver.scalar(conn, "SELECT count(*) FROM t") == 0
        assert driver.is_closed(conn)


async def test_many_tasks_share_a_small_pool(driver: RawDriver) -> None:
    async with Pool(driver.connect, size=2, max_overflow=1) as pool:

        async def work(number: int) -> None:
            async with pool.connection() as conn:
                assert await driver.scalar(conn, f"SELECT {number}") == number

        await asyncio.gather(*(work(n) for n in range(30)))
        stats = pool.stats()
        assert stats.checkouts == 30
        assert stats.created <= 3


async def test_asyncpg_reset_clears_session_state(pg_url: str) -> None:
    async def connect() -> asyncpg.Connection[Any]:
        return await asyncpg.connect(pg_url)

    async with Pool(connect, size=1, max_overflow=0) as pool:
        async with pool.connection() as conn:
            await conn.execute("SET application_name = 'dirty'")
            await conn.execute("SELECT pg_advisory_lock(42)")
        async with pool.connection() as same:
            assert same is conn
            assert await same.fetchval("SHOW application_name") != "dirty"
            locks = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = $1"
            assert await same.fetchval(locks, same.get_server_pid()) == 0


async def test_asyncpg_connection_found_closed_is_replaced_without_pre_ping(
    pg_url: str,
) -> None:
    async def connect() -> asyncpg.Connection[Any]:
        return await asyncpg.connect(pg_url)

    raw = RawDriver("postgresql", pg_url)
    async with Pool(connect) as pool:
        async with pool.connection() as conn:
            pass
        await raw.kill_behind_the_pools_back(conn)
        async with pool.connection() as fresh:
            assert fresh is not conn
            assert await fresh.fetchval("SELECT 1") == 1


async def test_static_pool_keeps_an_in_memory_database_across_a_cancellation() -> None:
    entered = threading.Event()
    proceed = threading.Event()

    def block(value: int) -> int:
        entered.set()
        proceed.wait(10)
        return value

    async def connect() -> aiosqlite.Connection:
        return await aiosqlite.connect(":memory:")

    async with StaticPool(connect) as pool:
        async with pool.connection() as conn:
            await conn.execute("CREATE TABLE kept (x integer)")
            await conn.execute("INSERT INTO kept VALUES (1)")
            await conn.commit()
            await conn.create_function("block", 1, block)

        async def hold() -> None:
            async with pool.connection() as conn:
                await conn.execute("INSERT INTO kept VALUES (2)")  # never committed
                await conn.execute("SELECT block(1)")

        task = asyncio.create_task(hold())
        await wait_until(entered.is_set)
        task.cancel()
        proceed.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with pool.connection() as same:
            assert same is conn
            cursor = await same.execute("SELECT count(*) FROM kept")
            assert await cursor.fetchone() == (1,)
            await cursor.close()


async def test_asyncpg_connection_released_while_cancelling_a_query_is_closed(
    pg_url: str,
) -> None:
    async def connect() -> asyncpg.Connection[Any]:
        return await asyncpg.connect(pg_url)

    raw = RawDriver("postgresql", pg_url)
    async with Pool(connect, size=1, max_overflow=0) as pool:
        conn = await pool.acquire()

        async def query_then_release() -> None:
            try:
                await conn.execute("SELECT pg_sleep(30)")
            finally:
                # The raw pair, no discard flag: the pool sees for itself that
                # asyncpg is still cancelling the query.
                await pool.release(conn)

        task = asyncio.create_task(query_then_release())
        await raw.wait_until_running(conn, "pg_sleep")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert conn.is_closed()
        assert pool.stats().connections == 0
        async with pool.connection() as fresh:
            assert await fresh.fetchval("SELECT 1") == 1
