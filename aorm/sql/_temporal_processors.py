"""Bind and result processors of the date and time types.

PostgreSQL (asyncpg) takes and returns ``datetime``/``date``/``time``/
``timedelta`` as they are, so there the processors only check. SQLite has no
temporal types; values are stored in forms whose SQLite order is their time
order:

* ``DateTime``: ``YYYY-MM-DD HH:MM:SS.ffffff`` (always with microseconds, so
  every value has the same width), followed by ``+00:00`` for
  ``timezone=True`` columns, which hold UTC;
* ``Date``: ``YYYY-MM-DD``; ``Time``: ``HH:MM:SS.ffffff``;
* ``Interval``: the signed total number of microseconds, an INTEGER.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter, methodcaller
from typing import Any

from aorm.exc import DataError
from aorm.sql._type_processors import raise_unreadable, raise_wrong_type, value_types
from aorm.sql.compiled import BatchProcessor, Processor, with_batch

__all__ = [
    "INTERVAL_MAX_MICROSECONDS",
    "date_bind",
    "date_result_from_text",
    "datetime_bind",
    "datetime_result_aware_from_driver",
    "datetime_result_from_text",
    "interval_bind",
    "interval_result_from_int",
    "time_bind",
    "time_result_from_text",
]

#: Intervals are kept within a signed 64-bit count of microseconds (about ±292,000 years).
INTERVAL_MAX_MICROSECONDS = 2**63 - 1


def _is_aware(value: datetime | time) -> bool:
    return value.tzinfo is not None and value.utcoffset() is not None


_DATETIME = {datetime}
_STR = {str}
_DATE = {date}
_tzinfo = attrgetter("tzinfo")
_datetime_text = methodcaller("isoformat", " ", "microseconds")
_date_text = methodcaller("isoformat")


def datetime_bind(label: str, type_repr: str, timezone_aware: bool, as_text: bool) -> Processor:
    """Takes ``datetime`` only; naive for ``timezone=False``, aware for ``timezone=True``.

    Aware values are converted to UTC (the instant is kept); a mismatch of
    naive/aware and the column raises DataError rather than guess a zone.
    """

    def mismatch(value: datetime) -> DataError:
        if timezone_aware:
            return DataError(
                f"{label}: {type_repr} takes timezone-aware datetimes, got a naive one;"
                " attach a tzinfo (e.g. value.replace(tzinfo=timezone.utc))"
            )
        return DataError(
            f"{label}: {type_repr} takes naive datetimes, got an aware one ({value.tzinfo});"
            " convert it explicitly or use DateTime(timezone=True)"
        )

    def to_utc(value: datetime) -> datetime:
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise DataError(f"{label}: {value.isoformat()} is out of range in UTC") from None

    def process(value: Any) -> Any:
        if isinstance(value, datetime):
            if _is_aware(value) is not timezone_aware:
                raise mismatch(value)
            if timezone_aware:
                value = to_utc(value)
            return value.isoformat(" ", "microseconds") if as_text else value
        if value is None:
            return None
        raise_wrong_type(label, type_repr, "datetime", value)

    # Values that need no conversion: all naive, or all in UTC (that very
    # tzinfo, by identity: an equal zone would be replaced by it).
    kept_zones = {id(UTC) if timezone_aware else id(None)}

    def process_many(values: list[Any]) -> list[Any]:
        if value_types(values) == _DATETIME and set(map(id, map(_tzinfo, values))) == kept_zones:
            return list(map(_datetime_text, values)) if as_text else values
        return list(map(process, values))

    return with_batch(process, process_many)


def datetime_result_from_text(type_repr: str, timezone_aware: bool) -> Processor:
    """SQLite ISO-8601 text back to ``datetime`` (aware UTC for ``timezone=True``).

    Text without an offset in a ``timezone=True`` column (e.g. written by
    ``CURRENT_TIMESTAMP``, which is UTC) is read as UTC.
    """
    parse = datetime.fromisoformat

    def read(value: Any) -> datetime:
        if type(value) is not str:
            raise_unreadable(type_repr, value, "expected ISO-8601 text")
        try:
            return parse(value)
        except ValueError as exc:
            raise_unreadable(type_repr, value, str(exc))

    if not timezone_aware:
        # Runs for every value of every row read: the common case in one frame.
        def process_naive(value: Any) -> Any:
            if type(value) is str:
                try:
                    return parse(value)
                except ValueError:
                    pass
            return None if value is None else read(value)

        return with_batch(process_naive, _text_column(parse, process_naive))

    def process_aware(value: Any) -> Any:
        if value is None:
            return None
        parsed = read(value)
        if parsed.tzinfo is UTC:
            return parsed
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)

    return process_aware


def datetime_result_aware_from_driver() -> Processor:
    """asyncpg's timestamptz values, with its ±infinity made aware too.

    asyncpg returns aware UTC datetimes, except that it maps PostgreSQL's
    ``infinity``/``-infinity`` (which it also *writes* for ``datetime.max``/
    ``datetime.min``) to naive ``datetime.max``/``datetime.min``.
    """

    def process(value: Any) -> Any:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)

    return process


def date_bind(label: str, type_repr: str, as_text: bool) -> Processor:
    """Takes ``date`` but not ``datetime`` (which would lose its time silently)."""

    def process(value: Any) -> Any:
        if type(value) is date or (isinstance(value, date) and not isinstance(value, datetime)):
            return value.isoformat() if as_text else value
        if value is None:
            return None
        raise_wrong_type(label, type_repr, "date (not datetime)", value)

    def process_many(values: list[Any]) -> list[Any]:
        if value_types(values) == _DATE:
            return list(map(_date_text, values)) if as_text else values
        return list(map(process, values))

    return with_batch(process, process_many)


def date_result_from_text(type_repr: str) -> Processor:
    """SQLite ``YYYY-MM-DD`` back to ``date``."""
    return _from_iso_text(date.fromisoformat, type_repr)


def _from_iso_text(parse: Callable[[str], Any], type_repr: str) -> Processor:
    """ISO-8601 text back to a value by *parse*; a column of text only in one C-level map."""

    def process(value: Any) -> Any:
        if value is None:
            return None
        try:
            return parse(value)
        except (TypeError, ValueError) as exc:
            raise_unreadable(type_repr, value, str(exc))

    return with_batch(process, _text_column(parse, process))


def _text_column(parse: Callable[[str], Any], process: Processor) -> BatchProcessor:
    """The column-wise form of *process*: a column of text only goes through *parse* in one map."""

    def read_column(values: list[Any]) -> list[Any]:
        if value_types(values) == _STR:
            try:
                return list(map(parse, values))
            except ValueError:
                pass  # the value by value pass raises the error naming the value
        return list(map(process, values))

    return read_column


def time_bind(label: str, type_repr: str, as_text: bool) -> Processor:
    """Takes naive ``time`` only (PostgreSQL's TIME has no zone)."""

    def process(value: Any) -> Any:
        if isinstance(value, time):
            if _is_aware(value):
                raise DataError(f"{label}: {type_repr} takes naive times, got an aware one")
            return value.isoformat("microseconds") if as_text else value
        if value is None:
            return None
        raise_wrong_type(label, type_repr, "time", value)

    return process


def time_result_from_text(type_repr: str) -> Processor:
    """SQLite ``HH:MM:SS.ffffff`` back to ``time``."""
    return _from_iso_text(time.fromisoformat, type_repr)


def interval_bind(label: str, type_repr: str, as_microseconds: bool) -> Processor:
    """Takes ``timedelta`` within ±(2**63 - 1) microseconds, on both backends."""

    def process(value: Any) -> Any:
        if isinstance(value, timedelta):
            micros = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
            if -INTERVAL_MAX_MICROSECONDS <= micros <= INTERVAL_MAX_MICROSECONDS:
                return micros if as_microseconds else value
            raise DataError(f"{label}: {value} is out of range for {type_repr} (±292,000 years)")
        if value is None:
            return None
        raise_wrong_type(label, type_repr, "timedelta", value)

    return process


def interval_result_from_int(type_repr: str) -> Processor:
    """SQLite's microsecond count back to ``timedelta``."""

    def process(value: Any) -> Any:
        if type(value) is int:
            return timedelta(microseconds=value)
        if value is None:
            return None
        raise_unreadable(type_repr, value, "expected an integer count of microseconds")

    return process
