"""Many tasks of one engine writing at once: no "database is locked", no lost work.

Read-then-write transactions are the case that breaks plain SQLite: a
deferred transaction that has read cannot upgrade to a writer once another
connection has committed. aorm takes the writer lock before the first write.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aorm.engine import Engine, create_engine
from aorm.sql.text import text
from tests.engine.support import count_rows

TASKS = 50


@pytest.fixture
async def busy_engine(db_url: str) -> AsyncIterator[Engine]:
    async with create_engine(db_url, pool_size=10, max_overflow=10) as engine:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)"))
            await conn.execute(text("INSERT INTO counter (id, value) VALUES (1, 0)"))
            await conn.execute(text("CREATE TABLE log (task INTEGER, seen INTEGER)"))
        yield engine


async def test_read_then_write_in_engine_begin_is_serialised(busy_engine: Engine) -> None:
    """Each task reads the counter and writes it back: no lost update, no lock error."""
    select = text("SELECT value FROM counter WHERE id = 1")
    update = text("UPDATE counter SET value = :value WHERE id = 1")
    if busy_engine.name == "postgresql":
        # PostgreSQL's READ COMMITTED needs the row lock to make read-then-write safe.
        select = text("SELECT value FROM counter WHERE id = 1 FOR UPDATE")

    async def increment(task: int) -> None:
        async with busy_engine.begin() as conn:
            value = await conn.scalar(select)
            await conn.execute(update, {"value": value + 1})
            await conn.execute(
                text("INSERT INTO log (task, seen) VALUES (:task, :seen)"),
                {"task": task, "seen": value},
            )

    await asyncio.gather(*(increment(i) for i in range(TASKS)))
    async with busy_engine.connect() as conn:
        assert await conn.scalar(text("SELECT value FROM counter")) == TASKS
        seen = (await conn.execute(text("SELECT seen FROM log ORDER BY seen"))).scalars()
        assert seen.all() == list(range(TASKS))
    assert busy_engine.pool.stats().checked_out == 0


async def test_read_then_write_with_commit_as_you_go(busy_engine: Engine) -> None:
    """Autobegun transactions that read, then write, then commit, all at once."""

    async def work(task: int) -> None:
        async with busy_engine.connect() as conn:
            seen = await conn.scalar(text("SELECT count(*) FROM log"))
            await conn.execute(
                text("INSERT INTO log (task, seen) VALUES (:task, :seen)"),
                {"task": task, "seen": seen},
            )
            await conn.execute(text("SELECT count(*) FROM log"))
            await conn.execute(text("UPDATE counter SET value = value + 1 WHERE id = 1"))
            await conn.commit()

    await asyncio.gather(*(work(i) for i in range(TASKS)))
    assert await count_rows(busy_engine, "log") == TASKS
    async with busy_engine.connect() as conn:
        assert await conn.scalar(text("SELECT value FROM counter")) == TASKS


async def test_explicit_begin_reads_then_writes(busy_engine: Engine) -> None:
    async def work(task: int) -> None:
        async with busy_engine.connect() as conn, conn.begin():
            await conn.execute(text("SELECT * FROM log"))
            await conn.execute(
                text("INSERT INTO log (task, seen) VALUES (:task, 0)"), {"task": task}
            )
            async with conn.begin_nested():
                await conn.execute(text("UPDATE counter SET value = value + 1 WHERE id = 1"))

    await asyncio.gather(*(work(i) for i in range(TASKS)))
    assert await count_rows(busy_engine, "log") == TASKS


@pytest.mark.sqlite_only
async def test_two_engines_on_one_sqlite_file_wait_instead_of_failing(tmp_path: Path) -> None:
    """Across engines there is no shared lock, but no upgrade either: the busy timeout waits."""
    url = f"sqlite:///{tmp_path}/shared.db"
    first, second = create_engine(url), create_engine(url)
    async with first.begin() as conn:
        await conn.execute(text("CREATE TABLE t (v INTEGER)"))

    async def work(engine: Engine, value: int) -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT count(*) FROM t"))
            await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": value})
            await conn.commit()

    try:
        await asyncio.gather(*(work(first if i % 2 else second, i) for i in range(20)))
        assert await count_rows(first, "t") == 20
    finally:
        await first.dispose()
        await second.dispose()
