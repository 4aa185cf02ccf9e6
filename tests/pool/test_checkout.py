"""Checkout and checkin: the safe path, the raw pair, reuse, overflow and the bound."""

from __future__ import annotations

import asyncio

import pytest

from aorm.exc import ArgumentError, InvalidStateError
from aorm.pool import PoolState
from tests.pool.conftest import MakePool
from tests.pool.fakes import FakeConnection, FakeConnector, counting_reset, wait_until


async def test_connection_yields_the_raw_connection_and_gives_it_back(
    make_pool: MakePool, connector: FakeConnector
) -> None:
    pool = make_pool(size=2)
    async with pool.connection() as conn:
        assert isinstance(conn, FakeConnection)
        assert pool.stats().checked_out == 1
    stats = pool.stats()
    assert (stats.checked_out, stats.idle, stats.created) == (0, 1, 1)
    async with pool.connection() as again:
        assert again is conn


async def test_first_checkout_opens_the_pool_lazily(make_pool: MakePool) -> None:
    pool = make_pool()
    states = [pool.state]
    conn = await pool.acquire()
    states.append(pool.state)
    assert states == [PoolState.NEW, PoolState.OPEN]
    await pool.release(conn)


async def test_acquire_and_release_pair(make_pool: MakePool) -> None:
    pool = make_pool(size=1)
    conn = await pool.acquire()
    assert pool.stats().checked_out == 1
    await pool.release(conn)
    assert pool.stats().idle == 1


async def test_an_error_in_the_block_still_returns_the_connection_for_reuse(
    make_pool: MakePool,
) -> None:
    pool = make_pool(size=1, reset=counting_reset)
    with pytest.raises(ZeroDivisionError):
        async with pool.connection() as conn:
            1 / 0  # noqa: B018
    assert conn.resets == 1
    assert not conn.closed
    assert pool.stats().idle == 1


async def test_lifo_hands_out_the_most_recently_returned(make_pool: MakePool) -> None:
    pool = make_pool(size=3)
    first, second = await pool.acquire(), await pool.acquire()
    await pool.release(first)
    await pool.release(second)
    assert await pool.acquire() is second


async def test_fifo_rotates_through_idle_connections(make_pool: MakePool) -> None:
    pool = make_pool(size=3, lifo=False)
    first, second = await pool.acquire(), await pool.acquire()
    await pool.release(first)
    await pool.release(second)
    assert await pool.acquire() is first


async def test_overflow_connections_are_closed_when_returned(
    make_pool: MakePool, connector: FakeConnector
) -> None:
    pool = make_pool(size=2, max_overflow=2)
    conns = [await pool.acquire() for _ in range(4)]
    assert pool.stats().overflow == 2
    for conn in conns:
        await pool.release(conn)
    stats = pool.stats()
    assert (stats.idle, stats.connections, stats.closed, stats.overflow) == (2, 2, 2, 0)
    assert [conn.closed for conn in conns] == [False, False, True, True]


async def test_never_more_than_size_plus_overflow_connections(
    make_pool: MakePool, connector: FakeConnector
) -> None:
    pool = make_pool(size=2, max_overflow=3, timeout=None)
    gate = asyncio.Event()
    connector.connect_steps = 2

    async def use() -> None:
        async with pool.connection() as conn:
            await conn.query(gate)

    tasks = [asyncio.create_task(use()) for _ in range(20)]
    await wait_until(lambda: pool.stats().waiting == 15)
    assert pool.stats().connections == 5
    gate.set()
    await asyncio.gather(*tasks)
    assert connector.max_in_use == 5
    stats = pool.stats()
    assert (stats.checked_out, stats.idle, stats.checkouts) == (0, 2, 20)


async def test_releasing_a_connection_twice_is_refused(make_pool: MakePool) -> None:
    pool = make_pool()
    conn = await pool.acquire()
    await pool.release(conn)
    with pytest.raises(ArgumentError, match="not checked out from pool"):
        await pool.release(conn)


async def test_releasing_a_foreign_connection_is_refused(
    make_pool: MakePool, connector: FakeConnector
) -> None:
    pool = make_pool(name="mine")
    await pool.open()
    stranger = await connector()
    with pytest.raises(ArgumentError, match="'mine'"):
        await pool.release(stranger)


async def test_release_with_discard_closes_the_connection(make_pool: MakePool) -> None:
    pool = make_pool(reset=counting_reset)
    conn = await pool.acquire()
    await pool.release(conn, discard=True)
    assert conn.closed
    assert conn.resets == 0
    stats = pool.stats()
    assert (stats.connections, stats.idle, stats.closed) == (0, 0, 1)


async def test_a_connection_context_cannot_be_entered_twice(make_pool: MakePool) -> None:
    pool = make_pool()
    context = pool.connection()
    async with context:
        with pytest.raises(InvalidStateError, match="already in use"):
            await context.__aenter__()
    assert pool.stats().checked_out == 0


async def test_invalidate_a_checked_out_connection_counts_as_its_release(
    make_pool: MakePool,
) -> None:
    pool = make_pool(size=1, max_overflow=0)
    conn = await pool.acquire()
    await pool.invalidate(conn)
    assert conn.closed
    stats = pool.stats()
    assert (stats.checked_out, stats.connections, stats.invalidated) == (0, 0, 1)
    with pytest.raises(ArgumentError):
        await pool.release(conn)
    replacement = await pool.acquire()
    assert replacement is not conn


async def test_invalidate_an_idle_connection(make_pool: MakePool) -> None:
    pool = make_pool()
    conn = await pool.acquire()
    await pool.release(conn)
    await pool.invalidate(conn)
    assert conn.closed
    assert pool.stats().idle == 0


async def test_invalidate_frees_the_slot_for_a_waiter(make_pool: MakePool) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None)
    conn = await pool.acquire()
    waiter = asyncio.create_task(pool.acquire())
    await wait_until(lambda: pool.stats().waiting == 1)
    await pool.invalidate(conn)
    fresh = await waiter
    assert fresh is not conn
    assert not fresh.closed
    await pool.release(fresh)


async def test_invalidate_an_unknown_connection_is_refused(
    make_pool: MakePool, connector: FakeConnector
) -> None:
    pool = make_pool()
    await pool.open()
    with pytest.raises(ArgumentError, match="invalidate"):
        await pool.invalidate(await connector())


async def test_connect_failure_propagates_as_is_and_frees_the_slot(
    make_pool: MakePool, connector: FakeConnector
) -> None:
    pool = make_pool(size=1, max_overflow=0)
    connector.failures.append(ConnectionRefusedError("no server"))
    with pytest.raises(ConnectionRefusedError, match="no server"):
        await pool.acquire()
    assert pool.stats().connections == 0
    conn = await pool.acquire()
    await pool.release(conn)
