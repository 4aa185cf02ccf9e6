"""``count_queries()`` and ``assert_queries()`` count what an engine sends."""

from __future__ import annotations

import pytest

from aorm.engine import Engine
from aorm.exc import ArgumentError
from aorm.session import AsyncSession
from aorm.sql import insert, select, text
from aorm.testing import CapturedStatement, QueryCounter, assert_queries, count_queries
from tests.testing.models import Item


async def _add_items(engine: Engine, count: int) -> list[int]:
    async with AsyncSession(engine) as session:
        items = [Item(name=f"item {n}") for n in range(count)]
        session.add_all(items)
        await session.commit()
        return [item.id for item in items]


async def test_counts_statements_not_transaction_control(engine: Engine) -> None:
    with count_queries(engine) as queries:
        async with engine.connect() as conn:
            await conn.begin()
            await conn.execute(select(Item.id))
            await conn.execute(text("SELECT 1"))
            await conn.commit()
    assert queries.count == 2
    assert "SELECT 1" in queries.statements[1]
    assert all(isinstance(s, CapturedStatement) for s in queries.captured)


async def test_an_executemany_counts_once(engine: Engine) -> None:
    async with engine.begin() as conn:
        with count_queries(conn) as queries:
            await conn.execute(
                text("INSERT INTO items (name) VALUES (:name)"),
                [{"name": "a"}, {"name": "b"}, {"name": "c"}],
            )
            await conn.execute(insert(Item), [{"name": "d"}, {"name": "e"}])
    assert queries.count == 2


async def test_a_session_counts_on_its_engine(engine: Engine) -> None:
    ids = await _add_items(engine, 3)
    async with AsyncSession(engine) as session:
        with count_queries(session) as queries:
            loaded = [await session.get(Item, item_id) for item_id in ids]
            for item_id in ids:
                await session.get(Item, item_id)  # the identity map answers
    assert len(loaded) == queries.count == 3
    assert queries.captured[0].parameters == [ids[0]]


async def test_assert_queries_passes_on_the_exact_count(engine: Engine) -> None:
    ids = await _add_items(engine, 2)
    async with AsyncSession(engine) as session:
        with assert_queries(session, 1) as queries:
            items = (await session.scalars(select(Item).where(Item.id.in_(ids)))).all()
        assert isinstance(queries, QueryCounter)
        assert len(items) == 2
        with assert_queries(session, 0):
            await session.get(Item, ids[0])


async def test_assert_queries_fails_listing_the_statements(engine: Engine) -> None:
    ids = await _add_items(engine, 3)
    async with AsyncSession(engine) as session:
        with pytest.raises(AssertionError) as caught, assert_queries(session, 1):  # noqa: PT012
            for item_id in ids:
                await session.get(Item, item_id)
    message = str(caught.value)
    assert message.startswith("expected 1 statement, 3 were sent:\n")
    lines = message.splitlines()[1:]
    assert len(lines) == 3
    for number, (line, item_id) in enumerate(zip(lines, ids, strict=True), 1):
        assert line.startswith(f"  {number}. SELECT")
        assert "items" in line
        assert line.endswith(f"[parameters: [{item_id}]]")


async def test_an_error_in_the_block_passes_unchecked(engine: Engine) -> None:
    with pytest.raises(ZeroDivisionError), assert_queries(engine, 5):  # noqa: PT012
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        _ = 1 / 0


async def test_counting_stops_when_the_block_ends(engine: Engine) -> None:
    with count_queries(engine) as queries:
        pass
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    assert queries.count == 0
    assert queries.report() == "  (none)"
    with (
        pytest.raises(AssertionError, match="expected 2 statements, 0 were sent"),
        assert_queries(engine, 2),
    ):
        pass


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ArgumentError, match="not 'sqlite://'"):
        count_queries("sqlite://")  # type: ignore[arg-type]
    with (
        pytest.raises(ArgumentError, match="count of 0 or more, got -1"),
        assert_queries("sqlite://", -1),  # type: ignore[arg-type]
    ):
        pass


async def test_a_counter_counts_one_block_at_a_time(engine: Engine) -> None:
    counter = count_queries(engine)
    with counter, pytest.raises(ArgumentError, match="already counting"), counter:
        pass
    # Reusable afterwards; the record accumulates.
    with counter:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    assert counter.count == 1
