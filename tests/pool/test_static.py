"""StaticPool: one shared connection, one task at a time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from aorm.exc import ArgumentError, PoolTimeout
from aorm.pool import BasePool, StaticPool
from tests.pool.fakes import FakeConnection, FakeConnector, counting_reset, wait_until


@pytest.fixture
async def static_pool(connector: FakeConnector) -> AsyncIterator[StaticPool[FakeConnection]]:
    pool: StaticPool[FakeConnection] = StaticPool(
        connector, reset=counting_reset, timeout=None, name="static"
    )
    yield pool
    await pool.dispose()


async def test_every_checkout_gets_the_same_connection(
    static_pool: StaticPool[FakeConnection], connector: FakeConnector
) -> None:
    assert isinstance(static_pool, BasePool)
    async with static_pool.connection() as first:
        pass
    async with static_pool.connection() as second:
        pass
    assert first is second
    assert first.resets == 2
    assert len(connector.connections) == 1
    assert static_pool.stats().max_size == 1


async def test_checkouts_wait_their_turn(static_pool: StaticPool[FakeConnection]) -> None:
    order: list[str] = []
    gate = asyncio.Event()

    async def user(name: str) -> None:
        async with static_pool.connection() as conn:
            order.append(f"{name} in")
            await conn.query(gate if name == "a" else None)
            order.append(f"{name} out")

    first = asyncio.create_task(user("a"))
    await wait_until(lambda: static_pool.stats().checked_out == 1)
    second = asyncio.create_task(user("b"))
    await wait_until(lambda: static_pool.stats().waiting == 1)
    gate.set()
    await asyncio.gather(first, second)
    assert order == ["a in", "a out", "b in", "b out"]


async def test_a_cancelled_holder_gets_the_connection_reset_not_closed(
    static_pool: StaticPool[FakeConnection],
) -> None:
    holding = asyncio.Event()

    async def hold() -> None:
        async with static_pool.connection():
            holding.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(hold())
    await holding.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (entry,) = static_pool._idle
    assert not entry.conn.closed
    assert entry.conn.resets == 1


async def test_a_connection_whose_reset_fails_is_replaced(
    static_pool: StaticPool[FakeConnection],
) -> None:
    in_query = asyncio.Event()

    async def hold() -> None:
        async with static_pool.connection() as conn:
            in_query.set()
            await conn.query(asyncio.Event())  # left mid-query: the reset refuses it

    task = asyncio.create_task(hold())
    await in_query.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert static_pool.stats().connections == 0
    async with static_pool.connection() as conn:
        assert conn.number == 2


async def test_timeout_applies(connector: FakeConnector) -> None:
    async with StaticPool(connector, name="one") as pool, pool.connection():
        with pytest.raises(PoolTimeout, match="'one'"):
            await pool.acquire(timeout=0.01)


async def test_it_cannot_be_resized(static_pool: StaticPool[FakeConnection]) -> None:
    with pytest.raises(ArgumentError, match="exactly one connection"):
        await static_pool.resize(2)
