"""Column-wise (batch) binding of many values: the same values and errors as one by one.

``process_all`` applies a bind processor to a whole column, through the
processor's batch form when it has one; ``Compiled.bind_many`` binds dict
rows column by column; ``group_rows`` reads rows that all set the same keys
in one go; ``is_many`` takes lists of plain dicts without the ABC checks.
Each must give exactly what the per-value / per-row path gives, and raise
the very error it raises for the first bad value.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import pytest

from aorm.engine import Engine
from aorm.engine._params import is_many
from aorm.exc import AormError, ArgumentError, DataError
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
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    bindparam,
    insert,
    literal,
    select,
    update,
)
from aorm.sql.compiled import process_all
from aorm.sql.insert_rows import group_rows
from aorm.sql.keyed_rows import KeyedRows, columns_of
from aorm.sql.types import TypeDecorator, TypeEngine
from tests.sql.compile_helpers import pg_compile, sqlite_compile

LABEL = "things.col"
PLUS5 = dt.timezone(dt.timedelta(hours=5))
ZERO = dt.timezone(dt.timedelta(0))  # equal to UTC, but not UTC itself
NOON = dt.datetime(2024, 5, 6, 12, 0, 0, 123)


class Level(enum.IntEnum):
    HIGH = 3


class Word(str):
    """A str subclass (kept as given by the String processor)."""


class Moment(dt.datetime):
    """A datetime subclass."""


TYPES: list[TypeEngine] = [
    Integer(),
    SmallInteger(),
    BigInteger(),
    Float(),
    String(),
    String(3),
    Text(),
    Boolean(),
    DateTime(),
    DateTime(timezone=True),
    Date(),
    UUID(),
]

# Columns of values: ones each batch form takes whole, ones it must hand back
# to the per-value processor (None among them, subclasses, zones), bad ones.
COLUMNS: list[list[Any]] = [
    [],
    [None],
    [None, None],
    [1, 2, -5, 0],
    [1, None, 3],
    [2**31, 1],
    [1, 2**31],
    [-(2**15) - 1],
    [2**63],
    [1, True],
    [Level.HIGH, 1],
    [1, "x"],
    [1.5, 2.0, -0.0],
    [1.0, None, float("inf")],
    [1.0, float("nan")],
    [1, 2.5],
    [2**60 + 1, 1.0],
    ["a", "b", ""],
    ["ab", None, "abc"],
    ["abcd", "a"],
    ["é", "ü", "日本"],
    ["ok", "a\x00b"],
    ["ok", "x\ud800"],
    ["é\ud800"],
    [Word("ab"), "c"],
    ["a", b"b"],
    [True, False, None],
    [True, 1],
    [NOON, NOON.replace(microsecond=0)],
    [NOON, None],
    [NOON.replace(tzinfo=dt.UTC), NOON.replace(tzinfo=dt.UTC)],
    [NOON.replace(tzinfo=PLUS5)],
    [NOON.replace(tzinfo=ZERO)],
    [NOON.replace(tzinfo=dt.UTC), NOON],
    [NOON, NOON.replace(tzinfo=dt.UTC)],
    [Moment(2024, 1, 1)],
    [dt.datetime.max.replace(tzinfo=dt.timezone(-dt.timedelta(hours=23)))],
    [dt.date(2024, 1, 2), dt.date(1, 1, 1)],
    [dt.date(2024, 1, 2), NOON],
    [uuid.UUID(int=5), uuid.UUID(int=2**128 - 1)],
    [uuid.UUID(int=5), None],
    [uuid.UUID(int=5), "x"],
]


def one_by_one(processor: Any, values: list[Any]) -> tuple[str, Any]:
    """What processing *values* one at a time gives: ("ok", values) or ("error", exception)."""
    try:
        return "ok", [processor(v) for v in values]
    except AormError as exc:
        return "error", exc


def batched(processor: Any, values: list[Any]) -> tuple[str, Any]:
    copy = list(values)
    try:
        result = process_all(processor, copy)
    except AormError as exc:
        return "error", exc
    finally:
        assert copy == values, "a batch form changed its argument"
    return "ok", result


def same(left: Any, right: Any) -> bool:
    """Equal, of the same exact types, element by element (and NaN equal to NaN)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, (list, tuple)):
        return len(left) == len(right) and all(map(same, left, right))
    if isinstance(left, float) and left != left:
        return bool(right != right)
    if isinstance(left, dt.datetime):
        return bool(left == right) and left.tzinfo is right.tzinfo
    return bool(left == right)


