"""Column types: their DDL per dialect and how values cross the driver boundary.

Every type round-trips the same Python value on SQLite and PostgreSQL, and
``None`` (SQL NULL) always passes through unchanged both ways. A value is
checked when it is bound: one of the wrong Python type (no silent coercion),
out of range, too long, or not storable on one of the backends raises
:class:`~aorm.exc.DataError` naming the column, before anything is sent.
``docs/types.md`` lists each type's DDL, storage and edge cases.
"""

from __future__ import annotations

import datetime as _dt
import uuid as _uuid
from decimal import Decimal
from enum import Enum as _PyEnum
from enum import Flag as _PyFlag
from typing import Any, ClassVar

from aorm.exc import ArgumentError
from aorm.sql import _temporal_processors as temporal
from aorm.sql import _type_processors as scalar
from aorm.sql._type_base import (
    NullType,
    TypeDecorator,
    TypeEngine,
    compare_type,
    to_instance,
)
from aorm.sql._type_base import is_sqlite as _is_sqlite
from aorm.sql.compiled import Processor

__all__ = [
    "BigInteger",
    "Boolean",
    "Date",
    "DateTime",
    "Enum",
    "Float",
    "Integer",
    "Interval",
    "JSON",
    "LargeBinary",
    "NullType",
    "Numeric",
    "SmallInteger",
    "String",
    "Text",
    "Time",
    "TypeDecorator",
    "TypeEngine",
    "UUID",
    "compare_type",
    "to_instance",
    "type_for_value",
]


# ------------------------------------------------------------------- numbers


class Integer(TypeEngine):
    """A 32-bit integer (``INTEGER``), ``int`` in Python.

    Values outside PostgreSQL's range for the type raise DataError on both
    backends. ``bool`` is refused (``True`` would come back as ``1``). On
    SQLite every integer type is declared ``INTEGER``, so an integer primary
    key is the rowid and auto-increments.
    """

    python_type = int
    _pg_name: ClassVar[str] = "INTEGER"
    _low: ClassVar[int] = -(2**31)
    _high: ClassVar[int] = 2**31 - 1

    def ddl(self, dialect: str) -> str:
        """``INTEGER`` on SQLite; the sized integer on PostgreSQL."""
        return "INTEGER" if _is_sqlite(dialect) else self._pg_name

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """Checks for ``int`` within the type's range."""
        _is_sqlite(dialect)
        return scalar.integer_bind(label, repr(self), self._low, self._high)


class SmallInteger(Integer):
    """A 16-bit integer (``SMALLINT`` on PostgreSQL), ``int`` in Python."""

    _pg_name = "SMALLINT"
    _low = -(2**15)
    _high = 2**15 - 1


class BigInteger(Integer):
    """A 64-bit integer (``BIGINT`` on PostgreSQL), ``int`` in Python."""

    _pg_name = "BIGINT"
    _low = -(2**63)
    _high = 2**63 - 1


class Float(TypeEngine):
    """A double-precision float: ``DOUBLE PRECISION`` / ``REAL``, ``float`` in Python.

    Takes ``float`` and any ``int`` a float represents exactly (it comes back
    as a float). NaN is refused on both backends because SQLite stores it as
    NULL; infinities are kept.
    """

    python_type = float

    def ddl(self, dialect: str) -> str:
        """``REAL`` on SQLite, ``DOUBLE PRECISION`` on PostgreSQL."""
        return "REAL" if _is_sqlite(dialect) else "DOUBLE PRECISION"

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """Checks for a float (or an exactly representable int) that is not NaN."""
        _is_sqlite(dialect)
        return scalar.float_bind(label, repr(self))


