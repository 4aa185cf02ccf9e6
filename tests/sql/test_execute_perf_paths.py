"""The fast paths of many-row INSERTs, run for real on both backends.

``conn.execute(insert(t)…, [row, …])`` goes through
``compile_insert_batches``: on PostgreSQL one array per column
(``unnest(…) WITH ORDINALITY``), on SQLite multi-row ``VALUES`` batches of a
fixed size. Whatever the form, the rows go in, and RETURNING comes back, in
input order; every value is checked by its column type before anything is
sent; statement texts repeat so the drivers keep them prepared.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from types import MappingProxyType
from typing import Any

import pytest

from aorm.dialects._postgresql_compiler import PGCompiler
from aorm.dialects._sqlite_compiler import SQLiteCompiler
from aorm.engine import Engine, create_engine
from aorm.exc import ArgumentError, DataError
from aorm.sql import (
    JSON,
    UUID,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from aorm.sql.ddl import CreateTable
from aorm.sql.dml_compiler import DMLCompiler


class Colour(enum.Enum):
    """An Enum column's values (they keep the multi-row VALUES form on PostgreSQL)."""

    RED = "red"
    BLUE = "blue"


metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(30), nullable=False),
    Column("rank", Integer, default=0),
)
every_type = Table(
    "every_type",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("i", Integer),
    Column("small", SmallInteger),
    Column("big", BigInteger),
    Column("f", Float),
    Column("num", Numeric(10, 2)),
    Column("s", String(20)),
    Column("t", Text),
    Column("b", Boolean),
    Column("dt", DateTime),
    Column("dtz", DateTime(timezone=True)),
    Column("d", Date),
    Column("tm", Time),
    Column("iv", Interval),
    Column("u", UUID),
    Column("bin", LargeBinary),
)
mixed = Table(
    "mixed",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("doc", JSON),
    Column("colour", Enum(Colour)),
)


@pytest.fixture
async def tables(engine: Engine) -> Engine:
    async with engine.begin() as conn:
        for table in (items, every_type, mixed):
            await conn.execute(CreateTable(table))
    return engine


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []
    engine.add_listener("before_execute", lambda sql, params: seen.append(sql))
    return seen


async def test_returning_follows_input_order_not_key_order(tables: Engine) -> None:
    # Explicit keys in shuffled order: RETURNING in key order would give them sorted.
    keys = [(i * 7919) % 3001 + 1 for i in range(3000)]
    assert len(set(keys)) == len(keys)
    rows = [{"id": key, "name": f"n{key}"} for key in keys]
    async with tables.begin() as conn:
        result = await conn.execute(insert(items).returning(items.c.id, items.c.name), rows)
        assert list(result.all()) == [(key, f"n{key}") for key in keys]
        assert result.rowcount == len(keys)


async def test_generated_keys_come_back_one_per_row_in_order(tables: Engine) -> None:
    count = DMLCompiler.VALUES_BATCH_ROWS * 2 + 17  # several batches, and a short one
    rows = [{"name": f"n{i}"} for i in range(count)]
    async with tables.begin() as conn:
        result = await conn.execute(insert(items).returning(items.c.id, items.c.name), rows)
        returned = result.all()
        stored = (await conn.execute(select(items.c.id, items.c.name))).all()
    assert [name for _, name in returned] == [f"n{i}" for i in range(count)]
    assert sorted(returned) == sorted(stored)
    assert len({key for key, _ in returned}) == count


async def test_more_rows_than_one_array_batch_keep_their_order(
    tables: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DMLCompiler, "ARRAY_BATCH_ROWS", 40)
    monkeypatch.setattr(DMLCompiler, "VALUES_BATCH_ROWS", 40)
    seen = _statements(tables)
    keys = [(i * 37) % 101 + 1 for i in range(100)]
    async with tables.begin() as conn:
        result = await conn.execute(
            insert(items).returning(items.c.id), [{"id": k, "name": "x"} for k in keys]
        )
        assert result.scalars().all() == keys
    assert len(seen) == 3  # 40 + 40 + 20 rows


