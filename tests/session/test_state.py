"""Object states: every transition of the lifecycle diagram, on both backends."""

from __future__ import annotations

import pytest

from aorm.engine import Engine
from aorm.exc import ArgumentError, ExpiredAttributeError, InvalidStateError
from aorm.session import AsyncSession, ObjectState, inspect
from aorm.sql.select import select
from aorm.sql.text import text
from tests.session.conftest import loaded
from tests.session.models import User


async def _count_elsewhere(engine: Engine) -> int:
    """Rows of users seen by another connection (committed data only)."""
    async with engine.connect() as conn:
        value = await conn.scalar(text("SELECT count(*) FROM users"))
        await conn.rollback()
    return int(value)


async def test_transient_pending_persistent(session: AsyncSession) -> None:
    user = User(name="ada")
    assert inspect(user).state is ObjectState.TRANSIENT
    assert inspect(user).transient
    assert not inspect(user).pending
    assert inspect(user).session is None
    session.add(user)
    assert inspect(user).state is ObjectState.PENDING
    assert inspect(user).pending
    assert inspect(user).session is session
    assert inspect(user).identity is None
    assert session.new == [user]
    await session.flush()
    assert inspect(user).state is ObjectState.PERSISTENT
    assert inspect(user).persistent
    assert inspect(user).identity == (user.id,)
    assert inspect(user).identity_key == (User, (user.id,))
    assert session.new == []
    assert inspect(user).object is user


async def test_flush_is_visible_inside_only_until_commit(
    engine: Engine, session: AsyncSession
) -> None:
    session.add(User(name="ada"))
    await session.flush()
    inside = await session.scalar(text("SELECT count(*) FROM users"))
    assert inside == 1
    assert await _count_elsewhere(engine) == 0
    await session.commit()
    assert await _count_elsewhere(engine) == 1


async def test_rollback_after_flush_makes_added_objects_transient(
    engine: Engine, session: AsyncSession
) -> None:
    user = User(name="ada")
    session.add(user)
    await session.flush()
    assert user.id is not None
    key = inspect(user).identity_key
    await session.rollback()
    assert inspect(user).state is ObjectState.TRANSIENT
    assert loaded(user, "id") is None  # the generated key is cleared
    assert user.name == "ada"
    assert key not in session.identity_map
    assert await _count_elsewhere(engine) == 0
    session.add(user)
    await session.commit()
    assert inspect(user).persistent
    assert await _count_elsewhere(engine) == 1


async def test_rollback_makes_unflushed_pending_objects_transient(session: AsyncSession) -> None:
    user = User(name="ada")
    session.add(user)
    await session.rollback()
    assert inspect(user).transient
    assert session.new == []


async def test_expire_and_refresh(session: AsyncSession) -> None:
    user = User(name="ada")
    session.add(user)
    await session.commit()
    session.expire(user)
    state = inspect(user)
    assert inspect(user).state is ObjectState.EXPIRED
    assert state.persistent
    assert state.expired
    assert state.expired_attributes == {"name", "email", "age"}
    assert user.id is not None  # the primary key is the identity: never expired
    with pytest.raises(ExpiredAttributeError) as caught:
        _ = user.name
    message = str(caught.value)
    assert "User.name" in message
    assert "await obj.awaitable_attrs.name" in message
    assert "session.refresh(obj, ['name'])" in message
    await session.refresh(user)
    assert inspect(user).state is ObjectState.PERSISTENT
    assert not inspect(user).expired
    assert user.name == "ada"


async def test_expire_some_attributes_and_refresh_them(session: AsyncSession) -> None:
    user = User(name="ada", age=36)
    session.add(user)
    await session.commit()
    session.expire(user, ["age"])
    assert user.name == "ada"
    assert inspect(user).expired_attributes == {"age"}
    with pytest.raises(ExpiredAttributeError, match=r"User\.age"):
        _ = user.age
    await session.refresh(user, ["age"])
    assert user.age == 36
    assert not inspect(user).expired


async def test_expunge_detaches_and_add_makes_persistent_again(session: AsyncSession) -> None:
    user = User(name="ada")
    session.add(user)
    await session.commit()
    session.expunge(user)
    state = inspect(user)
    assert inspect(user).state is ObjectState.DETACHED
    assert state.detached
    assert state.session is None
    assert state.identity == (user.id,)
    assert len(session.identity_map) == 0
    user.name = "grace"  # tracked while detached
    session.add(user)
    assert inspect(user).state is ObjectState.PERSISTENT
    assert session.dirty == [user]
    await session.commit()
    assert (await session.scalar(select(User.name))) == "grace"