def cases() -> Iterator[Any]:
    for type_ in TYPES:
        for index, column in enumerate(COLUMNS):
            yield pytest.param(type_, column, id=f"{type_!r}-{index}")


@pytest.mark.parametrize(("type_", "values"), list(cases()))
def test_a_column_binds_as_its_values_one_by_one(
    backend: str, type_: TypeEngine, values: list[Any]
) -> None:
    processor = type_.bind_processor(backend, LABEL)
    assert processor is not None
    expected = one_by_one(processor, values)
    got = batched(processor, values)
    assert got[0] == expected[0], (got, expected)
    if expected[0] == "error":
        assert type(got[1]) is type(expected[1])
        assert str(got[1]) == str(expected[1])
    else:
        assert same(got[1], expected[1]), (got[1], expected[1])


@pytest.mark.parametrize(
    ("type_", "values"),
    [
        (Integer(), [1, 2, None]),
        (BigInteger(), [2**62]),
        (Float(), [1.5, None]),
        (String(3), ["abc", "é", None]),
        (Text(), ["x" * 10_000]),
        (Boolean(), [True, None]),
        (DateTime(), [NOON]),
        (DateTime(timezone=True), [NOON.replace(tzinfo=dt.UTC)]),
        (Date(), [dt.date(2024, 1, 1)]),
        (UUID(), [uuid.UUID(int=1)]),
    ],
)
def test_columns_needing_no_conversion_pass_through_whole(
    type_: TypeEngine, values: list[Any]
) -> None:
    # The batch form took them without a per-value call: the list comes back itself.
    processor = type_.bind_processor("postgresql", LABEL)
    assert processor is not None
    assert process_all(processor, values) is values


@pytest.mark.parametrize("tail", [[], ["a\x00"], ["\ud800"]])
def test_many_long_texts_are_checked_one_by_one(tail: list[str]) -> None:
    # Past the size one joined copy may have: the per-value checks, same outcome.
    values = ["é" * 5000] * 900 + tail
    processor = Text().bind_processor("postgresql", LABEL)
    expected, got = one_by_one(processor, values), batched(processor, values)
    assert got[0] == expected[0]
    if expected[0] == "error":
        assert str(got[1]) == str(expected[1])
    else:
        assert got[1] == expected[1]


def test_a_processor_without_a_batch_form_is_mapped() -> None:
    seen: list[Any] = []

    def double(value: Any) -> Any:
        seen.append(value)
        return value * 2

    assert process_all(double, [1, 2, 3]) == [2, 4, 6]
    assert seen == [1, 2, 3]
    assert process_all(str, [1, None]) == ["1", "None"]  # not weakly referable: mapped too


def test_naive_datetimes_become_text_on_sqlite_only() -> None:
    values = [NOON, NOON.replace(microsecond=0)]
    sqlite = DateTime().bind_processor("sqlite", LABEL)
    pg = DateTime().bind_processor("postgresql", LABEL)
    assert sqlite is not None
    assert pg is not None
    assert process_all(sqlite, values) == [
        "2024-05-06 12:00:00.000123",
        "2024-05-06 12:00:00.000000",
    ]
    assert process_all(pg, values) == values


# -- Compiled.bind_many ------------------------------------------------------------

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(5), nullable=False),
    Column("rank", Integer),
    Column("seen", DateTime),
)

