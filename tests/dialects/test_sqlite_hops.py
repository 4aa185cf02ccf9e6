"""SQLite hops: the worker thread keeps nothing of a finished call alive.

aiosqlite's worker loop holds the last call's function, future and result in
local variables until the next call arrives. aorm's hops hand it only holders
that the awaiting side empties, so a statement's parameters and its rows are
freed as soon as the caller drops them. These tests count references to a
unique string that travels through the driver (``sys.getrefcount`` is exact
in CPython): once the caller let go of everything, only the test's own
variable may be left.
"""

from __future__ import annotations

import gc
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aorm import exc
from aorm.dialects.sqlite import SQLiteConnection, SQLiteDialect
from aorm.engine.url import make_url
from aorm.sql.text import text

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
async def conn(tmp_path: Path) -> AsyncIterator[SQLiteConnection]:
    dialect = SQLiteDialect(make_url(f"sqlite:///{tmp_path / 'db.sqlite'}"))
    connection = dialect.wrap(await dialect.connect())
    await execute(connection, "CREATE TABLE t (v TEXT UNIQUE)")
    try:
        yield connection
    finally:
        await connection.discard()


async def execute(conn: SQLiteConnection, sql: str, **params: object) -> list[tuple[object, ...]]:
    compiled, literals = conn.dialect.compile(text(sql))
    return (await conn.execute(compiled, compiled.bind(literals, params))).rows


def unique() -> str:
    # Built at run time, so no code object or interned constant refers to it.
    return "".join(["hop-", uuid.uuid4().hex])


def references(value: object) -> int:
    """References to *value* besides the caller's variable and this call's argument."""
    gc.collect()
    # getrefcount's own argument, the parameter here and the caller's variable.
    return sys.getrefcount(value) - 3


async def test_a_result_row_is_not_kept_after_the_caller_dropped_it(
    conn: SQLiteConnection,
) -> None:
    rows = await execute(conn, "SELECT upper(hex(randomblob(16)))")
    value = rows[0][0]
    assert isinstance(value, str)
    del rows
    assert references(value) == 0


async def test_the_parameters_of_a_statement_are_not_kept(conn: SQLiteConnection) -> None:
    value = unique()
    await execute(conn, "INSERT INTO t (v) VALUES (:v)", v=value)
    assert references(value) == 0


async def test_the_parameters_of_an_executemany_are_not_kept(conn: SQLiteConnection) -> None:
    value = unique()
    compiled, _ = conn.dialect.compile(text("INSERT INTO t (v) VALUES (?)"))
    assert await conn.executemany(compiled, [(value,), ("other",)]) == 2
    assert references(value) == 0


async def test_a_failed_call_keeps_neither_its_parameters_nor_its_error(
    conn: SQLiteConnection,
) -> None:
    value = unique()
    await execute(conn, "INSERT INTO t (v) VALUES (:v)", v=value)
    with pytest.raises(exc.IntegrityError):
        await execute(conn, "INSERT INTO t (v) VALUES (:v)", v=value)
    # The error's traceback holds the frames that had the parameters: it must be gone too.
    assert references(value) == 0
    assert not conn.broken
    assert await execute(conn, "SELECT count(*) FROM t") == [(1,)]


async def test_rows_read_by_a_cursor_are_not_kept(conn: SQLiteConnection) -> None:
    value = unique()
    await execute(conn, "INSERT INTO t (v) VALUES (:v)", v=value)
    del value
    compiled, literals = conn.dialect.compile(text("SELECT v FROM t"))
    cursor = await conn.open_cursor(compiled, compiled.bind(literals, None), 10)
    chunk = await cursor.fetchmany(10)
    read = chunk[0][0]
    del chunk
    assert references(read) == 0
    await cursor.close()
