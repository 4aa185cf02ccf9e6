"""warn_held_after: leak warnings naming the holder and the acquire site."""

from __future__ import annotations

import asyncio
import logging

import pytest

from aorm.exc import PoolTimeout
from tests.pool.conftest import MakePool
from tests.pool.fakes import wait_until


async def test_a_connection_held_too_long_logs_a_warning_with_task_and_site(
    make_pool: MakePool, caplog: pytest.LogCaptureFixture
) -> None:
    pool = make_pool(name="leaky", warn_held_after=0.01)
    release = asyncio.Event()

    async def forgetful_handler() -> None:
        async with pool.connection():
            await release.wait()

    with caplog.at_level(logging.WARNING, logger="aorm.pool"):
        task = asyncio.create_task(forgetful_handler(), name="handler-7")
        await wait_until(lambda: any("held for more" in r.getMessage() for r in caplog.records))
        release.set()
        await task
    (record,) = [r for r in caplog.records if "held for more" in r.getMessage()]
    message = record.getMessage()
    assert record.name == "aorm.pool"
    assert "'leaky'" in message
    assert "task 'handler-7'" in message
    assert "test_tracking.py:" in message
    assert "in forgetful_handler" in message


async def test_no_warning_for_a_connection_returned_in_time(
    make_pool: MakePool, caplog: pytest.LogCaptureFixture
) -> None:
    pool = make_pool(warn_held_after=0.01)
    with caplog.at_level(logging.WARNING, logger="aorm.pool"):
        async with pool.connection():
            pass
        conn = await pool.acquire()
        await pool.release(conn)
        await asyncio.sleep(0.03)  # the timer's moment passes with nothing held
    assert not [r for r in caplog.records if "held for more" in r.getMessage()]
    assert all(entry.leak_timer is None and entry.site is None for entry in pool._idle)


async def test_the_timeout_message_names_the_acquire_site(make_pool: MakePool) -> None:
    pool = make_pool(size=1, max_overflow=0, warn_held_after=60)

    async def hold_it() -> None:
        await pool.acquire()

    await asyncio.create_task(hold_it(), name="hoarder")
    with pytest.raises(PoolTimeout) as caught:
        await pool.acquire(timeout=0.01)
    message = str(caught.value)
    assert "task 'hoarder'" in message
    assert "acquired at" in message
    assert "in hold_it" in message
    assert "set warn_held_after" not in message
    (entry,) = pool._checked_out.values()
    await pool.release(entry.conn)


async def test_without_warn_held_after_no_site_is_captured(make_pool: MakePool) -> None:
    pool = make_pool()
    conn = await pool.acquire()
    (entry,) = pool._checked_out.values()
    assert entry.site is None
    assert entry.leak_timer is None
    await pool.release(conn)
