"""Nothing of a finished statement stays alive in the driver once the caller let go of it.

A driver that kept its last call's rows or parameters (aiosqlite's worker
thread holds its last call in local variables until the next one) would keep
a whole loaded table in memory long after the rows became objects. These
tests send a unique string through the engine and count the references to it
(``sys.getrefcount`` is exact in CPython): once the caller dropped the result,
only the test's own variable may be left.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import uuid

import pytest

from aorm import exc
from aorm.engine import Engine
from aorm.sql import Column, CreateTable, Integer, MetaData, String, Table, insert, select
from aorm.sql.text import text

metadata = MetaData()
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("body", String(100), unique=True),
)


@pytest.fixture
async def table(engine: Engine) -> Engine:
    async with engine.begin() as conn:
        await conn.execute(CreateTable(notes))
    return engine


def unique() -> str:
    # Built at run time, so no code object or interned constant refers to it.
    return "".join(["note-", uuid.uuid4().hex])


async def references(value: object) -> int:
    """References to *value* besides the caller's variable."""
    # asyncio's wake-up of this task holds the future it awaited until the
    # task next yields; that is not the driver keeping anything.
    await asyncio.sleep(0)
    gc.collect()
    # getrefcount's own argument, the parameter here and the caller's variable.
    return sys.getrefcount(value) - 3


async def test_rows_are_freed_with_their_result(table: Engine) -> None:
    async with table.begin() as conn:
        await conn.execute(insert(notes), {"body": unique()})
        result = await conn.execute(select(notes.c.body))
        value = result.scalar_one()
        del result
        assert await references(value) == 0


async def test_the_parameters_of_a_statement_are_freed(table: Engine) -> None:
    value = unique()
    async with table.begin() as conn:
        await conn.execute(insert(notes), {"body": value})
        assert await references(value) == 0


async def test_the_parameters_of_many_rows_are_freed(table: Engine) -> None:
    value = unique()
    # Last, so it goes in the last batch sent: the one a driver might keep.
    rows = [*({"body": f"other {i}"} for i in range(2500)), {"body": value}]
    async with table.begin() as conn:
        result = await conn.execute(insert(notes).returning(notes.c.id), rows)
        assert len(result.all()) == 2501
        del rows, result
        assert await references(value) == 0


async def test_the_parameters_of_an_executemany_are_freed(table: Engine) -> None:
    value = unique()
    async with table.begin() as conn:
        await conn.execute(insert(notes), [{"body": "a"}, {"body": "b"}])
        await conn.execute(
            text("UPDATE notes SET body = :new WHERE body = :old"),
            [{"new": value, "old": "a"}, {"new": "c", "old": "b"}],
        )
        assert await references(value) == 0


async def test_a_failed_statement_keeps_nothing_once_its_error_is_gone(table: Engine) -> None:
    value = unique()
    async with table.connect() as conn:
        await conn.execute(insert(notes), {"body": value})
        await conn.commit()
        with pytest.raises(exc.IntegrityError):
            await conn.execute(insert(notes), {"body": value})
        # Before any other statement, which would push the failed one out of
        # a driver that keeps only its last call. The error's traceback held
        # the frames that had the parameters.
        assert await references(value) == 0
        await conn.rollback()
