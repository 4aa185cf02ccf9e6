"""Rows into objects: identity-map hits, populate_existing, autoflush, mixed selects, streams."""

from __future__ import annotations

from aorm.engine import Engine
from aorm.session import AsyncSession, ObjectState, inspect
from aorm.sql.dml import update
from aorm.sql.select import select
from tests.session.conftest import StatementLog
from tests.session.models import Address, User


async def _seed(engine: Engine) -> None:
    async with AsyncSession(engine) as session:
        session.add_all([User(name="ada", age=36), User(name="grace", age=45)])
        await session.commit()


async def test_rows_are_objects(engine: Engine, session: AsyncSession) -> None:
    await _seed(engine)
    result = await session.execute(select(User).order_by(User.id))
    assert result.keys() == ["User"]
    rows = result.all()
    assert [row[0].name for row in rows] == ["ada", "grace"]
    assert all(inspect(row.User).state is ObjectState.PERSISTENT for row in rows)


async def test_query_rows_keep_unflushed_changes(engine: Engine, session: AsyncSession) -> None:
    await _seed(engine)
    ada = await session.get(User, 1)
    assert ada is not None
    with session.no_autoflush:
        ada.name = "changed"
        found = (await session.scalars(select(User).where(User.id == 1))).one()
    assert found is ada
    assert ada.name == "changed"
    assert inspect(ada).modified


async def test_populate_existing_overwrites(engine: Engine, session: AsyncSession) -> None:
    await _seed(engine)
    ada = await session.get(User, 1)
    assert ada is not None
    async with AsyncSession(engine) as other:
        await other.execute(update(User).where(User.id == 1).values(name="renamed"))
        await other.commit()
    again = (await session.scalars(select(User).where(User.id == 1))).one()
    assert again is ada
    assert ada.name == "ada"
    stmt = select(User).where(User.id == 1).execution_options(populate_existing=True)
    assert (await session.scalars(stmt)).one() is ada
    assert ada.name == "renamed"
    await session.get(User, 1, populate_existing=True)
    assert ada.name == "renamed"


async def test_query_fills_expired_attributes(engine: Engine, session: AsyncSession) -> None:
    await _seed(engine)
    ada = await session.get(User, 1)
    assert ada is not None
    session.expire(ada)
    assert inspect(ada).expired
    (await session.scalars(select(User))).all()
    assert not inspect(ada).expired
    assert ada.name == "ada"


async def test_autoflush_before_queries(session: AsyncSession, statements: StatementLog) -> None:
    session.add(User(name="ada"))
    names = (await session.scalars(select(User.name))).all()
    assert names == ["ada"]
    assert statements.count("INSERT") == 1


async def test_no_autoflush(session: AsyncSession) -> None:
    user = User(name="ada")
    session.add(user)
    with session.no_autoflush:
        assert (await session.scalars(select(User))).all() == []
        assert inspect(user).pending
    assert (await session.scalars(select(User))).all() == [user]


async def test_autoflush_before_get_miss_only(
    session: AsyncSession, statements: StatementLog
) -> None:
    user = User(name="ada")
    session.add(user)
    await session.flush()
    user.name = "changed"
    statements.clear()
    assert await session.get(User, user.id) is user  # a hit: no flush, no SQL
    assert statements.count() == 0
    assert await session.get(User, 42) is None  # a miss flushes first
    assert statements.count("UPDATE") == 1


async def test_autoflush_can_be_turned_off(engine: Engine) -> None:
    async with AsyncSession(engine, autoflush=False) as session:
        session.add(User(name="ada"))
        assert (await session.scalars(select(User))).all() == []


async def test_mixed_entities_and_columns(engine: Engine, session: AsyncSession) -> None:
    await _seed(engine)
    rows = (await session.execute(select(User, User.name, User.age).order_by(User.id))).all()
    assert rows[0][0].name == "ada"
    assert rows[0][1:] == ("ada", 36)
    assert rows[1].User is await session.get(User, 2)
    plain = (await session.execute(select(User.name).order_by(User.name))).all()
    assert [tuple(r) for r in plain] == [("ada",), ("grace",)]


async def test_two_entities_and_outer_join(engine: Engine, session: AsyncSession) -> None:
    await _seed(engine)
    session.add(Address(user_id=1, street="Main St"))
    await session.flush()
    rows = (
        await session.execute(
            select(User, Address).outerjoin(Address, Address.user_id == User.id).order_by(User.id)
        )
    ).all()
    assert rows[0][0].name == "ada"
    assert rows[0][1].street == "Main St"
    assert rows[1][0].name == "grace"
    assert rows[1][1] is None


async def test_stream_and_stream_scalars(engine: Engine, session: AsyncSession) -> None:
    await _seed(engine)
    ada = await session.get(User, 1)
    seen = []
    async for row in await session.stream(select(User).order_by(User.id), chunk_size=1):
        seen.append(row[0])
    assert seen[0] is ada
    assert seen[1].name == "grace"
    names = [u.name async for u in await session.stream_scalars(select(User).order_by(User.id))]
    assert names == ["ada", "grace"]


async def test_scalar(engine: Engine, session: AsyncSession) -> None:
    await _seed(engine)
    first = await session.scalar(select(User).order_by(User.id))
    assert first is await session.get(User, 1)
    assert await session.scalar(select(User).where(User.id == 7)) is None
