"""Every type round-trips its values through the real drivers, on both backends.

A table is created from the type's ``ddl()`` (and ``ddl_check()``), the
bind-processed values are inserted with the driver's own placeholders, read
back, and the result processor applied; the values must come back equal and
of the same Python type. ``ORDER BY`` on the stored column must give the
Python order (it matters most on SQLite, where Numeric, DateTime and
Interval are stored in encoded forms).
"""

from __future__ import annotations

import datetime as dt
import enum
import sqlite3
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import pytest

from aorm.sql.types import (
    JSON,
    UUID,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    Interval,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
    TypeDecorator,
    TypeEngine,
)

PLUS5 = dt.timezone(dt.timedelta(hours=5, minutes=30))
MINUS8 = dt.timezone(dt.timedelta(hours=-8))


class Mood(enum.Enum):
    HAPPY = "h"
    SAD = "s"
    O_NEUTRAL = "it's"


class CommaList(TypeDecorator):
    """A list of strings stored as comma-separated text."""

    impl = String(50)

    def process_bind(self, value: Any) -> Any:
        return ",".join(value)

    def process_result(self, value: Any) -> Any:
        return value.split(",")


class RawDB:
    """One raw driver connection (aiosqlite or asyncpg) and the SQL both understand."""

    def __init__(
        self, backend: str, sqlite: aiosqlite.Connection | None, pg: asyncpg.Connection | None
    ) -> None:
        self.backend = backend
        self._sqlite = sqlite
        self._pg = pg

    def placeholder(self, position: int) -> str:
        return "?" if self.backend == "sqlite" else f"${position}"

    async def execute(self, sql: str, *args: Any) -> None:
        if self._sqlite is not None:
            await self._sqlite.execute(sql, args)
        else:
            assert self._pg is not None
            await self._pg.execute(sql, *args)

    async def column(self, sql: str, *args: Any) -> list[Any]:
        if self._sqlite is not None:
            async with self._sqlite.execute(sql, args) as cursor:
                return [row[0] for row in await cursor.fetchall()]
        assert self._pg is not None
        return [row[0] for row in await self._pg.fetch(sql, *args)]

    async def create(self, type_: TypeEngine, table: str = "t") -> None:
        column = f'"v" {type_.ddl(self.backend)}'
        check = type_.ddl_check(self.backend, '"v"')
        if check is not None:
            column += f" CHECK ({check})"
        await self.execute(f'CREATE TABLE "{table}" ("id" INTEGER PRIMARY KEY, {column})')

    async def store(self, type_: TypeEngine, values: Sequence[Any], table: str = "t") -> None:
        """Creates *table* for *type_* and inserts *values* with ids 0, 1, …"""
        await self.create(type_, table)
        process = type_.bind_processor(self.backend, f"{table}.v")
        placeholders = f"{self.placeholder(1)}, {self.placeholder(2)}"
        sql = f'INSERT INTO "{table}" ("id", "v") VALUES ({placeholders})'
        for position, value in enumerate(values):
            bound = value if process is None else process(value)
            await self.execute(sql, position, bound)

    async def load(self, type_: TypeEngine, order: str = '"id"', table: str = "t") -> list[Any]:
        process = type_.result_processor(self.backend)
        raw = await self.column(f'SELECT "v" FROM "{table}" ORDER BY {order}')
        return raw if process is None else [process(value) for value in raw]

    async def round_trip(self, type_: TypeEngine, values: Sequence[Any]) -> list[Any]:
        await self.store(type_, values)
        return await self.load(type_)


@pytest.fixture
async def db(db_url: str, backend: str) -> AsyncIterator[RawDB]:
    """A raw driver connection to the empty test database."""
    if backend == "sqlite":
        sqlite = await aiosqlite.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            yield RawDB(backend, sqlite, None)
        finally:
            await sqlite.close()
    else:
        pg = await asyncpg.connect(db_url)
        try:
            yield RawDB(backend, None, pg)
        finally:
            await pg.close()


@dataclass(frozen=True)
class Case:
    type_: TypeEngine
    values: tuple[Any, ...]

    def __str__(self) -> str:
        return repr(self.type_)


