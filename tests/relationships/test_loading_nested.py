"""Chained options, a three-level tree, ``lazy=`` defaults, and the identity map's promises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aorm.exc import ArgumentError, LazyLoadError
from aorm.orm import RelationshipAttribute
from aorm.session import (
    AsyncSession,
    LoaderOption,
    defaultload,
    joinedload,
    lazyload,
    noload,
    raiseload,
    selectinload,
    subqueryload,
)
from aorm.sql.dml import delete
from aorm.sql.expressions import bindparam
from aorm.sql.select import select
from tests.relationships.conftest import StatementLog
from tests.relationships.loading_models import (
    Author,
    Book,
    Copy,
    Data,
    Library,
    Node,
    Review,
    Tag,
)

Option = Callable[[Any], LoaderOption]
OPTIONS: dict[str, Option] = {
    "selectin": selectinload,
    "joined": joinedload,
    "subquery": subqueryload,
}


def chain(first: str, attributes: list[RelationshipAttribute[Any]], rest: str) -> LoaderOption:
    """``first(a).rest(b).rest(c)…``."""
    option = OPTIONS[first](attributes[0])
    for attribute in attributes[1:]:
        option = getattr(option, f"{rest}load")(attribute)
    return option


def tree(node: Node, depth: int) -> tuple[str, list[Any]] | str:
    """*node* and *depth* levels below it, by name (reads loaded values only)."""
    if depth == 0:
        return node.name
    return (node.name, [tree(child, depth - 1) for child in node.children])


@pytest.mark.parametrize("first", list(OPTIONS))
@pytest.mark.parametrize("rest", list(OPTIONS))
async def test_chained_options_load_three_levels(
    session: AsyncSession, statements: StatementLog, loading_data: Data, first: str, rest: str
) -> None:
    option = chain(first, [Author.books, Book.tags, Tag.books], rest)  # type: ignore[list-item]
    statements.clear()
    authors = (await session.scalars(select(Author).order_by(Author.id).options(option))).all()
    # A joined level rides on the query of the level above it; the others add one each.
    assert statements.count("SELECT") == 1 + (first != "joined") + 2 * (rest != "joined")
    orwell = authors[0]
    assert [b.title for b in orwell.books] == [
        "Animal Farm",
        "Homage to Catalonia",
        "Nineteen Eighty-Four",
    ]
    farm = orwell.books[0]
    assert [t.name for t in farm.tags] == ["classic", "satire"]
    assert [b.title for b in farm.tags[0].books] == ["Nineteen Eighty-Four", "Animal Farm"]
    assert authors[2].books == []


@pytest.mark.parametrize("strategy", list(OPTIONS))
async def test_tree_three_levels_deep(
    session: AsyncSession, loading_data: Data, strategy: str
) -> None:
    option = chain(strategy, [Node.children] * 3, strategy)  # type: ignore[list-item]
    stmt = select(Node).where(Node.parent_id.is_(None)).options(option)
    (root,) = (await session.scalars(stmt)).all()
    assert tree(root, 3) == (
        "root",
        [("a-child", []), ("b-child", [("grandchild", ["great-grandchild"])])],
    )
    with pytest.raises(LazyLoadError, match=r"Node\.children"):
        _ = root.children[1].children[0].children[0].children  # a fourth level was not asked for
    # Every level's parent resolves from the identity map, without IO.
    great = root.children[1].children[0].children[0]
    parent = great.parent
    assert parent is not None
    assert parent is root.children[1].children[0]
    assert parent.parent is not None
    assert parent.parent.parent is root


async def test_tree_upwards(session: AsyncSession, loading_data: Data) -> None:
    stmt = (
        select(Node)
        .where(Node.id == 5)
        .options(joinedload(Node.parent).selectinload(Node.parent).subqueryload(Node.parent))
    )
    (leaf,) = (await session.scalars(stmt)).all()
    names = []
    node: Node | None = leaf
    while node is not None:
        names.append(node.name)
        node = node.parent
    assert names == ["great-grandchild", "grandchild", "b-child", "root"]


async def test_option_below_a_lazy_relationship_via_defaultload(
    session: AsyncSession, loading_data: Data
) -> None:
    orwell = (await session.scalars(select(Author).where(Author.id == 1))).one()
    await orwell.awaitable_attrs.books
    # Author.books is loaded already: defaultload() reaches through it.
    stmt = (
        select(Author)
        .where(Author.id == 1)
        .options(defaultload(Author.books).selectinload(Book.reviews))
    )
    (again,) = (await session.scalars(stmt)).all()
    assert again is orwell
    assert [[r.stars for r in b.reviews] for b in orwell.books] == [[], [], [5, 4]]


async def test_lazy_defaults_load_with_the_query(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    statements.clear()
    libraries = (await session.scalars(select(Library).order_by(Library.id))).all()
    # The query (with the joined default), then one selectin and one subquery query.
    assert statements.count("SELECT") == 3
    central, empty = libraries
    labels = ["fiction", "history", "poetry"]
    assert [s.label for s in central.shelves_selectin] == labels
    assert [s.label for s in central.shelves_joined] == labels
    assert [s.label for s in central.shelves_subquery] == labels
    assert central.shelves_noload == []
    assert empty.shelves_selectin == empty.shelves_joined == empty.shelves_subquery == []
    with pytest.raises(LazyLoadError, match=r"Library\.shelves_raise"):
        _ = central.shelves_raise


async def test_lazyload_option_turns_a_default_off(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    statements.clear()
    stmt = select(Library).options(
        lazyload(Library.shelves_selectin),
        lazyload(Library.shelves_joined),
        lazyload(Library.shelves_subquery),
    )
    libraries = (await session.scalars(stmt)).all()
    assert statements.count("SELECT") == 1
    central = next(lib for lib in libraries if lib.name == "central")
    with pytest.raises(LazyLoadError, match=r"Library\.shelves_selectin"):
        _ = central.shelves_selectin
    shelves = await central.awaitable_attrs.shelves_joined
    assert [s.label for s in shelves] == ["fiction", "history", "poetry"]


async def test_many_to_one_defaults(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    statements.clear()
    copies = (await session.scalars(select(Copy).order_by(Copy.id))).all()
    assert statements.count("SELECT") == 2  # the join of Copy.shelf, the selectin of Copy.book
    assert [(c.shelf and c.shelf.label, c.book and c.book.title) for c in copies] == [
        ("fiction", "Nineteen Eighty-Four"),
        ("fiction", "Brave New World"),
        (None, None),
    ]
    assert copies[0].shelf is copies[1].shelf


async def test_get_runs_the_defaults(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    statements.clear()
    copy = await session.get(Copy, 1)
    assert copy is not None
    assert statements.count("SELECT") == 2
    assert copy.shelf is not None
    assert copy.shelf.label == "fiction"
    assert copy.book is not None
    assert copy.book.title == "Nineteen Eighty-Four"


async def test_cycle_of_options_ends(session: AsyncSession, loading_data: Data) -> None:
    stmt = select(Author).options(
        selectinload(Author.books).selectinload(Book.author).selectinload(Author.books)
    )
    authors = (await session.scalars(stmt)).all()
    orwell = next(a for a in authors if a.id == 1)
    assert all(book.author is orwell for book in orwell.books)


async def test_raiseload_and_noload_options(session: AsyncSession, loading_data: Data) -> None:
    stmt = select(Book).where(Book.id == 1).options(raiseload(Book.author), noload(Book.tags))
    (book,) = (await session.scalars(stmt)).all()
    assert book.tags == []
    # The author is in the identity map, and raiseload still refuses it.
    assert await session.get(Author, 1) is not None
    with pytest.raises(LazyLoadError, match=r"Book\.author.*raiseload"):
        _ = book.author
    with pytest.raises(LazyLoadError, match=r"Book\.author"):
        await book.awaitable_attrs.author
    await session.refresh(book, ["author"])  # an explicit reload still works
    assert book.author is not None
    assert book.author.id == 1


async def test_raiseload_wildcard(session: AsyncSession, loading_data: Data) -> None:
    stmt = select(Book).where(Book.id == 1).options(selectinload(Book.tags), raiseload("*"))
    (book,) = (await session.scalars(stmt)).all()
    assert [t.name for t in book.tags] == ["classic", "dystopia"]
    for name in ("reviews", "author"):
        with pytest.raises(LazyLoadError, match=rf"Book\.{name}"):
            getattr(book, name)


async def test_bad_options_name_the_mistake(session: AsyncSession, loading_data: Data) -> None:
    with pytest.raises(ArgumentError, match=r"Book\.title is a column"):
        selectinload(Book.title)
    with pytest.raises(
        ArgumentError, match=r"selectinload\(Review\.book\) does not apply.*loads Author"
    ):
        await session.scalars(select(Author).options(selectinload(Review.book)))
    with pytest.raises(ArgumentError, match=r"Tag\.books is not a relationship of Book"):
        await session.scalars(
            select(Author).options(selectinload(Author.books).selectinload(Tag.books))
        )
    with pytest.raises(ArgumentError, match="has no relationship 'nope'"):
        await session.scalars(select(Author).options(selectinload("nope")))
    with pytest.raises(ArgumentError, match="loader options"):
        await session.scalars(select(Author).options(Author.books))
    with pytest.raises(ArgumentError, match="chunk_size"):
        selectinload(Author.books, chunk_size=0)
    with pytest.raises(ArgumentError, match=r"joinedload\('\*'\)"):
        joinedload("*")


# -- what is already in the session ------------------------------------------------


async def test_eager_load_keeps_unflushed_changes(
    session: AsyncSession, loading_data: Data
) -> None:
    farm = await session.get(Book, 2)
    assert farm is not None
    farm.title = "Changed, not flushed"
    with session.no_autoflush:
        authors = (await session.scalars(select(Author).options(selectinload(Author.books)))).all()
    orwell = next(a for a in authors if a.id == 1)
    assert farm in orwell.books
    assert farm.title == "Changed, not flushed"


async def test_eager_load_keeps_a_loaded_collection(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    orwell = await session.get(Author, 1)
    assert orwell is not None
    books = await orwell.awaitable_attrs.books
    statements.clear()
    for option in (selectinload, joinedload, subqueryload):
        stmt = select(Author).where(Author.id == 1).options(option(Author.books))
        (again,) = (await session.scalars(stmt)).all()
        assert again.books is books
    # selectin and subquery found nothing to load: only the joined query and the
    # two parent queries ran.
    assert statements.count("SELECT") == 3


async def test_populate_existing_replaces_a_loaded_collection(
    session: AsyncSession, loading_data: Data
) -> None:
    orwell = await session.get(Author, 1)
    assert orwell is not None
    books = await orwell.awaitable_attrs.books
    async with session.bind.begin() as conn:
        await conn.execute(delete(Review.__table__))
        await conn.execute(delete(Book.__table__).where(Book.id == 5))
    for option in (selectinload, joinedload, subqueryload):
        stmt = (
            select(Author)
            .where(Author.id == 1)
            .options(option(Author.books))
            .execution_options(populate_existing=True)
        )
        await session.rollback()  # see the other connection's commit (SQLite snapshot)
        (again,) = (await session.scalars(stmt)).all()
        assert again is orwell
        assert [b.id for b in orwell.books] == [2, 1]
    assert [b.id for b in books] == [2, 5, 1]  # the old list is left as it was


async def test_pending_collection_changes_apply_to_the_loaded_list(
    session: AsyncSession, loading_data: Data
) -> None:
    huxley = await session.get(Author, 2)
    farm = await session.get(Book, 2)
    assert huxley is not None
    assert farm is not None
    with session.no_autoflush:
        farm.author = huxley  # huxley.books is not loaded: recorded as a pending change
        books = await session.load(huxley, Author.books)
    assert [b.id for b in books] == [3, 2]


async def test_locking_query_loads_joined_defaults_separately(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    statements.clear()
    copy = await session.get(Copy, 2, with_for_update=True)
    assert copy is not None
    assert copy.shelf is not None
    assert copy.shelf.label == "fiction"
    assert statements.count("SELECT") == 3  # the locked row, then a query per default
    assert "JOIN" not in statements.statements[0]


async def test_raise_and_noload_defaults_when_awaited(
    session: AsyncSession, loading_data: Data
) -> None:
    central = await session.get(Library, 1)
    assert central is not None
    with pytest.raises(LazyLoadError, match=r"Library\.shelves_raise may not be loaded lazily"):
        await central.awaitable_attrs.shelves_raise
    assert await central.awaitable_attrs.shelves_noload == []
    await session.refresh(central, ["shelves_raise"])
    assert sorted(s.label for s in central.shelves_raise) == ["fiction", "history", "poetry"]


async def test_subquery_load_repeats_the_query_parameters(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    stmt = (
        select(Author)
        .where(Author.name == bindparam("name"))
        .options(subqueryload(Author.books).subqueryload(Book.tags))
    )
    statements.clear()
    (orwell,) = (await session.execute(stmt, {"name": "Orwell"})).scalars().all()
    assert statements.count("SELECT") == 3
    assert [[t.name for t in b.tags] for b in orwell.books] == [
        ["classic", "satire"],
        [],
        ["classic", "dystopia"],
    ]
