"""Column types without IO: DDL, equality, argument checks and the helpers."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

import pytest

from aorm.exc import ArgumentError, CompileError
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
    NullType,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
    TypeEngine,
    compare_type,
    to_instance,
    type_for_value,
)


class Color(enum.Enum):
    RED = 1
    GREEN = 2
    DARK_BLUE = 3


class Perm(enum.Flag):
    READ = 1
    WRITE = 2


class Empty(enum.Enum):
    pass


DDL_CASES: list[tuple[TypeEngine, str, str]] = [
    (Integer(), "INTEGER", "INTEGER"),
    (SmallInteger(), "INTEGER", "SMALLINT"),
    (BigInteger(), "INTEGER", "BIGINT"),
    (Float(), "REAL", "DOUBLE PRECISION"),
    (Numeric(), "TEXT", "NUMERIC"),
    (Numeric(10), "INTEGER", "NUMERIC(10, 0)"),
    (Numeric(10, 2), "INTEGER", "NUMERIC(10, 2)"),
    (Numeric(18, 18), "INTEGER", "NUMERIC(18, 18)"),
    (Numeric(19, 2), "TEXT", "NUMERIC(19, 2)"),
    (String(), "TEXT", "TEXT"),
    (String(50), "VARCHAR(50)", "VARCHAR(50)"),
    (Text(), "TEXT", "TEXT"),
    (Boolean(), "INTEGER", "BOOLEAN"),
    (DateTime(), "DATETIME", "TIMESTAMP"),
    (DateTime(timezone=True), "DATETIME", "TIMESTAMP WITH TIME ZONE"),
    (Date(), "DATE", "DATE"),
    (Time(), "TIME", "TIME"),
    (Interval(), "INTEGER", "INTERVAL"),
    (JSON(), "TEXT", "JSONB"),
    (UUID(), "CHAR(36)", "UUID"),
    (LargeBinary(), "BLOB", "BYTEA"),
    (Enum(Color), "VARCHAR(9)", "VARCHAR(9)"),
]


@pytest.mark.parametrize(("type_", "sqlite", "postgresql"), DDL_CASES, ids=repr)
def test_ddl(type_: TypeEngine, sqlite: str, postgresql: str) -> None:
    assert type_.ddl("sqlite") == sqlite
    assert type_.ddl("postgresql") == postgresql


def test_ddl_checks(backend: str) -> None:
    col = '"c"'
    assert Integer().ddl_check(backend, col) is None
    assert String(5).ddl_check(backend, col) is None
    assert Enum(Color).ddl_check(backend, col) == "\"c\" IN ('RED', 'GREEN', 'DARK_BLUE')"
    if backend == "sqlite":
        assert Boolean().ddl_check(backend, col) == '"c" IN (0, 1)'
        assert Numeric(10, 2).ddl_check(backend, col) == "typeof(\"c\") IN ('integer', 'null')"
    else:
        assert Boolean().ddl_check(backend, col) is None
        assert Numeric(10, 2).ddl_check(backend, col) is None
    assert Numeric().ddl_check(backend, col) is None


def test_enum_check_escapes_quotes_in_names() -> None:
    Odd = enum.Enum("Odd", [("A'B", 1), ("C", 2)])
    assert Enum(Odd).ddl_check("sqlite", "x") == "x IN ('A''B', 'C')"
    assert Enum(Odd).ddl("postgresql") == "VARCHAR(3)"


def test_enum_check_lists_canonical_names_only() -> None:
    class Aliased(enum.Enum):
        ONE = 1
        UNO = 1
        TWO = 2

    assert Enum(Aliased).names == ("ONE", "TWO")


@pytest.mark.parametrize(
    "type_",
    [Integer(), String(5), JSON(), Numeric(4, 2), DateTime(), Enum(Color), LargeBinary()],
    ids=repr,
)
def test_unknown_dialect_is_a_compile_error(type_: TypeEngine) -> None:
    with pytest.raises(CompileError, match="mysql"):
        type_.ddl("mysql")
    with pytest.raises(CompileError, match="mysql"):
        type_.bind_processor("mysql", "t.c")


def test_null_type_has_no_ddl_and_passes_values(backend: str) -> None:
    with pytest.raises(CompileError, match="NullType"):
        NullType().ddl(backend)
    assert NullType().bind_processor(backend, "t.c") is None
    assert NullType().result_processor(backend) is None
    assert NullType().ddl_check(backend, "c") is None


# ------------------------------------------------------------ repr and equality


@pytest.mark.parametrize(
    ("type_", "text"),
    [
        (Integer(), "Integer()"),
        (String(50), "String(50)"),
        (String(), "String()"),
        (Text(), "Text()"),
        (Numeric(10, 2), "Numeric(10, 2)"),
        (Numeric(10), "Numeric(10, 0)"),
        (Numeric(), "Numeric()"),
        (DateTime(), "DateTime()"),
        (DateTime(timezone=True), "DateTime(timezone=True)"),
        (Enum(Color), "Enum(Color)"),
        (Enum(Color, name="ck_color"), "Enum(Color, name='ck_color')"),
    ],
    ids=str,
)
def test_repr(type_: TypeEngine, text: str) -> None:
    assert repr(type_) == text


def test_equality_is_by_class_and_arguments() -> None:
    assert String(50) == String(50)
    assert hash(String(50)) == hash(String(50))
    assert String(50) != String(51)
    assert String() != Text()
    assert Integer() != BigInteger()
    assert Numeric(10) == Numeric(10, 0)
    assert DateTime() != DateTime(timezone=True)
    assert Enum(Color) == Enum(Color)
    assert Enum(Color) != Enum(Color, name="x")
    assert Integer() != 1
    assert len({Integer(), Integer(), String(3), String(3)}) == 2


def test_integer_types_share_a_base() -> None:
    assert isinstance(BigInteger(), Integer)
    assert isinstance(SmallInteger(), Integer)
    assert isinstance(Text(), String)


def test_python_type() -> None:
    assert Integer.python_type is int
    assert Numeric().python_type is Decimal
    assert DateTime().python_type is dt.datetime
    assert UUID().python_type is uuid.UUID
    assert Enum(Color).python_type is Color
    assert LargeBinary().python_type is bytes


def test_to_instance() -> None:
    assert to_instance(Integer) == Integer()
    string = String(5)
    assert to_instance(string) is string
    assert isinstance(to_instance(None), NullType)
    with pytest.raises(ArgumentError, match="column type"):
        to_instance(int)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="column type"):
        to_instance("INTEGER")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="Enum needs arguments"):
        to_instance(Enum)


def test_compare_type() -> None:
    assert compare_type(Integer, Integer())
    assert compare_type(String(3), String(3))
    assert not compare_type(String(3), String)
    assert not compare_type(Integer, BigInteger)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, Boolean()),
        (5, BigInteger()),
        (1.5, Float()),
        (Decimal("1.5"), Numeric()),
        ("x", String()),
        (b"x", LargeBinary()),
        (bytearray(b"x"), LargeBinary()),
        (dt.datetime(2020, 1, 1), DateTime()),
        (dt.datetime(2020, 1, 1, tzinfo=dt.UTC), DateTime(timezone=True)),
        (dt.date(2020, 1, 1), Date()),
        (dt.time(1, 2), Time()),
        (dt.timedelta(1), Interval()),
        (uuid.UUID(int=1), UUID()),
        ({"a": 1}, JSON()),
        ([1], JSON()),
        (Color.RED, Enum(Color)),
    ],
    ids=repr,
)
def test_type_for_value(value: object, expected: TypeEngine) -> None:
    assert type_for_value(value) == expected


def test_type_for_unknown_value_is_null_type() -> None:
    assert isinstance(type_for_value(None), NullType)
    assert isinstance(type_for_value(object()), NullType)


# ------------------------------------------------------------ argument checks


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((None, 2), "needs a precision"),
        ((0, 0), "1..1000"),
        ((1001, 0), "1..1000"),
        ((10, 11), "0..10"),
        ((10, -1), "0..10"),
        ((True, 0), "must be an int"),
        ((10.0, 2), "must be an int"),
        ((10, 2.0), "must be an int"),
    ],
    ids=str,
)
def test_numeric_arguments(args: tuple[Any, Any], message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        Numeric(*args)


@pytest.mark.parametrize("length", [0, -1, True, 2.5, "10"], ids=repr)
def test_string_length_argument(length: Any) -> None:
    with pytest.raises(ArgumentError, match="positive int"):
        String(length)


def test_datetime_timezone_argument() -> None:
    with pytest.raises(ArgumentError, match="bool"):
        DateTime(timezone=1)  # type: ignore[arg-type]


def test_enum_arguments() -> None:
    with pytest.raises(ArgumentError, match=r"enum\.Enum subclass"):
        Enum(str)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match=r"enum\.Enum subclass"):
        Enum(Color.RED)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="Flag"):
        Enum(Perm)
    with pytest.raises(ArgumentError, match="members"):
        Enum(Empty)
    with pytest.raises(ArgumentError, match="name"):
        Enum(Color, name="")


def test_cast_ddl() -> None:
    assert Integer().cast_ddl("sqlite") == "INTEGER"
    assert String(5).cast_ddl("postgresql") == "VARCHAR(5)"
    assert DateTime(timezone=True).cast_ddl("postgresql") == "TIMESTAMP WITH TIME ZONE"
    for type_ in (DateTime(), Date(), Time()):
        assert type_.cast_ddl("sqlite") == "TEXT"
    assert Numeric(10, 2).cast_ddl("sqlite") is None
    assert Numeric().cast_ddl("sqlite") is None
    assert Numeric(10, 2).cast_ddl("postgresql") == "NUMERIC(10, 2)"
