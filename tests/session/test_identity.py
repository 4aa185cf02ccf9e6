"""The identity map: one object per row, get() without SQL, weakly held clean objects."""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from aorm.engine import Engine
from aorm.exc import ArgumentError, InvalidStateError
from aorm.session import AsyncSession, identity_key, inspect
from aorm.sql.dml import insert
from aorm.sql.select import select
from tests.session.conftest import StatementLog
from tests.session.models import Setting, User


async def test_get_twice_is_one_object_and_one_select(
    engine: Engine, statements: StatementLog
) -> None:
    async with AsyncSession(engine) as setup:
        setup.add(User(name="ada"))
        await setup.commit()
    statements.clear()
    async with AsyncSession(engine) as session:
        first = await session.get(User, 1)
        second = await session.get(User, 1)
        assert first is not None
        assert first is second
        assert statements.count("SELECT") == 1
        assert await session.get(User, 99) is None
        assert statements.count("SELECT") == 2


async def test_get_answers_a_flushed_object_without_sql(
    session: AsyncSession, statements: StatementLog
) -> None:
    user = User(name="ada")
    session.add(user)
    await session.flush()
    statements.clear()
    assert await session.get(User, user.id) is user
    assert statements.count() == 0


async def test_get_reloads_an_expired_object(
    session: AsyncSession, statements: StatementLog
) -> None:
    user = User(name="ada")
    session.add(user)
    await session.commit()
    session.expire(user)
    statements.clear()
    assert await session.get(User, user.id) is user
    assert statements.count("SELECT") == 1
    assert not inspect(user).expired
    assert user.name == "ada"


async def test_get_of_a_marked_deleted_object_is_none(session: AsyncSession) -> None:
    user = User(name="ada")
    session.add(user)
    await session.commit()
    await session.delete(user)
    assert await session.get(User, user.id) is None


async def test_get_composite_key(session: AsyncSession, statements: StatementLog) -> None:
    session.add(Setting(scope="app", name="theme", value="dark"))
    await session.commit()
    session.expunge_all()
    statements.clear()
    found = await session.get(Setting, ("app", "theme"))
    assert found is not None
    assert found.value == "dark"
    assert await session.get(Setting, {"scope": "app", "name": "theme"}) is found
    assert statements.count("SELECT") == 1
    assert inspect(found).identity == ("app", "theme")
    with pytest.raises(ArgumentError, match="2 column"):
        await session.get(Setting, "app")


async def test_get_of_unmapped_class_is_an_argument_error(session: AsyncSession) -> None:
    with pytest.raises(ArgumentError, match="mapped class"):
        await session.get(int, 1)


async def test_identity_map_contents(session: AsyncSession) -> None:
    user = User(name="ada")
    session.add(user)
    await session.flush()
    key = identity_key(User, (user.id,))
    assert key in session.identity_map
    assert session.identity_map[key] is user
    assert list(session.identity_map) == [key]
    assert len(session.identity_map) == 1
    assert user in session


async def test_a_second_object_with_the_same_key_is_refused(session: AsyncSession) -> None:
    user = User(name="ada")
    session.add(user)
    await session.commit()
    session.expunge(user)
    again = await session.get(User, user.id)
    assert again is not None
    assert again is not user
    with pytest.raises(InvalidStateError, match="merge"):
        session.add(user)


async def test_dirty_objects_are_held_until_flushed(session: AsyncSession) -> None:
    session.add(User(name="ada"))
    await session.commit()
    loaded = await session.get(User, 1)
    assert loaded is not None
    loaded.name = "grace"
    del loaded
    gc.collect()
    assert len(session.identity_map) == 1  # the unflushed change keeps it alive
    await session.commit()
    gc.collect()
    assert len(session.identity_map) == 0
    assert await session.scalar(select(User.name)) == "grace"