class Numeric(TypeEngine):
    """An exact decimal, ``Decimal`` in Python: ``NUMERIC(precision, scale)``.

    ``Numeric(p)`` means scale 0; ``Numeric()`` is unconstrained. Takes
    ``Decimal`` and ``int``; a ``float`` is refused (it is not exact). A value
    with more fraction digits than the scale, or too many integer digits, is
    refused rather than rounded. PostgreSQL returns values with exactly
    *scale* fraction digits; so does SQLite.

    SQLite has no exact decimal, so it stores (see ``docs/types.md``):
    a scaled ``INTEGER`` (``value * 10**scale``) when a scale is given and
    ``precision <= 18``; otherwise a ``TEXT`` encoding whose order is the
    numeric order. Both compare and sort correctly against bound values of
    the same column type, but SQL arithmetic on the stored form is not
    decimal arithmetic.
    """

    python_type = Decimal

    #: Largest precision whose scaled integer fits SQLite's 64-bit INTEGER.
    SQLITE_SCALED_MAX_PRECISION: ClassVar[int] = 18

    def __init__(self, precision: int | None = None, scale: int | None = None) -> None:
        if precision is None:
            if scale is not None:
                raise ArgumentError("Numeric(scale=…) needs a precision as well")
        else:
            if isinstance(precision, bool) or not isinstance(precision, int):
                raise ArgumentError(f"Numeric precision must be an int, got {precision!r}")
            if not 1 <= precision <= 1000:
                raise ArgumentError(f"Numeric precision must be 1..1000, got {precision}")
            if scale is None:
                scale = 0
            if isinstance(scale, bool) or not isinstance(scale, int):
                raise ArgumentError(f"Numeric scale must be an int, got {scale!r}")
            if not 0 <= scale <= precision:
                raise ArgumentError(f"Numeric scale must be 0..{precision}, got {scale}")
        self.precision = precision
        self.scale = scale

    def _type_args(self) -> tuple[Any, ...]:
        return () if self.precision is None else (self.precision, self.scale)

    def _sqlite_scaled(self) -> bool:
        return self.precision is not None and self.precision <= self.SQLITE_SCALED_MAX_PRECISION

    def ddl(self, dialect: str) -> str:
        """``NUMERIC(p, s)`` on PostgreSQL; ``INTEGER`` or ``TEXT`` on SQLite."""
        if _is_sqlite(dialect):
            return "INTEGER" if self._sqlite_scaled() else "TEXT"
        if self.precision is None:
            return "NUMERIC"
        return f"NUMERIC({self.precision}, {self.scale})"

    def ddl_check(self, dialect: str, quoted_column_name: str) -> str | None:
        """On SQLite, keeps the scaled-integer column integral (no REAL sneaks in)."""
        if _is_sqlite(dialect) and self._sqlite_scaled():
            return f"typeof({quoted_column_name}) IN ('integer', 'null')"
        return None

    def cast_ddl(self, dialect: str) -> str | None:
        """None on SQLite (no CAST makes the stored form); ``ddl()`` on PostgreSQL."""
        return None if _is_sqlite(dialect) else self.ddl(dialect)

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """Checks for an exact, in-range Decimal or int; encodes it for SQLite."""
        if not _is_sqlite(dialect):
            storage = "decimal"
        else:
            storage = "scaled" if self._sqlite_scaled() else "sortable"
        return scalar.numeric_bind(label, repr(self), self.precision, self.scale, storage)

    def result_processor(self, dialect: str) -> Processor | None:
        """None on PostgreSQL (asyncpg returns Decimal); decodes SQLite's storage."""
        if not _is_sqlite(dialect):
            return None
        if self._sqlite_scaled():
            assert self.scale is not None
            return scalar.numeric_result_scaled(repr(self), self.scale)
        return scalar.numeric_result_sortable(repr(self), self.scale)


# ---------------------------------------------------------------------- text


class String(TypeEngine):
    """Text, ``str`` in Python: ``VARCHAR(length)``, or ``TEXT`` without a length.

    A longer value raises DataError on both backends (SQLite would not
    enforce the length). The NUL character raises DataError on both
    (PostgreSQL cannot store it).
    """

    python_type = str

    def __init__(self, length: int | None = None) -> None:
        if length is not None and (
            isinstance(length, bool) or not isinstance(length, int) or length < 1
        ):
            raise ArgumentError(f"String length must be a positive int, got {length!r}")
        self.length = length

    def _type_args(self) -> tuple[Any, ...]:
        return () if self.length is None else (self.length,)

    def ddl(self, dialect: str) -> str:
        """``VARCHAR(length)``, or ``TEXT``, on both backends."""
        _is_sqlite(dialect)
        return "TEXT" if self.length is None else f"VARCHAR({self.length})"

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """Checks for a str without NUL that fits the length."""
        _is_sqlite(dialect)
        return scalar.string_bind(label, repr(self), self.length)


