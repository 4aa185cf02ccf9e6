"""stats() and repr(): what an operator sees."""

from __future__ import annotations

import dataclasses

import pytest

from aorm.pool import PoolStats
from tests.pool.conftest import MakePool
from tests.pool.fakes import FakeClock


async def test_stats_is_a_frozen_snapshot(make_pool: MakePool) -> None:
    pool = make_pool(name="snap", size=2, max_overflow=3, min_size=1)
    stats = pool.stats()
    assert isinstance(stats, PoolStats)
    with pytest.raises(dataclasses.FrozenInstanceError):
        stats.idle = 3  # type: ignore[misc]
    assert (stats.name, stats.size, stats.max_overflow, stats.max_size, stats.min_size) == (
        "snap",
        2,
        3,
        5,
        1,
    )


async def test_stats_count_what_happened(make_pool: MakePool) -> None:
    clock = FakeClock()
    pool = make_pool(size=1, max_overflow=1)
    pool._clock = clock
    first = await pool.acquire()
    second = await pool.acquire()
    stats = pool.stats()
    assert (stats.checked_out, stats.overflow, stats.connections, stats.created) == (2, 1, 2, 2)
    clock.advance(2.5)
    await pool.release(first)
    await pool.release(second)  # overflow: closed
    stats = pool.stats()
    assert (stats.idle, stats.checked_out, stats.overflow, stats.closed) == (1, 0, 0, 1)
    assert stats.checkouts == 2
    assert stats.usage_time == pytest.approx(5.0)
    conn = await pool.acquire()
    await pool.invalidate(conn)
    stats = pool.stats()
    assert (stats.invalidated, stats.closed, stats.connections) == (1, 2, 0)


async def test_repr_names_the_pool_and_its_gauges(make_pool: MakePool) -> None:
    pool = make_pool(name="web", size=3, max_overflow=2)
    conn = await pool.acquire()
    text = repr(pool)
    assert text.startswith("<Pool 'web' open")
    for part in ("size=3", "max_overflow=2", "checked_out=1", "idle=0", "waiting=0"):
        assert part in text
    await pool.release(conn)
    assert "idle=1" in repr(pool)


async def test_default_names_are_distinct(make_pool: MakePool) -> None:
    first, second = make_pool(), make_pool()
    assert first.name != second.name
    assert first.name.startswith("Pool-")
