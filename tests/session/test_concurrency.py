"""One task at a time: concurrent use fails fast; cancellation leaves nothing half-done."""

from __future__ import annotations

import asyncio
import time

import pytest

from aorm.engine import Engine, create_engine
from aorm.exc import ConcurrentUseError, DisconnectionError, PendingRollbackError
from aorm.session import AsyncSession, inspect
from aorm.sql.select import select
from aorm.sql.text import text
from tests.engine.support import Backend
from tests.session.conftest import loaded
from tests.session.models import User

#: Seconds a deterministic wait may take before the test fails instead of hanging.
WAIT_LIMIT = 10.0


class Hold:
    """A session listener that parks the operation calling it until released."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, session: AsyncSession) -> None:
        self.entered.set()
        await self.release.wait()

    async def wait_entered(self) -> None:
        """Wait (bounded) until an operation is parked here."""
        async with asyncio.timeout(WAIT_LIMIT):
            await self.entered.wait()


async def _committed_users(engine: Engine) -> int:
    async with engine.connect() as conn:
        value = await conn.scalar(text("SELECT count(*) FROM users"))
        await conn.rollback()
    return int(value)


async def test_second_task_gets_concurrent_use_error_at_once(
    engine: Engine, session: AsyncSession
) -> None:
    hold = Hold()
    session.add_listener("after_flush", hold)
    user = User(name="ada")
    session.add(user)
    first = asyncio.create_task(session.commit())
    await hold.wait_entered()

    started = time.monotonic()
    with pytest.raises(ConcurrentUseError, match=r"execute\(\).*commit\(\)"):
        await session.execute(select(User))
    with pytest.raises(ConcurrentUseError):
        await session.get(User, 1)
    with pytest.raises(ConcurrentUseError):
        await session.rollback()
    with pytest.raises(ConcurrentUseError):
        await session.close()
    with pytest.raises(ConcurrentUseError):
        session.add(User(name="grace"))
    assert time.monotonic() - started < 0.25  # refused at once, never queued

    hold.release.set()
    async with asyncio.timeout(WAIT_LIMIT):
        await first
    assert inspect(user).persistent  # the first operation was unaffected
    assert await _committed_users(engine) == 1
    assert await session.get(User, user.id) is user


async def test_cancelled_mid_commit_commits_nothing(engine: Engine, session: AsyncSession) -> None:
    hold = Hold()
    session.add_listener("before_commit", hold)  # the INSERTs are sent; COMMIT is next
    users = [User(name=f"u{i}") for i in range(3)]
    session.add_all(users)
    task = asyncio.create_task(session.commit())
    await hold.wait_entered()
    assert engine.pool.stats().checked_out == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert engine.pool.stats().checked_out == 0
    assert await _committed_users(engine) == 0
    assert all(inspect(u).transient and loaded(u, "id") is None for u in users)
    # The session is usable again.
    session.remove_listener("before_commit", hold)
    session.add_all(users)
    await session.commit()
    assert await _committed_users(engine) == 3


async def test_cancelled_mid_flush_restores_objects(engine: Engine, session: AsyncSession) -> None:
    hold = Hold()
    session.add_listener("after_flush", hold)  # the INSERTs are sent, the flush not done
    user = User(name="ada")
    session.add(user)
    task = asyncio.create_task(session.flush())
    await hold.wait_entered()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert engine.pool.stats().checked_out == 0
    assert inspect(user).pending
    assert loaded(user, "id") is None
    with pytest.raises(PendingRollbackError, match="CancelledError"):
        await session.flush()
    await session.rollback()
    assert inspect(user).transient
    assert await _committed_users(engine) == 0


async def test_cancelled_while_waiting_for_a_connection(db_url: str, engine: Engine) -> None:
    small = create_engine(db_url, pool_size=1, max_overflow=0)
    try:
        async with AsyncSession(small) as session:
            async with small.connect():  # the pool's only connection
                task = asyncio.create_task(session.execute(select(User)))
                async with asyncio.timeout(WAIT_LIMIT):
                    # Pool statistics signal no event to wait on.
                    while small.pool.stats().waiting == 0:  # noqa: ASYNC110
                        await asyncio.sleep(0.005)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
            assert small.pool.stats().checked_out == 0
            assert (await session.scalars(select(User))).all() == []
        assert small.pool.stats().checked_out == 0
    finally:
        await small.dispose()


async def test_cancelled_during_the_commit_statement(
    backend: str, db_url: str, engine: Engine, session: AsyncSession
) -> None:
    tools = Backend(backend, db_url)
    async with engine.connect() as conn:
        await tools.prepare_slow_commit(conn, "users")
        await conn.commit()

    armed = asyncio.Event()

    async def arm(s: AsyncSession) -> None:
        root = s.get_transaction()
        assert root is not None
        assert root.connection is not None
        await tools.arm_slow_commit(root.connection)
        armed.set()

    session.add_listener("before_commit", arm)
    user = User(name="ada")
    session.add(user)
    await session.flush()  # the INSERT is sent; the connection is the session's
    root = session.get_transaction()
    assert root is not None
    assert root.connection is not None
    task = asyncio.create_task(session.commit())
    async with asyncio.timeout(WAIT_LIMIT):
        await armed.wait()
    await tools.wait_running(root.connection, "COMMIT")
    task.cancel()
    tools.release_slow()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert engine.pool.stats().checked_out == 0
    assert await _committed_users(engine) == 0
    assert inspect(user).transient


async def test_lost_connection_during_flush(
    backend: str, db_url: str, engine: Engine, session: AsyncSession
) -> None:
    first = User(name="first")
    session.add(first)
    await session.flush()
    conn = await session.connection()
    await Backend(backend, db_url).kill(conn.driver_connection)
    second = User(name="second")
    session.add(second)
    with pytest.raises(DisconnectionError):
        await session.flush()
    assert inspect(second).pending
    with pytest.raises(PendingRollbackError, match="DisconnectionError"):
        await session.execute(select(User))
    await session.rollback()
    assert inspect(first).transient
    assert inspect(second).transient
    session.add_all([first, second])
    await session.commit()
    assert await _committed_users(engine) == 2
    assert engine.pool.stats().checked_out == 0