UPDATE = (
    update(things)
    .where(things.c.id == bindparam("key"))
    .where(things.c.id != -7)
    .values(name=bindparam("new_name"), seen=bindparam("when"))
)


def row_by_row(compiled: Any, literals: Any, rows: list[Any]) -> tuple[str, Any]:
    try:
        # bind_many gives each row's arguments as a tuple, what the drivers take.
        return "ok", [tuple(compiled.bind(literals, row)) for row in rows]
    except AormError as exc:
        return "error", exc


def many(compiled: Any, literals: Any, rows: Sequence[Any]) -> tuple[str, Any]:
    try:
        return "ok", compiled.bind_many(literals, rows)
    except AormError as exc:
        return "error", exc


ROW_SETS: list[list[Any]] = [
    [{"key": i, "new_name": f"n{i}", "when": NOON} for i in range(5)],
    [{"key": 1, "new_name": "a", "when": None}, {"key": 2, "new_name": None, "when": NOON}],
    [{"key": 1, "new_name": "a", "when": NOON, "extra": 5}],
    [{"key": 1, "new_name": "toolong", "when": NOON}, {"key": 2, "new_name": "a"}],
    [{"key": 1, "new_name": "a"}, {"key": 2, "new_name": "toolong", "when": NOON}],
    [{"key": 1, "new_name": "a", "when": NOON}, {"key": "2", "new_name": "b", "when": NOON}],
    [{"key": 1, "new_name": "a", "when": NOON}, MappingProxyType({"key": 2, "new_name": "b"})],
    [MappingProxyType({"key": 1, "new_name": "a", "when": NOON})],
    [{"key": 1, "new_name": "a", "when": NOON.replace(tzinfo=dt.UTC)}],
]


def assert_same_outcome(got: tuple[str, Any], expected: tuple[str, Any]) -> None:
    """The same arguments, or the same error (class and message)."""
    assert got[0] == expected[0]
    if expected[0] == "error":
        assert type(got[1]) is type(expected[1])
        assert str(got[1]) == str(expected[1])
    else:
        assert same(got[1], expected[1])


@pytest.mark.parametrize("rows", ROW_SETS)
@pytest.mark.parametrize("compile_", [sqlite_compile, pg_compile], ids=["sqlite", "postgresql"])
def test_bind_many_gives_what_binding_each_row_gives(compile_: Any, rows: list[Any]) -> None:
    compiled = compile_(UPDATE)
    _, literals = UPDATE._cache_key()
    expected = row_by_row(compiled, literals, rows)
    got = many(compiled, literals, rows)
    assert_same_outcome(got, expected)


KEYED_SETS: list[tuple[tuple[str, ...], list[tuple[Any, ...]]]] = [
    (("new_name", "when", "key"), [(f"n{i}", NOON, i) for i in range(5)]),
    (("new_name", "when", "key"), [("a", None, 1), (None, NOON, 2)]),
    (("new_name", "when", "key", "extra"), [("a", NOON, 1, 5)]),
    (("new_name", "when", "key"), [("toolong", NOON, 1), ("a", NOON, 2)]),
    (("new_name", "when", "key"), [("a", NOON, 1), ("b", NOON, "2")]),
    (("new_name", "key"), [("a", 1), ("b", 2)]),  # "when" missing from every row
    (("new_name", "when", "key"), [("a", NOON.replace(tzinfo=dt.UTC), 1)]),
]


def keyed_rows(keys: tuple[str, ...], values: list[tuple[Any, ...]], read: str) -> KeyedRows:
    """*values* as KeyedRows: given as tuples, or read from dicts whose fields are named apart."""
    if read == "tuples":
        return KeyedRows(keys, values)
    fields = tuple(f"field_{key}" for key in keys)
    return KeyedRows.of_dicts(keys, [dict(zip(fields, row, strict=True)) for row in values], fields)