class Text(String):
    """Unbounded text (``TEXT``), ``str`` in Python."""

    def __init__(self) -> None:
        super().__init__(None)


# ------------------------------------------------------------------- boolean


class Boolean(TypeEngine):
    """``bool``: ``BOOLEAN`` on PostgreSQL; ``INTEGER`` 0/1 with a CHECK on SQLite.

    Takes ``bool`` only (``0``/``1`` are refused).
    """

    python_type = bool

    def ddl(self, dialect: str) -> str:
        """``INTEGER`` on SQLite, ``BOOLEAN`` on PostgreSQL."""
        return "INTEGER" if _is_sqlite(dialect) else "BOOLEAN"

    def ddl_check(self, dialect: str, quoted_column_name: str) -> str | None:
        """On SQLite, ``col IN (0, 1)``."""
        return f"{quoted_column_name} IN (0, 1)" if _is_sqlite(dialect) else None

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """Checks for a bool (both drivers bind it as it is)."""
        _is_sqlite(dialect)
        return scalar.boolean_bind(label, repr(self))

    def result_processor(self, dialect: str) -> Processor | None:
        """SQLite's 0/1 back to bool; None on PostgreSQL."""
        return scalar.boolean_result_from_int(repr(self)) if _is_sqlite(dialect) else None


# -------------------------------------------------------------- date and time


class DateTime(TypeEngine):
    """A date and time, ``datetime`` in Python, to the microsecond.

    ``DateTime()``: ``TIMESTAMP``; naive datetimes only. ``DateTime(timezone=True)``:
    ``TIMESTAMP WITH TIME ZONE``; aware datetimes only, stored as UTC and
    returned as aware UTC datetimes (same instant). The other kind raises
    DataError on both backends. SQLite stores fixed-width ISO-8601 text
    (``YYYY-MM-DD HH:MM:SS.ffffff``, ``+00:00`` appended for UTC), which sorts
    in time order.
    """

    python_type = _dt.datetime

    def __init__(self, timezone: bool = False) -> None:
        if not isinstance(timezone, bool):
            raise ArgumentError(f"DateTime timezone must be a bool, got {timezone!r}")
        self.timezone = timezone

    def _type_args(self) -> tuple[Any, ...]:
        return (self.timezone,)

    def __repr__(self) -> str:
        return "DateTime(timezone=True)" if self.timezone else "DateTime()"

    def ddl(self, dialect: str) -> str:
        """``DATETIME`` on SQLite; ``TIMESTAMP [WITH TIME ZONE]`` on PostgreSQL."""
        if _is_sqlite(dialect):
            return "DATETIME"
        return "TIMESTAMP WITH TIME ZONE" if self.timezone else "TIMESTAMP"

    def cast_ddl(self, dialect: str) -> str | None:
        """``TEXT`` on SQLite (the name's NUMERIC affinity would make a number)."""
        return "TEXT" if _is_sqlite(dialect) else self.ddl(dialect)

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """Checks naive/aware against the column; UTC for aware; text for SQLite."""
        return temporal.datetime_bind(label, repr(self), self.timezone, _is_sqlite(dialect))

    def result_processor(self, dialect: str) -> Processor | None:
        """Parses SQLite's text; on PostgreSQL, None for naive columns."""
        if _is_sqlite(dialect):
            return temporal.datetime_result_from_text(repr(self), self.timezone)
        return temporal.datetime_result_aware_from_driver() if self.timezone else None


class Date(TypeEngine):
    """A calendar date, ``date`` in Python (a ``datetime`` is refused)."""

    python_type = _dt.date

    def ddl(self, dialect: str) -> str:
        """``DATE`` on both (text ``YYYY-MM-DD`` on SQLite)."""
        _is_sqlite(dialect)
        return "DATE"

    def cast_ddl(self, dialect: str) -> str | None:
        """``TEXT`` on SQLite (the name's NUMERIC affinity would make a number)."""
        return "TEXT" if _is_sqlite(dialect) else self.ddl(dialect)

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """Checks for a date; text for SQLite."""
        return temporal.date_bind(label, repr(self), _is_sqlite(dialect))

    def result_processor(self, dialect: str) -> Processor | None:
        """Parses SQLite's text; None on PostgreSQL."""
        return temporal.date_result_from_text(repr(self)) if _is_sqlite(dialect) else None


