"""Foreign keys written from related objects at flush, keys generated in the same flush included."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from aorm.engine import Engine
from aorm.exc import IntegrityError
from aorm.session import AsyncSession, inspect
from aorm.sql.functions import func
from aorm.sql.select import select
from tests.relationships.cascade_models import Author, Book, Item, Magazine, Publisher

if TYPE_CHECKING:
    from tests.relationships.cascade_fixtures import StatementLog

pytest_plugins = ["tests.relationships.cascade_fixtures"]


async def test_thousand_parents_with_three_children_each_in_few_statements(
    cascade_session: AsyncSession, sql_log: StatementLog
) -> None:
    session = cascade_session
    authors = [
        Author(name=f"author {i}", books=[Book(title=f"book {i}.{j}") for j in range(3)])
        for i in range(1000)
    ]
    session.add_all(authors)
    sql_log.clear()
    await session.flush()
    # Batched per table (under the bind-parameter limit): parents first, their keys
    # returned, then every child.
    assert sql_log.count("INSERT", "authors") <= 3
    assert sql_log.count("INSERT", "books") <= 3
    assert len(sql_log.statements) == sql_log.count("INSERT")
    assert sql_log.statements[0].startswith('INSERT INTO "authors"')
    keys = [a.id for a in authors]
    assert len(set(keys)) == 1000
    for author in authors:
        assert [b.author_id for b in author.books] == [author.id] * 3
    await session.commit()
    rows = await session.execute(
        select(Author.name, func.count(Book.id))
        .join(Book, Book.author_id == Author.id)
        .group_by(Author.name)
    )
    counts = dict((name, count) for name, count in rows.all())
    assert len(counts) == 1000
    assert set(counts.values()) == {3}


async def test_a_new_parent_of_a_persistent_child(
    cascade_session: AsyncSession, sql_log: StatementLog
) -> None:
    session = cascade_session
    granta = Magazine(title="Granta")
    session.add(granta)
    await session.commit()
    penguin = Publisher(name="Penguin")
    granta.publisher = penguin  # cascades penguin into the session
    sql_log.clear()
    await session.flush()
    assert [s.split()[0] for s in sql_log.statements] == ["INSERT", "UPDATE"]
    assert granta.publisher_id == penguin.id is not None
    assert not inspect(granta).modified


async def test_moving_a_child_updates_its_foreign_key(cascade_session: AsyncSession) -> None:
    session = cascade_session
    granta = Magazine(title="Granta")
    penguin = Publisher(name="Penguin", magazines=[granta])
    faber = Publisher(name="Faber", magazines=[])
    session.add_all([penguin, faber])
    await session.commit()
    faber.magazines.append(granta)
    assert penguin.magazines == []
    assert granta.publisher is faber
    await session.commit()
    assert granta.publisher_id == faber.id
    stored = await session.scalar(select(Magazine.publisher_id))
    assert stored == faber.id


async def test_moving_a_child_without_a_back_reference_in_memory(
    cascade_engine: Engine, cascade_session: AsyncSession
) -> None:
    async with AsyncSession(cascade_engine) as setup:
        setup.add_all([Publisher(name="Penguin", magazines=[Magazine(title="Granta")])])
        await setup.commit()
    session = cascade_session
    granta = (await session.scalars(select(Magazine))).one()
    faber = Publisher(name="Faber")
    faber.magazines.append(granta)  # granta's old publisher is not loaded
    session.add(faber)
    await session.commit()
    assert await session.scalar(select(Magazine.publisher_id)) == faber.id


async def test_clearing_a_many_to_one_nulls_the_foreign_key(
    cascade_session: AsyncSession,
) -> None:
    session = cascade_session
    granta = Magazine(title="Granta")
    session.add(Publisher(name="Penguin", magazines=[granta]))
    await session.commit()
    granta.publisher = None
    await session.commit()
    assert granta.publisher_id is None
    assert await session.scalar(select(Magazine.publisher_id)) is None


async def test_the_childs_own_many_to_one_wins(cascade_session: AsyncSession) -> None:
    session = cascade_session
    granta = Magazine(title="Granta")
    session.add(granta)
    penguin = Publisher(name="Penguin")
    session.add(penguin)
    await session.flush()
    granta.publisher = penguin
    granta.publisher_id = None  # set directly too: the relationship is what counts
    await session.commit()
    assert granta.publisher_id == penguin.id


async def test_a_failed_flush_leaves_every_object_as_it_was(
    cascade_session: AsyncSession,
) -> None:
    session = cascade_session
    granta = Magazine(title="Granta")
    penguin = Publisher(name="Penguin", magazines=[granta])
    session.add(penguin)
    await session.commit()
    old_publisher = penguin.id
    # Pending changes that write foreign keys: a new parent with new children, a
    # persistent child moved to a new parent, and a row that will fail.
    book = Book(title="1984")
    orwell = Author(name="George Orwell", books=[book])
    faber = Publisher(name="Faber")
    granta.publisher = faber
    broken = Item()  # its shelf_id is NOT NULL
    session.add_all([orwell, broken])
    with pytest.raises(IntegrityError, match="items"):
        await session.flush()
    assert orwell.__dict__.get("id") is None
    assert book.__dict__.get("id") is None
    assert book.__dict__.get("author_id") is None
    assert faber.__dict__.get("id") is None
    assert granta.publisher_id == old_publisher
    changes = inspect(granta).changes
    assert changes is not None
    assert set(changes) == {"publisher"}  # the foreign key write was undone too
    assert granta.publisher is faber
    for obj in (orwell, book, faber, broken):
        assert inspect(obj).pending
    await session.rollback()
    assert inspect(orwell).transient
    assert inspect(granta).expired
    # Everything works again once the bad row is gone.
    session.add(orwell)
    await session.commit()
    assert book.author_id == orwell.id
