"""Pool plain aiosqlite and asyncpg connections with ``aorm.pool`` alone.

Run it with ``python examples/pool_standalone.py``. The pool knows nothing
of SQL or of aorm's engine: it takes an async factory that returns the
driver's own connection and hands those connections out, resetting each one
when it comes back. The PostgreSQL part reads ``AORM_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``) and is skipped, with a
message, if no server answers there.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg

from aorm.pool import Pool

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


async def sqlite_demo(path: Path) -> None:
    """Ten tasks share three aiosqlite connections to one file."""

    async def connect() -> aiosqlite.Connection:
        return await aiosqlite.connect(path)

    async with Pool(connect, size=3, max_overflow=0, name="sqlite-demo") as pool:
        async with pool.connection() as conn:
            await conn.execute("CREATE TABLE visits (task integer)")
            await conn.commit()

        async def visit(task: int) -> None:
            async with pool.connection() as conn:
                await conn.execute("INSERT INTO visits VALUES (?)", (task,))
                await conn.commit()

        await asyncio.gather(*(visit(n) for n in range(10)))

        async with pool.connection() as conn:
            await conn.execute("INSERT INTO visits VALUES (99)")  # never committed
        async with pool.connection() as conn:
            cursor = await conn.execute("SELECT count(*) FROM visits")
            (count,) = await cursor.fetchone() or (0,)
            await cursor.close()
        print(f"sqlite: {count} visits (the uncommitted one was rolled back on return)")
        print(f"sqlite: {pool.stats()}")


async def postgresql_demo(url: str) -> None:
    """Twenty tasks share at most four asyncpg connections."""

    async def connect() -> asyncpg.Connection[Any]:
        return await asyncpg.connect(url)

    async with Pool(connect, size=2, max_overflow=2, pre_ping=True, name="pg-demo") as pool:

        async def square(n: int) -> int:
            async with pool.connection() as conn:
                value: int = await conn.fetchval("SELECT $1::int * $1::int", n)
                return value

        squares = await asyncio.gather(*(square(n) for n in range(20)))
        print(f"postgresql: sum of squares 0..19 = {sum(squares)}")

        async with pool.connection() as conn:
            await conn.execute("BEGIN")
            await conn.execute("SET LOCAL application_name = 'left-open'")
        async with pool.connection() as conn:
            print(f"postgresql: in a transaction after return? {conn.is_in_transaction()}")
        print(f"postgresql: {pool.stats()}")


async def postgresql_answers(url: str) -> bool:
    """Whether a PostgreSQL server answers at *url*."""
    try:
        conn = await asyncpg.connect(url, timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def main() -> None:
    """Run both demonstrations."""
    with tempfile.TemporaryDirectory() as directory:
        await sqlite_demo(Path(directory) / "visits.db")
    url = os.environ.get("AORM_TEST_PG_URL", DEFAULT_PG_URL).replace(
        "postgresql+asyncpg://", "postgresql://", 1
    )
    if await postgresql_answers(url):
        await postgresql_demo(url)
    else:
        print(f"postgresql: skipped, no server answers at {url}")


if __name__ == "__main__":
    asyncio.run(main())
