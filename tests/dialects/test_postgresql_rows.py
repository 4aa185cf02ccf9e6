"""PostgreSQL rows: asyncpg's records become plain tuples (one C-level copy each, same
values), the records given up on the way."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aorm.dialects.postgresql import PGConnection, PGDialect, _tuples
from aorm.engine.url import make_url
from aorm.sql.text import text

pytestmark = pytest.mark.postgresql_only

_SERIES = "SELECT g AS n, 'v' || g AS label FROM generate_series(1, 2500) AS g"
_MIXED = (
    "SELECT g AS n, CASE WHEN g % 2 = 0 THEN NULL ELSE 'v' || g END AS label,"
    " ARRAY[g, NULL] AS pair, NULL::int AS nothing"
    " FROM generate_series(1, 4) AS g"
)


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[PGConnection]:
    dialect = PGDialect(make_url(pg_url))
    conn = dialect.wrap(await dialect.connect())
    try:
        yield conn
    finally:
        await conn.discard()


def _expected(start: int, stop: int) -> list[tuple[int, str]]:
    return [(n, f"v{n}") for n in range(start, stop)]


async def test_tuples_consumes_only_when_asked(pg: PGConnection) -> None:
    records = await pg.raw.fetch(_SERIES)
    kept = _tuples(records)
    assert len(records) == 2500
    given_up = _tuples(records, consume=True)
    assert records == []
    assert kept == given_up == _expected(1, 2501)
    assert all(type(row) is tuple for row in given_up)


async def test_execute_returns_tuples_and_keys(pg: PGConnection) -> None:
    compiled, literals = pg.dialect.compile(text(_SERIES))
    result = await pg.execute(compiled, compiled.bind(literals, None))
    assert result.keys == ("n", "label")
    assert result.rows == _expected(1, 2501)
    assert all(type(row) is tuple for row in result.rows)


async def test_cursor_chunks_are_tuples(pg: PGConnection) -> None:
    await pg.begin()
    try:
        compiled, literals = pg.dialect.compile(text(_SERIES))
        cursor = await pg.open_cursor(compiled, compiled.bind(literals, None), 1000)
        rows: list[tuple[object, ...]] = []
        while chunk := await cursor.fetchmany(700):
            assert all(type(row) is tuple for row in chunk)
            rows.extend(chunk)
        await cursor.close()
    finally:
        await pg.rollback()
    assert rows == _expected(1, 2501)


async def test_values_nulls_and_arrays_come_through(pg: PGConnection) -> None:
    records = await pg.raw.fetch(_MIXED)
    expected = [tuple(record) for record in records]
    rows = _tuples(records, consume=True)
    assert rows == expected
    assert rows == [
        (1, "v1", [1, None], None),
        (2, None, [2, None], None),
        (3, "v3", [3, None], None),
        (4, None, [4, None], None),
    ]
    assert all(type(row) is tuple for row in rows)
    assert records == []


async def test_rows_without_columns_and_no_rows(pg: PGConnection) -> None:
    assert _tuples(await pg.raw.fetch("SELECT FROM generate_series(1, 3)")) == [(), (), ()]
    assert _tuples(await pg.raw.fetch("SELECT 1 WHERE false")) == []


async def test_execute_gives_the_same_tuples(pg: PGConnection) -> None:
    compiled, literals = pg.dialect.compile(text(_MIXED))
    result = await pg.execute(compiled, compiled.bind(literals, None))
    assert result.keys == ("n", "label", "pair", "nothing")
    assert result.rows[1] == (2, None, [2, None], None)
    assert all(type(row) is tuple for row in result.rows)
