"""Relationship reads without IO: identity-map many-to-one, NULL keys, and clear errors."""

from __future__ import annotations

import pytest

from aorm.exc import LazyLoadError
from aorm.session import AsyncSession, LoaderStrategy, register_strategy
from aorm.session.strategies import registered_strategies
from aorm.sql.select import select
from tests.session.conftest import StatementLog
from tests.session.models import Author, Book, Review


async def _library(session: AsyncSession) -> None:
    session.add(Author(id=1, name="Orwell"))
    await session.flush()
    session.add_all(
        [Book(id=1, title="1984", author_id=1), Book(id=2, title="Untitled", author_id=None)]
    )
    await session.commit()
    session.expunge_all()


async def test_many_to_one_from_the_identity_map(
    session: AsyncSession, statements: StatementLog
) -> None:
    await _library(session)
    orwell = await session.get(Author, 1)
    book = await session.get(Book, 1)
    assert book is not None
    statements.clear()
    assert book.author is orwell
    assert statements.count() == 0


async def test_many_to_one_with_null_key_is_none(session: AsyncSession) -> None:
    await _library(session)
    book = await session.get(Book, 2)
    assert book is not None
    assert book.author is None


async def test_unloaded_many_to_one_raises(session: AsyncSession) -> None:
    await _library(session)
    book = await session.get(Book, 1)
    assert book is not None
    with pytest.raises(LazyLoadError) as caught:
        _ = book.author
    message = str(caught.value)
    assert "Book.author" in message
    assert "await obj.awaitable_attrs.author" in message
    assert "selectinload(Book.author)" in message


async def test_unloaded_collection_raises(session: AsyncSession) -> None:
    await _library(session)
    orwell = (await session.scalars(select(Author))).one()
    with pytest.raises(LazyLoadError, match=r"Author\.books"):
        _ = orwell.books
    with pytest.raises(LazyLoadError, match="lazy='raise'"):
        _ = orwell.reviews


async def test_new_objects_start_with_empty_loaded_collections(session: AsyncSession) -> None:
    author = Author(name="new")
    session.add(author)
    assert author.books == []
    await session.flush()
    assert author.books == []  # still the loaded, empty collection


async def test_noload_reads_empty(session: AsyncSession) -> None:
    session.add(Author(id=1, name="Orwell"))
    await session.flush()
    session.add(Review(id=1, author_id=1))
    await session.commit()
    session.expunge_all()
    review = await session.get(Review, 1)
    assert review is not None
    assert review.author is None


def test_strategies_are_registered_by_key() -> None:
    strategies = registered_strategies()
    assert {"select", "raise", "noload", "joined", "selectin", "subquery"} <= set(strategies)

    class Custom(LoaderStrategy):
        name = "custom-test"

    register_strategy("custom-test", Custom())
    assert isinstance(registered_strategies()["custom-test"], Custom)


async def test_awaited_relationship_loads(session: AsyncSession) -> None:
    await _library(session)
    orwell = await session.get(Author, 1)
    assert orwell is not None
    books = await orwell.awaitable_attrs.books
    assert [b.title for b in books] == ["1984"]
    book = await session.get(Book, 1)
    assert book is not None
    assert await book.awaitable_attrs.author is orwell  # known without IO