async def test_postgresql_sends_one_array_per_column(tables: Engine, backend: str) -> None:
    seen = _statements(tables)
    async with tables.begin() as conn:
        await conn.execute(insert(items), [{"name": f"n{i}"} for i in range(50)])
    (sql,) = seen
    if backend == "postgresql":
        assert "unnest($1::VARCHAR(30)[], $2::INTEGER[]) WITH ORDINALITY" in sql
        assert "VALUES" not in sql
    else:
        assert sql.count("(?, ?)") == 50


async def test_one_statement_text_whatever_the_number_of_rows(tables: Engine, backend: str) -> None:
    seen = _statements(tables)
    async with tables.begin() as conn:
        await conn.execute(insert(items), [{"name": "a"}] * 3)
        await conn.execute(insert(items), [{"name": "b"}] * 5)
        full = DMLCompiler.VALUES_BATCH_ROWS
        await conn.execute(insert(items), [{"name": "c"}] * (full * 2))
    if backend == "postgresql":
        assert len(set(seen)) == 1
    else:
        # Full batches share one text; only a short last batch has its own.
        assert seen[2] == seen[3]
        assert len(set(seen)) == 3


async def test_postgresql_prepares_the_array_insert_once_per_connection(pg_url: str) -> None:
    engine = create_engine(pg_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("DROP TABLE IF EXISTS items"))
            await conn.execute(CreateTable(items))
            for count in (3, 30, 300):
                await conn.execute(insert(items), [{"name": "x"}] * count)
            prepared = await conn.scalar(
                text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :pattern"),
                {"pattern": 'INSERT INTO "items"%unnest%'},
            )
            assert prepared == 1
            await conn.rollback()
    finally:
        await engine.dispose()


async def test_every_array_type_round_trips(tables: Engine) -> None:
    utc = datetime.UTC
    rows: list[dict[str, Any]] = [
        {
            "id": 2,
            "i": -5,
            "small": 7,
            "big": 2**40,
            "f": 1.5,
            "num": decimal.Decimal("12.34"),
            "s": "héllo",
            "t": "long text",
            "b": True,
            "dt": datetime.datetime(2024, 1, 2, 3, 4, 5, 6),
            "dtz": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc),
            "d": datetime.date(2024, 2, 29),
            "tm": datetime.time(23, 59, 58),
            "iv": datetime.timedelta(days=2, seconds=3),
            "u": uuid.UUID(int=42),
            "bin": b"\x00\x01\xff",
        },
        {"id": 1, **{str(c.name): None for c in every_type.c if c.name != "id"}},
    ]
    async with tables.begin() as conn:
        result = await conn.execute(insert(every_type).returning(every_type.c.id), rows)
        assert result.scalars().all() == [2, 1]
        stored = (await conn.execute(select(every_type).order_by(every_type.c.id.desc()))).all()
    names = [c.name for c in every_type.c]
    assert [dict(zip(names, row, strict=True)) for row in stored] == rows


async def test_json_and_enum_columns_take_the_values_form(tables: Engine) -> None:
    rows: list[dict[str, Any]] = [
        {"doc": [1, 2, 3], "colour": Colour.RED},
        {"doc": {"a": [None]}, "colour": Colour.BLUE},
        {"doc": None, "colour": None},
    ]
    async with tables.begin() as conn:
        keys = (await conn.execute(insert(mixed).returning(mixed.c.id), rows)).scalars().all()
        stored = (await conn.execute(select(mixed.c.doc, mixed.c.colour))).all()
    assert len(keys) == 3
    assert sorted(stored, key=repr) == sorted([(r["doc"], r["colour"]) for r in rows], key=repr)


@pytest.mark.parametrize(
    ("bad", "pattern"),
    [
        ({"name": 5}, r"items\.name"),
        ({"name": "nul\x00"}, r"items\.name: .*NUL"),
        ({"name": "x" * 31}, r"items\.name: a string of 31 characters"),
        ({"name": "ok", "rank": "3"}, r"items\.rank"),
    ],
)
async def test_a_bad_value_in_any_row_fails_before_anything_is_sent(
    tables: Engine, bad: dict[str, Any], pattern: str
) -> None:
    seen = _statements(tables)
    rows = [{"name": f"n{i}"} for i in range(20)]
    rows[13] = bad
    async with tables.connect() as conn:
        with pytest.raises(DataError, match=pattern):
            await conn.execute(insert(items), rows)
        await conn.rollback()
        assert (await conn.scalar(select(func.count()).select_from(items))) == 0
    assert not any(sql.startswith("INSERT") for sql in seen)


