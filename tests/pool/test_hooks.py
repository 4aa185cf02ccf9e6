"""on_connect, on_checkout, on_checkin, and the reset/ping/close callables."""

from __future__ import annotations

import pytest

from tests.pool.conftest import MakePool
from tests.pool.fakes import FakeConnection, FakeConnector, counting_reset


async def test_hooks_run_in_order(make_pool: MakePool) -> None:
    calls: list[str] = []

    async def on_connect(conn: FakeConnection) -> None:
        calls.append(f"connect {conn.number}")

    async def on_checkout(conn: FakeConnection) -> None:
        calls.append(f"checkout {conn.number}")

    async def on_checkin(conn: FakeConnection) -> None:
        calls.append(f"checkin {conn.number} resets={conn.resets}")

    pool = make_pool(
        on_connect=on_connect,
        on_checkout=on_checkout,
        on_checkin=on_checkin,
        reset=counting_reset,
    )
    for _ in range(2):
        async with pool.connection():
            pass
    assert calls == [
        "connect 1",
        "checkout 1",
        "checkin 1 resets=1",
        "checkout 1",
        "checkin 1 resets=2",
    ]


async def test_a_failing_on_connect_closes_the_connection_and_frees_the_slot(
    make_pool: MakePool, connector: FakeConnector
) -> None:
    async def on_connect(conn: FakeConnection) -> None:
        if conn.number == 1:
            raise RuntimeError("setup failed")

    pool = make_pool(size=1, max_overflow=0, on_connect=on_connect)
    with pytest.raises(RuntimeError, match="setup failed"):
        await pool.acquire()
    assert connector.connections[0].closed
    assert pool.stats().connections == 0
    conn = await pool.acquire()
    assert conn.number == 2
    await pool.release(conn)


async def test_a_failing_on_checkout_closes_that_connection(
    make_pool: MakePool, connector: FakeConnector
) -> None:
    fail = True

    async def on_checkout(conn: FakeConnection) -> None:
        if fail:
            raise RuntimeError("checkout hook failed")

    pool = make_pool(on_checkout=on_checkout)
    with pytest.raises(RuntimeError, match="checkout hook failed"):
        await pool.acquire()
    assert connector.connections[0].closed
    assert pool.stats().connections == 0
    fail = False
    conn = await pool.acquire()
    await pool.release(conn)


async def test_a_failing_on_checkin_closes_that_connection_and_propagates(
    make_pool: MakePool,
) -> None:
    async def on_checkin(conn: FakeConnection) -> None:
        raise RuntimeError("checkin hook failed")

    pool = make_pool(on_checkin=on_checkin)
    conn = await pool.acquire()
    with pytest.raises(RuntimeError, match="checkin hook failed"):
        await pool.release(conn)
    assert conn.closed
    assert pool.stats().connections == 0


async def test_a_failing_reset_closes_the_connection_quietly(
    make_pool: MakePool, caplog: pytest.LogCaptureFixture
) -> None:
    async def reset(conn: FakeConnection) -> None:
        raise RuntimeError("cannot roll back")

    pool = make_pool(reset=reset, name="resetting")
    conn = await pool.acquire()
    await pool.release(conn)
    assert conn.closed
    stats = pool.stats()
    assert (stats.connections, stats.invalidated) == (0, 1)
    assert any("cannot roll back" in r.getMessage() for r in caplog.records)


async def test_reset_on_return_false_skips_the_reset(make_pool: MakePool) -> None:
    pool = make_pool(reset=counting_reset, reset_on_return=False)
    async with pool.connection() as conn:
        pass
    assert conn.resets == 0


async def test_a_connection_of_an_unknown_kind_is_returned_as_it_is(make_pool: MakePool) -> None:
    pool = make_pool()
    async with pool.connection() as conn:
        conn.dirty = True  # the pool cannot know; it neither resets nor checks it
    async with pool.connection() as again:
        assert again is conn
        assert conn.dirty
        conn.dirty = False


async def test_the_close_callable_replaces_the_default_close(make_pool: MakePool) -> None:
    closed: list[int] = []

    async def close(conn: FakeConnection) -> None:
        closed.append(conn.number)

    pool = make_pool(close=close)
    conn = await pool.acquire()
    await pool.release(conn, discard=True)
    assert closed == [1]
    assert not conn.closed  # its own close() was not called


async def test_a_failing_close_is_swallowed(make_pool: MakePool) -> None:
    async def close(conn: FakeConnection) -> None:
        raise OSError("socket already gone")

    pool = make_pool(close=close)
    conn = await pool.acquire()
    await pool.invalidate(conn)
    stats = pool.stats()
    assert (stats.connections, stats.closed) == (0, 1)
