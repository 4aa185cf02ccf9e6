"""Waiting for a connection: first come first served, timeouts, max_waiting, the hand-off."""

from __future__ import annotations

import asyncio
import math

import pytest

from aorm.exc import ArgumentError, PoolOverloaded, PoolTimeout
from aorm.pool._waiting import Nothing, WaitQueue
from tests.pool.conftest import MakePool
from tests.pool.fakes import FakeConnection, wait_until


async def test_waiters_are_served_first_come_first_served(make_pool: MakePool) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None)
    held = await pool.acquire()
    order: list[int] = []

    async def wait_in_line(number: int) -> None:
        async with pool.connection():
            order.append(number)

    tasks = []
    for number in range(10):
        tasks.append(asyncio.create_task(wait_in_line(number)))
        await wait_until(lambda: pool.stats().waiting == len(tasks))
    await pool.release(held)
    await asyncio.gather(*tasks)
    assert order == list(range(10))


async def test_a_newcomer_does_not_jump_the_queue(make_pool: MakePool) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None)
    held = await pool.acquire()
    first = asyncio.create_task(pool.acquire())
    await wait_until(lambda: pool.stats().waiting == 1)
    # Released and immediately asked for again by the releasing task: the
    # connection was handed to the waiter, so the newcomer must queue.
    await pool.release(held)
    newcomer = asyncio.create_task(pool.acquire())
    got = await first
    assert got is held
    assert not newcomer.done()
    await pool.release(got)
    await pool.release(await newcomer)


async def test_timeout_raises_pool_timeout_naming_the_pool_and_holders(
    make_pool: MakePool,
) -> None:
    pool = make_pool(name="orders", size=1, max_overflow=1, timeout=0.05)
    first, second = await pool.acquire(), await pool.acquire()
    other_waiter = asyncio.create_task(pool.acquire(timeout=math.inf), name="patient")
    await wait_until(lambda: pool.stats().waiting == 1)
    with pytest.raises(PoolTimeout) as caught:
        await pool.acquire()
    message = str(caught.value)
    assert "'orders'" in message
    assert "size=1" in message
    assert "max_overflow=1" in message
    assert "timeout=0.05" in message
    assert "1 other tasks still waiting" in message
    assert "2 connections checked out" in message
    current = asyncio.current_task()
    assert current is not None
    assert f"task {current.get_name()!r} for " in message
    assert isinstance(caught.value, TimeoutError)
    stats = pool.stats()
    assert (stats.timeouts, stats.waiting) == (1, 1)
    assert stats.wait_time >= 0.04
    await pool.release(first)
    await pool.release(await other_waiter)
    await pool.release(second)


async def test_per_call_timeout_overrides_the_pool_timeout(make_pool: MakePool) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None)
    held = await pool.acquire()
    with pytest.raises(PoolTimeout, match=r"timeout=0\.01 s"):
        await pool.acquire(timeout=0.01)
    await pool.release(held)


async def test_timeout_zero_fails_at_once_when_nothing_is_free(make_pool: MakePool) -> None:
    pool = make_pool(size=1, max_overflow=0)
    held = await pool.acquire()
    with pytest.raises(PoolTimeout):
        await pool.acquire(timeout=0)
    await pool.release(held)
    conn = await pool.acquire(timeout=0)
    await pool.release(conn)


async def test_a_bad_timeout_is_refused(make_pool: MakePool) -> None:
    pool = make_pool()
    with pytest.raises(ArgumentError, match="timeout"):
        await pool.acquire(timeout=-1)


async def test_a_timed_out_waiter_never_receives_the_connection_freed_at_that_moment(
    make_pool: MakePool,
) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None)
    held = await pool.acquire()
    impatient = asyncio.create_task(pool.acquire(timeout=0.02))
    await wait_until(lambda: pool.stats().waiting == 1)
    patient = asyncio.create_task(pool.acquire())
    await wait_until(lambda: pool.stats().waiting == 2)
    # The timer has failed the impatient waiter but it has not run since:
    # release now, in the same instant, before it wakes up.
    await wait_until(lambda: pool.stats().timeouts == 1)
    assert not impatient.done()
    await pool.release(held)
    with pytest.raises(PoolTimeout):
        await impatient
    assert await patient is held
    await pool.release(held)
    assert pool.stats().checked_out == 0


async def test_a_timed_out_waiter_takes_no_slot(make_pool: MakePool) -> None:
    pool = make_pool(size=1, max_overflow=0)
    held = await pool.acquire()
    for _ in range(3):
        with pytest.raises(PoolTimeout):
            await pool.acquire(timeout=0.001)
    stats = pool.stats()
    assert (stats.connections, stats.waiting, stats.timeouts) == (1, 0, 3)
    await pool.release(held)
    assert await pool.acquire(timeout=0) is held
    await pool.release(held)


async def test_max_waiting_refuses_extra_waiters_at_once(make_pool: MakePool) -> None:
    pool = make_pool(name="busy", size=1, max_overflow=0, max_waiting=2, timeout=None)
    held = await pool.acquire()
    waiters = [asyncio.create_task(pool.acquire()) for _ in range(2)]
    await wait_until(lambda: pool.stats().waiting == 2)
    with pytest.raises(PoolOverloaded, match=r"'busy'.*2 tasks.*max_waiting=2"):
        await pool.acquire()
    assert pool.stats().overloaded == 1
    await pool.release(held)
    for waiter in waiters:
        await pool.release(await waiter)


async def test_max_waiting_zero_never_queues(make_pool: MakePool) -> None:
    pool = make_pool(size=1, max_overflow=0, max_waiting=0)
    held = await pool.acquire()
    with pytest.raises(PoolOverloaded):
        await pool.acquire()
    await pool.release(held)


async def test_a_freed_slot_goes_to_the_first_waiter(make_pool: MakePool) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None)
    held = await pool.acquire()
    waiter = asyncio.create_task(pool.acquire())
    await wait_until(lambda: pool.stats().waiting == 1)
    await pool.release(held, discard=True)
    fresh = await waiter
    assert fresh is not held
    assert pool.stats().connections == 1
    await pool.release(fresh)


async def test_wait_queue_hands_over_only_to_live_waiters() -> None:
    loop = asyncio.get_running_loop()
    queue: WaitQueue[str] = WaitQueue()
    gone = queue.join(loop, None, lambda: PoolTimeout("t"))
    live = queue.join(loop, None, lambda: PoolTimeout("t"))
    gone.future.cancel()
    assert queue.hand_over("conn")
    assert live.future.result() == "conn"
    assert not queue.hand_over("another")
    assert len(queue) == 0


async def test_wait_queue_leave_returns_what_was_handed_over() -> None:
    loop = asyncio.get_running_loop()
    queue: WaitQueue[FakeConnection | None] = WaitQueue()
    waiter = queue.join(loop, None, lambda: PoolTimeout("t"))
    assert queue.hand_over(None)
    assert queue.leave(waiter) is None
    expired = queue.join(loop, 0, lambda: PoolTimeout("t"))
    await wait_until(expired.future.done)
    assert len(queue) == 0
    assert isinstance(queue.leave(expired), Nothing)
    assert not queue.hand_over(None)
