"""The result of a one-entity query: every view over objects held without per-row tuples."""

from __future__ import annotations

import gc

import pytest

from aorm.engine import Engine, Result
from aorm.exc import ArgumentError, MappingError, MultipleResultsFound, ResourceClosedError
from aorm.session import AsyncSession, inspect
from aorm.session.hydration_code import batch_loader_factory
from aorm.sql.select import select
from tests.session.models import Setting, User


async def _seed(engine: Engine, count: int = 5) -> None:
    async with AsyncSession(engine) as session:
        session.add_all([User(name=f"u{i}", age=i) for i in range(count)])
        await session.commit()


async def test_rows_scalars_mappings_and_tuples(engine: Engine, session: AsyncSession) -> None:
    await _seed(engine)
    stmt = select(User).order_by(User.id)
    rows = (await session.execute(stmt)).all()
    assert [row.User.name for row in rows] == [f"u{i}" for i in range(5)]
    assert [row[0].name for row in rows] == [f"u{i}" for i in range(5)]
    users = (await session.scalars(stmt)).all()
    assert users == [row[0] for row in rows]
    mappings = (await session.execute(stmt)).mappings().all()
    assert [m["User"] for m in mappings] == users
    assert (await session.execute(stmt)).tuples().all() == [(u,) for u in users]
    assert (await session.execute(stmt)).keys() == ["User"]


async def test_partial_fetches_share_one_position(engine: Engine, session: AsyncSession) -> None:
    await _seed(engine)
    result = await session.execute(select(User).order_by(User.id))
    first = result.fetchone()
    assert first is not None
    assert first[0].name == "u0"
    scalars = result.scalars()
    assert [u.name for u in scalars.fetchmany(2)] == ["u1", "u2"]
    assert [row[0].name for row in result.fetchmany(1)] == ["u3"]
    assert [u.name for u in scalars.all()] == ["u4"]
    assert result.all() == []


async def test_closing_terminals_and_unique(engine: Engine, session: AsyncSession) -> None:
    await _seed(engine, 2)
    stmt = select(User).order_by(User.id)
    result = await session.execute(stmt)
    assert result.scalars().first() is not None
    with pytest.raises(ResourceClosedError):
        result.all()
    with pytest.raises(MultipleResultsFound):
        (await session.scalars(stmt)).one()
    assert (await session.execute(stmt.where(User.id == 1))).scalar_one().name == "u0"
    assert len((await session.scalars(stmt)).unique().all()) == 2
    assert len((await session.execute(stmt)).unique().all()) == 2
    with pytest.raises(ArgumentError):
        (await session.execute(stmt)).scalars(1)
    assert len((await session.execute(stmt)).scalars(-1).all()) == 2


async def test_large_result_objects_are_persistent_and_weakly_held(engine: Engine) -> None:
    await _seed(engine, 2500)
    async with AsyncSession(engine) as session:
        users = (await session.scalars(select(User).order_by(User.id))).all()
        assert [u.age for u in users] == list(range(2500))
        assert all(inspect(u).persistent for u in users)
        assert len(session.identity_map) == 2500
        # A second query over the same rows returns the same objects.
        again = (await session.scalars(select(User).order_by(User.id.desc()))).all()
        assert again == users[::-1]
        del users, again
        gc.collect()
        assert len(session.identity_map) == 0


async def test_composite_key_entities(session: AsyncSession) -> None:
    session.add_all([Setting(scope="a", name=str(i), value=f"v{i}") for i in range(3)])
    await session.commit()
    settings = (await session.scalars(select(Setting).order_by(Setting.name))).all()
    assert [inspect(s).identity for s in settings] == [("a", "0"), ("a", "1"), ("a", "2")]
    assert await session.get(Setting, ("a", "1")) is settings[1]


def test_of_values_without_a_database() -> None:
    result = Result.of_values("n", [1, 2, 3])
    assert result.keys() == ["n"]
    assert result.fetchone() == (1,)
    assert result.scalars().all() == [2, 3]
    assert Result.of_values("n", [4]).mappings().one() == {"n": 4}


def test_a_hydration_loop_needs_a_primary_key() -> None:
    with pytest.raises(MappingError, match="primary key"):
        batch_loader_factory(("name",), ())