class Time(TypeEngine):
    """A time of day without zone, ``time`` in Python, to the microsecond."""

    python_type = _dt.time

    def ddl(self, dialect: str) -> str:
        """``TIME`` on both (text ``HH:MM:SS.ffffff`` on SQLite)."""
        _is_sqlite(dialect)
        return "TIME"

    def cast_ddl(self, dialect: str) -> str | None:
        """``TEXT`` on SQLite (the name's NUMERIC affinity would make a number)."""
        return "TEXT" if _is_sqlite(dialect) else self.ddl(dialect)

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """Checks for a naive time; text for SQLite."""
        return temporal.time_bind(label, repr(self), _is_sqlite(dialect))

    def result_processor(self, dialect: str) -> Processor | None:
        """Parses SQLite's text; None on PostgreSQL."""
        return temporal.time_result_from_text(repr(self)) if _is_sqlite(dialect) else None


class Interval(TypeEngine):
    """A duration, ``timedelta`` in Python: ``INTERVAL``; SQLite stores microseconds.

    Values are limited to ±(2**63 - 1) microseconds (about ±292,000 years) on
    both backends.
    """

    python_type = _dt.timedelta

    def ddl(self, dialect: str) -> str:
        """``INTEGER`` (microseconds) on SQLite, ``INTERVAL`` on PostgreSQL."""
        return "INTEGER" if _is_sqlite(dialect) else "INTERVAL"

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """Checks for an in-range timedelta; microseconds for SQLite."""
        return temporal.interval_bind(label, repr(self), _is_sqlite(dialect))

    def result_processor(self, dialect: str) -> Processor | None:
        """Microseconds back to timedelta on SQLite; None on PostgreSQL."""
        return temporal.interval_result_from_int(repr(self)) if _is_sqlite(dialect) else None


# --------------------------------------------------------------------- other


class JSON(TypeEngine):
    """A JSON document: ``JSONB`` on PostgreSQL, ``TEXT`` on SQLite.

    Holds dicts, lists, str, int, float, bool and None, nested. A Python
    ``None`` is SQL NULL, never the JSON ``null``. NaN, infinities and NUL
    characters in strings are refused. The value is serialised by aorm on
    both backends (the PostgreSQL dialect must not install a jsonb codec).
    """

    python_type = object

    def ddl(self, dialect: str) -> str:
        """``TEXT`` on SQLite (``JSON`` would get NUMERIC affinity), ``JSONB`` on PostgreSQL."""
        return "TEXT" if _is_sqlite(dialect) else "JSONB"

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """Serialises to compact JSON text."""
        _is_sqlite(dialect)
        return scalar.json_bind(label, repr(self))

    def result_processor(self, dialect: str) -> Processor | None:
        """Parses the JSON text."""
        _is_sqlite(dialect)
        return scalar.json_result(repr(self))


class UUID(TypeEngine):
    """A ``uuid.UUID``: native ``UUID`` on PostgreSQL, 36-character text on SQLite.

    Only ``uuid.UUID`` values are taken (a str is refused). Results are plain
    ``uuid.UUID`` on both backends.
    """

    python_type = _uuid.UUID

    def ddl(self, dialect: str) -> str:
        """``CHAR(36)`` on SQLite, ``UUID`` on PostgreSQL."""
        return "CHAR(36)" if _is_sqlite(dialect) else "UUID"

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """Checks for a UUID; lowercase hyphenated text for SQLite."""
        return scalar.uuid_bind(label, repr(self), _is_sqlite(dialect))

    def result_processor(self, dialect: str) -> Processor | None:
        """Text (SQLite) or asyncpg's UUID subclass back to ``uuid.UUID``."""
        _is_sqlite(dialect)
        return scalar.uuid_result(repr(self))


