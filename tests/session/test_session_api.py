"""The rest of AsyncSession: merge, refresh, expunge, awaitable attributes, context use."""

from __future__ import annotations

import pytest

from aorm.engine import Engine
from aorm.exc import ArgumentError, InvalidStateError, NoResultFound
from aorm.session import AsyncSession, AwaitableAttrs, ObjectState, inspect
from aorm.sql.dml import update
from aorm.sql.select import select
from aorm.sql.text import text
from tests.session.conftest import StatementLog
from tests.session.models import User


async def test_async_with_rolls_back_what_was_not_committed(engine: Engine) -> None:
    async with AsyncSession(engine) as session:
        session.add(User(name="committed"))
        await session.commit()
        session.add(User(name="lost"))
        await session.flush()
    async with AsyncSession(engine) as session:
        assert (await session.scalars(select(User.name))).all() == ["committed"]
    assert engine.pool.stats().checked_out == 0


async def test_merge(engine: Engine, session: AsyncSession, statements: StatementLog) -> None:
    session.add(User(name="ada", age=36))
    await session.commit()
    loaded = await session.get(User, 1)
    detached = User(id=1, name="merged")
    merged = await session.merge(detached)
    assert merged is loaded
    assert merged is not detached
    assert merged.name == "merged"
    assert merged.age == 36
    assert inspect(merged).modified
    assert inspect(detached).transient
    session.expunge_all()
    statements.clear()
    other = await session.merge(User(id=1, name="again"))  # loaded by key
    assert statements.count("SELECT") == 1
    assert other.name == "again"
    assert inspect(other).persistent
    fresh = await session.merge(User(name="fresh"))  # no key: a new pending object
    assert inspect(fresh).pending
    await session.commit()
    names = (await session.scalars(select(User.name).order_by(User.id))).all()
    assert names == ["again", "fresh"]


async def test_refresh_with_attribute_names(engine: Engine, session: AsyncSession) -> None:
    user = User(name="ada", age=36)
    session.add(user)
    await session.commit()
    async with AsyncSession(engine) as other:
        await other.execute(update(User).values(name="renamed", age=1))
        await other.commit()
    user.age = 50  # an unflushed change, discarded by the refresh of age
    await session.refresh(user, ["age"])
    assert user.age == 1
    assert user.name == "ada"
    assert not inspect(user).modified
    await session.refresh(user)
    assert user.name == "renamed"
    with pytest.raises(ArgumentError, match="nope"):
        await session.refresh(user, ["nope"])


async def test_refresh_of_a_deleted_row(session: AsyncSession) -> None:
    user = User(name="ada")
    session.add(user)
    await session.commit()
    await session.execute(text("DELETE FROM users"))
    with pytest.raises(NoResultFound, match="no longer exists"):
        await session.refresh(user)


async def test_refresh_and_expire_need_a_session_object(session: AsyncSession) -> None:
    stranger = User(name="x")
    with pytest.raises(InvalidStateError, match="not in this session"):
        await session.refresh(stranger)
    with pytest.raises(InvalidStateError, match="not in this session"):
        session.expire(stranger)
    with pytest.raises(InvalidStateError, match="not in this session"):
        session.expunge(stranger)
    session.add(stranger)
    with pytest.raises(InvalidStateError, match="pending"):
        session.expire(stranger)
    session.expunge(stranger)
    assert inspect(stranger).transient


async def test_awaitable_attrs(session: AsyncSession, statements: StatementLog) -> None:
    user = User(name="ada", age=3)
    assert await user.awaitable_attrs.name == "ada"  # transient: no IO
    session.add(user)
    await session.commit()
    statements.clear()
    assert await user.awaitable_attrs.age == 3
    assert statements.count() == 0
    session.expire_all()
    assert inspect(user).state is ObjectState.EXPIRED
    assert await AwaitableAttrs(user).age == 3
    assert statements.count("SELECT") == 1
    assert user.name == "ada"  # reloaded with it
    with pytest.raises(ArgumentError, match="nope"):
        await user.awaitable_attrs.nope


async def test_new_dirty_deleted(session: AsyncSession) -> None:
    a, b = User(name="a"), User(name="b")
    session.add_all([a, b])
    assert session.new == [a, b]
    assert session.dirty == []
    assert session.deleted == []
    await session.flush()
    a.name = "A"
    await session.delete(b)
    assert session.new == []
    assert session.dirty == [a]
    assert session.deleted == [b]
    assert set(map(id, session)) == {id(a), id(b)}
    await session.flush()
    assert session.dirty == []
    assert session.deleted == []


async def test_connection_of_the_transaction(session: AsyncSession) -> None:
    conn = await session.connection()
    assert await session.connection() is conn
    await conn.execute(text("INSERT INTO users (name) VALUES ('raw')"))
    assert (await session.scalars(select(User.name))).all() == ["raw"]


async def test_session_needs_an_engine() -> None:
    with pytest.raises(ArgumentError, match="Engine"):
        AsyncSession("sqlite:///x.db")  # type: ignore[arg-type]
