"""Bulk update()/delete() through the session keep the identity map truthful."""

from __future__ import annotations

import pytest

from aorm.engine import Engine
from aorm.exc import ArgumentError
from aorm.session import AsyncSession, ObjectState, inspect
from aorm.sql.dml import delete, update
from aorm.sql.expressions import bindparam
from aorm.sql.select import select
from tests.session.conftest import StatementLog
from tests.session.models import User


async def _load(session: AsyncSession) -> list[User]:
    session.add_all(
        [User(name="ada", age=36), User(name="grace", age=45), User(name="linus", age=None)]
    )
    await session.commit()
    return list((await session.scalars(select(User).order_by(User.id))).all())


async def test_update_evaluates_the_where_clause(
    session: AsyncSession, statements: StatementLog
) -> None:
    ada, grace, linus = await _load(session)
    statements.clear()
    result = await session.execute(update(User).where(User.age > 40).values(name="senior"))
    assert result.rowcount == 1
    assert statements.count() == 1  # evaluated in Python: no extra query
    assert grace.name == "senior"
    assert not inspect(grace).modified
    assert ada.name == "ada"
    assert linus.name == "linus"


async def test_update_evaluates_expressions(session: AsyncSession) -> None:
    ada, grace, _ = await _load(session)
    await session.execute(
        update(User).where(User.name.in_(["ada", "grace"])).values(age=User.age + 1)
    )
    assert (ada.age, grace.age) == (37, 46)
    await session.commit()
    await session.refresh(ada)
    assert ada.age == 37


async def test_update_fetches_when_it_cannot_evaluate(
    session: AsyncSession, statements: StatementLog
) -> None:
    ada, grace, linus = await _load(session)
    await session.execute(update(User).where(User.name.like("%a%")).values(age=1))
    assert (ada.age, grace.age, linus.age) == (1, 1, None)
    result = await session.execute(
        update(User).where(User.name.like("l%")).values(age=2).returning(User.name)
    )
    assert [tuple(r) for r in result.all()] == [("linus",)]  # the caller's RETURNING only
    assert linus.age == 2


async def test_update_with_unloaded_attributes_fetches(session: AsyncSession) -> None:
    ada, grace, _ = await _load(session)
    session.expire(grace, ["age"])
    await session.execute(update(User).where(User.age > 40).values(name="senior"))
    assert grace.name == "senior"
    assert ada.name == "ada"


async def test_executemany_update_fetches(session: AsyncSession) -> None:
    ada, grace, _ = await _load(session)
    stmt = update(User).where(User.id == bindparam("uid")).values(age=bindparam("new_age"))
    await session.execute(stmt, [{"uid": ada.id, "new_age": 1}, {"uid": grace.id, "new_age": 2}])
    assert (ada.age, grace.age) == (1, 2)


async def test_delete_marks_objects_deleted(session: AsyncSession) -> None:
    ada, grace, linus = await _load(session)
    await session.execute(delete(User).where(User.age < 40))
    assert inspect(ada).state is ObjectState.DELETED
    assert inspect(ada).identity_key not in session.identity_map
    assert inspect(grace).persistent
    assert inspect(linus).persistent
    await session.execute(delete(User).where(User.name.like("g%")))  # fetched
    assert inspect(grace).state is ObjectState.DELETED
    await session.rollback()
    assert inspect(ada).persistent
    assert inspect(grace).persistent
    await session.execute(delete(User).where(User.id == linus.id))
    await session.commit()
    assert inspect(linus).detached
    assert await session.get(User, linus.id) is None


async def test_synchronize_session_false_and_bad_values(session: AsyncSession) -> None:
    ada, _, _ = await _load(session)
    stmt = update(User).where(User.id == ada.id).values(name="x")
    await session.execute(stmt, execution_options={"synchronize_session": False})
    assert ada.name == "ada"
    with pytest.raises(ArgumentError, match="synchronize_session"):
        await session.execute(stmt, execution_options={"synchronize_session": "nope"})
    with pytest.raises(ArgumentError, match="fetch"):
        await session.execute(
            update(User).where(User.name.like("a%")).values(age=3),
            execution_options={"synchronize_session": "evaluate"},
        )


async def test_bulk_statements_autoflush_first(engine: Engine, session: AsyncSession) -> None:
    session.add(User(name="new", age=50))
    await session.execute(update(User).where(User.age > 40).values(age=41))
    assert await session.scalar(select(User.age)) == 41
