"""A failed flush: the error names the table, objects stay as they were, rollback recovers."""

from __future__ import annotations

import pytest

from aorm.engine import Engine
from aorm.exc import DataError, IntegrityError, PendingRollbackError
from aorm.session import AsyncSession, ObjectState, inspect
from aorm.sql.select import select
from aorm.sql.text import text
from tests.session.conftest import loaded
from tests.session.models import Address, Pair, User


async def test_unique_violation(engine: Engine, session: AsyncSession) -> None:
    session.add(User(name="first", email="a@example.com"))
    await session.commit()
    kept = await session.get(User, 1)
    assert kept is not None
    kept.name = "renamed"  # an unflushed change
    parent = User(name="parent")
    duplicate = User(name="dup", email="a@example.com")
    session.add_all([parent, duplicate])
    with pytest.raises(IntegrityError) as caught:
        await session.flush()
    error = caught.value
    assert "users" in str(error)
    assert error.table == "users"
    assert isinstance(error.__cause__, Exception)
    # Every object is as it was before the flush.
    for obj in (parent, duplicate):
        assert inspect(obj).state is ObjectState.PENDING
        assert loaded(obj, "id") is None
    assert inspect(kept).modified
    assert kept.name == "renamed"
    assert session.dirty == [kept]
    # Nothing else works until rollback().
    with pytest.raises(PendingRollbackError, match="IntegrityError") as pending:
        await session.execute(select(User))
    assert pending.value.__cause__ is error
    with pytest.raises(PendingRollbackError):
        await session.commit()
    with pytest.raises(PendingRollbackError):
        session.add(User(name="more"))
    with pytest.raises(PendingRollbackError):
        await session.flush()
    assert engine.pool.stats().checked_out == 0  # the failed transaction's connection is back
    await session.rollback()
    assert inspect(parent).transient
    assert inspect(duplicate).transient
    assert inspect(kept).expired
    session.add(User(name="after", email="b@example.com"))
    await session.commit()
    names = (await session.scalars(select(User.name).order_by(User.id))).all()
    assert names == ["first", "after"]


async def test_constraint_is_named_where_known(session: AsyncSession) -> None:
    session.add(Pair(left=1, right=2))
    await session.commit()
    session.add(Pair(left=1, right=2))
    with pytest.raises(IntegrityError) as caught:
        await session.flush()
    assert "pairs" in str(caught.value)
    if session.bind.name == "postgresql":
        assert caught.value.constraint == "uq_pairs_left_right"
    await session.rollback()


async def test_failure_in_a_later_table_undoes_earlier_keys(session: AsyncSession) -> None:
    user = User(name="ada")
    orphan = Address(user_id=12345, street="nowhere")  # a foreign key to no row
    session.add_all([user, orphan])
    with pytest.raises(IntegrityError):
        await session.flush()
    assert loaded(user, "id") is None
    assert inspect(user).pending
    assert loaded(orphan, "id") is None
    assert inspect(orphan).pending
    await session.rollback()
    assert inspect(user).transient
    assert await session.scalar(text("SELECT count(*) FROM users")) == 0


async def test_wrong_type_is_a_data_error_naming_the_column(session: AsyncSession) -> None:
    good = User(name="good")
    bad = User(name="bad", age="not a number")  # type: ignore[arg-type]
    session.add_all([good, bad])
    with pytest.raises(DataError, match=r"users\.age"):
        await session.flush()
    assert inspect(bad).pending
    assert loaded(bad, "id") is None
    with pytest.raises(PendingRollbackError, match="DataError"):
        await session.get(User, 1)
    await session.rollback()
    bad.age = 3
    session.add_all([good, bad])
    await session.commit()
    assert good.id is not None
    assert bad.id is not None


async def test_failed_update_keeps_the_change_pending(session: AsyncSession) -> None:
    first = User(name="first", email="a@example.com")
    second = User(name="second", email="b@example.com")
    session.add_all([first, second])
    await session.commit()
    second.email = "a@example.com"
    with pytest.raises(IntegrityError):
        await session.commit()
    assert inspect(second).modified
    assert second.email == "a@example.com"
    await session.rollback()
    assert inspect(second).expired
    assert await second.awaitable_attrs.email == "b@example.com"


async def test_failure_inside_a_savepoint_rolls_back_the_savepoint_only(
    session: AsyncSession,
) -> None:
    session.add(User(name="kept", email="a@example.com"))
    await session.flush()
    duplicate = User(name="dup", email="a@example.com")
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            session.add(duplicate)
    assert inspect(duplicate).transient
    await session.commit()
    assert (await session.scalars(select(User.name))).all() == ["kept"]


async def test_failed_savepoint_needs_its_rollback(session: AsyncSession) -> None:
    session.add(User(name="kept", email="a@example.com"))
    await session.flush()
    savepoint = await session.begin_nested()
    session.add(User(name="dup", email="a@example.com"))
    with pytest.raises(IntegrityError):
        await session.flush()
    with pytest.raises(PendingRollbackError, match="begin_nested"):
        await session.execute(select(User))
    await savepoint.rollback()
    await session.commit()
    assert (await session.scalars(select(User.name))).all() == ["kept"]
