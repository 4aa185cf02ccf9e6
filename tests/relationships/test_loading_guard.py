"""The N+1 guard: ``AsyncSession(engine, lazy_loads="warn" | "raise")``."""

from __future__ import annotations

import logging

import pytest

from aorm.engine import Engine
from aorm.exc import ArgumentError, LazyLoadError
from aorm.session import AsyncSession, LazyLoadWarning, selectinload
from aorm.sql.select import select
from tests.relationships.loading_models import Author, Book, Data


async def _books(session: AsyncSession) -> list[Book]:
    return list((await session.scalars(select(Book).order_by(Book.id))).all())


async def test_allow_is_the_default(engine: Engine, loading_data: Data) -> None:
    async with AsyncSession(engine, lazy_load_threshold=1) as session:
        for book in await _books(session):
            await book.awaitable_attrs.tags


async def test_warn_past_the_threshold(
    engine: Engine, loading_data: Data, caplog: pytest.LogCaptureFixture
) -> None:
    async with AsyncSession(engine, lazy_loads="warn", lazy_load_threshold=3) as session:
        books = await _books(session)
        for book in books[:3]:
            await book.awaitable_attrs.tags
            await book.awaitable_attrs.tags  # loaded already: no load, not counted
        with caplog.at_level(logging.WARNING, logger="aorm.orm"):
            with pytest.warns(LazyLoadWarning, match=r"Book\.tags.*selectinload\(Book\.tags\)"):
                await books[3].awaitable_attrs.tags
            await session.load(books[4], Book.tags)  # warned once per relationship
        assert [r.name for r in caplog.records] == ["aorm.orm"]
        assert "N+1" in caplog.records[0].getMessage()


async def test_raise_past_the_threshold(engine: Engine, loading_data: Data) -> None:
    async with AsyncSession(engine, lazy_loads="raise", lazy_load_threshold=2) as session:
        books = await _books(session)
        await books[0].awaitable_attrs.tags
        await session.load(books[1], Book.tags)
        with pytest.raises(LazyLoadError) as caught:
            await books[2].awaitable_attrs.tags
        assert "Book.tags" in str(caught.value)
        assert "selectinload(Book.tags)" in str(caught.value)
        assert "tags" not in books[2].__dict__
        # Another relationship has its own count; identity-map answers are free.
        for book in books:
            await book.awaitable_attrs.author
        orwell = await session.get(Author, 1)
        assert orwell is not None
        await orwell.awaitable_attrs.books


async def test_eager_loading_is_never_counted(engine: Engine, loading_data: Data) -> None:
    async with AsyncSession(engine, lazy_loads="raise", lazy_load_threshold=1) as session:
        stmt = select(Book).options(selectinload(Book.tags))
        books = (await session.scalars(stmt)).all()
        assert all(isinstance(book.tags, list) for book in books)


def test_guard_options_are_checked(engine: Engine) -> None:
    with pytest.raises(ArgumentError, match="lazy_loads"):
        AsyncSession(engine, lazy_loads="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="lazy_load_threshold"):
        AsyncSession(engine, lazy_load_threshold=0)