CASES = [
    Case(Integer(), (0, 1, -1, 2**31 - 1, -(2**31))),
    Case(SmallInteger(), (0, 2**15 - 1, -(2**15))),
    Case(BigInteger(), (0, 2**63 - 1, -(2**63), 2**40)),
    Case(Float(), (0.0, 1.5, -2.25, 0.1, 1e300, -1e-300, 5e-324, float("inf"), float("-inf"))),
    Case(
        Numeric(10, 2),
        (
            Decimal("0.10"),
            Decimal("-12345678.90"),
            Decimal("99999999.99"),
            Decimal("-99999999.99"),
            Decimal("0.00"),
            Decimal("0.01"),
        ),
    ),
    Case(Numeric(18, 18), (Decimal("0." + "9" * 18), Decimal("-0." + "0" * 17 + "1"))),
    Case(Numeric(18, 0), (Decimal(10**18 - 1), Decimal(-(10**18) + 1), Decimal(0))),
    Case(
        Numeric(38, 10),
        (
            Decimal("1234567890123456789012345678.0123456789"),
            Decimal("-0.0000000001"),
            Decimal("0.1000000000"),
        ),
    ),
    Case(
        Numeric(),
        (
            Decimal("0.1"),
            Decimal("-12345678.9"),
            Decimal("3.14159265358979323846264338327950288"),
            Decimal(10**40),
            Decimal("-1E-30"),
            Decimal("0"),
        ),
    ),
    Case(String(), ("", "plain", "emoji 😀🎉", "e\u0301 combining", "日本語", "a'b\"c\\d")),
    Case(String(5), ("", "abcde", "😀😀😀😀😀", "é\u0301")),
    Case(Text(), ("", "x" * 100_000, "line\nbreak\ttab", "\u2028\ufeff")),
    Case(Boolean(), (True, False)),
    Case(
        DateTime(),
        (
            dt.datetime(2024, 2, 29, 12, 30, 45, 123456),
            dt.datetime(1, 1, 1),
            dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
            dt.datetime(2000, 1, 1, 0, 0, 0, 1),
        ),
    ),
    Case(
        DateTime(timezone=True),
        (
            dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC),
            dt.datetime(2024, 6, 1, 12, 0, 0, 654321, tzinfo=PLUS5),
            dt.datetime(1, 1, 2, tzinfo=MINUS8),
            dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
        ),
    ),
    Case(Date(), (dt.date(2024, 2, 29), dt.date(1, 1, 1), dt.date(9999, 12, 31))),
    Case(Time(), (dt.time(0, 0), dt.time(23, 59, 59, 999999), dt.time(12, 0, 0, 1))),
    Case(
        Interval(),
        (
            dt.timedelta(0),
            dt.timedelta(microseconds=1),
            dt.timedelta(days=-1, microseconds=5),
            dt.timedelta(days=36500, hours=25, microseconds=999999),
            dt.timedelta(days=-100_000),
        ),
    ),
    Case(
        JSON(),
        (
            {"a": [1, 2.5, True, False, None, "é😀"], "nested": {"deep": {"list": [[], {}]}}},
            [1, "two", 3.5],
            "just a string",
            42,
            0.1,
            True,
            {},
            [],
            {"quote": 'it\'s "quoted" \\ backslash \\u0000 text'},
        ),
    ),
    Case(UUID(), (uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.uuid4())),
    Case(LargeBinary(), (b"", b"\x00\x01\xff" * 100, bytes(range(256)))),
    Case(Enum(Mood), (Mood.HAPPY, Mood.SAD, Mood.O_NEUTRAL)),
    Case(CommaList(), (["a", "b"], ["single"])),
]


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_round_trip(db: RawDB, case: Case) -> None:
    values = [*case.values, None]
    back = await db.round_trip(case.type_, values)
    assert back == values
    for got, sent in zip(back, values, strict=True):
        assert type(got) is type(sent), (got, sent)


async def test_aware_datetimes_come_back_as_utc(db: RawDB) -> None:
    value = dt.datetime(2024, 6, 1, 12, 0, tzinfo=PLUS5)
    [back] = await db.round_trip(DateTime(timezone=True), [value])
    assert back == value
    assert back.tzinfo is dt.UTC
    assert back.utcoffset() == dt.timedelta(0)


async def test_scaled_numerics_come_back_with_their_scale(db: RawDB) -> None:
    back = await db.round_trip(Numeric(10, 2), [Decimal("0.1"), Decimal(5), 7])
    assert [str(value) for value in back] == ["0.10", "5.00", "7.00"]


async def test_binary_accepts_bytearray_and_memoryview(db: RawDB) -> None:
    back = await db.round_trip(LargeBinary(), [bytearray(b"ab"), memoryview(b"cd")])
    assert back == [b"ab", b"cd"]
    assert all(type(value) is bytes for value in back)


async def test_float_takes_exact_ints(db: RawDB) -> None:
    back = await db.round_trip(Float(), [3, -(2**53)])
    assert back == [3.0, -(2.0**53)]
    assert all(type(value) is float for value in back)


# ----------------------------------------------------------------- ordering

