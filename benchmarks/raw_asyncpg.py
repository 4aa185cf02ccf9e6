"""The PostgreSQL floor: asyncpg by hand, the SQL a careful person writes.

Each function sends the same statements an ORM could send (no COPY), builds
nothing beyond the driver's records, and reads every column it is asked to
touch. See ``contract.py`` for what each workload must do and return.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg
from contract import UPDATED_SUFFIX, Clock, Database, NewAuthor, Outcome

__all__ = ["concurrent", "delete", "eager", "get", "insert", "load", "pool", "stream", "update"]

_SELECT_AUTHORS = "SELECT id, name, email, created FROM author"
_GET_AUTHOR = "SELECT id, name, email, created FROM author WHERE id = $1"
_BOOKS_OF = "SELECT id, author_id, title, pages FROM book WHERE author_id = ANY($1::int[])"


async def _connect(db: Database) -> asyncpg.Connection:
    conn = await asyncpg.connect(db.url)
    await conn.fetchval("SELECT 1")
    return conn


async def insert(db: Database, clock: Clock, authors: Sequence[NewAuthor]) -> Outcome:
    """executemany of one INSERT in one transaction."""
    conn = await _connect(db)
    try:
        with clock.timed():
            async with conn.transaction():
                await conn.executemany(
                    "INSERT INTO author (name, email, created) VALUES ($1, $2, $3)", authors
                )
    finally:
        await conn.close()
    return Outcome(rows=len(authors))


async def load(db: Database, clock: Clock) -> Outcome:
    """One SELECT of every author, every column read."""
    conn = await _connect(db)
    try:
        with clock.timed():
            checksum = 0
            rows = await conn.fetch(_SELECT_AUTHORS)
            for row in rows:
                checksum += row[0] + len(row[1]) + len(row[2]) + row[3].second
    finally:
        await conn.close()
    return Outcome(rows=len(rows), checksum=checksum)


async def get(db: Database, clock: Clock, ids: Sequence[int], per_session: int) -> Outcome:
    """One SELECT by key per id on one connection (sessions have no raw equivalent)."""
    conn = await _connect(db)
    try:
        with clock.timed():
            checksum = 0
            found = 0
            for key in ids:
                row = await conn.fetchrow(_GET_AUTHOR, key)
                if row is not None:
                    found += 1
                    checksum += row[0] + len(row[1]) + len(row[2]) + row[3].second
    finally:
        await conn.close()
    return Outcome(rows=found, checksum=checksum)


async def update(db: Database, clock: Clock) -> Outcome:
    """Load every author, then executemany of one UPDATE, in one transaction."""
    conn = await _connect(db)
    try:
        with clock.timed():
            async with conn.transaction():
                rows = await conn.fetch(_SELECT_AUTHORS)
                changes = [(row[1] + UPDATED_SUFFIX, row[0]) for row in rows]
                await conn.executemany("UPDATE author SET name = $1 WHERE id = $2", changes)
    finally:
        await conn.close()
    return Outcome(rows=len(changes))


async def delete(db: Database, clock: Clock) -> Outcome:
    """Load every author, then executemany of one DELETE by key, in one transaction."""
    conn = await _connect(db)
    try:
        with clock.timed():
            async with conn.transaction():
                rows = await conn.fetch(_SELECT_AUTHORS)
                await conn.executemany(
                    "DELETE FROM author WHERE id = $1", [(row[0],) for row in rows]
                )
    finally:
        await conn.close()
    return Outcome(rows=len(rows))


async def eager(db: Database, clock: Clock) -> Outcome:
    """Authors, then their books with ``author_id = ANY($1)``, grouped per author."""
    conn = await _connect(db)
    try:
        # asyncpg looks up the int[] type on its first use on a connection (a
        # long-lived connection has done it long ago): do it before the clock.
        await conn.fetch(_BOOKS_OF, [])
        with clock.timed():
            authors = await conn.fetch(_SELECT_AUTHORS)
            books_by_author: dict[int, list[asyncpg.Record]] = {row[0]: [] for row in authors}
            books = await conn.fetch(_BOOKS_OF, list(books_by_author))
            for book in books:
                books_by_author[book[1]].append(book)
            checksum = 0
            seen = 0
            for author in authors:
                key = author[0]
                checksum += key + len(author[1]) + len(author[2]) + author[3].second
                for book in books_by_author[key]:
                    seen += 1
                    checksum += book[0] * key + len(book[2]) + book[3]
    finally:
        await conn.close()
    return Outcome(rows=seen, checksum=checksum)


async def concurrent(
    db: Database, clock: Clock, batches: Sequence[Sequence[int]], pool_size: int
) -> Outcome:
    """asyncpg's own pool; each task holds one connection for its batch of gets."""
    pool = await asyncpg.create_pool(db.url, min_size=pool_size, max_size=pool_size)
    checksums: list[int] = []

    async def task(ids: Sequence[int]) -> None:
        checksum = 0
        async with pool.acquire() as conn:
            for key in ids:
                row = await conn.fetchrow(_GET_AUTHOR, key)
                assert row is not None
                checksum += row[0] + len(row[1]) + len(row[2]) + row[3].second
        checksums.append(checksum)

    try:
        with clock.timed():
            await asyncio.gather(*(task(ids) for ids in batches))
    finally:
        await pool.close()
    return Outcome(rows=sum(len(ids) for ids in batches), checksum=sum(checksums))


async def pool(db: Database, clock: Clock, tasks: int, per_task: int, pool_size: int) -> Outcome:
    """asyncpg's own pool, as it comes (its release resets the connection)."""
    connections = await asyncpg.create_pool(db.url, min_size=pool_size, max_size=pool_size)
    totals: list[int] = []

    async def task() -> None:
        total = 0
        for _ in range(per_task):
            async with connections.acquire() as conn:
                total += await conn.fetchval("SELECT 1")
        totals.append(total)

    try:
        with clock.timed():
            await asyncio.gather(*(task() for _ in range(tasks)))
    finally:
        await connections.close()
    return Outcome(rows=tasks * per_task, checksum=sum(totals))


async def stream(db: Database, clock: Clock) -> Outcome:
    """A server-side cursor in a transaction, 1,000 rows per round trip."""
    conn = await _connect(db)
    try:
        with clock.timed():
            checksum = 0
            seen = 0
            async with conn.transaction():
                async for row in conn.cursor(_SELECT_AUTHORS, prefetch=1000):
                    seen += 1
                    checksum += row[0] + len(row[1]) + len(row[2]) + row[3].second
    finally:
        await conn.close()
    return Outcome(rows=seen, checksum=checksum)
