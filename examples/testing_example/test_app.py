"""The app's tests: each runs in a transaction of its own, rolled back afterwards.

Run them with ``python -m pytest examples/testing_example`` (SQLite in a
temporary directory), or against PostgreSQL with
``--aorm-url postgresql://user@localhost/app_test``.
"""

from __future__ import annotations

from aorm.session import AsyncSession, inspect
from aorm.sql import func, select
from aorm.testing import assert_queries, count_queries
from testing_example.app import Task, add_task, rename_task, titles


async def _count(session: AsyncSession) -> int:
    found = await session.scalar(select(func.count()).select_from(Task))
    assert found is not None  # scalar() is None only when there is no row
    return int(found)


async def test_add_task_commits(aorm_session: AsyncSession) -> None:
    task = await add_task(aorm_session, "write the tests")
    assert inspect(task).persistent
    assert await _count(aorm_session) == 1


async def test_each_test_starts_from_an_empty_table(aorm_session: AsyncSession) -> None:
    # The task committed by the test above was rolled back with its transaction.
    assert await _count(aorm_session) == 0


async def test_a_blank_title_is_rolled_back(aorm_session: AsyncSession) -> None:
    task = await add_task(aorm_session, "tidy up")
    assert not await rename_task(aorm_session, task.id, "  ")
    assert await rename_task(aorm_session, task.id, "tidy up the desk")
    assert await titles(aorm_session, [task.id]) == ["tidy up the desk"]


async def test_titles_take_one_query(aorm_session: AsyncSession) -> None:
    tasks = [await add_task(aorm_session, f"task {n}") for n in range(5)]
    ids = [task.id for task in tasks]
    with assert_queries(aorm_session, 1):
        assert await titles(aorm_session, ids) == [f"task {n}" for n in range(5)]


async def test_one_get_per_task_is_an_n_plus_one(aorm_session: AsyncSession) -> None:
    tasks = [await add_task(aorm_session, f"task {n}") for n in range(3)]
    aorm_session.expunge_all()  # so that get() has to ask the database
    with count_queries(aorm_session) as queries:
        for task in tasks:
            await aorm_session.get(Task, task.id)
    assert queries.count == len(tasks)
