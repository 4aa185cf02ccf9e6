"""open, dispose, drain, resize, min_size, and the event loop a pool belongs to."""

from __future__ import annotations

import asyncio
import logging

import pytest

from aorm.exc import ArgumentError, ResourceClosedError, WrongEventLoopError
from aorm.pool import Pool, PoolState
from tests.pool.conftest import MakePool
from tests.pool.fakes import FakeConnection, FakeConnector, wait_until


async def test_open_opens_min_size_connections(
    make_pool: MakePool, connector: FakeConnector
) -> None:
    pool = make_pool(size=5, min_size=3)
    await pool.open()
    assert pool.state is PoolState.OPEN
    stats = pool.stats()
    assert (stats.idle, stats.connections, stats.created) == (3, 3, 3)
    await pool.open()  # idempotent
    assert pool.stats().created == 3


async def test_open_failure_disposes_the_pool_and_propagates(connector: FakeConnector) -> None:
    async def fail_on_third() -> FakeConnection:
        if len(connector.connections) == 2:
            raise OSError("refused")
        return await connector()

    pool: Pool[FakeConnection] = Pool(fail_on_third, size=5, min_size=3)
    with pytest.raises(OSError, match="refused"):
        await pool.open()
    assert pool.state is PoolState.CLOSED
    assert len(connector.connections) == 2
    assert all(conn.closed for conn in connector.connections)
    assert pool.stats().connections == 0


async def test_async_with_opens_and_disposes(connector: FakeConnector) -> None:
    async with Pool(connector, min_size=2) as pool:
        assert pool.stats().idle == 2
        async with pool.connection():
            pass
    assert pool.state is PoolState.CLOSED
    assert connector.open_now == 0


async def test_lazy_open_warms_min_size_in_the_background(make_pool: MakePool) -> None:
    pool = make_pool(size=5, min_size=3)
    conn = await pool.acquire()
    await wait_until(lambda: pool.stats().connections == 3)
    assert pool.stats().idle == 2
    await pool.release(conn)


async def test_min_size_is_refilled_after_a_connection_is_lost(make_pool: MakePool) -> None:
    pool = make_pool(size=3, min_size=2)
    await pool.open()
    conn = await pool.acquire()
    await pool.invalidate(conn)
    await wait_until(lambda: pool.stats().idle == 2)
    assert pool.stats().created == 3


async def test_min_size_refill_retries_after_connect_failures(
    make_pool: MakePool, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    pool = make_pool(size=3, min_size=2, name="warm")
    pool._refill_backoff = (0.0, 0.0)
    await pool.open()
    conn = await pool.acquire()
    connector.failures = [OSError("down"), OSError("still down")]
    with caplog.at_level(logging.WARNING, logger="aorm.pool"):
        await pool.invalidate(conn)
        await wait_until(lambda: pool.stats().idle == 2)
    assert connector.failures == []
    failures = [r for r in caplog.records if "keep min_size=2 warm" in r.getMessage()]
    assert len(failures) == 2
    assert "'warm'" in failures[0].getMessage()


async def test_dispose_closes_idle_now_and_checked_out_on_return(
    make_pool: MakePool, connector: FakeConnector
) -> None:
    pool = make_pool(size=3, name="shop")
    held, idle = await pool.acquire(), await pool.acquire()
    await pool.release(idle)
    await pool.dispose()
    assert idle.closed
    assert not held.closed
    assert pool.state is PoolState.CLOSED
    await pool.release(held)
    assert held in connector.closed
    assert connector.open_now == 0
    with pytest.raises(ResourceClosedError, match="'shop'"):
        await pool.acquire()
    with pytest.raises(ResourceClosedError, match="'shop'"):
        async with pool.connection():
            pass
    await pool.dispose()  # idempotent


async def test_dispose_fails_waiting_tasks(make_pool: MakePool) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None)
    held = await pool.acquire()
    waiter = asyncio.create_task(pool.acquire())
    await wait_until(lambda: pool.stats().waiting == 1)
    await pool.dispose()
    with pytest.raises(ResourceClosedError):
        await waiter
    await pool.release(held)
    assert held.closed


async def test_dispose_while_a_connect_is_in_flight(
    make_pool: MakePool, connector: FakeConnector
) -> None:
    pool = make_pool()
    connector.gate = asyncio.Event()
    task = asyncio.create_task(pool.acquire())
    await wait_until(lambda: connector.connecting == 1)
    await pool.dispose()
    connector.gate.set()
    with pytest.raises(ResourceClosedError):
        await task
    assert connector.open_now == 0
    assert pool.stats().connections == 0


