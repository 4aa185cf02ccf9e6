"""aorm's pool on its own: the ``pool`` workload over ``aorm.pool.Pool`` and asyncpg.

The pool is given asyncpg's ``connect`` and no ``reset`` callable, so it
resets returned connections the way it does for asyncpg by default (the
driver's ``reset()``), which is also what asyncpg's own pool does.
"""

from __future__ import annotations

import asyncio

import asyncpg
from contract import Clock, Database, Outcome

from aorm.pool import Pool

__all__ = ["pool"]


async def pool(db: Database, clock: Clock, tasks: int, per_task: int, pool_size: int) -> Outcome:
    """``async with pool.connection() as conn: await conn.fetchval("SELECT 1")``."""

    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(db.url)

    connections = Pool(connect, size=pool_size, max_overflow=0)
    totals: list[int] = []

    async def task() -> None:
        total = 0
        for _ in range(per_task):
            async with connections.connection() as conn:
                total += await conn.fetchval("SELECT 1")
        totals.append(total)

    try:
        # Open every connection before the clock starts, as asyncpg's pool does.
        warm = [await connections.acquire() for _ in range(pool_size)]
        for conn in warm:
            await connections.release(conn)
        with clock.timed():
            await asyncio.gather(*(task() for _ in range(tasks)))
    finally:
        await connections.dispose()
    return Outcome(rows=tasks * per_task, checksum=sum(totals))
