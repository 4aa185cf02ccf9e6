"""Bind and result processors without IO: what each type takes, refuses and returns.

``backend`` (the conftest fixture) is used as the dialect name only; these
tests never connect.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from decimal import Decimal
from typing import Any

import pytest

from aorm.exc import DataError
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
    TypeEngine,
)

LABEL = "things.col"
PLUS5 = dt.timezone(dt.timedelta(hours=5))


class Color(enum.Enum):
    RED = "r"
    GREEN = "g"


class Other(enum.Enum):
    RED = "r"


class Level(enum.IntEnum):
    HIGH = 3


def bind(type_: TypeEngine, dialect: str, value: Any) -> Any:
    processor = type_.bind_processor(dialect, LABEL)
    return value if processor is None else processor(value)


def read(type_: TypeEngine, dialect: str, value: Any) -> Any:
    processor = type_.result_processor(dialect)
    return value if processor is None else processor(value)


def refused(type_: TypeEngine, dialect: str, value: Any, *fragments: str) -> DataError:
    """Binding *value* raises DataError naming the label and every fragment."""
    with pytest.raises(DataError) as info:
        bind(type_, dialect, value)
    message = str(info.value)
    assert LABEL in message
    for fragment in fragments:
        assert fragment in message, message
    return info.value


ALL_TYPES: list[TypeEngine] = [
    Integer(),
    SmallInteger(),
    BigInteger(),
    Float(),
    Numeric(),
    Numeric(10, 2),
    Numeric(30, 4),
    String(),
    String(3),
    Text(),
    Boolean(),
    DateTime(),
    DateTime(timezone=True),
    Date(),
    Time(),
    Interval(),
    JSON(),
    UUID(),
    LargeBinary(),
    Enum(Color),
]


@pytest.mark.parametrize("type_", ALL_TYPES, ids=repr)
def test_none_passes_through_both_ways(type_: TypeEngine, backend: str) -> None:
    assert bind(type_, backend, None) is None
    assert read(type_, backend, None) is None


@pytest.mark.parametrize("type_", ALL_TYPES, ids=repr)
def test_an_object_is_refused_with_label_and_types(type_: TypeEngine, backend: str) -> None:
    refused(type_, backend, object(), repr(type_))


def test_pass_through_result_processors_cost_nothing(backend: str) -> None:
    pass_through: list[TypeEngine] = [Integer(), BigInteger(), String(5), Text(), Float()]
    pass_through.append(LargeBinary())
    if backend == "postgresql":
        pass_through += [Numeric(10, 2), Boolean(), DateTime(), Date(), Time(), Interval()]
    for type_ in pass_through:
        assert type_.result_processor(backend) is None


# ------------------------------------------------------------------- integers


@pytest.mark.parametrize(
    ("type_", "low", "high"),
    [
        (SmallInteger(), -(2**15), 2**15 - 1),
        (Integer(), -(2**31), 2**31 - 1),
        (BigInteger(), -(2**63), 2**63 - 1),
    ],
    ids=repr,
)
def test_integer_ranges(type_: TypeEngine, low: int, high: int, backend: str) -> None:
    assert bind(type_, backend, low) == low
    assert bind(type_, backend, high) == high
    assert bind(type_, backend, 0) == 0
    refused(type_, backend, high + 1, "out of range", repr(type_), str(high + 1))
    refused(type_, backend, low - 1, "out of range")


def test_integer_refuses_other_types(backend: str) -> None:
    refused(Integer(), backend, "1", "Integer() takes int, got str")
    refused(Integer(), backend, 1.0, "got float")
    refused(Integer(), backend, Decimal(1), "got Decimal")
    # bool is an int subclass, but True would come back as 1.
    refused(Integer(), backend, True, "got bool")


def test_integer_sends_int_subclasses_as_plain_int(backend: str) -> None:
    bound = bind(Integer(), backend, Level.HIGH)
    assert bound == 3
    assert type(bound) is int
    Big = enum.IntEnum("Big", {"X": 2**20})
    refused(SmallInteger(), backend, Big(2**20), "out of range")


# ---------------------------------------------------------------------- float


def test_float(backend: str) -> None:
    assert bind(Float(), backend, 1.5) == 1.5
    assert bind(Float(), backend, float("inf")) == float("inf")
    assert bind(Float(), backend, -0.0) == 0.0
    converted = bind(Float(), backend, 3)
    assert converted == 3.0
    assert type(converted) is float
    assert bind(Float(), backend, 2**53) == float(2**53)


def test_float_refuses_nan_inexact_ints_and_other_types(backend: str) -> None:
    refused(Float(), backend, float("nan"), "NaN")
    refused(Float(), backend, 2**53 + 1, "not exactly representable")
    refused(Float(), backend, 10**400, "not exactly representable")
    refused(Float(), backend, True, "got bool")
    refused(Float(), backend, Decimal("1.5"), "got Decimal")
    refused(Float(), backend, "1.5", "got str")


# -------------------------------------------------------------------- numeric


def test_numeric_postgresql_sends_decimals() -> None:
    assert bind(Numeric(10, 2), "postgresql", Decimal("0.10")) == Decimal("0.10")
    sent = bind(Numeric(10, 2), "postgresql", 5)
    assert sent == Decimal(5)
    assert type(sent) is Decimal
    assert bind(Numeric(), "postgresql", Decimal("1E+5")) == Decimal("100000")


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (Decimal("0.10"), 10),
        (Decimal("0.1"), 10),
        (Decimal("-12345678.90"), -1234567890),
        (Decimal("99999999.99"), 9999999999),
        (Decimal("1.200"), 120),
        (Decimal("0"), 0),
        (Decimal("-0.00"), 0),
        (Decimal("1E+3"), 100000),
        (7, 700),
    ],
    ids=str,
)
def test_numeric_sqlite_scaled_integer(value: Decimal | int, stored: int) -> None:
    type_ = Numeric(10, 2)
    assert bind(type_, "sqlite", value) == stored
    back = read(type_, "sqlite", stored)
    assert back == value
    assert back.as_tuple().exponent == -2


def test_numeric_with_no_integer_digits(backend: str) -> None:
    assert read(Numeric(2, 2), backend, bind(Numeric(2, 2), backend, Decimal("-0.99"))) == (
        Decimal("-0.99")
    )
    refused(Numeric(2, 2), backend, Decimal(1), "1 integer digits", "allows 0")
    refused(Numeric(2, 2), backend, Decimal("0.001"), "3 fraction digits")


def test_numeric_sqlite_scaled_edges() -> None:
    biggest = Decimal("0." + "9" * 18)
    assert bind(Numeric(18, 18), "sqlite", biggest) == 10**18 - 1
    assert read(Numeric(18, 18), "sqlite", 10**18 - 1) == biggest
    assert bind(Numeric(18), "sqlite", 10**18 - 1) == 10**18 - 1
    assert read(Numeric(5), "sqlite", 42) == Decimal("42")


def test_numeric_sqlite_sortable_text_round_trip() -> None:
    for type_ in (Numeric(), Numeric(30, 4)):
        for value in (Decimal("0.1"), Decimal("-12345678.9"), Decimal(10**25), Decimal(0)):
            stored = bind(type_, "sqlite", value)
            assert isinstance(stored, str)
            assert read(type_, "sqlite", stored) == value
    assert read(Numeric(30, 4), "sqlite", bind(Numeric(30, 4), "sqlite", Decimal("0.1"))) == (
        Decimal("0.1000")
    )
    assert str(read(Numeric(), "sqlite", bind(Numeric(), "sqlite", Decimal("1E+2")))) == "100"


def test_numeric_equal_values_store_alike(backend: str) -> None:
    for type_ in (Numeric(), Numeric(10, 2), Numeric(30, 4)):
        assert bind(type_, "sqlite", Decimal("1.10")) == bind(type_, "sqlite", Decimal("1.1"))


@pytest.mark.parametrize(
    ("type_", "value", "fragment"),
    [
        (Numeric(10, 2), Decimal("0.125"), "3 fraction digits"),
        (Numeric(10, 2), Decimal("100000000"), "9 integer digits"),
        (Numeric(10, 2), 10**8, "integer digits"),
        (Numeric(10), Decimal("0.5"), "fraction digits"),
        (Numeric(30, 4), Decimal("1E+26"), "integer digits"),
        (Numeric(), Decimal("1E+131072"), "integer digits"),
        (Numeric(), Decimal("1E-16384"), "fraction digits"),
        (Numeric(), Decimal("NaN"), "does not store NaN"),
        (Numeric(10, 2), Decimal("Infinity"), "does not store Infinity"),
        (Numeric(10, 2), Decimal("-Infinity"), "does not store -Infinity"),
    ],
    ids=str,
)
def test_numeric_refuses_rounding_and_overflow(
    type_: TypeEngine, value: Any, fragment: str, backend: str
) -> None:
    refused(type_, backend, value, fragment)


def test_numeric_refuses_float_and_others(backend: str) -> None:
    refused(Numeric(10, 2), backend, 0.1, "got float", "not exact", "Decimal")
    refused(Numeric(), backend, True, "takes Decimal or int, got bool")
    refused(Numeric(), backend, "1.5", "got str")


def test_numeric_many_digits_are_not_rounded_by_the_decimal_context(backend: str) -> None:
    # 32 significant digits: a 28-digit context would round this into range.
    sneaky = Decimal("0.1000000000000000000000000000001")
    refused(Numeric(10, 2), backend, sneaky, "fraction digits")
    exact = Decimal("1234567890123456789012345.6789")
    assert read(Numeric(30, 4), "sqlite", bind(Numeric(30, 4), "sqlite", exact)) == exact


def test_numeric_unreadable_storage() -> None:
    with pytest.raises(DataError, match="scaled integer"):
        read(Numeric(10, 2), "sqlite", 1.5)
    with pytest.raises(DataError, match="sortable"):
        read(Numeric(), "sqlite", "12.5")
    with pytest.raises(DataError, match="sortable"):
        read(Numeric(), "sqlite", 12)


# ----------------------------------------------------------------------- text


def test_string(backend: str) -> None:
    assert bind(String(3), backend, "abc") == "abc"
    assert bind(String(3), backend, "") == ""
    # Length counts characters (code points), as PostgreSQL does.
    assert bind(String(3), backend, "😀é√") == "😀é√"
    assert bind(Text(), backend, "x" * 100_000) == "x" * 100_000
    refused(String(3), backend, "abcd", "4 characters", "String(3)")
    refused(String(3), backend, 12, "String(3) takes str, got int")
    refused(Text(), backend, b"abc", "got bytes")


def test_nul_in_text_is_refused_on_both(backend: str) -> None:
    refused(String(), backend, "a\x00b", "NUL")
    refused(Text(), backend, "\x00", "NUL")


def test_lone_surrogates_are_refused_on_both(backend: str) -> None:
    refused(String(), backend, "ok \ud800", "surrogate")
    refused(JSON(), backend, {"k": "\udfff"}, "surrogate")
    assert bind(String(), backend, "😀 \U0001f600") == "😀 😀"


def test_text_error_does_not_echo_the_value(backend: str) -> None:
    error = refused(String(3), backend, "secret-password", "String(3)")
    assert "secret" not in str(error)


# -------------------------------------------------------------------- boolean


def test_boolean(backend: str) -> None:
    assert bind(Boolean(), backend, True) is True
    assert bind(Boolean(), backend, False) is False
    refused(Boolean(), backend, 1, "Boolean() takes bool, got int")
    refused(Boolean(), backend, "true", "got str")


def test_boolean_sqlite_results() -> None:
    assert read(Boolean(), "sqlite", 1) is True
    assert read(Boolean(), "sqlite", 0) is False
    with pytest.raises(DataError, match="0 or 1"):
        read(Boolean(), "sqlite", 2)


# ---------------------------------------------------------------- date / time


def test_naive_datetime(backend: str) -> None:
    value = dt.datetime(2024, 2, 29, 23, 59, 58, 123)
    sent = bind(DateTime(), backend, value)
    if backend == "sqlite":
        assert sent == "2024-02-29 23:59:58.000123"
        assert read(DateTime(), backend, sent) == value
        assert bind(DateTime(), backend, dt.datetime(1, 1, 1)) == "0001-01-01 00:00:00.000000"
    else:
        assert sent is value


def test_aware_datetime_is_stored_as_utc(backend: str) -> None:
    value = dt.datetime(2024, 1, 1, 5, 30, tzinfo=PLUS5)
    sent = bind(DateTime(timezone=True), backend, value)
    if backend == "sqlite":
        assert sent == "2024-01-01 00:30:00.000000+00:00"
        back = read(DateTime(timezone=True), backend, sent)
    else:
        back = sent
    assert back == value
    assert back.tzinfo is dt.UTC


def test_sqlite_aware_results() -> None:
    type_ = DateTime(timezone=True)
    # CURRENT_TIMESTAMP writes UTC without an offset.
    assert read(type_, "sqlite", "2024-01-01 10:00:00") == dt.datetime(
        2024, 1, 1, 10, tzinfo=dt.UTC
    )
    other = read(type_, "sqlite", "2024-01-01 10:00:00+05:00")
    assert other == dt.datetime(2024, 1, 1, 5, tzinfo=dt.UTC)
    assert other.tzinfo is dt.UTC
    with pytest.raises(DataError, match="ISO-8601"):
        read(type_, "sqlite", 1700000000)
    with pytest.raises(DataError, match="cannot read"):
        read(DateTime(), "sqlite", "yesterday")


def test_datetime_naive_aware_mismatch(backend: str) -> None:
    refused(DateTime(), backend, dt.datetime(2024, 1, 1, tzinfo=dt.UTC), "naive", "aware")
    refused(DateTime(timezone=True), backend, dt.datetime(2024, 1, 1), "aware", "naive")


def test_datetime_out_of_range_in_utc(backend: str) -> None:
    early = dt.datetime(1, 1, 1, tzinfo=PLUS5)
    refused(DateTime(timezone=True), backend, early, "out of range")


def test_datetime_refuses_date_and_str(backend: str) -> None:
    refused(DateTime(), backend, dt.date(2024, 1, 1), "takes datetime, got date")
    refused(DateTime(), backend, "2024-01-01", "got str")


def test_date(backend: str) -> None:
    value = dt.date(9999, 12, 31)
    sent = bind(Date(), backend, value)
    assert sent == ("9999-12-31" if backend == "sqlite" else value)
    assert read(Date(), backend, sent) == value
    refused(Date(), backend, dt.datetime(2024, 1, 1), "got datetime")


def test_time(backend: str) -> None:
    value = dt.time(23, 59, 59, 999999)
    sent = bind(Time(), backend, value)
    assert sent == ("23:59:59.999999" if backend == "sqlite" else value)
    assert read(Time(), backend, sent) == value
    refused(Time(), backend, dt.time(1, tzinfo=dt.UTC), "naive")
    refused(Time(), backend, dt.datetime(2024, 1, 1), "got datetime")


def test_interval(backend: str) -> None:
    value = dt.timedelta(days=-3, seconds=5, microseconds=7)
    sent = bind(Interval(), backend, value)
    if backend == "sqlite":
        assert sent == ((-3 * 86400) + 5) * 1_000_000 + 7
    assert read(Interval(), backend, sent) == value
    limit = dt.timedelta(microseconds=2**63 - 1)
    assert read(Interval(), backend, bind(Interval(), backend, limit)) == limit
    refused(Interval(), backend, dt.timedelta(days=999_999_999), "out of range")
    refused(Interval(), backend, 5, "takes timedelta, got int")


def test_temporal_unreadable_storage() -> None:
    with pytest.raises(DataError, match="microseconds"):
        read(Interval(), "sqlite", "1 day")
    with pytest.raises(DataError, match="cannot read"):
        read(Date(), "sqlite", "31/12/2024")
    with pytest.raises(DataError, match="cannot read"):
        read(Time(), "sqlite", 5)


# ----------------------------------------------------------------------- json


def test_json(backend: str) -> None:
    value = {"a": [1, 2.5, True, None, "é😀"], "b": {"c": {}}}
    sent = bind(JSON(), backend, value)
    assert sent == '{"a":[1,2.5,true,null,"é😀"],"b":{"c":{}}}'
    assert read(JSON(), backend, sent) == value
    assert bind(JSON(), backend, "text") == '"text"'
    assert bind(JSON(), backend, 0) == "0"
    assert bind(JSON(), backend, False) == "false"


def test_json_refusals(backend: str) -> None:
    refused(JSON(), backend, {"x": float("nan")}, "cannot encode")
    refused(JSON(), backend, [float("inf")], "cannot encode")
    refused(JSON(), backend, {"x": {1, 2}}, "cannot encode", "set")
    refused(JSON(), backend, {"x": ["a\x00"]}, "NUL")
    refused(JSON(), backend, {"a\x00": 1}, "NUL")
    refused(JSON(), backend, "\\\\\x00", "NUL")


def test_json_backslash_u0000_text_is_not_a_nul(backend: str) -> None:
    text = "\\u0000 and \\\\u0000"  # backslashes followed by "u0000", no NUL
    assert read(JSON(), backend, bind(JSON(), backend, [text])) == [text]


def test_json_unreadable() -> None:
    with pytest.raises(DataError, match="JSON"):
        read(JSON(), "sqlite", "{broken")


# ----------------------------------------------------------------------- uuid


def test_uuid(backend: str) -> None:
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    sent = bind(UUID(), backend, value)
    assert sent == (str(value) if backend == "sqlite" else value)
    back = read(UUID(), backend, sent)
    assert back == value
    assert type(back) is uuid.UUID
    refused(UUID(), backend, str(value), "takes uuid.UUID, got str")
    refused(UUID(), backend, value.bytes, "got bytes")


def test_uuid_subclass_results_become_plain_uuid() -> None:
    class DriverUUID(uuid.UUID):
        pass

    back = read(UUID(), "postgresql", DriverUUID(int=5))
    assert back == uuid.UUID(int=5)
    assert type(back) is uuid.UUID
    with pytest.raises(DataError, match="cannot read"):
        read(UUID(), "sqlite", "not-a-uuid")


# --------------------------------------------------------------------- binary


def test_large_binary(backend: str) -> None:
    for value in (b"", b"\x00\xff", bytearray(b"ab"), memoryview(b"abc")):
        assert bind(LargeBinary(), backend, value) is value
    strided = memoryview(b"abcdef")[::2]
    assert bind(LargeBinary(), backend, strided) == b"ace"
    refused(LargeBinary(), backend, "abc", "takes bytes, bytearray or memoryview, got str")


# ----------------------------------------------------------------------- enum


def test_enum(backend: str) -> None:
    assert bind(Enum(Color), backend, Color.GREEN) == "GREEN"
    assert read(Enum(Color), backend, "GREEN") is Color.GREEN
    refused(Enum(Color), backend, "GREEN", "Color member, got str")
    refused(Enum(Color), backend, "g", "got str")
    refused(Enum(Color), backend, Other.RED, "got Other")
    with pytest.raises(DataError, match="'BLUE' is not a member name"):
        read(Enum(Color), backend, "BLUE")


def test_enum_alias_binds_the_canonical_name(backend: str) -> None:
    class Size(enum.Enum):
        SMALL = 1
        S = 1

    assert bind(Enum(Size), backend, Size.S) == "SMALL"
    assert read(Enum(Size), backend, "SMALL") is Size.SMALL


def test_numeric_ignores_the_callers_decimal_context(backend: str) -> None:
    value = Decimal("12345678.91")
    tiny = Decimal("-1.5E-20")
    with decimal.localcontext(decimal.Context(prec=3, capitals=0)):
        assert read(Numeric(10, 2), backend, bind(Numeric(10, 2), backend, value)) == value
        assert read(Numeric(), backend, bind(Numeric(), backend, value)) == value
        assert read(Numeric(), backend, bind(Numeric(), backend, tiny)) == tiny
        assert read(Numeric(30, 2), backend, bind(Numeric(30, 2), backend, value)) == value


def test_huge_numbers_are_refused_with_a_short_message(backend: str) -> None:
    for type_ in (BigInteger(), Float(), Numeric(10, 2)):
        error = refused(type_, backend, 10**5000, repr(type_))
        assert len(str(error)) < 300
    for value in (Decimal("1" * 200_000), 10**200_000):
        error = refused(Numeric(), backend, value, "integer digits")
        assert len(str(error)) < 300
