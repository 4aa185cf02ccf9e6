"""save-update: objects reachable from an added one join the session, at add() and on change."""

from __future__ import annotations

import pytest

from aorm.engine import Engine
from aorm.exc import InvalidStateError
from aorm.session import AsyncSession, ObjectState, inspect
from aorm.sql.select import select
from tests.relationships.cascade_models import Author, Book, Chapter, Magazine, Publisher

pytest_plugins = ["tests.relationships.cascade_fixtures"]


async def test_add_cascades_to_the_whole_graph(cascade_session: AsyncSession) -> None:
    session = cascade_session
    chapter = Chapter(heading="one")
    book = Book(title="1984", chapters=[chapter])
    orwell = Author(name="George Orwell", books=[book])
    session.add(orwell)
    assert inspect(book).state is ObjectState.PENDING
    assert inspect(chapter).state is ObjectState.PENDING
    assert set(map(id, session.new)) == {id(orwell), id(book), id(chapter)}
    await session.flush()
    assert book.author_id == orwell.id
    assert chapter.book_id == book.id


async def test_append_to_an_object_in_the_session_makes_the_child_pending(
    cascade_session: AsyncSession,
) -> None:
    session = cascade_session
    orwell = Author(name="George Orwell")
    session.add(orwell)
    book = Book(title="1984")
    orwell.books.append(book)
    assert inspect(book).pending  # at once, not at flush
    chapter = Chapter(heading="Part One")
    book.chapters.append(chapter)
    assert inspect(chapter).pending
    await session.commit()
    assert inspect(book).persistent
    assert book.author_id == orwell.id
    assert chapter.book_id == book.id


async def test_append_to_a_persistent_object(cascade_session: AsyncSession) -> None:
    session = cascade_session
    huxley = Author(name="Huxley", books=[])
    session.add(huxley)
    await session.commit()
    assert inspect(huxley).persistent  # and its (empty) collection is loaded
    book = Book(title="Brave New World")
    huxley.books.append(book)
    assert inspect(book).pending
    await session.commit()
    assert book.author_id == huxley.id


async def test_assigning_a_many_to_one_cascades_both_ways(cascade_session: AsyncSession) -> None:
    session = cascade_session
    book = Book(title="Animal Farm")
    session.add(book)
    orwell = Author(name="George Orwell")
    book.author = orwell  # Book.author has the default cascade (save-update, merge)
    assert inspect(orwell).pending
    assert orwell.books == [book]  # back_populates, in memory
    await session.flush()
    assert book.author_id == orwell.id


async def test_the_back_reference_of_a_transient_child_cascades(
    cascade_session: AsyncSession,
) -> None:
    session = cascade_session
    orwell = Author(name="George Orwell")
    session.add(orwell)
    book = Book(title="Homage to Catalonia")
    book.author = orwell  # the book has no session; its back reference reaches orwell
    assert inspect(book).pending
    await session.flush()
    assert book.author_id == orwell.id


async def test_an_object_of_another_session_is_refused(
    cascade_engine: Engine, cascade_session: AsyncSession
) -> None:
    session = cascade_session
    orwell = Author(name="George Orwell")
    session.add(orwell)
    async with AsyncSession(cascade_engine) as other:
        book = Book(title="1984")
        other.add(book)
        with pytest.raises(InvalidStateError, match="another session"):
            orwell.books.append(book)


async def test_default_cascade_adds_magazines_to_the_session(
    cascade_session: AsyncSession,
) -> None:
    session = cascade_session
    publisher = Publisher(name="Penguin", magazines=[Magazine(title="Granta")])
    session.add(publisher)
    await session.commit()
    titles = (await session.scalars(select(Magazine.title))).all()
    assert titles == ["Granta"]
