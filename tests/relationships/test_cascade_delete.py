"""delete cascade, passive_deletes, and deleting a parent without a delete cascade."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from aorm.engine import Engine
from aorm.exc import IntegrityError, PendingRollbackError
from aorm.session import AsyncSession, ObjectState, inspect
from aorm.sql.functions import func
from aorm.sql.select import select
from tests.relationships.cascade_models import (
    Author,
    Book,
    Chapter,
    Forum,
    Item,
    Magazine,
    Post,
    Publisher,
    Reply,
    Shelf,
)

if TYPE_CHECKING:
    from tests.relationships.cascade_fixtures import StatementLog

pytest_plugins = ["tests.relationships.cascade_fixtures"]


async def _count(session: AsyncSession, model: type[object]) -> int:
    value = await session.scalar(select(func.count()).select_from(model))
    assert isinstance(value, int)
    return value


async def _library(engine: Engine) -> int:
    """An author with two books of two chapters each, committed; returns the author's key."""
    async with AsyncSession(engine) as session:
        author = Author(
            name="George Orwell",
            books=[
                Book(title=title, chapters=[Chapter(heading=f"{title} {n}") for n in (1, 2)])
                for title in ("1984", "Animal Farm")
            ],
        )
        session.add(author)
        await session.commit()
        return author.id


async def test_delete_cascades_through_loaded_collections(
    cascade_session: AsyncSession, sql_log: StatementLog
) -> None:
    session = cascade_session
    book = Book(title="1984", chapters=[Chapter(heading="one")])
    orwell = Author(name="George Orwell", books=[book])
    session.add(orwell)
    await session.commit()
    sql_log.clear()
    await session.delete(orwell)
    assert sql_log.count("SELECT") == 0  # everything was loaded
    assert {id(o) for o in session.deleted} == {id(orwell), id(book), id(book.chapters[0])}
    await session.flush()
    assert inspect(book).state is ObjectState.DELETED
    await session.commit()
    assert inspect(orwell).detached
    assert await _count(session, Chapter) == 0
    assert await _count(session, Book) == 0


async def test_delete_cascade_loads_an_unloaded_collection_first(
    cascade_engine: Engine, cascade_session: AsyncSession, sql_log: StatementLog
) -> None:
    author_id = await _library(cascade_engine)
    session = cascade_session
    author = await session.get(Author, author_id)
    assert author is not None
    sql_log.clear()
    await session.delete(author)
    # One awaited query per level: the books, then their chapters.
    assert sql_log.count("SELECT", "books") == 1
    assert sql_log.count("SELECT", "chapters") == 1
    assert sql_log.count("SELECT") == 2
    assert len(session.deleted) == 1 + 2 + 4
    assert [b.title for b in author.books] == ["1984", "Animal Farm"]  # now loaded
    sql_log.clear()
    await session.commit()
    # Children first, one batched DELETE per table.
    deletes = [s.split('"')[1] for s in sql_log.statements if s.startswith("DELETE")]
    assert deletes == ["chapters", "books", "authors"]
    assert await _count(session, Book) == 0
    assert await _count(session, Chapter) == 0


async def test_delete_cascade_expunges_pending_children(cascade_session: AsyncSession) -> None:
    session = cascade_session
    orwell = Author(name="George Orwell", books=[])
    session.add(orwell)
    await session.commit()
    draft = Book(title="draft")
    orwell.books.append(draft)
    assert inspect(draft).pending
    await session.delete(orwell)
    assert inspect(draft).transient  # never inserted
    await session.commit()
    assert await _count(session, Book) == 0


