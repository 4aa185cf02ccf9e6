"""Session transactions: begin(), savepoints, one connection per transaction."""

from __future__ import annotations

import pytest

from aorm.engine import Engine
from aorm.exc import InvalidStateError
from aorm.session import (
    AsyncSession,
    ObjectState,
    SessionTransactionState,
    async_sessionmaker,
    inspect,
)
from aorm.sql.select import select
from aorm.sql.text import text
from tests.session.conftest import loaded
from tests.session.models import User


async def _names(session: AsyncSession) -> list[str]:
    return list((await session.scalars(select(User.name).order_by(User.id))).all())


async def test_begin_commits_at_the_end(engine: Engine) -> None:
    async with AsyncSession(engine) as session:
        async with session.begin():
            session.add(User(name="ada"))
        assert not session.in_transaction()
    async with AsyncSession(engine) as session:
        assert await _names(session) == ["ada"]


async def test_begin_rolls_back_on_error(engine: Engine) -> None:
    user = User(name="ada")
    async with AsyncSession(engine) as session:
        with pytest.raises(RuntimeError):  # noqa: PT012 - the block is what is tested
            async with session.begin():
                session.add(user)
                await session.flush()
                raise RuntimeError("boom")
        assert inspect(user).transient
        assert await _names(session) == []


async def test_begin_twice_is_refused(session: AsyncSession) -> None:
    session.add(User(name="ada"))  # begins a transaction by itself
    assert session.in_transaction()
    with pytest.raises(InvalidStateError, match="already begun"):
        await session.begin()
    await session.commit()
    transaction = await session.begin()
    assert transaction.is_active
    assert session.get_transaction() is transaction
    await transaction.commit()
    assert transaction.state is SessionTransactionState.COMMITTED


async def test_one_connection_per_transaction_checked_out_lazily(
    engine: Engine, session: AsyncSession
) -> None:
    pool = engine.pool
    session.add(User(name="ada"))
    assert pool.stats().checked_out == 0  # nothing sent yet
    await session.flush()
    assert pool.stats().checked_out == 1
    await session.execute(select(User))
    await session.get(User, 99)
    assert pool.stats().checked_out == 1
    await session.commit()
    assert pool.stats().checked_out == 0
    await session.execute(select(User))
    assert pool.stats().checked_out == 1
    await session.rollback()
    assert pool.stats().checked_out == 0
    await session.execute(select(User))
    await session.close()
    assert pool.stats().checked_out == 0


async def test_savepoint_rollback_restores_object_states(session: AsyncSession) -> None:
    outer = User(name="outer")
    changed = User(name="before")
    doomed = User(name="doomed")
    session.add_all([outer, changed, doomed])
    await session.flush()
    nested = await session.begin_nested()
    assert session.in_nested_transaction()
    assert session.get_nested_transaction() is nested
    inner = User(name="inner")
    session.add(inner)
    changed.name = "after"
    await session.delete(doomed)
    await session.flush()
    assert inspect(doomed).state is ObjectState.DELETED
    await nested.rollback()
    assert nested.state is SessionTransactionState.ROLLED_BACK
    assert not session.in_nested_transaction()
    assert session.in_transaction()
    assert inspect(inner).state is ObjectState.TRANSIENT
    assert loaded(inner, "id") is None
    assert inspect(doomed).state is ObjectState.PERSISTENT
    assert inspect(changed).state is ObjectState.EXPIRED
    assert inspect(outer).state is ObjectState.PERSISTENT
    assert outer.name == "outer"
    await session.commit()
    assert await _names(session) == ["outer", "before", "doomed"]


async def test_savepoint_commit_keeps_its_work(session: AsyncSession) -> None:
    session.add(User(name="outer"))
    async with session.begin_nested():
        session.add(User(name="inner"))
    await session.rollback()
    assert await _names(session) == []
    session.add(User(name="outer"))
    async with session.begin_nested():
        session.add(User(name="inner"))
    await session.commit()
    assert await _names(session) == ["outer", "inner"]


async def test_savepoint_rolled_back_by_an_error_in_its_block(session: AsyncSession) -> None:
    session.add(User(name="outer"))
    inner = User(name="inner")
    with pytest.raises(LookupError):  # noqa: PT012 - the block is what is tested
        async with session.begin_nested():
            session.add(inner)
            await session.flush()
            raise LookupError
    assert inspect(inner).transient
    await session.commit()
    assert await _names(session) == ["outer"]


async def test_rollback_of_the_outer_transaction_undoes_committed_savepoints(
    session: AsyncSession,
) -> None:
    inner = User(name="inner")
    async with session.begin_nested():
        session.add(inner)
    assert inspect(inner).persistent
    await session.rollback()
    assert inspect(inner).transient
    assert loaded(inner, "id") is None


async def test_commit_releases_open_savepoints(session: AsyncSession) -> None:
    await session.begin_nested()
    session.add(User(name="inner"))
    await session.commit()
    assert not session.in_transaction()
    assert await _names(session) == ["inner"]


async def test_sessionmaker(engine: Engine) -> None:
    maker = async_sessionmaker(engine, expire_on_commit=True)
    async with maker.begin() as session:
        user = User(name="ada")
        session.add(user)
    assert inspect(user).detached
    async with maker() as session:
        assert session.expire_on_commit
        assert await _names(session) == ["ada"]
    with pytest.raises(RuntimeError):  # noqa: PT012 - the block is what is tested
        async with maker.begin() as session:
            session.add(User(name="lost"))
            raise RuntimeError
    async with maker(expire_on_commit=False) as session:
        assert not session.expire_on_commit
        assert await session.scalar(text("SELECT count(*) FROM users")) == 1
    assert engine.pool.stats().checked_out == 0


async def test_events(session: AsyncSession) -> None:
    seen: list[str] = []

    async def before_flush(s: AsyncSession) -> None:
        seen.append("before_flush")

    session.add_listener("before_flush", before_flush)
    session.add_listener("after_flush", lambda s: seen.append("after_flush"))
    session.add_listener("before_commit", lambda s: seen.append("before_commit"))
    session.add_listener("after_commit", lambda s: seen.append("after_commit"))
    session.add_listener("after_rollback", lambda s: seen.append("after_rollback"))
    session.add(User(name="ada"))
    await session.commit()
    await session.rollback()  # nothing open: no event
    session.add(User(name="grace"))
    await session.rollback()
    assert seen == [
        "before_flush",
        "after_flush",
        "before_commit",
        "after_commit",
        "after_rollback",
    ]
