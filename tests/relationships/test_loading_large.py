"""Select-IN loading of 100,000 parents: chunked, every parent gets its children."""

from __future__ import annotations

from aorm.engine import Engine
from aorm.session import AsyncSession, selectinload
from aorm.sql.dml import insert
from aorm.sql.select import select
from tests.relationships.conftest import StatementLog
from tests.relationships.loading_models import Author, Book, create_tables

PARENTS = 100_000


async def test_selectin_loads_a_hundred_thousand_parents(
    engine: Engine, statements: StatementLog
) -> None:
    await create_tables(engine)
    async with engine.begin() as conn:
        await conn.execute(
            insert(Author.__table__), [{"id": i, "name": f"a{i}"} for i in range(PARENTS)]
        )
        # One book for every other author.
        await conn.execute(
            insert(Book.__table__),
            [{"id": i, "title": f"b{i}", "author_id": i} for i in range(0, PARENTS, 2)],
        )
    statements.clear()
    async with AsyncSession(engine) as session:
        authors = (await session.scalars(select(Author).options(selectinload(Author.books)))).all()
        assert len(authors) == PARENTS
        # The parent query, then one query per 5,000 keys.
        assert statements.count("SELECT") == 1 + PARENTS // 5000
        with_books = [a for a in authors if a.books]
        assert len(with_books) == PARENTS // 2
        assert all(a.books[0].author_id == a.id for a in with_books)
        assert all(a.books == [] for a in authors if a.id % 2)
