"""A connection that dies: DisconnectionError, invalidation, and an engine that keeps serving.

On PostgreSQL the backend is killed with ``pg_terminate_backend``; on SQLite
the aiosqlite connection is closed underneath its user.
"""

from __future__ import annotations

import pytest

from aorm import exc
from aorm.engine import Connection, Engine, Transaction, TransactionState, create_engine
from aorm.sql.text import text
from tests.engine.support import Backend


def is_invalidated(conn: Connection) -> bool:
    """Read fresh on each call (so type narrowing does not carry across awaits)."""
    return conn.invalidated


def state_of(tx: Transaction) -> TransactionState:
    """Read fresh on each call (so type narrowing does not carry across awaits)."""
    return tx.state


async def test_a_connection_killed_while_checked_out(
    engine: Engine, backend_tools: Backend
) -> None:
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT 1")) == 1
        tx = conn.get_transaction()
        await backend_tools.kill(conn.driver_connection)
        with pytest.raises(exc.DisconnectionError) as caught:
            await conn.execute(text("SELECT 1"))
        assert isinstance(caught.value, exc.OperationalError)
        assert caught.value.__cause__ is not None
        assert is_invalidated(conn)
        assert conn.driver_connection is None
        assert tx is not None
        assert state_of(tx) is TransactionState.INACTIVE
        # The slot is free at once, before the connection is closed.
        assert engine.pool.stats().checked_out == 0
        assert engine.pool.stats().invalidated == 1
        with pytest.raises(exc.InvalidStateError, match="inactive"):
            await conn.commit()
        with pytest.raises(exc.InvalidStateError, match="call rollback"):
            await conn.execute(text("SELECT 1"))
        await conn.rollback()
        assert state_of(tx) is TransactionState.ROLLED_BACK
        # The same Connection checks out a fresh driver connection.
        assert await conn.scalar(text("SELECT 2")) == 2
        assert not is_invalidated(conn)
    async with engine.connect() as other:
        assert await other.scalar(text("SELECT 3")) == 3
    stats = engine.pool.stats()
    assert (stats.checked_out, stats.invalidated) == (0, 1)


async def test_a_connection_killed_mid_transaction_commits_nothing(
    engine: Engine, backend_tools: Backend
) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (v INTEGER)"))

    async def insert_twice_dying_between() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (1)"))
            await backend_tools.kill(conn.driver_connection)
            await conn.execute(text("INSERT INTO t VALUES (2)"))

    with pytest.raises(exc.DisconnectionError):
        await insert_twice_dying_between()
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM t")) == 0
    assert engine.pool.stats().checked_out == 0


async def test_a_killed_idle_connection_is_replaced_by_pre_ping(
    db_url: str, backend_tools: Backend
) -> None:
    async with create_engine(db_url, pool_pre_ping=True) as engine:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            raw = conn.driver_connection
        assert engine.pool.stats().idle == 1
        await backend_tools.kill(raw)
        async with engine.connect() as conn:
            assert conn.driver_connection is not raw
            assert await conn.scalar(text("SELECT 1")) == 1
        stats = engine.pool.stats()
        assert (stats.created, stats.checked_out) == (2, 0)


async def test_an_explicit_invalidate(engine: Engine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        raw = conn.driver_connection
        await conn.invalidate()
        assert conn.invalidated
        await conn.rollback()
        assert await conn.scalar(text("SELECT 1")) == 1
        # A healthy connection that was invalidated is closed, never handed out again.
        assert conn.driver_connection is not raw
    stats = engine.pool.stats()
    assert stats.checked_out == 0
    assert stats.invalidated == 1


async def test_a_block_that_swallows_a_disconnection_does_not_pretend_to_commit(
    engine: Engine, backend_tools: Backend
) -> None:
    async def swallow() -> None:
        async with engine.connect() as conn, conn.begin():
            await conn.execute(text("SELECT 1"))
            await backend_tools.kill(conn.driver_connection)
            with pytest.raises(exc.DisconnectionError):
                await conn.execute(text("SELECT 1"))

    with pytest.raises(exc.InvalidStateError, match="could not be committed"):
        await swallow()
    assert engine.pool.stats().checked_out == 0