ORDERED_CASES = [
    Case(
        Numeric(10, 2),
        tuple(Decimal(text) for text in ("-99999999.99", "-1.50", "-0.01", "0", "0.10", "2", "10")),
    ),
    Case(
        Numeric(),
        tuple(
            Decimal(text)
            for text in (
                "-1E+40",
                "-123.456",
                "-123.45",
                "-9",
                "-0.5",
                "-0.123",
                "-0.12",
                "-1E-30",
                "0",
                "1E-30",
                "0.12",
                "0.123",
                "0.5",
                "9",
                "10",
                "123.45",
                "123.456",
                "1E+40",
            )
        ),
    ),
    Case(Numeric(38, 4), (Decimal("-1E+30"), Decimal("-0.0001"), Decimal("0"), Decimal("2.5"))),
    Case(
        DateTime(),
        (
            dt.datetime(1, 1, 1),
            dt.datetime(999, 12, 31, 23, 59, 59),
            dt.datetime(2024, 1, 1, 0, 0),
            dt.datetime(2024, 1, 1, 0, 0, 0, 1),
            dt.datetime(2024, 1, 1, 0, 0, 0, 500000),
            dt.datetime(2024, 1, 1, 0, 0, 1),
            dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
        ),
    ),
    Case(
        DateTime(timezone=True),
        (
            # 10:00 at +05:30 is before 05:00 UTC, which is before 00:00 at -08:00.
            dt.datetime(2024, 1, 1, 10, 0, tzinfo=PLUS5),
            dt.datetime(2024, 1, 1, 5, 0, tzinfo=dt.UTC),
            dt.datetime(2024, 1, 1, 0, 0, tzinfo=MINUS8),
        ),
    ),
    Case(Date(), (dt.date(1, 1, 1), dt.date(999, 1, 1), dt.date(2024, 2, 29), dt.date(9999, 1, 1))),
    Case(Time(), (dt.time(0), dt.time(0, 0, 0, 1), dt.time(9, 59), dt.time(10), dt.time(23, 59))),
    Case(
        Interval(),
        (
            dt.timedelta(days=-100_000),
            dt.timedelta(days=-1),
            dt.timedelta(microseconds=-1),
            dt.timedelta(0),
            dt.timedelta(microseconds=1),
            dt.timedelta(hours=23),
            dt.timedelta(days=1, microseconds=1),
            dt.timedelta(days=36500),
        ),
    ),
    Case(
        UUID(),
        (uuid.UUID(int=0), uuid.UUID(int=10), uuid.UUID(int=2**127), uuid.UUID(int=2**128 - 1)),
    ),
    Case(Boolean(), (False, True)),
]


@pytest.mark.parametrize("case", ORDERED_CASES, ids=str)
async def test_order_by_stored_column_is_python_order(db: RawDB, case: Case) -> None:
    ordered = list(case.values)
    assert ordered == sorted(ordered)
    shuffled = ordered[1::2] + ordered[::2]
    await db.store(case.type_, shuffled)
    assert await db.load(case.type_, order='"v"') == ordered
    assert await db.load(case.type_, order='"v" DESC') == ordered[::-1]


@pytest.mark.parametrize("case", ORDERED_CASES[:3], ids=str)
async def test_numeric_compares_with_bound_values(db: RawDB, case: Case) -> None:
    """``col < ?`` and ``col = ?`` with a bind-processed Decimal act as numbers do."""
    values = list(case.values)
    await db.store(case.type_, values)
    process = case.type_.bind_processor(db.backend, "t.v")
    assert process is not None
    middle = len(values) // 2
    pivot = process(values[middle])
    where = f'SELECT "id" FROM "t" WHERE "v" {{}} {db.placeholder(1)} ORDER BY "id"'
    assert await db.column(where.format("<"), pivot) == list(range(middle))
    assert await db.column(where.format("="), pivot) == [middle]
    assert await db.column(where.format(">="), pivot) == list(range(middle, len(values)))
    # Equal numbers written differently are equal in SQL too.
    respelled = process(Decimal(f"{values[middle]}").normalize() + 0)
    assert await db.column(where.format("="), respelled) == [middle]


# ------------------------------------------------------------------ checks


async def test_enum_check_rejects_unknown_names(db: RawDB) -> None:
    await db.create(Enum(Mood))
    await db.execute(f'INSERT INTO "t" ("id", "v") VALUES (1, {db.placeholder(1)})', "HAPPY")
    with pytest.raises((sqlite3.IntegrityError, asyncpg.CheckViolationError)):
        await db.execute(f'INSERT INTO "t" ("id", "v") VALUES (2, {db.placeholder(1)})', "GLAD")


async def test_sqlite_checks_keep_encoded_columns_honest(tmp_path: Path) -> None:
    """SQLite's encoded columns refuse raw values of the wrong form.

    (PostgreSQL's own types refuse them without a CHECK.)
    """
    sqlite = await aiosqlite.connect(tmp_path / "checks.db", isolation_level=None)
    try:
        await _check_sqlite_columns(RawDB("sqlite", sqlite, None))
    finally:
        await sqlite.close()


async def _check_sqlite_columns(db: RawDB) -> None:
    await db.create(Boolean(), "b")
    with pytest.raises(sqlite3.IntegrityError):
        await db.execute('INSERT INTO "b" ("id", "v") VALUES (1, 2)')
    await db.create(Numeric(10, 2), "n")
    with pytest.raises(sqlite3.IntegrityError):
        await db.execute('INSERT INTO "n" ("id", "v") VALUES (1, 1.5)')
    await db.execute('INSERT INTO "n" ("id", "v") VALUES (2, NULL)')
