"""Many-to-many association rows: inserted and deleted in batches as either side changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aorm.engine import Engine
from aorm.session import AsyncSession, inspect
from aorm.sql.schema import Table
from aorm.sql.select import select
from tests.relationships.cascade_models import (
    Article,
    Child,
    Parent,
    Tag,
    article_tags,
    association_table,
)

if TYPE_CHECKING:
    from tests.relationships.cascade_fixtures import StatementLog

pytest_plugins = ["tests.relationships.cascade_fixtures"]


async def _pairs(session: AsyncSession, table: Table = association_table) -> list[tuple[int, int]]:
    columns = list(table.c)
    rows = await session.execute(select(*columns).order_by(*columns))
    return [(row[0], row[1]) for row in rows.all()]


async def test_rows_are_inserted_for_both_sides_once(
    cascade_session: AsyncSession, sql_log: StatementLog
) -> None:
    session = cascade_session
    alice, bob = Child(name="alice"), Child(name="bob")
    left = Parent(name="left", children=[alice, bob])
    assert alice.parents == [left]  # back_populates, in memory
    session.add(left)
    sql_log.clear()
    await session.commit()
    assert sql_log.count("INSERT", "association_table") == 1
    assert await _pairs(session) == [(left.id, alice.id), (left.id, bob.id)]


async def test_many_rows_in_one_batch(cascade_session: AsyncSession, sql_log: StatementLog) -> None:
    session = cascade_session
    children = [Child(name=f"child {i}") for i in range(3)]
    parents = [Parent(name=f"parent {i}", children=list(children)) for i in range(100)]
    session.add_all(parents)
    sql_log.clear()
    await session.commit()
    assert sql_log.count("INSERT", "association_table") == 1
    assert len(await _pairs(session)) == 300


async def test_append_and_remove_on_persistent_objects(
    cascade_session: AsyncSession, sql_log: StatementLog
) -> None:
    session = cascade_session
    alice, bob, carol = Child(name="alice"), Child(name="bob"), Child(name="carol", parents=[])
    left = Parent(name="left", children=[alice, bob])
    session.add_all([left, carol])
    await session.commit()
    left.children.remove(alice)
    carol.parents.append(left)  # from the other side
    assert left.children == [bob, carol]
    sql_log.clear()
    await session.commit()
    assert sql_log.count("DELETE", "association_table") == 1
    assert sql_log.count("INSERT", "association_table") == 1
    assert await _pairs(session) == [(left.id, bob.id), (left.id, carol.id)]
    assert alice.parents == []


async def test_changes_to_a_collection_that_is_not_loaded(
    cascade_engine: Engine, cascade_session: AsyncSession, sql_log: StatementLog
) -> None:
    async with AsyncSession(cascade_engine) as setup:
        setup.add(Child(name="alice"))
        await setup.commit()
    session = cascade_session
    alice = (await session.scalars(select(Child))).one()
    assert "parents" not in alice.__dict__  # never loaded
    left = Parent(name="left")
    left.children.append(alice)  # alice's side records a pending change
    assert inspect(alice).collection_changes == {"parents": ([left], [])}
    session.add(left)
    await session.commit()
    assert await _pairs(session) == [(left.id, alice.id)]
    left.children.remove(alice)
    assert inspect(alice).collection_changes == {"parents": ([], [left])}
    sql_log.clear()
    await session.commit()
    assert sql_log.count("DELETE", "association_table") == 1
    assert await _pairs(session) == []


async def test_deleting_an_object_deletes_its_rows(
    cascade_engine: Engine, cascade_session: AsyncSession, sql_log: StatementLog
) -> None:
    async with AsyncSession(cascade_engine) as setup:
        alice, bob = Child(name="alice"), Child(name="bob")
        setup.add_all(
            [Parent(name="left", children=[alice, bob]), Parent(name="right", children=[bob])]
        )
        await setup.commit()
    session = cascade_session
    left = (await session.scalars(select(Parent).where(Parent.name == "left"))).one()
    bob_again = (await session.scalars(select(Child).where(Child.name == "bob"))).one()
    await session.delete(left)  # its collection is not loaded, and needs no load
    await session.delete(bob_again)
    sql_log.clear()
    await session.commit()
    assert sql_log.count("SELECT") == 0
    assert await _pairs(session) == []
    assert (await session.scalars(select(Child.name))).all() == ["alice"]


async def test_deleting_the_side_without_an_attribute(cascade_session: AsyncSession) -> None:
    session = cascade_session
    python, asyncio = Tag(label="python"), Tag(label="asyncio")
    article = Article(tags=[python, asyncio])
    session.add(article)
    await session.commit()
    assert await _pairs(session, article_tags) == [
        (article.id, python.id),
        (article.id, asyncio.id),
    ]
    await session.delete(python)
    await session.commit()
    assert await _pairs(session, article_tags) == [(article.id, asyncio.id)]