async def test_close_detaches_everything(engine: Engine) -> None:
    session = AsyncSession(engine)
    kept = User(name="kept")
    session.add(kept)
    await session.commit()
    added = User(name="added")
    session.add(added)
    await session.close()
    assert inspect(kept).state is ObjectState.DETACHED
    assert inspect(added).state is ObjectState.TRANSIENT
    assert len(session.identity_map) == 0
    assert session.new == []
    assert not session.in_transaction()
    assert engine.pool.stats().checked_out == 0
    # A closed session is usable again.
    session.add(User(name="again"))
    await session.commit()
    assert len((await session.scalars(select(User))).all()) == 2
    await session.close()


async def test_delete_flush_commit(session: AsyncSession) -> None:
    user = User(name="ada")
    session.add(user)
    await session.commit()
    await session.delete(user)
    assert inspect(user).state is ObjectState.PERSISTENT
    assert session.deleted == [user]
    await session.flush()
    state = inspect(user)
    assert inspect(user).state is ObjectState.DELETED
    assert state.deleted
    assert not inspect(user).was_deleted  # not until the commit
    assert state.identity_key not in session.identity_map
    assert session.deleted == []
    await session.commit()
    assert inspect(user).state is ObjectState.DETACHED
    assert state.was_deleted
    with pytest.raises(InvalidStateError, match="deleted"):
        session.add(user)


async def test_rollback_restores_deleted_and_expires_changed(session: AsyncSession) -> None:
    doomed = User(name="doomed")
    changed = User(name="before")
    untouched = User(name="untouched", age=3)
    session.add_all([doomed, changed, untouched])
    await session.commit()
    await session.delete(doomed)
    changed.name = "after"
    await session.flush()
    await session.rollback()
    assert inspect(doomed).state is ObjectState.PERSISTENT
    assert not inspect(doomed).was_deleted
    assert inspect(doomed).identity_key in session.identity_map
    assert doomed.name == "doomed"
    assert inspect(changed).state is ObjectState.EXPIRED
    with pytest.raises(ExpiredAttributeError):
        _ = changed.name
    await session.refresh(changed)
    assert changed.name == "before"
    assert inspect(untouched).state is ObjectState.PERSISTENT
    assert untouched.name == "untouched"
    assert untouched.age == 3
    # Detached without a committed delete: not deleted either.
    session.expunge(doomed)
    assert inspect(doomed).detached
    assert not inspect(doomed).was_deleted


async def test_rollback_expires_unflushed_changes(session: AsyncSession) -> None:
    user = User(name="before")
    session.add(user)
    await session.commit()
    user.name = "after"
    await session.rollback()
    assert inspect(user).expired
    assert await user.awaitable_attrs.name == "before"


async def test_delete_of_pending_object_is_refused(session: AsyncSession) -> None:
    user = User(name="ada")
    session.add(user)
    with pytest.raises(InvalidStateError, match="not persisted"):
        await session.delete(user)


async def test_same_value_is_no_change(session: AsyncSession) -> None:
    user = User(name="ada", age=3)
    session.add(user)
    await session.commit()
    user.name = "ada"
    assert not inspect(user).modified
    assert session.dirty == []
    user.name = "grace"
    assert inspect(user).modified
    assert session.dirty == [user]
    user.name = "ada"  # back to the original: no change left
    assert not inspect(user).modified
    assert session.dirty == []
    user.age = True  # a bool is not the int 1: a change
    assert inspect(user).modified


async def test_expire_on_commit(engine: Engine) -> None:
    async with AsyncSession(engine, expire_on_commit=True) as session:
        user = User(name="ada")
        session.add(user)
        await session.commit()
        state = inspect(user)
        assert inspect(user).state is ObjectState.EXPIRED
        assert state.persistent
        with pytest.raises(ExpiredAttributeError, match=r"User\.name"):
            _ = user.name
        assert await user.awaitable_attrs.name == "ada"
        assert not state.expired  # one query reloaded every expired column
        assert user.age is None


async def test_expire_on_commit_off_by_default(session: AsyncSession) -> None:
    user = User(name="ada")
    session.add(user)
    await session.commit()
    assert inspect(user).state is ObjectState.PERSISTENT
    assert user.name == "ada"


async def test_detached_expired_attribute_names_the_fix(engine: Engine) -> None:
    async with AsyncSession(engine, expire_on_commit=True) as session:
        user = User(name="ada")
        session.add(user)
        await session.commit()
    with pytest.raises(ExpiredAttributeError, match="detached"):
        _ = user.name


async def test_inspect_rejects_unmapped_objects() -> None:
    with pytest.raises(ArgumentError, match="not mapped"):
        inspect(object())


async def test_object_in_another_session_cannot_be_added(
    engine: Engine, session: AsyncSession
) -> None:
    user = User(name="ada")
    session.add(user)
    async with AsyncSession(engine) as other:
        with pytest.raises(InvalidStateError, match="another session"):
            other.add(user)
