"""New objects go to their INSERT as tuples of values, not a dict per row.

A flush reads each usual new object's columns into one tuple
(:class:`~aorm.sql.insert_rows.KeyedRows`); unusual ones (an unset column,
a key set by hand, a Python-side default, a version counter, a value that is
not plain) take the row-by-row path. Both must write the same rows, fill in
the same generated keys, and undo them the same way when the flush fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from aorm import literal
from aorm.engine import Engine, create_engine
from aorm.exc import ArgumentError, IntegrityError
from aorm.orm import DeclarativeBase, Mapped, mapped_column
from aorm.session import AsyncSession, inserting
from aorm.sql.dml import insert
from aorm.sql.insert_rows import KeyedRows, group_rows
from aorm.sql.select import select
from aorm.sql.types import JSON, DateTime, String


class Base(DeclarativeBase):
    """The declarative base of these tests."""


class Entry(Base):
    """Generated key, plain columns and a JSON one."""

    __tablename__ = "tuple_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(40), unique=True)
    made: Mapped[datetime] = mapped_column(DateTime)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Stamped(Base):
    """A Python-side default: its rows are never sent as tuples."""

    __tablename__ = "tuple_stamped"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20), default="unnamed")


WHEN = datetime(2024, 5, 6, 7, 8, 9, 123456)


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[Engine]:
    """An engine with the tables of this module."""
    async with create_engine(db_url) as made:
        await Base.metadata.create_all(made)
        yield made


@pytest.fixture
def keyed_calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per insert chunk: True when its rows went as tuples."""
    calls: list[bool] = []
    original = inserting._keyed_rows

    def spy(plan: Any, objects: Any) -> KeyedRows | None:
        found = original(plan, objects)
        calls.append(found is not None)
        return found

    monkeypatch.setattr(inserting, "_keyed_rows", spy)
    return calls


async def _rows(engine: Engine) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        result = await conn.execute(
            select(Entry.id, Entry.title, Entry.made, Entry.extra).order_by(Entry.id)
        )
        return list(result.tuples().all())


async def test_usual_objects_go_as_tuples_and_get_their_keys(
    engine: Engine, keyed_calls: list[bool]
) -> None:
    entries = [Entry(title=f"t{i}", made=WHEN, extra={"n": i}) for i in range(50)]
    async with AsyncSession(engine) as session:
        session.add_all(entries)
        await session.commit()
        assert keyed_calls == [True]
        ids = [e.id for e in entries]
        assert all(isinstance(i, int) for i in ids)
        assert len(set(ids)) == 50
        assert await session.get(Entry, ids[7]) is entries[7]
    assert await _rows(engine) == [(e.id, e.title, WHEN, {"n": n}) for n, e in enumerate(entries)]


async def test_an_unset_column_or_a_hand_set_key_takes_the_row_by_row_path(
    engine: Engine, keyed_calls: list[bool]
) -> None:
    async with AsyncSession(engine) as session:
        no_extra = Entry(title="a", made=WHEN)  # extra never set: None is written into it
        session.add(no_extra)
        await session.flush()
        assert no_extra.__dict__["extra"] is None
        own_key = Entry(id=1000, title="b", made=WHEN, extra=None)
        session.add(own_key)
        await session.commit()
        assert keyed_calls == [False, False]
    assert await _rows(engine) == [(no_extra.id, "a", WHEN, None), (1000, "b", WHEN, None)]


async def test_python_defaults_are_still_applied(engine: Engine, keyed_calls: list[bool]) -> None:
    async with AsyncSession(engine) as session:
        stamped = [Stamped(), Stamped(label="given")]
        session.add_all(stamped)
        await session.commit()
        assert [s.label for s in stamped] == ["unnamed", "given"]
        assert keyed_calls == []  # never tried: the default is made in Python


async def test_a_sql_expression_is_refused_as_before(
    engine: Engine, keyed_calls: list[bool]
) -> None:
    async with AsyncSession(engine) as session:
        session.add(Entry(title=literal("x"), made=WHEN, extra=None))  # type: ignore[arg-type]
        with pytest.raises(ArgumentError, match=r"Entry\.title holds a SQL expression"):
            await session.flush()
        assert keyed_calls == [False]


async def test_a_failed_insert_takes_back_the_keys_it_filled_in(
    engine: Engine, keyed_calls: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with AsyncSession(engine) as session:
        session.add(Entry(title="taken", made=WHEN))
        await session.commit()
    # One object per INSERT: the first gets its key before the second fails.
    monkeypatch.setattr(inserting, "INSERT_CHUNK_ROWS", 1)
    async with AsyncSession(engine) as session:
        first = Entry(title="fresh", made=WHEN, extra=None)
        clash = Entry(title="taken", made=WHEN, extra=None)
        session.add_all([first, clash])
        with pytest.raises(IntegrityError):
            await session.flush()
        assert keyed_calls == [False, True, True]  # the first session's object lacks extra
        await session.rollback()
        # Whatever the INSERT filled in before failing is undone.
        assert "id" not in first.__dict__
        assert "id" not in clash.__dict__
    assert [r[1] for r in await _rows(engine)] == ["taken"]


def test_keyed_rows_read_as_mappings() -> None:
    rows = KeyedRows(("a", "b"), [(1, 2), (3, 4)])
    assert len(rows) == 2
    assert rows[1] == {"a": 3, "b": 4}
    assert rows[0:1] == [{"a": 1, "b": 2}]
    assert list(rows) == [{"a": 1, "b": 2}, {"a": 3, "b": 4}]
    assert "2 rows" in repr(rows)


def test_group_rows_puts_keyed_values_in_table_order() -> None:
    table = Entry.__table__
    # Keys in another order than the table's: the values are reordered to match.
    rows = KeyedRows(("made", "title"), [(WHEN, "x"), (WHEN, "y")])
    ((columns, values),) = list(group_rows(insert(table), rows))
    assert [c.key for c in columns] == ["title", "made"]
    assert [tuple(v) for v in values] == [("x", WHEN), ("y", WHEN)]
    only = KeyedRows(("title",), [("x",), ("y",)])
    ((columns, values),) = list(group_rows(insert(table), only))
    assert [tuple(v) for v in values] == [("x",), ("y",)]


def test_group_rows_refuses_a_sql_expression_among_keyed_values() -> None:
    rows = KeyedRows(("title",), [("x",), (literal("y"),)])
    with pytest.raises(ArgumentError, match="SQL expression"):
        list(group_rows(insert(Entry.__table__), rows))


async def test_a_connection_takes_keyed_rows(engine: Engine) -> None:
    async with engine.begin() as conn:
        rows = KeyedRows(("title", "made"), [("k1", WHEN), ("k2", WHEN)])
        result = await conn.execute(insert(Entry.__table__).returning(Entry.__table__.c.id), rows)
        assert len(result.tuples().all()) == 2
    assert [r[1] for r in await _rows(engine)] == ["k1", "k2"]
