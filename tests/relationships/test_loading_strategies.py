"""Every cardinality loads the same data with every strategy, in the relationship's order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aorm.orm import RelationshipAttribute
from aorm.session import (
    AsyncSession,
    LoaderOption,
    joinedload,
    selectinload,
    subqueryload,
)
from aorm.sql.select import select
from tests.relationships.conftest import StatementLog
from tests.relationships.loading_models import (
    Author,
    Book,
    Data,
    Edition,
    Node,
    Person,
    Printing,
    Profile,
    Tag,
)

Expected = Callable[[Data], dict[int, Any]]

CARDINALITIES: dict[str, tuple[type[Any], RelationshipAttribute[Any], Expected]] = {
    "one-to-many": (Author, Author.books, lambda d: d.author_books),  # type: ignore[dict-item]
    "many-to-one": (Book, Book.author, lambda d: d.book_author),  # type: ignore[dict-item]
    "one-to-one": (Author, Author.profile, lambda d: d.author_profile),  # type: ignore[dict-item]
    "one-to-one-reverse": (  # type: ignore[dict-item]
        Profile,
        Profile.author,
        lambda d: d.profile_author,
    ),
    "many-to-many": (Book, Book.tags, lambda d: d.book_tags),  # type: ignore[dict-item]
    "many-to-many-reverse": (Tag, Tag.books, lambda d: d.tag_books),  # type: ignore[dict-item]
    "tree-children": (Node, Node.children, lambda d: d.node_children),  # type: ignore[dict-item]
    "tree-parent": (Node, Node.parent, lambda d: d.node_parent),  # type: ignore[dict-item]
    "self-many-to-many": (  # type: ignore[dict-item]
        Person,
        Person.following,
        lambda d: d.following,
    ),
    "self-many-to-many-reverse": (  # type: ignore[dict-item]
        Person,
        Person.followers,
        lambda d: d.followers,
    ),
}

OPTIONS: dict[str, Callable[[Any], LoaderOption]] = {
    "selectin": selectinload,
    "joined": joinedload,
    "subquery": subqueryload,
}

STRATEGIES = ["selectin", "joined", "subquery", "select"]


def ids(value: Any) -> Any:
    """A loaded value by primary keys: a list of ids, an id, or None."""
    if value is None:
        return None
    if isinstance(value, list):
        return [item.id for item in value]
    return value.id


async def load_all(
    session: AsyncSession, model: type[Any], attribute: RelationshipAttribute[Any], strategy: str
) -> dict[int, Any]:
    """Every *model* object's value of *attribute*, loaded with *strategy*, by primary key."""
    stmt = select(model).order_by(model.id)
    if strategy != "select":
        stmt = stmt.options(OPTIONS[strategy](attribute))
    parents = (await session.scalars(stmt)).all()
    if strategy == "select":
        for parent in parents:
            await session.load(parent, attribute)
    return {parent.id: ids(getattr(parent, attribute.key)) for parent in parents}


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("cardinality", list(CARDINALITIES))
async def test_every_cardinality_loads_with_every_strategy(
    session: AsyncSession, loading_data: Data, cardinality: str, strategy: str
) -> None:
    model, attribute, expected = CARDINALITIES[cardinality]
    loaded = await load_all(session, model, attribute, strategy)
    assert loaded == expected(loading_data)


async def test_every_strategy_loads_the_same_objects(
    session: AsyncSession, loading_data: Data
) -> None:
    results: dict[str, list[tuple[str, int, str]]] = {}
    for strategy in STRATEGIES:
        session.expunge_all()
        stmt = select(Author).order_by(Author.id)
        if strategy != "select":
            stmt = stmt.options(OPTIONS[strategy](Author.books))
        authors = (await session.scalars(stmt)).all()
        rows: list[tuple[str, int, str]] = []
        for author in authors:
            books = await author.awaitable_attrs.books
            rows.extend((author.name, book.id, book.title) for book in books)
        results[strategy] = rows
    first = results["selectin"]
    assert first  # the data is there
    assert all(rows == first for rows in results.values())


@pytest.mark.parametrize(
    ("strategy", "statements_sent"),
    [("selectin", 2), ("joined", 1), ("subquery", 2), ("select", 4)],
)
async def test_statements_per_strategy(
    session: AsyncSession,
    statements: StatementLog,
    loading_data: Data,
    strategy: str,
    statements_sent: int,
) -> None:
    statements.clear()
    loaded = await load_all(session, Author, Author.books, strategy)  # type: ignore[arg-type]
    assert loaded == loading_data.author_books
    assert statements.count("SELECT") == statements_sent