async def test_passive_deletes_leave_children_to_the_database(
    cascade_engine: Engine, cascade_session: AsyncSession, sql_log: StatementLog
) -> None:
    async with AsyncSession(cascade_engine) as setup:
        forum = Forum(
            name="general",
            posts=[Post(body="hello", replies=[Reply(body="hi"), Reply(body="yo")])],
        )
        setup.add(forum)
        setup.add(Forum(name="other", posts=[Post(body="kept")]))
        await setup.commit()
        forum_id = forum.id
    session = cascade_session
    loaded_forum = await session.get(Forum, forum_id)
    assert loaded_forum is not None
    post = (await session.scalars(select(Post).where(Post.forum_id == forum_id))).one()
    replies = (await session.scalars(select(Reply).order_by(Reply.id))).all()
    kept = (await session.scalars(select(Post).where(Post.forum_id != forum_id))).one()
    sql_log.clear()
    await session.delete(loaded_forum)
    assert sql_log.statements == []  # the collection is not loaded
    assert session.deleted == [loaded_forum]
    await session.flush()
    assert [s.split('"')[1] for s in sql_log.statements] == ["forums"]  # one DELETE
    # The objects the database deleted with it are deleted in the session too.
    assert inspect(post).state is ObjectState.DELETED
    assert all(inspect(r).state is ObjectState.DELETED for r in replies)
    assert inspect(kept).state is ObjectState.PERSISTENT
    assert post not in session.identity_map.values()
    assert await session.get(Post, post.id) is None
    assert await _count(session, Reply) == 0
    # A rollback brings them back, as it does every object deleted in the transaction.
    await session.rollback()
    assert inspect(post).persistent
    assert await session.get(Post, post.id) is post
    assert await _count(session, Reply) == 2


async def test_without_a_delete_cascade_children_lose_their_parent(
    cascade_engine: Engine, cascade_session: AsyncSession, sql_log: StatementLog
) -> None:
    async with AsyncSession(cascade_engine) as setup:
        penguin = Publisher(name="Penguin", magazines=[Magazine(title="Granta")])
        setup.add_all([penguin, Magazine(title="Standalone")])
        await setup.commit()
        publisher_id = penguin.id
    session = cascade_session
    publisher = await session.get(Publisher, publisher_id)
    assert publisher is not None
    await session.delete(publisher)
    assert session.deleted == [publisher]  # the magazines are not deleted
    sql_log.clear()
    await session.flush()
    # The flush loads the collection (awaited), nulls the foreign keys, then deletes.
    verbs = [s.split()[0] for s in sql_log.statements]
    assert verbs == ["SELECT", "UPDATE", "DELETE"]
    magazine = (await session.scalars(select(Magazine).where(Magazine.title == "Granta"))).one()
    assert magazine.publisher_id is None
    assert inspect(magazine).persistent
    await session.commit()
    assert await _count(session, Magazine) == 2


async def test_without_a_delete_cascade_a_loaded_collection_needs_no_query(
    cascade_session: AsyncSession, sql_log: StatementLog
) -> None:
    session = cascade_session
    magazine = Magazine(title="Granta")
    penguin = Publisher(name="Penguin", magazines=[magazine])
    session.add(penguin)
    await session.commit()
    await session.delete(penguin)
    sql_log.clear()
    await session.commit()
    assert [s.split()[0] for s in sql_log.statements] == ["UPDATE", "DELETE"]
    assert magazine.publisher_id is None
    assert magazine.publisher is None


async def test_not_null_foreign_key_fails_and_the_session_recovers(
    cascade_engine: Engine, cascade_session: AsyncSession
) -> None:
    async with AsyncSession(cascade_engine) as setup:
        setup.add(Shelf(items=[Item(), Item()]))
        await setup.commit()
    session = cascade_session
    shelf = (await session.scalars(select(Shelf))).one()
    await session.delete(shelf)
    with pytest.raises(IntegrityError, match="items"):
        await session.flush()
    # The children are exactly as before the flush.
    assert await _shelf_keys(cascade_engine) == [shelf.id, shelf.id]
    loaded = [o for o in session.identity_map.values() if isinstance(o, Item)]
    assert len(loaded) == 2
    for item in loaded:
        assert item.shelf_id == shelf.id
        assert not inspect(item).modified
    with pytest.raises(PendingRollbackError):
        await session.flush()
    await session.rollback()
    for item in loaded:
        await session.delete(item)
    await session.delete(shelf)
    await session.commit()
    assert await _count(session, Shelf) == 0


async def _shelf_keys(engine: Engine) -> list[int]:
    """The shelf key of every item, read on a connection of its own."""
    async with engine.connect() as conn:
        rows = await conn.execute(select(Item.shelf_id).order_by(Item.id))
        return [row[0] for row in rows.all()]
