"""The cheap ways to read results: ``tuples()`` views, column-wise processing, shared keys.

``Result.tuples()`` / ``AsyncResult.tuples()`` hand out the plain tuples the
rows are made of (result processors applied), sharing the result's cursor
with its other views. The processing of result columns goes column by column
and keeps ``None`` away from processors.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from aorm.engine import Engine
from aorm.engine.result import Result
from aorm.engine.row import Row, RowKeys, row_keys
from aorm.engine.row_processing import apply_processors
from aorm.exc import ArgumentError, InvalidStateError, MultipleResultsFound, ResourceClosedError
from aorm.sql import Column, DateTime, Integer, MetaData, String, Table, insert, select
from aorm.sql.ddl import CreateTable

metadata = MetaData()
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
    Column("at", DateTime),
)
WHEN = datetime.datetime(2024, 3, 4, 5, 6, 7, 891011)


@pytest.fixture
async def filled(engine: Engine) -> Engine:
    async with engine.begin() as conn:
        await conn.execute(CreateTable(events))
        await conn.execute(
            insert(events),
            [{"id": i, "name": f"e{i}", "at": None if i % 3 == 0 else WHEN} for i in range(1, 11)],
        )
    return engine


def _expected(i: int) -> tuple[Any, ...]:
    return (i, f"e{i}", None if i % 3 == 0 else WHEN)


async def test_tuples_are_plain_processed_tuples(filled: Engine) -> None:
    async with filled.connect() as conn:
        result = await conn.execute(select(events).order_by(events.c.id))
        rows = result.tuples().all()
    assert rows == [_expected(i) for i in range(1, 11)]
    assert all(type(row) is tuple for row in rows)
    # SQLite's timestamps were parsed; NULLs stayed None.
    assert isinstance(rows[0][2], datetime.datetime)


async def test_tuples_share_the_cursor_with_the_other_views(filled: Engine) -> None:
    async with filled.connect() as conn:
        result = await conn.execute(select(events).order_by(events.c.id))
        first_row = result.fetchone()
        assert isinstance(first_row, Row)
        view = result.tuples()
        assert view.keys() == ["id", "name", "at"]
        assert view.fetchmany(2) == [_expected(2), _expected(3)]
        assert result.scalars().fetchone() == 4
        assert view.first() == _expected(5)
        with pytest.raises(ResourceClosedError):
            view.all()


async def test_tuples_one_and_unique(filled: Engine) -> None:
    async with filled.connect() as conn:
        one = await conn.execute(select(events).where(events.c.id == 2))
        assert one.tuples().one() == _expected(2)
        many = await conn.execute(select(events))
        with pytest.raises(MultipleResultsFound):
            many.tuples().one()
        names = await conn.execute(select(events.c.at).order_by(events.c.id))
        assert names.tuples().unique().all() == [(WHEN,), (None,)]


async def test_streamed_tuples(filled: Engine) -> None:
    async with filled.connect() as conn:
        result = await conn.stream(select(events).order_by(events.c.id), chunk_size=3)
        view = result.tuples()
        assert view.keys() == ["id", "name", "at"]
        chunks = []
        while chunk := await view.fetchmany(4):
            assert all(type(row) is tuple for row in chunk)
            chunks.append(chunk)
        assert [len(c) for c in chunks] == [4, 4, 2]
        assert [row for chunk in chunks for row in chunk] == [_expected(i) for i in range(1, 11)]
        await conn.rollback()


async def test_streamed_rows_scalars_and_unique_tuples(filled: Engine) -> None:
    async with filled.connect() as conn:
        rows = await conn.stream(select(events).order_by(events.c.id), chunk_size=4)
        collected = [row async for row in rows]
        assert [row.name for row in collected] == [f"e{i}" for i in range(1, 11)]
        keys = await conn.stream(select(events.c.id).order_by(events.c.id), chunk_size=4)
        assert await keys.scalars().all() == list(range(1, 11))
        ats = await conn.stream(select(events.c.at).order_by(events.c.id), chunk_size=4)
        assert await ats.tuples().unique().all() == [(WHEN,), (None,)]
        await conn.rollback()


def test_result_rows_made_without_setattr_stay_read_only() -> None:
    result = Result(["a", "b"], [(1, 2), (3, 4)])
    rows = result.all()
    assert list(rows) == [(1, 2), (3, 4)]
    assert rows[1].b == 4
    with pytest.raises(InvalidStateError):
        rows[0].a = 5


def test_scalars_and_tuples_of_a_plain_result() -> None:
    assert Result(["a", "b"], [(1, 2), (3, 4)]).scalars(1).all() == [2, 4]
    assert Result(["a", "b"], [(1, 2), (3, 4)]).tuples().all() == [(1, 2), (3, 4)]
    assert Result(["a"], [(1,), (1,), (2,)]).scalars().unique().all() == [1, 2]


@pytest.mark.parametrize("copies", [1, 5], ids=["few rows, row by row", "many, by column"])
def test_processors_apply_per_column_and_skip_none(copies: int) -> None:
    calls: list[Any] = []

    def double(value: Any) -> Any:
        calls.append(value)
        return value * 2

    rows = [(1, "a", None), (2, None, 5), (3, "c", 6)] * copies
    assert (
        apply_processors(rows, [None, str.upper, double])
        == [
            (1, "A", None),
            (2, None, 10),
            (3, "C", 12),
        ]
        * copies
    )
    assert calls == [5, 6] * copies
    # Fewer processors than columns, more than columns, none at all, no rows.
    assert apply_processors(rows, [double]) == [(2, "a", None), (4, None, 5), (6, "c", 6)] * copies
    assert apply_processors([(1,)], [double, double]) == [(2,)]
    assert apply_processors(rows, [None, None, None]) is rows
    assert apply_processors([], [double]) == []
    assert apply_processors([(), ()], [double]) == [(), ()]


@pytest.mark.parametrize("copies", [1, 5], ids=["few rows, row by row", "many, by column"])
def test_processors_on_rows_of_different_widths(copies: int) -> None:
    narrower: list[tuple[Any, ...]] = [(1, 2), (3,)] * copies
    assert apply_processors(narrower, [str, str]) == [("1", "2"), ("3",)] * copies
    wider: list[tuple[Any, ...]] = [(1,), (2, 3)] * copies
    assert apply_processors(wider, [str, str]) == [("1",), ("2", "3")] * copies


@pytest.mark.parametrize("width", [1, 2, 5])
def test_many_rows_of_every_shape_keep_their_unprocessed_values(width: int) -> None:
    # Every combination of processed positions, each rebuilt by its own comprehension.
    rows = [tuple(range(n, n + width)) for n in range(20)]
    for mask in range(1, 2**width):
        processors = [(lambda v: -v) if mask >> i & 1 else None for i in range(width)]
        expected = [tuple(-v if mask >> i & 1 else v for i, v in enumerate(row)) for row in rows]
        assert apply_processors(rows, processors) == expected


def test_a_failing_processor_fails_the_whole_result() -> None:
    def strict(value: Any) -> Any:
        if value == 13:
            raise ArgumentError("13 is not allowed")
        return value

    with pytest.raises(ArgumentError, match="13 is not allowed"):
        apply_processors([(n, "x") for n in range(20)], [strict])


def test_row_keys_are_shared_per_column_names() -> None:
    first = row_keys(("a", "b"))
    assert row_keys(["a", "b"]) is first
    assert isinstance(first, RowKeys)
    assert first.position("b") == 1
    assert row_keys(("b", "a")) is not first