async def test_selectin_sends_one_query_per_chunk(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    statements.clear()
    stmt = select(Book).order_by(Book.id).options(selectinload(Book.tags, chunk_size=2))
    books = (await session.scalars(stmt)).all()
    assert {b.id: ids(b.tags) for b in books} == loading_data.book_tags
    assert statements.count("SELECT") == 1 + 3  # five books, two keys per query


async def test_many_to_one_in_the_identity_map_needs_no_query(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    authors = (await session.scalars(select(Author))).all()
    statements.clear()
    stmt = select(Book).where(Book.author_id.is_not(None)).options(selectinload(Book.author))
    books = (await session.scalars(stmt)).all()
    assert statements.count("SELECT") == 1
    assert {b.author for b in books} <= set(authors)


async def test_joined_repeats_no_parent(session: AsyncSession, loading_data: Data) -> None:
    stmt = select(Book).options(joinedload(Book.tags), joinedload(Book.reviews))
    books = (await session.scalars(stmt)).all()
    assert sorted(b.id for b in books) == [1, 2, 3, 4, 5]
    book = next(b for b in books if b.id == 1)
    assert ids(book.tags) == [3, 2]
    assert ids(book.reviews) == [1, 2]


async def test_joined_fills_every_column(session: AsyncSession, loading_data: Data) -> None:
    orwell = (
        await session.scalars(
            select(Author).where(Author.id == 1).options(joinedload(Author.books))
        )
    ).one()
    assert [(b.title, b.author_id) for b in orwell.books] == [
        ("Animal Farm", 1),
        ("Homage to Catalonia", 1),
        ("Nineteen Eighty-Four", 1),
    ]


async def test_joined_with_limit_returns_whole_parents(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    statements.clear()
    stmt = select(Author).order_by(Author.name.desc()).limit(2).options(joinedload(Author.books))
    authors = (await session.scalars(stmt)).all()
    assert statements.count("SELECT") == 1
    assert [a.name for a in authors] == ["Orwell", "Nobody"]
    assert ids(authors[0].books) == [2, 5, 1]
    assert authors[1].books == []


async def test_joined_with_offset_and_an_expression_order(
    session: AsyncSession, loading_data: Data
) -> None:
    stmt = (
        select(Book)
        .order_by(Book.author_id.desc().nulls_last(), Book.title)
        .offset(1)
        .limit(3)
        .options(joinedload(Book.tags))
    )
    books = (await session.scalars(stmt)).all()
    # Ordered: Brave New World (2), then Orwell's by title, then Anonymous (NULL).
    assert [b.id for b in books] == [2, 5, 1]
    assert [ids(b.tags) for b in books] == [[3, 1], [], [3, 2]]


async def test_subquery_with_limit_loads_the_limited_parents(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    statements.clear()
    stmt = select(Book).order_by(Book.title).limit(2).options(subqueryload(Book.tags))
    books = (await session.scalars(stmt)).all()
    assert statements.count("SELECT") == 2
    assert [(b.title, ids(b.tags)) for b in books] == [
        ("Animal Farm", [3, 1]),
        ("Anonymous", []),
    ]


async def test_options_take_relationship_names(session: AsyncSession, loading_data: Data) -> None:
    stmt = select(Author).where(Author.id == 1).options(selectinload("books"))
    orwell = (await session.scalars(stmt)).one()
    assert ids(orwell.books) == [2, 5, 1]


async def test_options_with_a_where_on_the_parent(
    session: AsyncSession, loading_data: Data
) -> None:
    for option in (selectinload, joinedload, subqueryload):
        session.expunge_all()
        stmt = select(Tag).where(Tag.name.startswith("d")).options(option(Tag.books))
        tags = (await session.scalars(stmt)).all()
        assert [(t.name, ids(t.books)) for t in tags] == [("dystopia", [1, 3])]


async def test_multi_entity_rows(session: AsyncSession, loading_data: Data) -> None:
    stmt = (
        select(Book, Author)
        .join(Author, Book.author_id == Author.id)
        .order_by(Book.id)
        .options(joinedload(Author.profile), selectinload(Book.tags))
    )
    rows = (await session.execute(stmt)).all()
    assert [(book.id, author.id) for book, author in rows] == [(1, 1), (2, 1), (3, 2), (5, 1)]
    book, author = rows[0]
    assert ids(book.tags) == [3, 2]
    assert ids(author.profile) == 10


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_composite_keys(session: AsyncSession, loading_data: Data, strategy: str) -> None:
    stmt = select(Edition).order_by(Edition.book_id, Edition.number)
    if strategy != "select":
        stmt = stmt.options(OPTIONS[strategy](Edition.printings))
    editions = (await session.scalars(stmt)).all()
    printings = {}
    for edition in editions:
        loaded = await session.load(edition, Edition.printings)
        printings[(edition.book_id, edition.number)] = [p.id for p in loaded]
    assert printings == {(1, 1): [1, 3], (1, 2): [2], (2, 1): [], (3, 1): [4]}
    session.expunge_all()
    printings_stmt = select(Printing).order_by(Printing.id)
    if strategy != "select":
        printings_stmt = printings_stmt.options(OPTIONS[strategy](Printing.edition))
    found = []
    for printing in (await session.scalars(printings_stmt)).all():
        of = await session.load(printing, Printing.edition)
        found.append(None if of is None else (of.book_id, of.number))
    assert found == [(1, 1), (1, 2), (1, 1), (3, 1), None]