async def test_a_sql_expression_as_a_row_value_is_refused(tables: Engine) -> None:
    async with tables.connect() as conn:
        with pytest.raises(ArgumentError, match=r"items\.name is a SQL expression"):
            await conn.execute(insert(items), [{"name": "a"}, {"name": func.lower("B")}])


async def test_defaults_and_statement_values_fill_rows(tables: Engine) -> None:
    calls: list[int] = []

    def next_rank() -> int:
        calls.append(1)
        return len(calls) * 10

    table = Table(
        "ranked",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String(30)),
        Column("rank", Integer, default=next_rank),
    )
    async with tables.begin() as conn:
        await conn.execute(CreateTable(table))
        stmt = insert(table).values(name="default name").returning(table.c.name, table.c.rank)
        result = await conn.execute(stmt, [{}, {"name": "own"}, {"rank": 1}, {}])
        assert list(result.all()) == [
            ("default name", 10),
            ("own", 20),
            ("default name", 1),
            ("default name", 30),
        ]
    assert len(calls) == 3


async def test_many_row_upsert_carries_its_own_values(tables: Engine) -> None:
    async with tables.begin() as conn:
        await conn.execute(insert(items), [{"id": 1, "name": "old"}, {"id": 2, "name": "old"}])
        stmt = (
            insert(items)
            .on_conflict_do_update(index_elements=["id"], set_={"name": "clash", "rank": 9})
            .returning(items.c.id, items.c.name, items.c.rank)
        )
        rows = [{"id": 3, "name": "new"}, {"id": 1, "name": "again"}, {"id": 4, "name": "new"}]
        result = await conn.execute(stmt, rows)
        assert list(result.all()) == [(3, "new", 0), (1, "clash", 9), (4, "new", 0)]


def test_the_array_form_is_postgresql_only() -> None:
    class Info:
        name = "postgresql"

        def placeholder(self, position: int) -> str:
            return f"${position}"

        def quote_identifier(self, name: str) -> str:
            return f'"{name}"'

    class SQLiteInfo(Info):
        name = "sqlite"

        def placeholder(self, position: int) -> str:
            return "?"

    columns = [items.c.name, items.c.rank]
    assert SQLiteCompiler(SQLiteInfo()).array_insert_sql(columns, ["?", "?"]) is None
    pg = PGCompiler(Info())
    assert pg.array_insert_sql(columns, ["$1", "$2"]) is not None
    assert pg.array_insert_sql([mixed.c.doc], ["$1"]) is None
    assert pg.array_insert_sql([mixed.c.colour], ["$1"]) is None


async def test_executemany_binds_each_row_and_the_statement_values_once(tables: Engine) -> None:
    async with tables.begin() as conn:
        await conn.execute(insert(items), [{"id": i, "name": f"n{i}"} for i in range(1, 5)])
        stmt = (
            update(items)
            .values(name=bindparam("new_name"), rank=7)
            .where(items.c.id == bindparam("key"))
        )
        rows: list[Any] = [
            {"key": 1, "new_name": "one"},
            MappingProxyType({"key": 3, "new_name": "three"}),  # any mapping will do
        ]
        await conn.execute(stmt, rows)
        stored = (await conn.execute(select(items).order_by(items.c.id))).all()
        assert list(stored) == [(1, "one", 7), (2, "n2", 0), (3, "three", 7), (4, "n4", 0)]
        with pytest.raises(ArgumentError, match="missing value for bind parameter 'new_name'"):
            await conn.execute(stmt, [{"key": 1, "new_name": "x"}, {"key": 2}])
        with pytest.raises(DataError, match=r"items\.name"):
            await conn.execute(stmt, [{"key": 1, "new_name": "x"}, {"key": 2, "new_name": 2}])


async def test_an_in_list_of_thousands_of_keys_finds_exactly_those(tables: Engine) -> None:
    # Longer than one encoding chunk of SQLite's JSON array; PostgreSQL's one array.
    async with tables.begin() as conn:
        await conn.execute(insert(items), [{"name": f"n{i}"} for i in range(3000)])
        wanted = [*range(3, 3001, 2), 99_999]  # and a key with no row
        found = await conn.execute(select(items.c.id).where(items.c.id.in_(wanted)))
        assert sorted(found.scalars().all()) == wanted[:-1]
