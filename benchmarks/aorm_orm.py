"""aorm's ORM doing each workload the way its documentation shows.

``AsyncSession`` over ``create_engine``, models declared on ``Base`` and
mapped onto the harness's seeded tables (never created or dropped here).
Sessions keep aorm's default ``expire_on_commit=False``. ``Author.books`` has
``passive_deletes=True``, as in the SQLAlchemy module, so deleting an author
leaves its books to the schema's ``ON DELETE CASCADE``.

``eager`` loads the books with ``selectinload(Author.books)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AsyncExitStack
from datetime import datetime

from contract import UPDATED_SUFFIX, Clock, Database, NewAuthor, Outcome

from aorm import (
    AsyncSession,
    Base,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    Mapped,
    String,
    async_sessionmaker,
    create_engine,
    mapped_column,
    relationship,
    select,
    selectinload,
)

__all__ = ["concurrent", "delete", "eager", "get", "insert", "load", "stream", "update"]

# The loader option, once the session layer has it.


class Author(Base):
    """A row of ``author``."""

    __tablename__ = "author"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    email: Mapped[str] = mapped_column(String(200), nullable=False)
    created: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    books: Mapped[list[Book]] = relationship(
        "Book", back_populates="author", cascade="all, delete-orphan", passive_deletes=True
    )


class Book(Base):
    """A row of ``book``."""

    __tablename__ = "book"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Indexed, as the harness's schema has it (CREATE INDEX book_author_id):
    # select-IN loading picks its key filter by whether the column is indexed.
    author_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("author.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    pages: Mapped[int] = mapped_column(Integer, nullable=False)
    author: Mapped[Author] = relationship("Author", back_populates="books")


async def _engine(db: Database, pool_size: int = 1) -> Engine:
    engine = create_engine(db.url, pool_size=pool_size, max_overflow=0)
    # Open every pooled connection before the clock starts. The query also
    # has asyncpg look up its int[] codec (``in_()`` is ``= ANY($1)`` on
    # PostgreSQL), as a long-lived connection would have done long ago.
    async with AsyncExitStack() as stack:
        for _ in range(pool_size):
            conn = await stack.enter_async_context(engine.connect())
            await conn.scalar(select(Author.id).where(Author.id.in_([0])))
    return engine


async def insert(db: Database, clock: Clock, authors: Sequence[NewAuthor]) -> Outcome:
    """One ``Author`` per row added to one session, one commit."""
    engine = await _engine(db)
    try:
        with clock.timed():
            async with AsyncSession(engine) as session:
                session.add_all(
                    Author(name=author.name, email=author.email, created=author.created)
                    for author in authors
                )
                await session.commit()
    finally:
        await engine.dispose()
    return Outcome(rows=len(authors))


async def load(db: Database, clock: Clock) -> Outcome:
    """``session.scalars(select(Author)).all()``, every attribute read."""
    engine = await _engine(db)
    try:
        with clock.timed():
            async with AsyncSession(engine) as session:
                authors = (await session.scalars(select(Author))).all()
                checksum = 0
                for a in authors:
                    checksum += a.id + len(a.name) + len(a.email) + a.created.second
    finally:
        await engine.dispose()
    return Outcome(rows=len(authors), checksum=checksum)


async def get(db: Database, clock: Clock, ids: Sequence[int], per_session: int) -> Outcome:
    """``session.get(Author, id)``, a new session every ``per_session`` gets."""
    engine = await _engine(db)
    sessions = async_sessionmaker(engine)
    try:
        with clock.timed():
            checksum = 0
            found = 0
            for start in range(0, len(ids), per_session):
                async with sessions() as session:
                    for key in ids[start : start + per_session]:
                        a = await session.get(Author, key)
                        if a is not None:
                            found += 1
                            checksum += a.id + len(a.name) + len(a.email) + a.created.second
    finally:
        await engine.dispose()
    return Outcome(rows=found, checksum=checksum)


async def update(db: Database, clock: Clock) -> Outcome:
    """Load every author, change its name, commit."""
    engine = await _engine(db)
    try:
        with clock.timed():
            async with AsyncSession(engine) as session:
                authors = (await session.scalars(select(Author))).all()
                for a in authors:
                    a.name = a.name + UPDATED_SUFFIX
                await session.commit()
    finally:
        await engine.dispose()
    return Outcome(rows=len(authors))


async def delete(db: Database, clock: Clock) -> Outcome:
    """Load every author, ``await session.delete()`` each, commit."""
    engine = await _engine(db)
    try:
        with clock.timed():
            async with AsyncSession(engine) as session:
                authors = (await session.scalars(select(Author))).all()
                for a in authors:
                    await session.delete(a)
                await session.commit()
    finally:
        await engine.dispose()
    return Outcome(rows=len(authors))


async def _authors_with_books(session: AsyncSession) -> list[tuple[Author, Sequence[Book]]]:
    statement = select(Author).options(selectinload(Author.books))
    authors = (await session.scalars(statement)).all()
    return [(a, a.books) for a in authors]


async def eager(db: Database, clock: Clock) -> Outcome:
    """Every author with its books (selectin loading), every author and book read."""
    engine = await _engine(db)
    try:
        with clock.timed():
            async with AsyncSession(engine) as session:
                checksum = 0
                seen = 0
                for a, books in await _authors_with_books(session):
                    key = a.id
                    checksum += key + len(a.name) + len(a.email) + a.created.second
                    for b in books:
                        seen += 1
                        checksum += b.id * key + len(b.title) + b.pages
    finally:
        await engine.dispose()
    return Outcome(rows=seen, checksum=checksum)


async def concurrent(
    db: Database, clock: Clock, batches: Sequence[Sequence[int]], pool_size: int
) -> Outcome:
    """One session per task over an engine whose pool holds ``pool_size`` connections."""
    engine = await _engine(db, pool_size=pool_size)
    sessions = async_sessionmaker(engine)
    checksums: list[int] = []

    async def task(ids: Sequence[int]) -> None:
        checksum = 0
        async with sessions() as session:
            for key in ids:
                a = await session.get(Author, key)
                assert a is not None
                checksum += a.id + len(a.name) + len(a.email) + a.created.second
        checksums.append(checksum)

    try:
        with clock.timed():
            await asyncio.gather(*(task(ids) for ids in batches))
    finally:
        await engine.dispose()
    return Outcome(rows=sum(len(ids) for ids in batches), checksum=sum(checksums))


async def stream(db: Database, clock: Clock) -> Outcome:
    """``session.stream_scalars(select(Author))``, 1,000 rows per fetch."""
    engine = await _engine(db)
    try:
        with clock.timed():
            checksum = 0
            seen = 0
            async with AsyncSession(engine) as session:
                async for a in await session.stream_scalars(select(Author), chunk_size=1000):
                    seen += 1
                    checksum += a.id + len(a.name) + len(a.email) + a.created.second
    finally:
        await engine.dispose()
    return Outcome(rows=seen, checksum=checksum)
