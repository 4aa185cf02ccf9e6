"""NullPool: a new connection per checkout, closed on release, still bounded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from aorm.exc import ArgumentError, PoolTimeout, ResourceClosedError
from aorm.pool import BasePool, NullPool
from tests.pool.fakes import FakeConnection, FakeConnector, wait_until


@pytest.fixture
async def null_pool(connector: FakeConnector) -> AsyncIterator[NullPool[FakeConnection]]:
    pool: NullPool[FakeConnection] = NullPool(
        connector, size=1, max_overflow=1, timeout=None, name="null"
    )
    yield pool
    await pool.dispose()


async def test_every_checkout_opens_a_new_connection_closed_on_release(
    null_pool: NullPool[FakeConnection], connector: FakeConnector
) -> None:
    assert isinstance(null_pool, BasePool)
    async with null_pool.connection() as first:
        assert null_pool.stats().checked_out == 1
    async with null_pool.connection() as second:
        pass
    assert first is not second
    assert first.closed
    assert second.closed
    stats = null_pool.stats()
    assert (stats.idle, stats.connections, stats.created, stats.closed) == (0, 0, 2, 2)


async def test_it_is_bounded_and_waiters_get_fresh_connections_in_order(
    null_pool: NullPool[FakeConnection], connector: FakeConnector
) -> None:
    held = [await null_pool.acquire(), await null_pool.acquire()]
    waiters = [asyncio.create_task(null_pool.acquire()) for _ in range(3)]
    await wait_until(lambda: null_pool.stats().waiting == 3)
    await null_pool.release(held[0])
    first = await waiters[0]
    assert first not in held
    assert not waiters[1].done()
    await null_pool.release(held[1])
    await null_pool.release(first)
    rest = await asyncio.gather(*waiters[1:])
    for conn in rest:
        await null_pool.release(conn)
    assert connector.max_in_use == 2
    assert connector.open_now == 0


async def test_timeouts_and_dispose_work_as_for_pool(connector: FakeConnector) -> None:
    pool: NullPool[FakeConnection] = NullPool(connector, size=1, max_overflow=0, name="n")
    held = await pool.acquire()
    with pytest.raises(PoolTimeout, match="'n'"):
        await pool.acquire(timeout=0.01)
    await pool.dispose()
    with pytest.raises(ResourceClosedError):
        await pool.acquire()
    await pool.release(held)
    assert held.closed


async def test_a_cancelled_holder_frees_its_slot(
    null_pool: NullPool[FakeConnection],
) -> None:
    started = asyncio.Event()

    async def hold() -> None:
        async with null_pool.connection() as conn:
            started.set()
            await conn.query(asyncio.Event())

    task = asyncio.create_task(hold())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert null_pool.stats().connections == 0


async def test_hooks_run(connector: FakeConnector) -> None:
    seen: list[str] = []

    async def on_connect(conn: FakeConnection) -> None:
        seen.append("connect")

    async def on_checkout(conn: FakeConnection) -> None:
        seen.append("checkout")

    pool: NullPool[FakeConnection] = NullPool(
        connector, on_connect=on_connect, on_checkout=on_checkout
    )
    async with pool, pool.connection():
        pass
    assert seen == ["connect", "checkout"]


async def test_options_are_checked(connector: FakeConnector) -> None:
    with pytest.raises(ArgumentError, match="max_overflow"):
        NullPool(connector, max_overflow=-2)