async def test_dispose_of_a_pool_never_opened(make_pool: MakePool) -> None:
    pool = make_pool()
    await pool.dispose()
    assert pool.state is PoolState.CLOSED
    with pytest.raises(ResourceClosedError):
        await pool.open()


async def test_dispose_cancels_the_background_refill(
    make_pool: MakePool, connector: FakeConnector
) -> None:
    pool = make_pool(size=3, min_size=2)
    connector.gate = asyncio.Event()
    conn_task = asyncio.create_task(pool.acquire())
    await wait_until(lambda: connector.connecting == 2)  # the checkout and the refill
    await pool.dispose()
    connector.gate.set()
    with pytest.raises(ResourceClosedError):
        await conn_task
    assert pool.stats().connections == 0
    assert connector.open_now == 0


def test_a_pool_refuses_a_second_event_loop(connector: FakeConnector) -> None:
    pool: Pool[FakeConnection] = Pool(connector, name="looped")
    own_loop = asyncio.new_event_loop()
    try:

        async def use() -> None:
            async with pool.connection():
                pass

        own_loop.run_until_complete(use())
        conn = own_loop.run_until_complete(pool.acquire())

        async def misuse_from_another_loop() -> None:
            with pytest.raises(WrongEventLoopError, match=r"'looped'.*one pool per event loop"):
                await pool.acquire()
            with pytest.raises(WrongEventLoopError):
                async with pool.connection():
                    pass
            with pytest.raises(WrongEventLoopError):
                await pool.release(conn)
            with pytest.raises(WrongEventLoopError):
                await pool.dispose()
            with pytest.raises(WrongEventLoopError):
                await pool.open()

        asyncio.run(misuse_from_another_loop())
        own_loop.run_until_complete(pool.release(conn))
        own_loop.run_until_complete(pool.dispose())
    finally:
        own_loop.close()
    assert connector.open_now == 0


async def test_drain_replaces_every_connection(
    make_pool: MakePool, connector: FakeConnector
) -> None:
    pool = make_pool(size=3, min_size=1)
    await pool.open()
    held = await pool.acquire()
    spare = await pool.acquire()
    await pool.release(spare)
    await pool.drain()
    assert spare.closed
    assert not held.closed
    await pool.release(held)
    assert held in connector.closed
    await wait_until(lambda: pool.stats().idle == 1)
    fresh = await pool.acquire()
    assert fresh not in (held, spare)
    await pool.release(fresh)


async def test_drain_replaces_a_connection_handed_to_a_waiter(make_pool: MakePool) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None)
    held = await pool.acquire()
    waiter = asyncio.create_task(pool.acquire())
    await wait_until(lambda: pool.stats().waiting == 1)
    await pool.drain()
    await pool.release(held)
    fresh = await waiter
    assert fresh is not held
    assert held.closed
    await pool.release(fresh)


async def test_resize_up_serves_waiters_at_once(make_pool: MakePool) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None)
    held = await pool.acquire()
    waiters = [asyncio.create_task(pool.acquire()) for _ in range(2)]
    await wait_until(lambda: pool.stats().waiting == 2)
    await pool.resize(3)
    got = await asyncio.gather(*waiters)
    assert len({id(conn) for conn in got}) == 2
    stats = pool.stats()
    assert (stats.size, stats.max_size, stats.connections) == (3, 3, 3)
    for conn in [held, *got]:
        await pool.release(conn)
    assert pool.stats().idle == 3


async def test_resize_down_closes_surplus_now_and_on_return(make_pool: MakePool) -> None:
    pool = make_pool(size=4, max_overflow=0)
    conns = [await pool.acquire() for _ in range(4)]
    for conn in conns[:2]:
        await pool.release(conn)
    await pool.resize(1, max_overflow=1)
    stats = pool.stats()
    assert (stats.size, stats.max_overflow, stats.max_size) == (1, 1, 2)
    assert stats.idle == 0
    assert stats.connections == 2
    await pool.release(conns[2])
    await pool.release(conns[3])
    stats = pool.stats()
    assert (stats.connections, stats.idle) == (1, 1)
    assert sum(conn.closed for conn in conns) == 3


async def test_resize_checks_its_arguments(make_pool: MakePool) -> None:
    pool = make_pool(size=3, min_size=2)
    with pytest.raises(ArgumentError, match="min_size=2 cannot exceed size=1"):
        await pool.resize(1)
    with pytest.raises(ArgumentError, match="max_overflow"):
        await pool.resize(3, max_overflow=-1)
    await pool.resize(4)
    assert pool.stats().size == 4
