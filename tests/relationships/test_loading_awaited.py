"""Awaited loads (awaitable_attrs, session.load, refresh), the no-IO errors, stream and get."""

from __future__ import annotations

import pytest

from aorm.exc import ArgumentError, InvalidStateError, LazyLoadError
from aorm.orm import DeclarativeBase
from aorm.session import AsyncSession, AwaitableAttrs, inspect, joinedload, selectinload
from aorm.sql.select import select
from tests.relationships.conftest import StatementLog
from tests.relationships.loading_models import Author, Book, Data, Library, Node, Tag


def test_awaitable_attrs_is_on_every_mapped_class() -> None:
    assert issubclass(Author, DeclarativeBase)
    assert isinstance(Author(name="x").awaitable_attrs, AwaitableAttrs)


async def test_awaitable_attrs_loads_once(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    orwell = await session.get(Author, 1)
    assert orwell is not None
    statements.clear()
    books = await orwell.awaitable_attrs.books
    assert [b.title for b in books] == [
        "Animal Farm",
        "Homage to Catalonia",
        "Nineteen Eighty-Four",
    ]
    assert orwell.books is books  # now loaded: a plain read
    assert await orwell.awaitable_attrs.books is books
    assert statements.count("SELECT") == 1
    # The books' author came with them: no identity-map look-up, no query.
    assert all(book.__dict__["author"] is orwell for book in books)


async def test_awaitable_attrs_of_every_cardinality(
    session: AsyncSession, loading_data: Data
) -> None:
    book = await session.get(Book, 1)
    assert book is not None
    tags = await book.awaitable_attrs.tags
    assert [t.name for t in tags] == ["classic", "dystopia"]
    author = await book.awaitable_attrs.author
    assert author is not None
    assert author.name == "Orwell"
    profile = await author.awaitable_attrs.profile
    assert profile is not None
    assert profile.bio == "Eric Blair"
    assert await profile.awaitable_attrs.author is author
    orphan = await session.get(Book, 4)
    assert orphan is not None
    assert await orphan.awaitable_attrs.author is None  # NULL key: no query needed
    node = await session.get(Node, 4)
    assert node is not None
    parent = await node.awaitable_attrs.parent
    assert parent is not None
    assert parent.name == "b-child"
    assert [n.name for n in await node.awaitable_attrs.children] == ["great-grandchild"]


async def test_session_load(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    orwell = await session.get(Author, 1)
    assert orwell is not None
    books = await session.load(orwell, Author.books)
    assert [b.id for b in books] == [2, 5, 1]
    statements.clear()
    assert await session.load(orwell, "books") is books
    assert statements.count() == 0
    farm = books[0]
    assert await session.load(farm, Book.author) is orwell
    with pytest.raises(ArgumentError, match="load"):
        await session.load(orwell, Book.author)
    stranger = Author(id=99, name="not in the session")
    with pytest.raises(InvalidStateError, match="not in this session"):
        await session.load(stranger, Author.books)


async def test_refresh_reloads_a_relationship(session: AsyncSession, loading_data: Data) -> None:
    orwell = await session.get(Author, 1)
    assert orwell is not None
    books = await orwell.awaitable_attrs.books
    with session.no_autoflush:
        books.pop()
        assert inspect(orwell).modified
        await session.refresh(orwell, ["books"])
    assert [b.id for b in orwell.books] == [2, 5, 1]
    assert not inspect(orwell).modified  # the unflushed change is gone


async def test_refresh_reloads_eager_defaults(session: AsyncSession, loading_data: Data) -> None:
    central = await session.get(Library, 1)
    assert central is not None
    central.shelves_selectin.clear()
    await session.refresh(central)
    assert [s.label for s in central.shelves_selectin] == ["fiction", "history", "poetry"]


async def test_unloaded_relationship_error_names_the_fixes(
    session: AsyncSession, loading_data: Data
) -> None:
    orwell = await session.get(Author, 1)
    assert orwell is not None
    with pytest.raises(LazyLoadError) as caught:
        _ = orwell.books
    message = str(caught.value)
    assert "Author.books" in message
    assert "await obj.awaitable_attrs.books" in message
    assert "await session.load(obj, Author.books)" in message
    assert "refresh(obj, ['books'])" in message
    assert "selectinload(Author.books)" in message


async def test_new_objects_have_empty_loaded_collections(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    author = Author(id=7, name="new")
    assert author.books == []
    assert author.profile is None
    session.add(author)
    book = Book(id=70, title="new")
    session.add(book)
    assert book.tags == []
    assert book.author is None
    statements.clear()
    assert await author.awaitable_attrs.books == []
    assert statements.count() == 0


async def test_many_to_one_resolves_from_the_identity_map(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    orwell = await session.get(Author, 1)
    farm = await session.get(Book, 2)
    assert farm is not None
    statements.clear()
    assert farm.author is orwell
    assert await farm.awaitable_attrs.author is orwell
    assert statements.count() == 0


async def test_awaited_load_of_an_expired_key(session: AsyncSession, loading_data: Data) -> None:
    farm = await session.get(Book, 2)
    assert farm is not None
    session.expire(farm)
    author = await farm.awaitable_attrs.author
    assert author is not None
    assert author.name == "Orwell"


async def test_stream_runs_eager_loads_per_chunk(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    statements.clear()
    stmt = select(Book).order_by(Book.id).options(selectinload(Book.tags), joinedload(Book.author))
    result = await session.stream_scalars(stmt, chunk_size=2)
    seen = [(book.id, [t.id for t in book.tags], book.author) async for book in result]
    assert [(i, tags) for i, tags, _ in seen] == [
        (1, [3, 2]),
        (2, [3, 1]),
        (3, [2]),
        (4, []),
        (5, []),
    ]
    assert [a.id if a is not None else None for _, _, a in seen] == [1, 1, 2, None, 1]
    assert statements.count("SELECT") == 1 + 3  # the stream, and a selectin per chunk


async def test_stream_refuses_joined_collections(session: AsyncSession, loading_data: Data) -> None:
    with pytest.raises(ArgumentError, match=r"joinedload\(\) \(Author\.books\).*selectinload"):
        await session.stream(select(Author).options(joinedload(Author.books)))


async def test_query_legacy_api_takes_options(session: AsyncSession, loading_data: Data) -> None:
    tags = await session.query(Tag).options(selectinload(Tag.books)).order_by(Tag.id).all()
    assert [[b.id for b in t.books] for t in tags] == [[2], [1, 3], [1, 2], []]
