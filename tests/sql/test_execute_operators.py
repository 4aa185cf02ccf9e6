"""Every column operator against real rows, on SQLite and PostgreSQL.

Each case pairs an expression with the Python predicate that picks the same
rows (NULL never matches), so both backends must agree with Python.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aorm.engine import Engine
from aorm.sql import (
    JSON,
    UUID,
    Boolean,
    Column,
    Date,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    and_,
    insert,
    not_,
    or_,
    select,
    tuple_,
)

metadata = MetaData()
people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
    Column("nick", String(20)),
    Column("age", Integer),
    Column("score", Float),
    Column("balance", Numeric(10, 2)),
    Column("active", Boolean),
    Column("born", Date),
    Column("data", JSON),
    Column("avatar", LargeBinary),
    Column("uid", UUID),
)


@dataclass
class Person:
    id: int
    name: str
    nick: str | None
    age: int | None
    score: float | None
    balance: Decimal | None
    active: bool | None
    born: datetime.date | None
    data: Any
    avatar: bytes | None
    uid: uuid.UUID | None


UIDS = [uuid.UUID(int=i) for i in range(6)]
ROWS = [
    Person(1, "alice", "al", 30, 1.5, Decimal("10.50"), True, datetime.date(1990, 1, 1),
           {"kind": "a", "n": 1}, b"\x00\x01", UIDS[1]),
    Person(2, "bob", None, 25, -2.0, Decimal("0.00"), False, datetime.date(1999, 5, 6),
           {"kind": "b", "n": 2}, b"\xff", UIDS[2]),
    Person(3, "carol_x", "c%", None, None, None, None, None, None, None, None),
    Person(4, "dave's", "d\\e", 41, 0.25, Decimal("-3.25"), True, datetime.date(1983, 12, 31),
           {"kind": "a", "n": 3}, b"", UIDS[4]),
    Person(5, "émile", "é", 25, 100.0, Decimal("99999999.99"), False, datetime.date(2000, 2, 29),
           {"kind": "c", "n": None}, b"abc", UIDS[5]),
    Person(6, "50%_off", "x_y", 7, 3.0, Decimal("1.00"), True, datetime.date(2010, 7, 4),
           [1, 2, 3], b"\x00", UIDS[0]),
]  # fmt: skip

c = people.c


def nn(f: Callable[[Any], Any]) -> Callable[[Person], bool]:
    """A predicate that is false where SQL would compare with NULL."""

    def check(p: Person) -> bool:
        try:
            return bool(f(p))
        except TypeError:
            return False

    return check


CASES: list[tuple[str, Any, Callable[[Person], bool]]] = [
    ("eq", c.name == "bob", lambda p: p.name == "bob"),
    ("ne", c.nick != "al", lambda p: p.nick is not None and p.nick != "al"),
    ("lt", c.age < 30, nn(lambda p: p.age < 30)),
    ("le", c.age <= 30, nn(lambda p: p.age <= 30)),
    ("gt", c.score > 0.5, nn(lambda p: p.score > 0.5)),
    ("ge", c.balance >= Decimal("1.00"), nn(lambda p: p.balance >= Decimal("1.00"))),
    ("reversed", c.age < 30, nn(lambda p: p.age < 30)),
    ("is_null", c.age == None, lambda p: p.age is None),  # noqa: E711
    ("is_not_null", c.nick.is_not(None), lambda p: p.nick is not None),
    ("is_true", c.active.is_(True), lambda p: p.active is True),
    ("bool_column", c.active, lambda p: p.active is True),
    ("not_bool", ~c.active, lambda p: p.active is False),
    ("add", c.age + 5 == 30, nn(lambda p: p.age + 5 == 30)),
    ("sub", c.age - 5 == 20, nn(lambda p: p.age - 5 == 20)),
    ("mul", c.age * 2 == 50, nn(lambda p: p.age * 2 == 50)),
    ("div_float", c.score / 2 > 0.5, nn(lambda p: p.score / 2 > 0.5)),
    ("mod", c.age % 5 == 0, nn(lambda p: p.age % 5 == 0)),
    ("neg", -c.age < -26, nn(lambda p: -p.age < -26)),
    ("concat", c.name + "!" == "bob!", lambda p: p.name + "!" == "bob!"),
    ("and", (c.age > 20) & (c.active == True), nn(lambda p: p.age > 20 and p.active is True)),  # noqa: E712
    ("or", (c.age < 10) | (c.name == "bob"), nn(lambda p: p.name == "bob" or p.age < 10)),
    (
        "and_or",
        or_(and_(c.age > 20, c.age < 30), c.id == 6),
        lambda p: p.id == 6 or (p.age is not None and 20 < p.age < 30),
    ),
    ("not_", not_(c.name == "bob"), lambda p: p.name != "bob"),
    ("between", c.age.between(25, 30), nn(lambda p: 25 <= p.age <= 30)),
    (
        "between_dates",
        c.born.between(datetime.date(1990, 1, 1), datetime.date(2000, 1, 1)),
        nn(lambda p: datetime.date(1990, 1, 1) <= p.born <= datetime.date(2000, 1, 1)),
    ),
    ("in", c.age.in_([25, 41, 99]), nn(lambda p: p.age in (25, 41, 99))),
    ("in_with_null", c.age.in_([25, None]), nn(lambda p: p.age == 25)),
    ("in_empty", c.age.in_([]), lambda p: False),
    ("not_in", c.age.not_in([25, 41]), lambda p: p.age is not None and p.age not in (25, 41)),
    ("not_in_empty", c.age.not_in([]), lambda p: True),  # even NULL: the set is empty
    (
        "in_strings",
        c.name.in_(["bob", "dave's", "émile"]),
        lambda p: p.name in ("bob", "dave's", "émile"),
    ),
    (
        "in_dates",
        c.born.in_([datetime.date(1990, 1, 1), datetime.date(2000, 2, 29)]),
        lambda p: p.born in (datetime.date(1990, 1, 1), datetime.date(2000, 2, 29)),
    ),
    (
        "in_decimals",
        c.balance.in_([Decimal("10.50"), Decimal("-3.25")]),
        lambda p: p.balance in (Decimal("10.50"), Decimal("-3.25")),
    ),
    ("in_bool", c.active.in_([False]), lambda p: p.active is False),
    ("in_uuid", c.uid.in_([UIDS[1], UIDS[0]]), lambda p: p.uid in (UIDS[1], UIDS[0])),
    ("in_bytes", c.avatar.in_([b"\x00", b"", b"zz"]), lambda p: p.avatar in (b"\x00", b"")),
    (
        "not_in_bytes",
        c.avatar.not_in([b"\xff"]),
        lambda p: p.avatar is not None and p.avatar != b"\xff",
    ),
    ("in_floats", c.score.in_([1.5, 0.25]), lambda p: p.score in (1.5, 0.25)),
    (
        "in_subquery",
        c.id.in_(select(people.c.id).where(people.c.age > 26)),
        nn(lambda p: p.age > 26),
    ),
    ("tuple_in", tuple_(c.id, c.name).in_([(1, "alice"), (2, "nope")]), lambda p: p.id == 1),
    ("like", c.name.like("%a%"), lambda p: "a" in p.name),
    ("like_underscore", c.name.like("_ob"), lambda p: len(p.name) == 3 and p.name.endswith("ob")),
    ("not_like", c.name.not_like("%o%"), lambda p: "o" not in p.name),
    ("like_escape", c.name.like("50!%%", escape="!"), lambda p: p.name.startswith("50%")),
    ("ilike", c.name.ilike("%ALI%"), lambda p: "ali" in p.name.lower()),
    ("not_ilike", c.name.not_ilike("B%"), lambda p: not p.name.lower().startswith("b")),
    ("contains", c.name.contains("ar"), lambda p: "ar" in p.name),
    ("contains_percent", c.name.contains("%"), lambda p: "%" in p.name),
    ("contains_underscore", c.name.contains("_"), lambda p: "_" in p.name),
    ("contains_backslash", c.nick.contains("\\"), lambda p: p.nick is not None and "\\" in p.nick),
    ("contains_quote", c.name.contains("'"), lambda p: "'" in p.name),
    ("contains_unicode", c.name.contains("é"), lambda p: "é" in p.name),
    ("startswith", c.name.startswith("50%"), lambda p: p.name.startswith("50%")),
    ("endswith", c.nick.endswith("%"), lambda p: p.nick is not None and p.nick.endswith("%")),
    (
        "json_string",
        c.data["kind"].as_string() == "a",
        lambda p: isinstance(p.data, dict) and p.data.get("kind") == "a",
    ),
    (
        "json_integer",
        c.data["n"].as_integer() > 1,
        lambda p: isinstance(p.data, dict) and (p.data.get("n") or 0) > 1,
    ),
    (
        "json_index",
        c.data[0].as_integer() == 1,
        lambda p: isinstance(p.data, list) and p.data[0] == 1,
    ),
]


async def test_every_operator_matches_the_python_predicate(engine: Engine) -> None:
    await metadata.create_all(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(people), [vars(p) for p in ROWS])
        failures = []
        for name, criterion, predicate in CASES:
            result = await conn.execute(select(c.id).where(criterion).order_by(c.id))
            got = result.scalars().all()
            expected = [p.id for p in ROWS if predicate(p)]
            if got != expected:
                failures.append(f"{name}: got {got}, expected {expected}")
    assert failures == []


async def test_values_round_trip_through_select(engine: Engine) -> None:
    await metadata.create_all(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(people), [vars(p) for p in ROWS])
        rows = (await conn.execute(select(people).order_by(c.id))).all()
    assert [Person(*row) for row in rows] == ROWS


async def test_order_by_nulls_first_and_last(engine: Engine) -> None:
    await metadata.create_all(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(people), [vars(p) for p in ROWS])
        first = await conn.execute(select(c.id).order_by(c.age.asc().nulls_first(), c.id))
        last = await conn.execute(select(c.id).order_by(c.age.desc().nulls_last(), c.id))
        assert first.scalars().all() == [3, 6, 2, 5, 1, 4]
        assert last.scalars().all() == [4, 1, 2, 5, 6, 3]


async def test_like_and_contains_are_case_sensitive_on_both_backends(engine: Engine) -> None:
    words = Table("words", MetaData(), Column("id", Integer, primary_key=True), Column("w", String))
    await words.metadata.create_all(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(words), [{"w": "Apple"}, {"w": "apple"}, {"w": "APPLE pie"}])
        w = words.c.w
        like = await conn.execute(select(w).where(w.like("app%")))
        contains = await conn.execute(select(w).where(w.contains("PLE")))
        ilike = await conn.execute(select(w).where(w.ilike("app%")).order_by(words.c.id))
        assert like.scalars().all() == ["apple"]
        assert contains.scalars().all() == ["APPLE pie"]
        assert ilike.scalars().all() == ["Apple", "apple", "APPLE pie"]
