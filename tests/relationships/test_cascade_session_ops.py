"""expunge, refresh-expire and merge cascades."""

from __future__ import annotations

import pytest

from aorm.engine import Engine
from aorm.exc import ExpiredAttributeError
from aorm.session import AsyncSession, ObjectState, inspect
from aorm.sql.select import select
from tests.relationships.cascade_models import Author, Book, Chapter, Magazine, Publisher

pytest_plugins = ["tests.relationships.cascade_fixtures"]


async def test_expunge_cascades(cascade_session: AsyncSession) -> None:
    session = cascade_session
    chapter = Chapter(heading="one")
    book = Book(title="1984", chapters=[chapter])
    orwell = Author(name="George Orwell", books=[book])
    session.add(orwell)
    await session.commit()
    draft = Book(title="draft")
    orwell.books.append(draft)
    session.expunge(orwell)
    assert inspect(orwell).detached
    assert inspect(book).detached
    assert inspect(chapter).detached
    assert inspect(draft).transient
    assert len(session.identity_map) == 0
    assert session.new == []


async def test_expunge_does_not_follow_the_default_cascade(cascade_session: AsyncSession) -> None:
    session = cascade_session
    granta = Magazine(title="Granta")
    penguin = Publisher(name="Penguin", magazines=[granta])
    session.add(penguin)
    await session.commit()
    session.expunge(penguin)
    assert inspect(penguin).detached
    assert inspect(granta).persistent


async def test_expire_cascades(cascade_session: AsyncSession) -> None:
    session = cascade_session
    book = Book(title="1984")
    orwell = Author(name="George Orwell", books=[book])
    penguin = Publisher(name="Penguin", magazines=[Magazine(title="Granta")])
    session.add_all([orwell, penguin])
    await session.commit()
    granta = penguin.magazines[0]
    session.expire(orwell)
    assert inspect(book).state is ObjectState.EXPIRED
    with pytest.raises(ExpiredAttributeError, match=r"Book\.title"):
        _ = book.title
    session.expire(penguin)  # the default cascade has no refresh-expire
    assert inspect(granta).state is ObjectState.PERSISTENT
    await session.refresh(book)
    assert book.title == "1984"


async def test_expire_of_some_attributes_does_not_cascade(cascade_session: AsyncSession) -> None:
    session = cascade_session
    book = Book(title="1984")
    orwell = Author(name="George Orwell", books=[book])
    session.add(orwell)
    await session.commit()
    session.expire(orwell, ["name"])
    assert inspect(book).state is ObjectState.PERSISTENT


async def test_refresh_expires_related_objects(
    cascade_engine: Engine, cascade_session: AsyncSession
) -> None:
    session = cascade_session
    book = Book(title="1984")
    orwell = Author(name="George Orwell", books=[book])
    session.add(orwell)
    await session.commit()
    async with AsyncSession(cascade_engine) as other:
        changed = await other.get(Book, book.id)
        assert changed is not None
        changed.title = "Nineteen Eighty-Four"
        await other.commit()
    await session.refresh(orwell)
    assert inspect(orwell).state is ObjectState.PERSISTENT
    assert inspect(book).state is ObjectState.EXPIRED  # expired, not reloaded
    assert await session.scalar(select(Book)) is book  # the query's row fills it in
    assert book.title == "Nineteen Eighty-Four"


async def test_merge_cascades_into_a_new_session(
    cascade_engine: Engine, cascade_session: AsyncSession
) -> None:
    async with AsyncSession(cascade_engine) as first:
        detached = Author(name="George Orwell", books=[Book(title="1984")])
        first.add(detached)
        await first.commit()
    # Changed while detached: a title, and a new book.
    detached.books[0].title = "Nineteen Eighty-Four"
    detached.books.append(Book(title="Animal Farm"))
    session = cascade_session
    merged = await session.merge(detached)
    assert merged is not detached
    assert inspect(merged).persistent
    assert [b.title for b in merged.books] == ["Nineteen Eighty-Four", "Animal Farm"]
    assert all(inspect(b).session is session for b in merged.books)
    assert merged.books[0] is not detached.books[0]
    assert merged.books[1].author is merged
    assert inspect(merged.books[1]).pending
    await session.commit()
    rows = (await session.execute(select(Book.title, Book.author_id).order_by(Book.id))).all()
    assert [tuple(r) for r in rows] == [
        ("Nineteen Eighty-Four", merged.id),
        ("Animal Farm", merged.id),
    ]
    assert inspect(detached).detached  # the given object is left alone


async def test_merge_replaces_a_collection_and_orphans_follow(
    cascade_engine: Engine, cascade_session: AsyncSession
) -> None:
    async with AsyncSession(cascade_engine) as first:
        detached = Author(name="George Orwell", books=[Book(title="1984"), Book(title="Drafts")])
        first.add(detached)
        await first.commit()
    detached.books.pop()
    session = cascade_session
    loaded = await session.get(Author, detached.id)  # its books are not loaded
    assert loaded is not None
    merged = await session.merge(detached)
    assert merged is loaded
    assert [b.title for b in merged.books] == ["1984"]
    await session.commit()
    assert (await session.scalars(select(Book.title))).all() == ["1984"]


async def test_merge_of_a_graph_with_a_cycle(cascade_session: AsyncSession) -> None:
    book = Book(title="1984")
    orwell = Author(name="George Orwell", books=[book])
    assert book.author is orwell
    merged = await cascade_session.merge(orwell)
    assert inspect(merged).pending
    assert len(cascade_session.new) == 2
    assert merged.books[0].author is merged
