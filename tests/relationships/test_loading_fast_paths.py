"""The short paths of eager loading give what the general ones give.

Select-IN stores a collection for most parents without going through
``store_related`` (no refresh, attribute not loaded yet, no unflushed
collection change); the other parents still go through it. The walk's
bookkeeping (``first_visit``, the distinct parents) keeps an object's first
place when it comes twice.
"""

from __future__ import annotations

from typing import Any

import pytest

from aorm.orm.collections import InstrumentedList
from aorm.session import AsyncSession, inspect, selectinload
from aorm.session.eager_loading import _distinct
from aorm.session.loader_options import PlanNode
from aorm.session.loading_context import LoadContext, store_related
from aorm.session.selectin_loading import parent_groups, store_groups
from aorm.sql.select import select
from tests.relationships.conftest import StatementLog
from tests.relationships.loading_models import Author, Book, Data

pytestmark = pytest.mark.usefixtures("hydration_chunks")


async def test_selectin_collections_are_owned_and_fill_the_back_reference(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    stmt = select(Author).order_by(Author.id).options(selectinload(Author.books))
    authors = (await session.scalars(stmt)).all()
    statements.clear()
    for author in authors:
        books = author.books
        assert type(books) is InstrumentedList
        assert books.owner is author
        assert [b.id for b in books] == loading_data.author_books.get(author.id, [])
        assert all(b.author is author for b in books)
        assert not inspect(author).modified
    assert statements.count() == 0  # the back references came with the collections
    assert session.dirty == []
    # The stored list reports changes like any loaded collection.
    orwell = authors[0]
    farm = orwell.books[0]
    orwell.books.remove(farm)
    assert inspect(orwell).modified
    assert farm.author is None
    await session.flush()
    assert farm.author_id is None


async def test_selectin_applies_an_unflushed_change_to_the_loaded_collection(
    session: AsyncSession, loading_data: Data
) -> None:
    brave = await session.get(Book, 3)
    orwell = await session.get(Author, 1)
    assert brave is not None
    assert orwell is not None
    with session.no_autoflush:
        brave.author = orwell  # orwell.books is not loaded: kept as a pending change
        stmt = select(Author).where(Author.id == 1).options(selectinload(Author.books))
        (loaded,) = (await session.scalars(stmt)).all()
        assert loaded is orwell
        assert sorted(b.id for b in orwell.books) == [1, 2, 3, 5]
        assert brave.author is orwell


async def test_store_groups_short_path_matches_store_related(
    session: AsyncSession, loading_data: Data
) -> None:
    authors = list((await session.scalars(select(Author).order_by(Author.id))).all())
    books = list((await session.scalars(select(Book).order_by(Book.id))).all())
    prop = Author.__mapper__.relationships["books"]
    by_author: dict[tuple[Any, ...], list[Any]] = {}
    for book in books:
        if book.author_id is not None:
            by_author.setdefault((book.author_id,), []).append(book)
    grouped = parent_groups(authors, prop, refresh=False)
    store_groups(prop, grouped, list(grouped), by_author, refresh=False)
    short = {a.id: [b.id for b in a.books] for a in authors}
    backs = {b.id: b.__dict__.get("author") for b in books}
    session.expunge_all()
    authors = list((await session.scalars(select(Author).order_by(Author.id))).all())
    books = list((await session.scalars(select(Book).order_by(Book.id))).all())
    by_author = {}
    for book in books:
        if book.author_id is not None:
            by_author.setdefault((book.author_id,), []).append(book)
    for author in authors:
        store_related(author, prop, by_author.get((author.id,), []))
    assert {a.id: [b.id for b in a.books] for a in authors} == short
    assert {b.id: getattr(b.__dict__.get("author"), "id", None) for b in books} == {
        key: getattr(value, "id", None) for key, value in backs.items()
    }
    assert all(type(a.books) is InstrumentedList and a.books.owner is a for a in authors)


async def test_store_groups_copies_a_group_shared_by_parents(
    session: AsyncSession, loading_data: Data
) -> None:
    orwell = await session.get(Author, 1)
    huxley = await session.get(Author, 2)
    farm = await session.get(Book, 2)
    assert orwell is not None
    assert huxley is not None
    prop = Author.__mapper__.relationships["books"]
    # Two parents under one key (as a relationship on a non-unique column gives).
    store_groups(prop, {(1,): [orwell, huxley]}, [(1,)], {(1,): [farm]}, refresh=False)
    assert orwell.books == [farm]
    assert huxley.books == [farm]
    assert orwell.books is not huxley.books
    for author in (orwell, huxley):
        books = author.books
        assert isinstance(books, InstrumentedList)
        assert books.owner is author
    assert farm is not None
    assert farm.author is orwell  # the first parent's back reference is kept


async def test_first_visit_keeps_the_first_place_of_a_repeated_object(
    session: AsyncSession, loading_data: Data
) -> None:
    a, b, c = (await session.scalars(select(Author).order_by(Author.id))).all()
    ctx = await LoadContext.begin(session)
    node = PlanNode(Author.__mapper__.relationships["books"], "selectin")
    other = PlanNode(Author.__mapper__.relationships["profile"], "selectin")
    assert ctx.first_visit([b, a, b, c, a], node) == [b, a, c]
    assert ctx.first_visit([c, a], node) == []
    assert ctx.first_visit([c, a, c], other) == [c, a]


def test_distinct_drops_none_and_repeats_in_order() -> None:
    x, y, z = object(), object(), object()
    assert _distinct(iter([None, y, x, y, None, z, x])) == [y, x, z]
    assert _distinct([]) == []