async def test_a_change_between_transactions_holds_the_object_and_begins_one(
    session: AsyncSession,
) -> None:
    session.add(User(name="ada"))
    await session.commit()
    loaded = await session.get(User, 1)
    assert loaded is not None
    await session.commit()  # objects stay loaded (expire_on_commit=False); no transaction
    assert not session.in_transaction()
    loaded.name = "grace"
    assert session.in_transaction()
    del loaded
    gc.collect()
    assert len(session.identity_map) == 1
    await session.commit()
    assert await session.scalar(select(User.name)) == "grace"


async def test_clean_objects_are_held_weakly(engine: Engine) -> None:
    total, batch = 100_000, 10_000
    async with engine.begin() as conn:
        await conn.execute(insert(User), [{"name": f"user {i}"} for i in range(total)])
    async with AsyncSession(engine) as session:
        tracemalloc.start()
        try:
            peaks: list[int] = []
            last = 0
            for _ in range(total // batch):
                stmt = select(User).where(User.id > last).order_by(User.id).limit(batch)
                users = (await session.scalars(stmt)).all()
                assert len(users) == batch
                assert len(session.identity_map) == batch
                last = users[-1].id
                del users
                gc.collect()
                assert len(session.identity_map) == 0
                peaks.append(tracemalloc.get_traced_memory()[0])
        finally:
            tracemalloc.stop()
        # What stays allocated after each dropped batch does not grow with the batches.
        assert peaks[-1] - peaks[1] < 1_000_000


async def test_the_map_reads_by_class_and_key_tuple_for_one_and_many_key_columns(
    session: AsyncSession,
) -> None:
    # Inside, a map key is one tuple (class, *key values); users see (class, key tuple).
    user = User(name="ada")
    setting = Setting(scope="app", name="theme", value="dark")
    session.add_all([user, setting])
    await session.flush()
    user_key = identity_key(User, (user.id,))
    setting_key = identity_key(Setting, ("app", "theme"))
    assert inspect(user).identity_key == user_key
    assert inspect(setting).identity_key == setting_key
    assert inspect(setting).identity == ("app", "theme")
    assert session.identity_map[user_key] is user
    assert session.identity_map.get(setting_key) is setting
    assert user_key in session.identity_map
    assert setting_key in session.identity_map
    assert sorted(session.identity_map, key=repr) == sorted([user_key, setting_key], key=repr)
    assert dict(session.identity_map.items()) == {user_key: user, setting_key: setting}
    # Anything else is simply not a key of the map.
    for wrong in [(User, user.id), (User,), "user", (User, (user.id + 1,)), (Setting, ("app",))]:
        assert wrong not in session.identity_map
        assert session.identity_map.get(wrong) is None  # type: ignore[arg-type]
        with pytest.raises(KeyError):
            session.identity_map[wrong]  # type: ignore[index]
    assert await session.get(Setting, ("app", "theme")) is setting
    assert repr(inspect(setting)).startswith("<InstanceState Setting ('app', 'theme')")


async def test_gets_across_expunge_close_and_deleted_changes(engine: Engine) -> None:
    # get() keeps one hydrator per session; emptying the map or closing the
    # session must not leave it answering with forgotten objects.
    async with AsyncSession(engine) as setup:
        setup.add_all([User(name="ada"), User(name="grace")])
        await setup.commit()
    session = AsyncSession(engine)
    first = await session.get(User, 1)
    session.expunge_all()
    again = await session.get(User, 1)
    assert again is not None
    assert again is not first
    assert inspect(again).persistent
    assert inspect(first).detached
    await session.close()
    after_close = await session.get(User, 1)
    assert after_close is not again
    assert inspect(after_close).persistent
    # A pending delete is flushed before a get that misses the map.
    await session.delete(after_close)
    assert await session.get(User, 2) is not None
    assert inspect(after_close).deleted
    refreshed = await session.get(User, 2, populate_existing=True)
    assert refreshed is await session.get(User, 2)
    await session.close()