@pytest.mark.parametrize("read", ["tuples", "from dicts"])
@pytest.mark.parametrize(("keys", "values"), KEYED_SETS)
@pytest.mark.parametrize("compile_", [sqlite_compile, pg_compile], ids=["sqlite", "postgresql"])
def test_bind_many_of_keyed_rows_gives_what_their_dicts_give(
    compile_: Any, keys: tuple[str, ...], values: list[tuple[Any, ...]], read: str
) -> None:
    # KeyedRows are read column by column; the same rows as dicts are the reference.
    compiled = compile_(UPDATE)
    _, literals = UPDATE._cache_key()
    expected = row_by_row(compiled, literals, [dict(zip(keys, row, strict=True)) for row in values])
    got = many(compiled, literals, keyed_rows(keys, values, read))
    assert_same_outcome(got, expected)


# Takes exactly its parameters, in this order: no values of its own.
PLAIN_UPDATE = update(things).where(things.c.id == bindparam("key")).values(rank=bindparam("r"))


@pytest.mark.parametrize("compile_", [sqlite_compile, pg_compile], ids=["sqlite", "postgresql"])
def test_keyed_rows_needing_no_conversion_are_the_arguments_themselves(compile_: Any) -> None:
    compiled = compile_(PLAIN_UPDATE)
    _, literals = PLAIN_UPDATE._cache_key()
    assert [slot.name for slot in compiled.slots] == ["r", "key"]
    rows = KeyedRows(("r", "key"), [(i * 2, i) for i in range(50)])
    # No copy of a flush's rows: the very list goes to the driver.
    assert compiled.bind_many(literals, rows) is rows.values
    # Keys in another order, or a value the processor refuses: bound as usual.
    swapped = KeyedRows(("key", "r"), [(i, i * 2) for i in range(50)])
    assert compiled.bind_many(literals, swapped) == rows.values
    refused = KeyedRows(("r", "key"), [(1, 1), ("2", 2)])
    with pytest.raises(DataError, match=r"things\.rank"):
        compiled.bind_many(literals, refused)


def test_keyed_rows_of_dicts_read_the_dicts_when_asked() -> None:
    sources = [{"a": 1, "b": "x", "c": None}, {"a": 2, "b": "y", "c": None}]
    rows = KeyedRows.of_dicts(("new:b", "old:a"), sources, ("b", "a"))
    assert len(rows) == 2
    assert rows.column("old:a") == [1, 2]
    assert rows.columns() == {"new:b": ["x", "y"], "old:a": [1, 2]}
    with pytest.raises(KeyError):
        rows.column("c")
    assert rows[1] == {"new:b": "y", "old:a": 2}
    assert rows.values == [("x", 1), ("y", 2)]
    assert repr(rows) == "<KeyedRows of 2 rows setting new:b, old:a>"
    single = KeyedRows.of_dicts(("only",), sources, ("a",))
    assert single.values == [(1,), (2,)]
    with pytest.raises(ValueError, match="one field per key"):
        KeyedRows.of_dicts(("x", "y"), sources, ("a",))


def test_columns_of_gives_what_zip_gives() -> None:
    rows = [(1, "a", None), (2, "b", 3.5), (3, "c", 0.0)]
    assert columns_of(rows, 3) == [list(column) for column in zip(*rows, strict=True)]
    assert columns_of(rows, 2) == [[1, 2, 3], ["a", "b", "c"]]
    assert columns_of([], 2) == [[], []]


def test_bind_many_repeats_the_statements_own_values() -> None:
    compiled = sqlite_compile(UPDATE)
    _, literals = UPDATE._cache_key()
    args = compiled.bind_many(literals, [{"key": 1, "new_name": "a", "when": None}] * 3)
    assert args == [("a", None, 1, -7)] * 3


SEEN: list[Any] = []


class Recorded(TypeDecorator):
    """A String whose process_bind records what it is given."""

    impl = String(10)

    def process_bind(self, value: Any) -> Any:
        SEEN.append(value)
        return value


