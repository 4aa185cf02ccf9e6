"""Batch hydration: select-IN groups with repeated rows, composite keys, extra columns."""

from __future__ import annotations

import gc

from aorm.engine import Engine
from aorm.session import AsyncSession, inspect, joinedload, selectinload
from aorm.sql.dml import insert
from aorm.sql.select import select
from tests.relationships.loading_models import (
    Author,
    Book,
    Edition,
    Printing,
    Tag,
    book_tags,
    create_tables,
)


async def _authors_with_tagged_books(engine: Engine) -> None:
    await create_tables(engine)
    async with engine.begin() as conn:
        await conn.execute(
            insert(Author.__table__), [{"id": 1, "name": "a1"}, {"id": 2, "name": "a2"}]
        )
        await conn.execute(
            insert(Book.__table__),
            [
                {"id": 10, "title": "b", "author_id": 1},
                {"id": 11, "title": "a", "author_id": 1},
                {"id": 12, "title": "c", "author_id": 1},
                {"id": 20, "title": "z", "author_id": 2},
            ],
        )
        await conn.execute(insert(Tag.__table__), [{"id": t, "name": f"t{t}"} for t in (1, 2, 3)])
        # Every book of author 1 has three tags, so a JOIN repeats each of its rows.
        await conn.execute(
            insert(book_tags),
            [{"book_id": b, "tag_id": t} for b in (10, 11, 12) for t in (1, 2, 3)],
        )


async def test_selectin_with_joined_rows_lists_each_child_once(engine: Engine) -> None:
    await _authors_with_tagged_books(engine)
    async with AsyncSession(engine) as session:
        stmt = (
            select(Author)
            .order_by(Author.id)
            .options(selectinload(Author.books).joinedload(Book.tags))
        )
        first, second = (await session.scalars(stmt)).all()
        assert [b.id for b in first.books] == [11, 10, 12]
        assert all(sorted(t.id for t in b.tags) == [1, 2, 3] for b in first.books)
        assert [b.id for b in second.books] == [20]
        assert second.books[0].tags == []
        assert all(b.author is first for b in first.books)


async def test_many_to_many_selectin_groups_shared_children(engine: Engine) -> None:
    await _authors_with_tagged_books(engine)
    async with AsyncSession(engine) as session:
        stmt = select(Book).order_by(Book.id).options(selectinload(Book.tags))
        books = (await session.scalars(stmt)).all()
        assert [[t.name for t in b.tags] for b in books] == [
            ["t1", "t2", "t3"],
            ["t1", "t2", "t3"],
            ["t1", "t2", "t3"],
            [],
        ]
        # One object per tag, shared by every book that has it.
        assert len({id(t) for b in books for t in b.tags}) == 3


async def test_selectin_populate_existing_refreshes_loaded_children(engine: Engine) -> None:
    await _authors_with_tagged_books(engine)
    async with AsyncSession(engine) as session:
        book = await session.get(Book, 10)
        assert book is not None
        with session.no_autoflush:
            book.title = "changed"
            stmt = (
                select(Author)
                .where(Author.id == 1)
                .options(selectinload(Author.books))
                .execution_options(populate_existing=True)
            )
            author = (await session.scalars(stmt)).one()
        assert book in author.books
        assert book.title == "b"
        assert not inspect(book).modified


async def test_composite_keys_load_in_one_batch(engine: Engine) -> None:
    await _authors_with_tagged_books(engine)
    keys = [(b, k) for b in (10, 11, 12) for k in (1, 2)]
    async with engine.begin() as conn:
        await conn.execute(
            insert(Edition.__table__), [{"book_id": b, "number": k} for b, k in keys]
        )
    async with AsyncSession(engine) as session:
        stmt = select(Edition).order_by(Edition.book_id, Edition.number)
        editions = (await session.scalars(stmt)).all()
        assert [(e.book_id, e.number) for e in editions] == keys
        assert [inspect(e).identity for e in editions] == keys
        assert await session.get(Edition, (11, 2)) is editions[3]
        stmt2 = select(Edition, Edition.number).order_by(Edition.book_id, Edition.number)
        rows = (await session.execute(stmt2)).all()
        assert [(row[0] is e, row[1]) for row, e in zip(rows, editions, strict=True)] == [
            (True, k) for _, k in keys
        ]


async def test_entities_and_values_in_one_row(engine: Engine) -> None:
    await _authors_with_tagged_books(engine)
    async with AsyncSession(engine) as session:
        stmt = (
            select(Book.title, Book, Author, Author.name)
            .join(Author, Book.author_id == Author.id)
            .order_by(Book.id)
        )
        rows = (await session.execute(stmt)).all()
        assert [(r[0], r[1].id, r[2].id, r[3]) for r in rows] == [
            ("b", 10, 1, "a1"),
            ("a", 11, 1, "a1"),
            ("c", 12, 1, "a1"),
            ("z", 20, 2, "a2"),
        ]
        # The same author row twice is one object.
        assert rows[0][2] is rows[1][2] is rows[2][2]


async def test_dropped_objects_leave_the_identity_map(engine: Engine) -> None:
    await _authors_with_tagged_books(engine)
    async with AsyncSession(engine) as session:
        books = (await session.scalars(select(Book))).all()
        assert len(session.identity_map) == 4
        del books
        gc.collect()
        assert len(session.identity_map) == 0
        # Loading again makes new objects under the same keys.
        book = await session.get(Book, 10)
        assert book is not None
        assert len(session.identity_map) == 1
        assert inspect(book).persistent


async def test_printings_of_a_composite_parent(engine: Engine) -> None:
    await _authors_with_tagged_books(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(Edition.__table__), [{"book_id": 10, "number": 1}])
        await conn.execute(
            insert(Printing.__table__),
            [{"id": i, "book_id": 10, "number": 1} for i in (1, 2)]
            + [{"id": 3, "book_id": None, "number": None}],
        )
    async with AsyncSession(engine) as session:
        stmt = select(Printing).order_by(Printing.id).options(joinedload(Printing.edition))
        printings = (await session.scalars(stmt)).all()
        assert [p.id for p in printings] == [1, 2, 3]
        edition = printings[0].edition
        assert edition is not None
        assert printings[1].edition is edition
        assert printings[2].edition is None
        stmt3 = select(Edition).options(selectinload(Edition.printings))
        assert [p.id for p in (await session.scalars(stmt3)).one().printings] == [1, 2]
