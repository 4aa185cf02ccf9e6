"""PostgreSQL rows are copied out of asyncpg's records in one C call each: same values, tuples."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aorm.dialects.postgresql import PGConnection, PGDialect, _tuples
from aorm.engine.url import make_url
from aorm.sql.text import text

pytestmark = pytest.mark.postgresql_only

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
