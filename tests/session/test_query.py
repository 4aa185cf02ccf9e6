"""The legacy ``session.query(Model)`` chain with awaitable terminals."""

from __future__ import annotations

import pytest

from aorm.exc import ArgumentError, MultipleResultsFound, NoResultFound
from aorm.session import AsyncSession
from tests.session.models import Address, User


async def _people(session: AsyncSession) -> None:
    session.add_all(
        [User(name="ada", age=36), User(name="grace", age=45), User(name="linus", age=28)]
    )
    await session.flush()
    session.add(Address(user_id=2, street="Main St"))
    await session.commit()


async def test_all_first_filter_order(session: AsyncSession) -> None:
    await _people(session)
    query = session.query(User)
    everyone = await query.order_by(User.name).all()
    assert [u.name for u in everyone] == ["ada", "grace", "linus"]
    older = await query.filter(User.age > 30).order_by(User.age.desc()).all()
    assert [u.name for u in older] == ["grace", "ada"]
    first = await query.order_by(User.age).first()
    assert first is not None
    assert first.name == "linus"
    assert await query.filter_by(name="nobody").first() is None
    page = await query.order_by(User.id).limit(1).offset(1).all()
    assert [u.name for u in page] == ["grace"]
    assert first is await session.get(User, first.id)


async def test_one_and_one_or_none(session: AsyncSession) -> None:
    await _people(session)
    ada = await session.query(User).filter_by(name="ada").one()
    assert ada.age == 36
    assert await session.query(User).filter_by(name="x").one_or_none() is None
    with pytest.raises(NoResultFound):
        await session.query(User).filter_by(name="x").one()
    with pytest.raises(MultipleResultsFound):
        await session.query(User).one()
    with pytest.raises(MultipleResultsFound):
        await session.query(User).one_or_none()


async def test_scalar_count_get(session: AsyncSession) -> None:
    await _people(session)
    assert await session.query(User.name).order_by(User.name).scalar() == "ada"
    assert await session.query(User).count() == 3
    assert await session.query(User).filter(User.age < 40).count() == 2
    grace = await session.query(User).get(2)
    assert grace is not None
    assert grace.name == "grace"
    with pytest.raises(ArgumentError):
        await session.query(User.name).get(1)


async def test_join_and_columns(session: AsyncSession) -> None:
    await _people(session)
    rows = await session.query(User.name, Address.street).join(Address).all()
    assert [tuple(r) for r in rows] == [("grace", "Main St")]
    with_address = await session.query(User).join(Address, Address.user_id == User.id).all()
    assert [u.name for u in with_address] == ["grace"]


async def test_query_autoflushes_and_populates(session: AsyncSession) -> None:
    await _people(session)
    session.add(User(name="new", age=1))
    assert await session.query(User).count() == 4
    ada = await session.query(User).filter_by(name="ada").one()
    with session.no_autoflush:
        ada.age = 99
        again = await session.query(User).filter_by(name="ada").populate_existing().one()
    assert again is ada
    assert ada.age == 36