class LargeBinary(TypeEngine):
    """Bytes: ``BYTEA`` / ``BLOB``; takes bytes, bytearray, memoryview, returns bytes."""

    python_type = bytes

    def ddl(self, dialect: str) -> str:
        """``BLOB`` on SQLite, ``BYTEA`` on PostgreSQL."""
        return "BLOB" if _is_sqlite(dialect) else "BYTEA"

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """Checks for a bytes-like value."""
        _is_sqlite(dialect)
        return scalar.binary_bind(label, repr(self))


class Enum(TypeEngine):
    """A member of a Python ``enum.Enum`` class, stored as the member's name.

    ``VARCHAR(n)`` (n = the longest name) with a CHECK listing the names on
    both backends. Takes members of the class only (not names or values);
    returns the member. *name* names the CHECK constraint (None: the
    database's own name).
    """

    def __init__(self, enum_class: type[_PyEnum], name: str | None = None) -> None:
        if not (isinstance(enum_class, type) and issubclass(enum_class, _PyEnum)):
            raise ArgumentError(f"Enum() takes an enum.Enum subclass, got {enum_class!r}")
        if issubclass(enum_class, _PyFlag):
            raise ArgumentError(
                f"Enum() cannot store the Flag {enum_class.__qualname__}:"
                " combined flags have no single name"
            )
        members = list(enum_class)
        if not members:
            raise ArgumentError(f"Enum() needs an enum with members; {enum_class.__qualname__}")
        if name is not None and (not isinstance(name, str) or not name):
            raise ArgumentError(f"Enum name must be a non-empty str, got {name!r}")
        self.enum_class = enum_class
        self.name = name
        self.python_type = enum_class
        #: Canonical member names, in definition order.
        self.names: tuple[str, ...] = tuple(member.name for member in members)
        self.length = max(len(n) for n in self.names)

    def _type_args(self) -> tuple[Any, ...]:
        return (self.enum_class, self.name)

    def __repr__(self) -> str:
        qualname = self.enum_class.__qualname__
        return f"Enum({qualname})" if self.name is None else f"Enum({qualname}, name={self.name!r})"

    def ddl(self, dialect: str) -> str:
        """``VARCHAR(n)`` for the longest member name."""
        _is_sqlite(dialect)
        return f"VARCHAR({self.length})"

    def ddl_check(self, dialect: str, quoted_column_name: str) -> str | None:
        """``col IN ('A', 'B', …)`` on both backends."""
        _is_sqlite(dialect)
        listed = ", ".join("'" + n.replace("'", "''") + "'" for n in self.names)
        return f"{quoted_column_name} IN ({listed})"

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """Checks for a member; binds its name."""
        _is_sqlite(dialect)
        return scalar.enum_bind(label, repr(self), self.enum_class)

    def result_processor(self, dialect: str) -> Processor | None:
        """The stored name back to its member."""
        _is_sqlite(dialect)
        return scalar.enum_result(repr(self), dict(self.enum_class.__members__))


_TYPE_OF_VALUE: dict[type[Any], TypeEngine] = {
    bool: Boolean(),
    int: BigInteger(),
    float: Float(),
    Decimal: Numeric(),
    str: String(),
    bytes: LargeBinary(),
    bytearray: LargeBinary(),
    memoryview: LargeBinary(),
    _dt.date: Date(),
    _dt.time: Time(),
    _dt.timedelta: Interval(),
    _uuid.UUID: UUID(),
    dict: JSON(),
    list: JSON(),
}


def type_for_value(value: object) -> TypeEngine:
    """The type a bare Python value (a literal) is bound as; NullType if unknown.

    Used for values compared with nothing typed (``literal(5)``); a value
    compared with a column takes the column's type instead.
    """
    if isinstance(value, _dt.datetime):
        aware = value.tzinfo is not None and value.utcoffset() is not None
        return DateTime(timezone=aware)
    if isinstance(value, _PyEnum) and not isinstance(value, _PyFlag):
        return Enum(type(value))
    for klass in type(value).__mro__:
        found = _TYPE_OF_VALUE.get(klass)
        if found is not None:
            return found
    return NullType()
