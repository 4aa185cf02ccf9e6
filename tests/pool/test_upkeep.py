"""recycle, max_idle and pre_ping: old, idle and dead connections are replaced unseen."""

from __future__ import annotations

import asyncio

from aorm.pool._upkeep import sweep_period
from tests.pool.conftest import MakePool
from tests.pool.fakes import FakeClock, FakeConnection, liveness_ping, wait_until


async def test_recycle_replaces_an_old_connection_at_checkout(make_pool: MakePool) -> None:
    clock = FakeClock()
    pool = make_pool(recycle=60.0)
    pool._clock = clock
    old = await pool.acquire()
    await pool.release(old)
    clock.advance(61.0)
    fresh = await pool.acquire()
    assert fresh is not old
    assert old.closed
    stats = pool.stats()
    assert (stats.recycled, stats.connections, stats.invalidated) == (1, 1, 0)
    await pool.release(fresh)


async def test_recycle_closes_an_old_connection_when_it_comes_back(make_pool: MakePool) -> None:
    clock = FakeClock()
    pool = make_pool(recycle=60.0)
    pool._clock = clock
    old = await pool.acquire()
    clock.advance(61.0)
    await pool.release(old)
    assert old.closed
    assert pool.stats().idle == 0


async def test_recycle_jitter_retires_a_little_early_never_late(make_pool: MakePool) -> None:
    clock = FakeClock()
    pool = make_pool(size=20, recycle=100.0)
    pool._clock = clock
    conns = [await pool.acquire() for _ in range(20)]
    for conn in conns:
        await pool.release(conn)
    ages = [entry.expires_at - entry.created_at for entry in pool._idle if entry.expires_at]
    assert len(ages) == 20
    assert all(95.0 <= age <= 100.0 for age in ages)
    assert len(set(ages)) > 1
    clock.advance(94.9)
    conn = await pool.acquire()
    assert not conn.closed
    assert conn in conns
    await pool.release(conn)
    clock.advance(5.2)  # 100.1 s: past every connection's age
    fresh = await pool.acquire()
    assert fresh not in conns
    await pool.release(fresh)


async def test_max_idle_closes_idle_connections_above_min_size(make_pool: MakePool) -> None:
    clock = FakeClock()
    pool = make_pool(size=4, min_size=1, max_idle=30.0)
    pool._clock = clock
    await pool.open()
    conns = [await pool.acquire() for _ in range(4)]
    for conn in conns:
        await pool.release(conn)
    clock.advance(10.0)
    recent = await pool.acquire()
    await pool.release(recent)
    clock.advance(25.0)  # the others have idled 35 s, `recent` 25 s
    await pool._sweep()
    stats = pool.stats()
    assert (stats.idle, stats.connections, stats.recycled) == (1, 1, 3)
    assert not recent.closed
    clock.advance(100.0)
    await pool._sweep()
    assert pool.stats().idle == 1  # min_size is kept
    assert not recent.closed


async def test_max_idle_is_enforced_by_a_timer(make_pool: MakePool) -> None:
    pool = make_pool(size=3, max_idle=0.02)
    conns = [await pool.acquire() for _ in range(3)]
    for conn in conns:
        await pool.release(conn)
    await wait_until(lambda: pool.stats().connections == 0)
    assert all(conn.closed for conn in conns)
    assert pool.stats().recycled == 3


async def test_recycle_is_enforced_by_a_timer_and_min_size_refilled(make_pool: MakePool) -> None:
    pool = make_pool(size=3, min_size=2, recycle=0.02)
    await pool.open()
    first = [entry.conn for entry in pool._idle]
    await wait_until(lambda: all(conn.closed for conn in first) and pool.stats().idle == 2)


def test_sweep_period_is_half_the_shortest_limit() -> None:
    assert sweep_period(None, None) is None
    assert sweep_period(60.0, 10.0) == 5.0
    assert sweep_period(3600.0, None) == 60.0
    assert sweep_period(None, 0.001) == 0.01


async def test_pre_ping_replaces_a_dead_connection_unseen(make_pool: MakePool) -> None:
    pool = make_pool(pre_ping=True, ping=liveness_ping)
    conn = await pool.acquire()
    assert conn.pings == 0  # a fresh connection is not pinged
    await pool.release(conn)
    conn.alive = False
    fresh = await pool.acquire()
    assert fresh is not conn
    assert conn.closed
    assert fresh.pings == 0
    stats = pool.stats()
    assert (stats.invalidated, stats.connections) == (1, 1)
    await pool.release(fresh)
    again = await pool.acquire()
    assert again is fresh
    assert fresh.pings == 1
    await pool.release(again)


async def test_pre_ping_treats_a_raising_ping_as_dead(make_pool: MakePool) -> None:
    async def broken_ping(conn: FakeConnection) -> None:
        raise ConnectionResetError("gone")

    pool = make_pool(pre_ping=True, ping=broken_ping)
    conn = await pool.acquire()
    await pool.release(conn)
    fresh = await pool.acquire()
    assert fresh is not conn
    assert conn.closed
    await pool.release(fresh)


async def test_ping_is_unused_without_pre_ping(make_pool: MakePool) -> None:
    pool = make_pool(ping=liveness_ping)
    conn = await pool.acquire()
    await pool.release(conn)
    assert await pool.acquire() is conn
    assert conn.pings == 0
    await pool.release(conn)


async def test_pre_ping_of_a_connection_handed_to_a_waiter(make_pool: MakePool) -> None:
    pool = make_pool(size=1, max_overflow=0, timeout=None, pre_ping=True, ping=liveness_ping)
    held = await pool.acquire()
    waiter = asyncio.create_task(pool.acquire())
    await wait_until(lambda: pool.stats().waiting == 1)
    held.alive = False
    await pool.release(held)
    fresh = await waiter
    assert fresh is not held
    assert held.closed
    await pool.release(fresh)
