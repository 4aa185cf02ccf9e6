"""SQLAlchemy 2.x's asyncio ORM doing each workload the way its documentation shows.

Installed only in the benchmark's environment (``nox -s bench``), never a
dependency of aorm. Sessions use ``expire_on_commit=False`` (what async code
needs). ``Author.books`` has ``passive_deletes=True`` so deleting an author
does not load its books first (the schema deletes them ``ON DELETE CASCADE``);
without it the ``delete`` workload measures 10,000 extra SELECTs.

The ``pool`` workload checks out DBAPI connections from the engine's
``AsyncAdaptedQueuePool`` with ``AsyncEngine.raw_connection()`` and runs the
query on the asyncpg connection underneath; returning one to the pool is a
synchronous call that may do IO, so it runs through ``greenlet_spawn`` as
SQLAlchemy's own ``AsyncConnection.close()`` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AsyncExitStack
from datetime import datetime

from contract import UPDATED_SUFFIX, Clock, Database, NewAuthor, Outcome
from sqlalchemy import DateTime, ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    configure_mappers,
    mapped_column,
    relationship,
    selectinload,
)
from sqlalchemy.util import greenlet_spawn

__all__ = ["concurrent", "delete", "eager", "get", "insert", "load", "pool", "stream", "update"]


class Base(DeclarativeBase):
    """The declarative base of the benchmark's two tables."""


class Author(Base):
    """A row of ``author``."""

    __tablename__ = "author"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime] = mapped_column(DateTime)
    books: Mapped[list[Book]] = relationship(
        back_populates="author", cascade="all, delete-orphan", passive_deletes=True
    )


class Book(Base):
    """A row of ``book``."""

    __tablename__ = "book"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    pages: Mapped[int]
    author: Mapped[Author] = relationship(back_populates="books")


async def _engine(db: Database, pool_size: int = 5) -> AsyncEngine:
    if db.backend == "sqlite":
        url = f"sqlite+aiosqlite:///{db.sqlite_path}"
    else:
        url = db.url.replace("postgresql://", "postgresql+asyncpg://", 1)
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=0)
    configure_mappers()
    # Open every pooled connection before the clock starts.
    async with AsyncExitStack() as stack:
        for _ in range(pool_size):
            conn = await stack.enter_async_context(engine.connect())
            await conn.exec_driver_sql("SELECT 1")
    return engine


def _sessions(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False)


async def insert(db: Database, clock: Clock, authors: Sequence[NewAuthor]) -> Outcome:
    """One ``Author`` per row added to one session, one commit."""
    engine = await _engine(db, pool_size=1)
    try:
        with clock.timed():
            async with _sessions(engine)() as session:
                for author in authors:
                    session.add(
                        Author(name=author.name, email=author.email, created=author.created)
                    )
                await session.commit()
    finally:
        await engine.dispose()
    return Outcome(rows=len(authors))


async def load(db: Database, clock: Clock) -> Outcome:
    """``session.scalars(select(Author)).all()``, every attribute read."""
    engine = await _engine(db, pool_size=1)
    try:
        with clock.timed():
            async with _sessions(engine)() as session:
                authors = (await session.scalars(select(Author))).all()
                checksum = 0
                for a in authors:
                    checksum += a.id + len(a.name) + len(a.email) + a.created.second
    finally:
        await engine.dispose()
    return Outcome(rows=len(authors), checksum=checksum)


async def get(db: Database, clock: Clock, ids: Sequence[int], per_session: int) -> Outcome:
    """``session.get(Author, id)``, a new session every ``per_session`` gets."""
    engine = await _engine(db, pool_size=1)
    sessions = _sessions(engine)
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
    engine = await _engine(db, pool_size=1)
    try:
        with clock.timed():
            async with _sessions(engine)() as session:
                authors = (await session.scalars(select(Author))).all()
                for a in authors:
                    a.name = a.name + UPDATED_SUFFIX
                await session.commit()
    finally:
        await engine.dispose()
    return Outcome(rows=len(authors))


async def delete(db: Database, clock: Clock) -> Outcome:
    """Load every author, ``await session.delete()`` each, commit."""
    engine = await _engine(db, pool_size=1)
    try:
        with clock.timed():
            async with _sessions(engine)() as session:
                authors = (await session.scalars(select(Author))).all()
                for a in authors:
                    await session.delete(a)
                await session.commit()
    finally:
        await engine.dispose()
    return Outcome(rows=len(authors))


async def eager(db: Database, clock: Clock) -> Outcome:
    """``select(Author).options(selectinload(Author.books))``, every author and book read."""
    engine = await _engine(db, pool_size=1)
    try:
        with clock.timed():
            async with _sessions(engine)() as session:
                statement = select(Author).options(selectinload(Author.books))
                authors = (await session.scalars(statement)).all()
                checksum = 0
                seen = 0
                for a in authors:
                    key = a.id
                    checksum += key + len(a.name) + len(a.email) + a.created.second
                    for b in a.books:
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
    sessions = _sessions(engine)
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


async def pool(db: Database, clock: Clock, tasks: int, per_task: int, pool_size: int) -> Outcome:
    """``AsyncEngine.raw_connection()`` checkouts; the query runs on the asyncpg connection."""
    engine = await _engine(db, pool_size=pool_size)
    totals: list[int] = []

    async def task() -> None:
        total = 0
        for _ in range(per_task):
            pooled = await engine.raw_connection()
            try:
                total += await pooled.driver_connection.fetchval("SELECT 1")  # type: ignore[union-attr]
            finally:
                await greenlet_spawn(pooled.close)
        totals.append(total)

    try:
        with clock.timed():
            await asyncio.gather(*(task() for _ in range(tasks)))
    finally:
        await engine.dispose()
    return Outcome(rows=tasks * per_task, checksum=sum(totals))


async def stream(db: Database, clock: Clock) -> Outcome:
    """``session.stream_scalars()`` with ``yield_per=1000``."""
    engine = await _engine(db, pool_size=1)
    try:
        with clock.timed():
            checksum = 0
            seen = 0
            async with _sessions(engine)() as session:
                statement = select(Author).execution_options(yield_per=1000)
                async for a in await session.stream_scalars(statement):
                    seen += 1
                    checksum += a.id + len(a.name) + len(a.email) + a.created.second
    finally:
        await engine.dispose()
    return Outcome(rows=seen, checksum=checksum)
