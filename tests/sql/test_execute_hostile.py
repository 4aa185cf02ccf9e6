"""Hostile strings are stored and matched verbatim; identifiers are always quoted."""

from __future__ import annotations

import pytest

from aorm.engine import Engine
from aorm.exc import DataError
from aorm.sql import Column, Integer, MetaData, String, Table, Text, func, insert, select, update

HOSTILE = [
    "O'Reilly",
    "'; DROP TABLE notes; --",
    '"; DROP TABLE notes; --',
    "back\\slash\\",
    "\\'",
    "%",
    "_",
    "50% off_sale",
    "/",
    "//%_",
    ":name",
    "$1",
    "?",
    "héllo wörld ✓ 漢字 🙂",
    "line\nbreak\ttab",
    "",
    " ",
]

metadata = MetaData()
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("body", Text, nullable=False),
)


async def test_hostile_strings_round_trip_and_match_exactly(engine: Engine) -> None:
    await metadata.create_all(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(notes), [{"body": s} for s in HOSTILE])
        stored = await conn.execute(select(notes.c.body).order_by(notes.c.id))
        assert stored.scalars().all() == HOSTILE
        for value in HOSTILE:
            equal = await conn.execute(select(notes.c.body).where(notes.c.body == value))
            assert equal.scalars().all() == [value]
            listed = await conn.execute(select(notes.c.body).where(notes.c.body.in_([value])))
            assert listed.scalars().all() == [value]
            if not value:
                continue
            contains = await conn.execute(
                select(notes.c.body).where(notes.c.body.contains(value)).order_by(notes.c.id)
            )
            assert contains.scalars().all() == [s for s in HOSTILE if value in s], value
            starts = await conn.execute(
                select(notes.c.body).where(notes.c.body.startswith(value)).order_by(notes.c.id)
            )
            assert starts.scalars().all() == [s for s in HOSTILE if s.startswith(value)], value
        survivors = await conn.execute(select(func.count()).select_from(notes))
        assert survivors.scalar_one() == len(HOSTILE)


async def test_strange_identifiers_are_quoted(engine: Engine) -> None:
    weird = Table(
        'we"ird table',
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("select", String(10), key="select_"),
        Column("a b;--", String(10), key="ab", index=True),
    )
    await weird.metadata.create_all(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(weird).values(select_="x", ab="y"))
        await conn.execute(update(weird).values(ab="z").where(weird.c.select_ == "x"))
        row = await conn.execute(select(weird.c.select_, weird.c.ab))
        assert row.one() == ("x", "z")
    await weird.metadata.drop_all(engine)


@pytest.mark.parametrize("value", ["a\x00b"])
async def test_nul_characters_are_refused_before_sending(engine: Engine, value: str) -> None:
    await metadata.create_all(engine)
    async with engine.begin() as conn:
        with pytest.raises(DataError, match=r"notes\.body"):
            await conn.execute(insert(notes).values(body=value))
