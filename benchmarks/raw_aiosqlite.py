"""The SQLite floor: aiosqlite by hand, the SQL a careful person writes.

Timestamps are stored as ``YYYY-MM-DD HH:MM:SS.ffffff`` text, so reading
``created`` means parsing it with ``datetime.fromisoformat``: the same
conversion any ORM must do to hand back a ``datetime``. See ``contract.py``
for what each workload must do and return.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, cast

import aiosqlite
from contract import UPDATED_SUFFIX, Clock, Database, NewAuthor, Outcome

__all__ = ["concurrent", "delete", "eager", "get", "insert", "load", "stream", "update"]

_SELECT_AUTHORS = "SELECT id, name, email, created FROM author"
_GET_AUTHOR = "SELECT id, name, email, created FROM author WHERE id = ?"
# The chunk SQLAlchemy's selectinload uses; far under SQLite's bind-parameter limit.
_IN_CHUNK = 500
_parse = datetime.fromisoformat


def _rows(fetched: Iterable[Any]) -> list[Any]:
    # execute_fetchall() returns a list, typed as an iterable: say so without copying.
    return cast(list[Any], fetched)


@asynccontextmanager
async def _connected(db: Database, **options: Any) -> AsyncIterator[aiosqlite.Connection]:
    conn = await aiosqlite.connect(db.sqlite_path, **options)
    try:
        await conn.execute_fetchall("SELECT 1")
        yield conn
    finally:
        await conn.close()


async def insert(db: Database, clock: Clock, authors: Sequence[NewAuthor]) -> Outcome:
    """executemany of one INSERT in one transaction."""
    async with _connected(db) as conn:
        with clock.timed():
            await conn.executemany(
                "INSERT INTO author (name, email, created) VALUES (?, ?, ?)",
                [
                    (author.name, author.email, author.created.isoformat(" ", "microseconds"))
                    for author in authors
                ],
            )
            await conn.commit()
    return Outcome(rows=len(authors))


async def load(db: Database, clock: Clock) -> Outcome:
    """One SELECT of every author, every column read."""
    async with _connected(db) as conn:
        with clock.timed():
            checksum = 0
            rows = _rows(await conn.execute_fetchall(_SELECT_AUTHORS))
            for row in rows:
                checksum += row[0] + len(row[1]) + len(row[2]) + _parse(row[3]).second
    return Outcome(rows=len(rows), checksum=checksum)


async def get(db: Database, clock: Clock, ids: Sequence[int], per_session: int) -> Outcome:
    """One SELECT by key per id on one connection (sessions have no raw equivalent)."""
    async with _connected(db) as conn:
        with clock.timed():
            checksum = 0
            found = 0
            for key in ids:
                for row in await conn.execute_fetchall(_GET_AUTHOR, (key,)):
                    found += 1
                    checksum += row[0] + len(row[1]) + len(row[2]) + _parse(row[3]).second
    return Outcome(rows=found, checksum=checksum)


async def update(db: Database, clock: Clock) -> Outcome:
    """Load every author, then executemany of one UPDATE, in one transaction."""
    async with _connected(db) as conn:
        with clock.timed():
            rows = _rows(await conn.execute_fetchall(_SELECT_AUTHORS))
            changes = [(row[1] + UPDATED_SUFFIX, row[0]) for row in rows]
            await conn.executemany("UPDATE author SET name = ? WHERE id = ?", changes)
            await conn.commit()
    return Outcome(rows=len(changes))


async def delete(db: Database, clock: Clock) -> Outcome:
    """Load every author, then executemany of one DELETE by key, in one transaction."""
    async with _connected(db) as conn:
        with clock.timed():
            rows = _rows(await conn.execute_fetchall(_SELECT_AUTHORS))
            await conn.executemany("DELETE FROM author WHERE id = ?", [(row[0],) for row in rows])
            await conn.commit()
    return Outcome(rows=len(rows))


async def eager(db: Database, clock: Clock) -> Outcome:
    """Authors, then their books with ``author_id IN (...)`` in chunks, grouped per author."""
    async with _connected(db) as conn:
        with clock.timed():
            authors = _rows(await conn.execute_fetchall(_SELECT_AUTHORS))
            books_by_author: dict[int, list[Any]] = {row[0]: [] for row in authors}
            keys = list(books_by_author)
            for start in range(0, len(keys), _IN_CHUNK):
                chunk = keys[start : start + _IN_CHUNK]
                placeholders = ", ".join("?" * len(chunk))
                books = await conn.execute_fetchall(
                    "SELECT id, author_id, title, pages FROM book"
                    f" WHERE author_id IN ({placeholders})",
                    chunk,
                )
                for book in books:
                    books_by_author[book[1]].append(book)
            checksum = 0
            seen = 0
            for author in authors:
                key = author[0]
                checksum += key + len(author[1]) + len(author[2]) + _parse(author[3]).second
                for book in books_by_author[key]:
                    seen += 1
                    checksum += book[0] * key + len(book[2]) + book[3]
    return Outcome(rows=seen, checksum=checksum)


async def concurrent(
    db: Database, clock: Clock, batches: Sequence[Sequence[int]], pool_size: int
) -> Outcome:
    """A minimal pool (a queue of open connections); each task holds one for its batch."""
    idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
    opened = await asyncio.gather(*(aiosqlite.connect(db.sqlite_path) for _ in range(pool_size)))
    for conn in opened:
        idle.put_nowait(conn)
    checksums: list[int] = []

    async def task(ids: Sequence[int]) -> None:
        checksum = 0
        conn = await idle.get()
        try:
            for key in ids:
                for row in await conn.execute_fetchall(_GET_AUTHOR, (key,)):
                    checksum += row[0] + len(row[1]) + len(row[2]) + _parse(row[3]).second
        finally:
            idle.put_nowait(conn)
        checksums.append(checksum)

    try:
        with clock.timed():
            await asyncio.gather(*(task(ids) for ids in batches))
    finally:
        for conn in opened:
            await conn.close()
    return Outcome(rows=sum(len(ids) for ids in batches), checksum=sum(checksums))


async def stream(db: Database, clock: Clock) -> Outcome:
    """Cursor iteration, 1,000 rows per hop to the driver's thread."""
    async with _connected(db, iter_chunk_size=1000) as conn:
        with clock.timed():
            checksum = 0
            seen = 0
            async with conn.execute(_SELECT_AUTHORS) as cursor:
                async for row in cursor:
                    seen += 1
                    checksum += row[0] + len(row[1]) + len(row[2]) + _parse(row[3]).second
    return Outcome(rows=seen, checksum=checksum)
