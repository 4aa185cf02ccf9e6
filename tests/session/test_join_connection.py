"""A session bound to a connection joins the transaction open on it, as savepoints."""

from __future__ import annotations

import asyncio

import pytest

from aorm.engine import Connection, Engine
from aorm.exc import ArgumentError, IntegrityError, PendingRollbackError
from aorm.session import AsyncSession, async_sessionmaker, inspect
from aorm.sql.select import select
from aorm.sql.text import text
from tests.session.models import User

#: Seconds a deterministic wait may take before the test fails instead of hanging.
WAIT_LIMIT = 10.0


class Hold:
    """A session listener that parks the operation calling it until the task is cancelled."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()

    async def __call__(self, session: AsyncSession) -> None:
        self.entered.set()
        await asyncio.Event().wait()

    async def wait_entered(self) -> None:
        """Wait (bounded) until an operation is parked here."""
        async with asyncio.timeout(WAIT_LIMIT):
            await self.entered.wait()


async def _names(conn: Connection) -> list[str]:
    result = await conn.execute(text("SELECT name FROM users ORDER BY id"))
    return [row[0] for row in result.all()]


async def _committed_names(engine: Engine) -> list[str]:
    async with engine.connect() as conn:
        return await _names(conn)


async def test_commit_releases_a_savepoint_and_the_owner_decides(engine: Engine) -> None:
    async with engine.connect() as conn:
        outer = await conn.begin()
        async with AsyncSession(conn) as session:
            session.add(User(name="ada"))
            await session.commit()
            assert not session.in_transaction()
            # Released into the owner's transaction, which is still open.
            assert outer.is_active
            assert not conn.in_nested_transaction()
            assert await _names(conn) == ["ada"]
        assert not conn.closed
        assert conn.in_transaction()
        await outer.rollback()
    assert await _committed_names(engine) == []


async def test_work_committed_by_the_session_lasts_when_the_owner_commits(
    engine: Engine,
) -> None:
    async with engine.connect() as conn:
        await conn.begin()
        async with AsyncSession(conn) as session:
            session.add(User(name="ada"))
            await session.commit()
        await conn.commit()
    assert await _committed_names(engine) == ["ada"]


async def test_rollback_goes_back_to_the_savepoint_only(engine: Engine) -> None:
    async with engine.connect() as conn:
        await conn.begin()
        await conn.execute(text("INSERT INTO users (name) VALUES ('owner')"))
        async with AsyncSession(conn) as session:
            user = User(name="ada")
            session.add(user)
            await session.flush()
            assert conn.in_nested_transaction()
            await session.rollback()
            assert inspect(user).transient
            assert await _names(conn) == ["owner"]
            # The session goes on in a new savepoint.
            session.add(User(name="bob"))
            await session.commit()
        assert await _names(conn) == ["owner", "bob"]
        await conn.rollback()


async def test_closing_the_session_leaves_the_connection_to_its_owner(engine: Engine) -> None:
    async with engine.connect() as conn:
        await conn.begin()
        session = AsyncSession(conn)
        session.add(User(name="ada"))
        await session.flush()
        await session.close()
        assert conn.in_transaction()
        assert not conn.in_nested_transaction()
        assert engine.pool.stats().checked_out == 1
        assert await _names(conn) == []
        await conn.rollback()
    assert engine.pool.stats().checked_out == 0


async def test_savepoints_of_the_session_nest_inside_its_own(engine: Engine) -> None:
    async with engine.connect() as conn:
        await conn.begin()
        async with AsyncSession(conn) as session:
            session.add(User(name="ada"))
            async with session.begin_nested():
                session.add(User(name="bob"))
                assert session.in_nested_transaction()
            kept = User(name="cy")
            with pytest.raises(RuntimeError):  # noqa: PT012 - the block is what is tested
                async with session.begin_nested():
                    session.add(kept)
                    await session.flush()
                    raise RuntimeError("undo cy")
            await session.commit()
            assert inspect(kept).transient
        assert await _names(conn) == ["ada", "bob"]
        await conn.rollback()


async def test_a_failed_flush_leaves_the_owners_transaction_usable(engine: Engine) -> None:
    async with engine.connect() as conn:
        await conn.begin()
        await conn.execute(
            text("INSERT INTO users (name, email) VALUES ('owner', 'x@example.org')")
        )
        async with AsyncSession(conn) as session:
            session.add(User(name="ada", email="x@example.org"))
            with pytest.raises(IntegrityError):
                await session.flush()
            with pytest.raises(PendingRollbackError):
                await session.execute(select(User))
            await session.rollback()
            session.add(User(name="bob"))
            await session.commit()
        # On PostgreSQL the failed statement aborted only the savepoint.
        assert await _names(conn) == ["owner", "bob"]
        await conn.rollback()


@pytest.mark.parametrize("event", ["after_flush", "before_commit"])
async def test_cancelled_mid_commit_undoes_only_the_savepoint(engine: Engine, event: str) -> None:
    async with engine.connect() as conn:
        await conn.begin()
        await conn.execute(text("INSERT INTO users (name) VALUES ('owner')"))
        session = AsyncSession(conn)
        hold = Hold()
        session.add_listener(event, hold)
        user = User(name="ada")
        session.add(user)
        task = asyncio.create_task(session.commit())
        await hold.wait_entered()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        session.remove_listener(event, hold)
        # Rolled back to the savepoint; the owner's transaction and row live on.
        assert conn.in_transaction()
        assert not conn.in_nested_transaction()
        assert await _names(conn) == ["owner"]
        await session.rollback()
        assert inspect(user).transient
        session.add(user)
        await session.commit()
        assert await _names(conn) == ["owner", "ada"]
        await session.close()
        await conn.rollback()
    assert engine.pool.stats().checked_out == 0


async def test_without_an_open_transaction_the_session_owns_one(engine: Engine) -> None:
    async with engine.connect() as conn:
        async with AsyncSession(conn) as session:
            session.add(User(name="ada"))
            await session.commit()
            assert not conn.in_transaction()
            session.add(User(name="bob"))
            await session.flush()
            await session.rollback()
            assert not conn.in_transaction()
        assert not conn.closed
    assert await _committed_names(engine) == ["ada"]


async def test_sessionmaker_makes_joined_sessions(engine: Engine) -> None:
    async with engine.connect() as conn:
        await conn.begin()
        maker = async_sessionmaker(conn, join_transaction_mode="create_savepoint")
        async with maker.begin() as session:
            session.add(User(name="ada"))
        async with maker() as session:
            assert session.joined_connection is conn
            assert session.bind is engine
            names = (await session.scalars(select(User.name))).all()
            assert list(names) == ["ada"]
        await conn.rollback()
    assert await _committed_names(engine) == []


async def test_unknown_join_mode_and_bind_are_refused(engine: Engine) -> None:
    with pytest.raises(ArgumentError, match="join_transaction_mode 'rollback_only'"):
        AsyncSession(engine, join_transaction_mode="rollback_only")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="join_transaction_mode 'bogus'"):
        async_sessionmaker(engine, join_transaction_mode="bogus")
    with pytest.raises(ArgumentError, match=r"an Engine .* or a Connection"):
        AsyncSession("sqlite:///x.db")  # type: ignore[arg-type]
