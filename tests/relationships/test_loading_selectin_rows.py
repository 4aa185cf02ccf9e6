"""Select-IN's rows: where the keys are read, one pass that makes and groups, and its fallbacks.

A select-IN query selects the target's columns only when they hold the
key (one-to-many, many-to-one), and the association table's key columns
after them for a many-to-many. Its key lists are bound parameters of one
statement per relationship. When every row makes a new object, the
objects are grouped as they are made; otherwise (objects already in the
session, ``populate_existing``, a row repeated) the general grouping runs,
with the same result. Every test runs on both backends.
"""

from __future__ import annotations

from typing import Any

import pytest

from aorm import configure_mappers
from aorm.engine import Engine
from aorm.session import AsyncSession, inspect, selectinload
from aorm.session.eager_loading import _distinct
from aorm.session.loading import Hydrator, loading_for
from aorm.session.selectin_loading import parent_groups, row_keys
from aorm.sql.dml import insert
from aorm.sql.select import select
from tests.relationships.conftest import StatementLog
from tests.relationships.loading_models import (
    Author,
    Book,
    Data,
    Edition,
    Node,
    Printing,
    Tag,
    book_tags,
    create_tables,
)

pytestmark = pytest.mark.usefixtures("hydration_chunks")


def _position(cls: type[Any], key: str) -> int:
    return loading_for(cls.__mapper__).keys.index(key)


def _selects(statements: StatementLog, table: str) -> list[str]:
    return [s for s in statements.statements if s.startswith("SELECT") and f'FROM "{table}"' in s]


async def _all_authors_with_books(
    session: AsyncSession, statements: StatementLog, loading_data: Data, **options: Any
) -> list[Author]:
    """Every author with ``selectinload(Author.books, **options)``, logged afresh, checked."""
    statements.clear()
    stmt = select(Author).order_by(Author.id).options(selectinload(Author.books, **options))
    authors = list((await session.scalars(stmt)).all())
    assert {a.id: [b.id for b in a.books] for a in authors} == loading_data.author_books
    return authors


def test_row_keys_read_the_targets_own_columns() -> None:
    configure_mappers()
    books = row_keys(Author.__mapper__.relationships["books"])
    assert books.extra == ()
    assert books.positions == (_position(Book, "author_id"),)
    author = row_keys(Book.__mapper__.relationships["author"])
    assert author.extra == ()
    assert author.positions == (_position(Author, "id"),)
    children = row_keys(Node.__mapper__.relationships["children"])
    assert children.positions == (_position(Node, "parent_id"),)
    printings = row_keys(Edition.__mapper__.relationships["printings"])
    assert printings.extra == ()
    assert printings.positions == (_position(Printing, "book_id"), _position(Printing, "number"))


def test_row_keys_of_a_many_to_many_come_after_the_entity() -> None:
    configure_mappers()
    tags = row_keys(Book.__mapper__.relationships["tags"])
    width = loading_for(Tag.__mapper__).width
    assert tags.extra == (book_tags.c.book_id,)
    assert tags.positions == (width,)


