"""Cancellation at every point of a checkout leaves the pool whole."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import pytest

from aorm.pool import Pool
from tests.pool.conftest import MakePool
from tests.pool.fakes import (
    FakeConnection,
    FakeConnector,
    counting_reset,
    liveness_ping,
    wait_until,
)


async def test_a_waiter_cancelled_while_waiting_takes_no_slot(make_pool: MakePool) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None)
    held = await pool.acquire()
    waiter = asyncio.create_task(pool.acquire())
    await wait_until(lambda: pool.stats().waiting == 1)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert pool.stats().waiting == 0
    await pool.release(held)
    stats = pool.stats()
    assert (stats.idle, stats.connections, stats.checked_out) == (1, 1, 0)


async def test_a_connection_handed_to_a_waiter_as_it_is_cancelled_goes_to_the_next(
    make_pool: MakePool,
) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None)
    held = await pool.acquire()
    first = asyncio.create_task(pool.acquire())
    await wait_until(lambda: pool.stats().waiting == 1)
    second = asyncio.create_task(pool.acquire())
    await wait_until(lambda: pool.stats().waiting == 2)
    await pool.release(held)  # handed to `first`, which has not run since
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await second is held
    await pool.release(held)
    assert pool.stats().checked_out == 0


async def test_a_connection_handed_to_a_cancelled_last_waiter_goes_back_to_idle(
    make_pool: MakePool,
) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None)
    held = await pool.acquire()
    waiter = asyncio.create_task(pool.acquire())
    await wait_until(lambda: pool.stats().waiting == 1)
    await pool.release(held)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    stats = pool.stats()
    assert (stats.idle, stats.checked_out, stats.connections) == (1, 0, 1)
    assert not held.closed


async def test_a_slot_handed_to_a_cancelled_waiter_goes_to_the_next(
    make_pool: MakePool,
) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None)
    held = await pool.acquire()
    first = asyncio.create_task(pool.acquire())
    await wait_until(lambda: pool.stats().waiting == 1)
    second = asyncio.create_task(pool.acquire())
    await wait_until(lambda: pool.stats().waiting == 2)
    await pool.release(held, discard=True)  # the freed slot goes to `first`
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    fresh = await second
    assert fresh is not held
    assert pool.stats().connections == 1
    await pool.release(fresh)


async def test_a_holder_cancelled_mid_query_gets_its_connection_closed_and_replaced(
    make_pool: MakePool,
) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None, reset=counting_reset)
    in_query = asyncio.Event()
    never = asyncio.Event()
    seen: list[FakeConnection] = []

    async def hold() -> None:
        async with pool.connection() as conn:
            seen.append(conn)
            in_query.set()
            await conn.query(never)

    holder = asyncio.create_task(hold())
    await in_query.wait()
    holder.cancel()
    with pytest.raises(asyncio.CancelledError):
        await holder
    (conn,) = seen
    assert conn.closed
    assert conn.resets == 0
    stats = pool.stats()
    assert (stats.checked_out, stats.connections, stats.closed) == (0, 0, 1)
    async with pool.connection() as replacement:
        assert replacement is not conn
        await replacement.query()


async def test_a_holder_cancelled_mid_query_hands_the_slot_to_a_waiter(
    make_pool: MakePool,
) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None)
    in_query = asyncio.Event()

    async def hold() -> None:
        async with pool.connection() as conn:
            in_query.set()
            await conn.query(asyncio.Event())

    holder = asyncio.create_task(hold())
    await in_query.wait()
    waiter = asyncio.create_task(pool.acquire())
    await wait_until(lambda: pool.stats().waiting == 1)
    holder.cancel()
    fresh = await waiter
    assert not fresh.dirty
    assert not fresh.closed
    await pool.release(fresh)


async def test_a_cancelled_connect_frees_its_slot(
    make_pool: MakePool, connector: FakeConnector
) -> None:
    pool = make_pool(size=1, max_overflow=0)
    connector.gate = asyncio.Event()
    task = asyncio.create_task(pool.acquire())
    await wait_until(lambda: connector.connecting == 1)
    assert pool.stats().connections == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pool.stats().connections == 0
    connector.gate = None
    conn = await pool.acquire()
    await pool.release(conn)


async def test_a_release_cancelled_mid_reset_closes_the_connection(
    make_pool: MakePool,
) -> None:
    resetting = asyncio.Event()

    async def slow_reset(conn: FakeConnection) -> None:
        resetting.set()
        await asyncio.Event().wait()

    pool = make_pool(size=1, reset=slow_reset)
    conn = await pool.acquire()
    releaser = asyncio.create_task(pool.release(conn))
    await resetting.wait()
    releaser.cancel()
    with pytest.raises(asyncio.CancelledError):
        await releaser
    assert conn.closed
    stats = pool.stats()
    assert (stats.checked_out, stats.connections, stats.idle) == (0, 0, 0)


async def test_a_close_interrupted_by_cancellation_still_completes(
    make_pool: MakePool, connector: FakeConnector
) -> None:
    pool = make_pool(size=1)
    connector.close_steps = 5
    conn = await pool.acquire()
    releaser = asyncio.create_task(pool.release(conn, discard=True))
    await asyncio.sleep(0)
    releaser.cancel()
    with pytest.raises(asyncio.CancelledError):
        await releaser
    assert conn.closed
    assert pool.stats().connections == 0


async def test_a_checkout_cancelled_during_pre_ping_closes_that_connection(
    make_pool: MakePool,
) -> None:
    pinging = asyncio.Event()

    async def slow_ping(conn: FakeConnection) -> bool:
        pinging.set()
        await asyncio.Event().wait()
        return True

    pool = make_pool(size=1, pre_ping=True, ping=slow_ping)
    conn = await pool.acquire()  # fresh: not pinged
    await pool.release(conn)
    task = asyncio.create_task(pool.acquire())
    await pinging.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert conn.closed
    assert pool.stats().connections == 0


@pytest.mark.parametrize("seed", [20240611, 7, 1234])
async def test_cancellation_storm_leaves_the_pool_whole(seed: int) -> None:
    rng = random.Random(seed)
    # What each task is doing right now, as far as the test can see.
    doing: dict[object, str] = {}
    cancelled_while: Counter[str] = Counter()

    async def reset(conn: FakeConnection) -> None:
        task = asyncio.current_task()
        before = doing.get(task, "")
        doing[task] = "resetting"
        try:
            await counting_reset(conn)
        finally:
            doing[task] = before

    class TrackingConnector(FakeConnector):
        async def __call__(self) -> FakeConnection:
            task = asyncio.current_task()
            before = doing.get(task, "")
            doing[task] = "connecting"
            try:
                return await super().__call__()
            finally:
                doing[task] = before

    tracking = TrackingConnector()
    tracking.connect_steps = 3
    tracking.close_steps = 2
    pool = Pool(
        tracking,
        size=4,
        max_overflow=4,
        timeout=None,
        reset=reset,
        pre_ping=True,
        ping=liveness_ping,
    )

    async def worker() -> None:
        task = asyncio.current_task()
        for _ in range(rng.randint(1, 4)):
            doing[task] = "waiting"
            async with pool.connection() as conn:
                assert not conn.dirty
                assert not conn.closed
                doing[task] = "holding"
                await asyncio.sleep(0)
                doing[task] = "mid-query"
                await conn.query(steps=rng.randint(0, 6))
                doing[task] = "holding"
                if rng.random() < 0.2:
                    conn.alive = False  # the next pre-ping finds it dead
            doing[task] = "between checkouts"
            await asyncio.sleep(0)

    async def cancel_at_a_random_moment(victim: asyncio.Task[None]) -> None:
        target = rng.choice(["waiting", "connecting", "holding", "mid-query", "resetting"])
        for _ in range(rng.randint(0, 3000)):
            if victim.done():
                return
            if doing.get(victim) == target:
                for _ in range(rng.randint(0, 2)):
                    await asyncio.sleep(0)
                break
            await asyncio.sleep(0)
        if not victim.done():
            cancelled_while[doing.get(victim, "starting")] += 1
            victim.cancel()

    tasks = [asyncio.create_task(worker()) for _ in range(400)]
    cancellers = [
        asyncio.create_task(cancel_at_a_random_moment(victim)) for victim in rng.sample(tasks, 160)
    ]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.gather(*cancellers)

    errors = [r for r in results if r is not None and not isinstance(r, asyncio.CancelledError)]
    assert errors == []
    for phase in ("waiting", "connecting", "holding", "mid-query", "resetting"):
        assert cancelled_while[phase] > 0, (phase, cancelled_while)
    assert tracking.cancelled_connects > 0
    stats = pool.stats()
    assert stats.checked_out == 0
    assert stats.waiting == 0
    assert stats.connections == stats.idle <= stats.size
    assert stats.created - stats.closed == stats.idle
    assert tracking.open_now == stats.idle
    assert tracking.max_in_use <= stats.max_size
    assert all(not entry.conn.dirty and not entry.conn.closed for entry in pool._idle)
    await pool.dispose()
    assert tracking.open_now == 0