def test_bind_many_calls_process_bind_in_row_order() -> None:
    table = Table(
        "recorded",
        MetaData(),
        Column("a", Recorded()),
        Column("b", Recorded()),
        Column("n", Integer),
    )
    stmt = (
        update(table).where(table.c.n == bindparam("k")).values(a=bindparam("x"), b=bindparam("y"))
    )
    compiled = sqlite_compile(stmt)
    _, literals = stmt._cache_key()
    SEEN.clear()
    args = compiled.bind_many(
        literals, [{"x": "x1", "y": "y1", "k": 1}, {"x": "x2", "y": "y2", "k": 2}]
    )
    assert args == [("x1", "y1", 1), ("x2", "y2", 2)]
    assert SEEN == ["x1", "y1", "x2", "y2"]


# -- is_many -------------------------------------------------------------------------


class Row(dict[str, Any]):
    """A dict subclass (goes the ABC way)."""


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        (None, False),
        ({"a": 1}, False),
        ([], True),
        ([{"a": 1}, {"a": 2}], True),
        ([Row(a=1)], True),
        ([{"a": 1}, MappingProxyType({"a": 2})], True),
        (({"a": 1},), True),
    ],
)
def test_is_many(parameters: Any, expected: bool) -> None:
    assert is_many(parameters) is expected


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ([{"a": 1}, 5], "the list holds a int"),
        ([{"a": 1}, [("a", 1)]], "the list holds a list"),
        ("ab", "got str"),
        (5, "got int"),
    ],
)
def test_is_many_refuses_what_it_refused(parameters: Any, message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        is_many(parameters)


# -- group_rows ----------------------------------------------------------------------


def test_rows_with_the_same_keys_come_in_one_group() -> None:
    rows = [{"name": f"n{i}", "rank": i} for i in range(4)]
    [(columns, values)] = list(group_rows(insert(things), rows))
    assert [c.name for c in columns] == ["name", "rank"]
    assert values == [(f"n{i}", i) for i in range(4)]


def test_rows_with_the_same_keys_refuse_a_sql_expression() -> None:
    rows = [{"name": "a", "rank": 1}, {"name": "b", "rank": literal(2)}]
    with pytest.raises(ArgumentError, match=r"row value for things\.rank is a SQL expression"):
        list(group_rows(insert(things), rows))


def test_keyed_rows_are_checked_for_sql_unless_their_maker_did() -> None:
    values = [("a", 1), ("b", literal(2))]
    with pytest.raises(ArgumentError, match=r"row value for things\.rank is a SQL expression"):
        list(group_rows(insert(things), KeyedRows(("name", "rank"), values)))
    plain = [("a", 1), ("b", 2)]
    [(columns, got)] = list(
        group_rows(insert(things), KeyedRows(("name", "rank"), plain, checked=True))
    )
    assert [c.name for c in columns] == ["name", "rank"]
    assert got == plain


def test_rows_with_the_same_keys_still_get_defaults_once_each() -> None:
    calls: list[int] = []

    def next_rank() -> int:
        calls.append(1)
        return len(calls)

    table = Table(
        "ranked",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String),
        Column("rank", Integer, default=next_rank),
    )
    [(columns, values)] = list(group_rows(insert(table), [{"name": "a"}, {"name": "b"}]))
    assert [c.name for c in columns] == ["name", "rank"]
    assert [list(v) for v in values] == [["a", 1], ["b", 2]]


def test_rows_with_the_same_keys_may_hold_other_values_than_sql() -> None:
    table = Table(
        "documents",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("data", JSON),
        Column("level", Enum(Level)),
    )
    rows: list[dict[str, Any]] = [
        {"data": [1, 2], "level": Level.HIGH},
        {"data": {"a": None}, "level": None},
    ]
    [(_, values)] = list(group_rows(insert(table), rows))
    assert values == [([1, 2], Level.HIGH), ({"a": None}, None)]