async def test_each_column_is_selected_once_and_the_keys_are_a_parameter(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    authors = await _all_authors_with_books(session, statements, loading_data)
    assert all(b.author is a for a in authors for b in a.books)
    (books_sql,) = _selects(statements, "loading_books")
    assert books_sql.count('"loading_books"."author_id"') == 2  # selected, and in the WHERE
    # The same statement for other parents: the keys are not in its text.
    statements.clear()
    session.expunge_all()
    stmt = select(Author).where(Author.id == 2).options(selectinload(Author.books))
    (huxley,) = (await session.scalars(stmt)).all()
    assert [b.id for b in huxley.books] == loading_data.author_books[2]
    assert _selects(statements, "loading_books") == [books_sql]


async def test_chunks_share_one_statement(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    await _all_authors_with_books(session, statements, loading_data, chunk_size=1)
    chunks = _selects(statements, "loading_books")
    assert len(chunks) == 3
    assert len(set(chunks)) == 1


async def test_many_to_many_groups_by_the_association_columns(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    statements.clear()
    stmt = select(Book).order_by(Book.id).options(selectinload(Book.tags))
    books = (await session.scalars(stmt)).all()
    assert {b.id: [t.id for t in b.tags] for b in books} == loading_data.book_tags
    (tags_sql,) = _selects(statements, "loading_tags")
    assert '"loading_book_tags"."book_id"' in tags_sql.split(" FROM ")[0]
    # A tag of two books is one object in both lists.
    classic = {id(t) for b in books for t in b.tags if t.id == 3}
    assert len(classic) == 1


async def test_objects_already_in_the_session_keep_their_changes(
    session: AsyncSession, loading_data: Data
) -> None:
    farm = await session.get(Book, 2)
    assert farm is not None
    farm.title = "changed, not flushed"
    with session.no_autoflush:
        stmt = select(Author).order_by(Author.id).options(selectinload(Author.books))
        authors = (await session.scalars(stmt)).all()
    orwell = authors[0]
    assert [b.id for b in orwell.books] == loading_data.author_books[1]
    assert farm in orwell.books
    assert farm.title == "changed, not flushed"
    assert inspect(farm).modified
    assert {a.id: [b.id for b in a.books] for a in authors} == loading_data.author_books
    # The new objects got their back reference, the known one kept its own.
    assert all(b.author is orwell for b in orwell.books)


async def test_populate_existing_overwrites_known_objects_and_makes_the_rest(
    session: AsyncSession, loading_data: Data
) -> None:
    farm = await session.get(Book, 2)
    assert farm is not None
    farm.title = "changed, not flushed"
    with session.no_autoflush:
        stmt = (
            select(Author)
            .order_by(Author.id)
            .options(selectinload(Author.books))
            .execution_options(populate_existing=True)
        )
        authors = (await session.scalars(stmt)).all()
    assert {a.id: [b.id for b in a.books] for a in authors} == loading_data.author_books
    assert farm.title == "Animal Farm"
    assert not inspect(farm).modified
    assert farm in authors[0].books


async def test_a_null_key_is_no_parent(session: AsyncSession, loading_data: Data) -> None:
    stmt = select(Book).order_by(Book.id).options(selectinload(Book.author))
    books = (await session.scalars(stmt)).all()
    assert {b.id: (b.author.id if b.author else None) for b in books} == loading_data.book_author


async def test_composite_keys_give_each_parent_its_own_rows(engine: Engine) -> None:
    await create_tables(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(Author.__table__), [{"id": 1, "name": "a"}])
        await conn.execute(
            insert(Book.__table__),
            [{"id": b, "title": f"b{b}", "author_id": 1} for b in (1, 2, 3)],
        )
        await conn.execute(
            insert(Edition.__table__),
            [{"book_id": b, "number": n} for b, n in ((1, 1), (1, 2), (3, 1), (3, 2))],
        )
        await conn.execute(
            insert(Printing.__table__),
            [
                {"id": 1, "book_id": 1, "number": 1},
                {"id": 2, "book_id": 1, "number": 2},
                {"id": 3, "book_id": 3, "number": 1},
                {"id": 4, "book_id": 3, "number": 2},
                {"id": 5, "book_id": None, "number": None},
            ],
        )
    async with AsyncSession(engine) as session:
        # (1, 2) and (3, 1): one IN per column also matches (1, 1) and (3, 2).
        stmt = (
            select(Edition)
            .where(
                ((Edition.book_id == 1) & (Edition.number == 2))
                | ((Edition.book_id == 3) & (Edition.number == 1))
            )
            .order_by(Edition.book_id)
            .options(selectinload(Edition.printings))
        )
        first, second = (await session.scalars(stmt)).all()
        assert [p.id for p in first.printings] == [2]
        assert [p.id for p in second.printings] == [3]
        assert first.printings[0].edition is first
        assert second.printings[0].edition is second


async def test_the_grouping_pass_and_its_fallback(
    session: AsyncSession, loading_data: Data
) -> None:
    hydrator = Hydrator(session._identity_map, session._ref)
    loading = loading_for(Book.__mapper__)
    author_at = _position(Book, "author_id")
    rows = [
        (1, "Nineteen Eighty-Four", 1),
        (2, "Animal Farm", 1),
        (3, "Brave New World", 2),
        (None, "no key", 2),
    ]

    def row(book_id: Any, title: str, author_id: int) -> tuple[Any, ...]:
        values: list[Any] = [None] * loading.width
        values[_position(Book, "id")] = book_id
        values[_position(Book, "title")] = title
        values[author_at] = author_id
        return tuple(values)

    full = [row(*r) for r in rows]
    objects, groups = hydrator.entities_by_key(loading, full, (author_at,))
    assert objects[3] is None
    assert groups is not None
    assert {k: [b.id for b in g] for k, g in groups.items()} == {1: [1, 2], 2: [3]}
    # Again, with one of them changed in memory: it is found, kept, and no groups come back.
    objects[0].title = "changed"
    again, none = hydrator.entities_by_key(loading, full[:2], (author_at,))
    assert none is None
    assert again == objects[:2]
    assert again[0].title == "changed"
    # Two columns make tuple keys.
    title_at = _position(Book, "title")
    fresh = [row(10, "x", 1), row(11, "x", 1), row(12, "y", 1)]
    _, pairs = hydrator.entities_by_key(loading, fresh, (author_at, title_at))
    assert pairs is not None
    assert {k: [b.id for b in g] for k, g in pairs.items()} == {(1, "x"): [10, 11], (1, "y"): [12]}


async def test_parent_groups_for_every_kind_of_key(
    session: AsyncSession, loading_data: Data
) -> None:
    books = list((await session.scalars(select(Book).order_by(Book.id))).all())
    author = Book.__mapper__.relationships["author"]
    by_book = Author.__mapper__.relationships["books"]
    authors = list((await session.scalars(select(Author).order_by(Author.id))).all())
    # Distinct loaded keys: each parent alone, in order.
    grouped = parent_groups(authors, by_book, refresh=False)
    assert list(grouped) == [(1,), (2,), (3,)]
    assert [g for g in grouped.values()] == [[a] for a in authors]
    # A repeated key, a NULL key (given its empty value now), a parent listed twice.
    grouped = parent_groups([*books, books[0]], author, refresh=False)
    assert {k: [b.id for b in g] for k, g in grouped.items()} == {(1,): [1, 2, 5, 1], (2,): [3]}
    assert books[3].__dict__["author"] is None
    # An expired key is left out (the awaited path refreshes it first).
    session.expire(books[1], ["author_id"])
    grouped = parent_groups(books[:3], author, refresh=False)
    assert {k: [b.id for b in g] for k, g in grouped.items()} == {(1,): [1], (2,): [3]}


def test_distinct_keeps_a_distinct_list_as_it_is() -> None:
    x, y = object(), object()
    values = [x, y]
    assert _distinct(values) is values
    assert _distinct([x, None]) == [x]
    assert _distinct([y, x, y]) == [y, x]