def test_one_key_rows_and_mixed_keys_keep_their_groups() -> None:
    one = list(group_rows(insert(things), [{"name": "a"}, {"name": "b"}]))
    assert [list(v) for v in one[0][1]] == [["a"], ["b"]]
    mixed = list(group_rows(insert(things), [{"name": "a"}, {"name": "b", "rank": 1}]))
    assert [[c.name for c in cols] for cols, _ in mixed] == [["name"], ["name", "rank"]]


# -- end to end ----------------------------------------------------------------------


async def test_many_rows_go_in_and_come_back(engine: Engine) -> None:
    await metadata.create_all(engine)
    rows: list[Mapping[str, Any]] = [
        {"name": f"é{i % 100}"[:5], "rank": i if i % 3 else None, "seen": NOON} for i in range(3000)
    ]
    async with engine.begin() as conn:
        ids = (await conn.execute(insert(things).returning(things.c.id), rows)).scalars().all()
        stored = (
            await conn.execute(
                select(things.c.name, things.c.rank, things.c.seen).order_by(things.c.id)
            )
        ).all()
        assert [tuple(r) for r in stored] == [(r["name"], r["rank"], r["seen"]) for r in rows]
        changes = [{"key": key, "new_name": "x", "when": None} for key in ids]
        result = await conn.execute(UPDATE, changes)
        assert result.rowcount in (len(ids), -1)
        names = (await conn.execute(select(things.c.name).distinct())).scalars().all()
        assert names == ["x"]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("a\x00", "things.name: String(5) cannot store the NUL character"),
        ("toolong", "a string of 7 characters does not fit String(5)"),
        (5, "things.name: String(5) takes str, got int"),
    ],
)
async def test_a_bad_value_among_many_raises_its_own_error(
    engine: Engine, bad: Any, message: str
) -> None:
    await metadata.create_all(engine)
    rows = [{"name": "ok", "rank": 1}] * 50 + [{"name": bad, "rank": 2}]
    async with engine.connect() as conn:
        with pytest.raises(DataError, match=re.escape(message)):
            await conn.execute(insert(things), rows)
        await conn.execute(insert(things), [{"name": "a", "rank": 1}, {"name": "b", "rank": 2}])
        changes = [{"key": 1, "new_name": "c", "when": None}, {"key": 2, "new_name": bad}]
        with pytest.raises(DataError, match=re.escape(message)):
            await conn.execute(UPDATE, changes)
        with pytest.raises(DataError, match=re.escape(message)):
            await conn.execute(select(things.c.id).where(things.c.name.in_(["a", bad])))


async def test_aware_values_in_a_naive_column_are_refused(engine: Engine) -> None:
    await metadata.create_all(engine)
    rows = [{"name": "a", "seen": NOON}, {"name": "b", "seen": NOON.replace(tzinfo=dt.UTC)}]
    async with engine.connect() as conn:
        with pytest.raises(DataError, match="takes naive datetimes, got an aware one"):
            await conn.execute(insert(things), rows)


async def test_booleans_floats_and_uuids_in_bulk(engine: Engine) -> None:
    table = Table(
        "mixed",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("flag", Boolean),
        Column("score", Float),
        Column("ref", UUID),
        Column("day", Date),
    )
    await table.metadata.create_all(engine)
    rows = [
        {
            "flag": [True, False, None][i % 3],
            "score": i / 7 if i % 4 else None,
            "ref": uuid.UUID(int=i),
            "day": dt.date(2024, 1, 1 + i % 28),
        }
        for i in range(200)
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(table), rows)
        stored = (
            await conn.execute(select(table.c.flag, table.c.score, table.c.ref, table.c.day))
        ).all()
    assert sorted((tuple(r) for r in stored), key=lambda r: r[2]) == [
        (r["flag"], r["score"], r["ref"], r["day"]) for r in rows
    ]
