"""Bind and result processors of the scalar column types, built once as closures.

A bind processor runs for every bound value, so each one starts with the
cheapest test that accepts the common case (``type(value) is int``) and only
then looks at ``None`` and the rarer cases. Every rejection raises
:class:`~aorm.exc.DataError` naming the column label, the type, what it takes
and the Python type it was given; values are never echoed for text-like
types (they may be secrets).
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Iterator, Mapping
from decimal import Decimal
from enum import Enum
from functools import partial
from operator import is_not
from typing import Any, NoReturn

from aorm.exc import DataError
from aorm.sql._decimal_codec import (
    MAX_FRACTION_DIGITS,
    MAX_INTEGER_DIGITS,
    decode_sortable,
    encode_sortable,
    encode_sortable_parts,
    significant_digits,
)
from aorm.sql.compiled import Processor, with_batch

__all__ = [
    "binary_bind",
    "boolean_bind",
    "boolean_result_from_int",
    "enum_bind",
    "enum_result",
    "float_bind",
    "integer_bind",
    "json_bind",
    "json_result",
    "not_none",
    "number_text",
    "numeric_bind",
    "numeric_result_scaled",
    "numeric_result_sortable",
    "raise_surrogate",
    "raise_unreadable",
    "raise_wrong_type",
    "string_bind",
    "uuid_bind",
    "uuid_result",
    "value_types",
]


def raise_wrong_type(label: str, type_repr: str, expected: str, value: object) -> NoReturn:
    """Raise the DataError for a value of the wrong Python type."""
    raise DataError(
        f"{label}: {type_repr} takes {expected}, got {type(value).__qualname__}"
        " (values are not converted implicitly)"
    )


def raise_unreadable(type_repr: str, value: object, reason: str) -> NoReturn:
    """Raise the DataError for a stored value a result processor cannot read."""
    raise DataError(
        f"{type_repr} cannot read a stored {type(value).__qualname__} value: {reason}"
        " (was it written without aorm?)"
    )


# Batch processors (see ``compiled.with_batch``) check a whole column with
# C-level calls (``set(map(type, …))``, ``min``/``max``, one scan of the joined
# text) when every value has the common exact type; anything else goes value
# by value, which also raises the per-value processor's error for the first
# bad value.
_NONE_TYPE = type(None)
_INT = frozenset({int})
_INT_OR_NONE = frozenset({int, _NONE_TYPE})
_FLOAT_OR_NONE = frozenset({float, _NONE_TYPE})
_STR_OR_NONE = frozenset({str, _NONE_TYPE})
_BOOL_OR_NONE = frozenset({bool, _NONE_TYPE})


def value_types(values: list[Any]) -> set[type]:
    """The exact types of *values* (one C-level pass)."""
    return set(map(type, values))


def not_none(values: list[Any], types: set[type]) -> Iterator[Any] | list[Any]:
    """*values* without the Nones (*types* are their types)."""
    if _NONE_TYPE in types:
        return filter(partial(is_not, None), values)
    return values


def number_text(value: int | Decimal) -> str:
    """*value* for an error message, shortened when huge (and never failing on huge ints)."""
    if isinstance(value, int) and value.bit_length() > 256:
        return f"an int of {value.bit_length()} bits"
    text = str(value)
    return text if len(text) <= 60 else f"{text[:24]}…{text[-8:]} ({len(text)} characters)"


# --------------------------------------------------------------------- integers


def integer_bind(label: str, type_repr: str, low: int, high: int) -> Processor:
    """Takes ``int`` (not ``bool``) within ``low..high``; int subclasses go as plain int."""

    def out_of_range(value: int) -> NoReturn:
        raise DataError(
            f"{label}: {number_text(value)} is out of range for {type_repr} ({low}..{high})"
        )

    def process(value: Any) -> Any:
        if type(value) is int:
            if low <= value <= high:
                return value
            out_of_range(value)
        if value is None:
            return None
        # bool is an int subclass, but True would come back as 1: reject it.
        if isinstance(value, int) and not isinstance(value, bool):
            plain = int(value)  # IntEnum and friends: the driver gets a plain int
            if low <= plain <= high:
                return plain
            out_of_range(plain)
        raise_wrong_type(label, type_repr, "int", value)

    def process_many(values: list[Any]) -> list[Any]:
        types = value_types(values)
        if types == _INT:
            if low <= min(values) and max(values) <= high:
                return values
        elif types <= _INT_OR_NONE:
            present = list(not_none(values, types))
            if low <= min(present, default=low) and max(present, default=high) <= high:
                return values
        return list(map(process, values))

    return with_batch(process, process_many)


# ------------------------------------------------------------------------ float


def float_bind(label: str, type_repr: str) -> Processor:
    """Takes ``float`` (not NaN) and ``int`` exactly representable as a float."""

    def reject_nan() -> NoReturn:
        # SQLite stores NaN as NULL, so it cannot round-trip; refuse it everywhere.
        raise DataError(f"{label}: {type_repr} does not store NaN (SQLite turns it into NULL)")

    def process(value: Any) -> Any:
        if type(value) is float:
            if value != value:
                reject_nan()
            return value
        if value is None:
            return None
        if isinstance(value, float):
            value = float(value)
            if value != value:
                reject_nan()
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                converted = float(value)
            except OverflowError:
                converted = float("nan")
            if converted != value:
                raise DataError(
                    f"{label}: int {number_text(value)} is not exactly representable by {type_repr}"
                )
            return converted
        raise_wrong_type(label, type_repr, "float or int", value)

    def process_many(values: list[Any]) -> list[Any]:
        types = value_types(values)
        if types <= _FLOAT_OR_NONE and not any(map(math.isnan, not_none(values, types))):
            return values
        return list(map(process, values))

    return with_batch(process, process_many)


# ---------------------------------------------------------------------- numeric


def numeric_bind(
    label: str,
    type_repr: str,
    precision: int | None,
    scale: int | None,
    storage: str,
) -> Processor:
    """Takes ``Decimal`` (finite) and ``int``; refuses ``float`` (inexact) and rounding.

    A value with more fraction digits than *scale*, or more integer digits than
    ``precision - scale``, is refused rather than rounded. *storage* is what the
    driver gets: ``"decimal"`` (the Decimal itself, PostgreSQL), ``"scaled"``
    (``value * 10**scale`` as an int, SQLite) or ``"sortable"`` (the text of
    :mod:`aorm.sql._decimal_codec`, SQLite).
    """
    fraction_limit = MAX_FRACTION_DIGITS if scale is None else scale
    integer_limit = MAX_INTEGER_DIGITS if precision is None else precision - (scale or 0)
    factor = 10 ** (scale or 0)

    def refuse(value: Decimal) -> NoReturn:
        """The DataError for a finite *value* that does not fit (slow path, exact counts)."""
        _, digits, e = significant_digits(value)
        fraction_digits = len(digits) - e
        if fraction_digits > fraction_limit:
            raise DataError(
                f"{label}: {number_text(value)} has {fraction_digits} fraction digits,"
                f" {type_repr} keeps"
                f" {fraction_limit}; round it explicitly (Decimal.quantize) before binding"
            )
        raise DataError(
            f"{label}: {number_text(value)} has {e} integer digits,"
            f" {type_repr} allows {integer_limit}"
        )

    def scaled(value: Decimal) -> int:
        """``value * 10**scale`` exactly, or DataError (constrained types)."""
        if value:
            # Bounds first: they also keep as_integer_ratio() away from absurd exponents.
            adjusted = value.adjusted()
            if adjusted >= integer_limit or adjusted < -fraction_limit:
                refuse(value)
        numerator, denominator = value.as_integer_ratio()
        result, remainder = divmod(numerator * factor, denominator)
        if remainder:
            refuse(value)
        return int(result)

    def convert_constrained(value: Decimal) -> Any:
        if not value.is_finite():
            raise DataError(f"{label}: {type_repr} does not store {value}")
        stored = scaled(value)
        if storage == "scaled":
            return stored
        return value if storage == "decimal" else encode_sortable(value)

    def convert_unconstrained(value: Decimal) -> Any:
        if not value.is_finite():
            raise DataError(f"{label}: {type_repr} does not store {value}")
        # Cheap common case: a short value is far from every limit.
        if storage == "decimal" and len(str(value)) < 1000 and -1000 < value.adjusted() < 1000:
            return value
        sign, digits, e = significant_digits(value)
        if digits and (len(digits) - e > fraction_limit or e > integer_limit):
            refuse(value)
        return value if storage == "decimal" else encode_sortable_parts(sign, digits, e)

    convert = convert_unconstrained if precision is None else convert_constrained

    def process(value: Any) -> Any:
        if type(value) is Decimal:
            return convert(value)
        if value is None:
            return None
        if isinstance(value, Decimal):
            return convert(Decimal(value))
        if isinstance(value, int) and not isinstance(value, bool):
            return convert(Decimal(int(value)))
        if isinstance(value, float):
            raise DataError(
                f"{label}: {type_repr} takes Decimal or int, got float, which is not exact;"
                f" pass Decimal(str(value)) or Decimal('…')"
            )
        raise_wrong_type(label, type_repr, "Decimal or int", value)

    return process


def numeric_result_scaled(type_repr: str, scale: int) -> Processor:
    """SQLite scaled-integer storage back to a Decimal with *scale* fraction digits."""

    exponent = f"E-{scale}"

    def process(value: Any) -> Any:
        if type(value) is int:
            # The constructor is exact whatever the caller's decimal context
            # (scaleb() would round to its precision).
            return Decimal(f"{value}{exponent}")
        if value is None:
            return None
        raise_unreadable(type_repr, value, "expected a scaled integer")

    return process


def numeric_result_sortable(type_repr: str, scale: int | None) -> Processor:
    """SQLite sortable-text storage back to a Decimal (with *scale* digits if given)."""

    def process(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is str:
            try:
                return decode_sortable(value, scale)
            except ValueError as exc:
                raise_unreadable(type_repr, value, str(exc))
        raise_unreadable(type_repr, value, "expected sortable decimal text")

    return process


# ------------------------------------------------------------------------- text

# A lone surrogate code point has no UTF-8 form; both drivers would fail on it.
_SURROGATE = re.compile("[\ud800-\udfff]")


# Most characters a batch of strings is joined into to be checked at once.
_JOIN_LIMIT = 1 << 22


def raise_surrogate(label: str, type_repr: str) -> NoReturn:
    """Raise the DataError for text holding a lone surrogate (not encodable as UTF-8)."""
    raise DataError(
        f"{label}: {type_repr} cannot store a lone surrogate code point (not valid UTF-8)"
    )


def string_bind(label: str, type_repr: str, length: int | None) -> Processor:
    """Takes ``str`` without NUL characters and at most *length* characters."""

    def process(value: Any) -> Any:
        if isinstance(value, str):
            # PostgreSQL cannot store NUL in text; refuse it on SQLite too, for one behaviour.
            if "\x00" in value:
                raise DataError(f"{label}: {type_repr} cannot store the NUL character '\\x00'")
            if not value.isascii() and _SURROGATE.search(value) is not None:
                raise_surrogate(label, type_repr)
            if length is not None and len(value) > length:
                raise DataError(
                    f"{label}: a string of {len(value)} characters does not fit {type_repr}"
                )
            return value
        if value is None:
            return None
        raise_wrong_type(label, type_repr, "str", value)

    def process_many(values: list[Any]) -> list[Any]:
        types = value_types(values)
        if types <= _STR_OR_NONE:
            texts = values if _NONE_TYPE not in types else list(not_none(values, types))
            longest = max(map(len, texts), default=0)
            # One joined copy scanned once is the fastest check, but only of a
            # bounded size: long texts go one by one (their size dominates anyway).
            if (length is None or longest <= length) and longest * len(texts) <= _JOIN_LIMIT:
                joined = "".join(texts)
                if "\x00" not in joined and (joined.isascii() or _SURROGATE.search(joined) is None):
                    return values
        return list(map(process, values))

    return with_batch(process, process_many)


# ---------------------------------------------------------------------- boolean


def boolean_bind(label: str, type_repr: str) -> Processor:
    """Takes ``bool`` only (not 0/1); both drivers bind it as they are given it."""

    def process(value: Any) -> Any:
        if value is True or value is False or value is None:
            return value
        raise_wrong_type(label, type_repr, "bool", value)

    def process_many(values: list[Any]) -> list[Any]:
        if value_types(values) <= _BOOL_OR_NONE:
            return values
        return list(map(process, values))

    return with_batch(process, process_many)


def boolean_result_from_int(type_repr: str) -> Processor:
    """SQLite's 0/1 back to ``bool``."""

    def process(value: Any) -> Any:
        if value == 1:
            return True
        if value is None:
            return None
        if value == 0:
            return False
        raise_unreadable(type_repr, value, "expected 0 or 1")

    return process


# ------------------------------------------------------------------------- json

# A JSON escape of NUL that is not itself an escaped backslash followed by "u0000".
_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def json_bind(label: str, type_repr: str) -> Processor:
    """Serialises a JSON-able value to text for both drivers (asyncpg has no jsonb codec set).

    Refused: NaN and infinities (not JSON), values ``json`` cannot encode, and
    NUL characters in strings (PostgreSQL's jsonb refuses ``\\u0000``).
    """
    dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode

    def process(value: Any) -> Any:
        if value is None:
            return None
        try:
            text = dumps(value)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{label}: {type_repr} cannot encode the value: {exc}") from exc
        if "\\u0000" in text and _JSON_NUL.search(text):
            raise DataError(f"{label}: {type_repr} cannot store the NUL character '\\x00'")
        if not text.isascii() and _SURROGATE.search(text) is not None:
            raise_surrogate(label, type_repr)
        return text

    return process


def json_result(type_repr: str) -> Processor:
    """JSON text back to Python values."""
    loads = json.loads

    def process(value: Any) -> Any:
        if value is None:
            return None
        try:
            return loads(value)
        except (TypeError, ValueError) as exc:
            raise_unreadable(type_repr, value, str(exc))

    return process


# ------------------------------------------------------------------------- uuid


def uuid_bind(label: str, type_repr: str, as_text: bool) -> Processor:
    """Takes ``uuid.UUID`` only; SQLite gets its 36-character lowercase text."""
    uuid_class = uuid.UUID

    def process(value: Any) -> Any:
        if isinstance(value, uuid_class):
            return str(value) if as_text else value
        if value is None:
            return None
        raise_wrong_type(label, type_repr, "uuid.UUID", value)

    def process_many(values: list[Any]) -> list[Any]:
        if value_types(values) == {uuid_class}:
            return list(map(str, values)) if as_text else values
        return list(map(process, values))

    return with_batch(process, process_many)


def uuid_result(type_repr: str) -> Processor:
    """SQLite text, or asyncpg's own UUID subclass, back to a plain ``uuid.UUID``."""
    uuid_class = uuid.UUID

    def process(value: Any) -> Any:
        if value is None or type(value) is uuid_class:
            return value
        try:
            if isinstance(value, uuid_class):
                return uuid_class(int=value.int)
            return uuid_class(value)
        except (TypeError, ValueError, AttributeError) as exc:
            raise_unreadable(type_repr, value, str(exc))

    return process


# ----------------------------------------------------------------------- binary


def binary_bind(label: str, type_repr: str) -> Processor:
    """Takes ``bytes``, ``bytearray`` and ``memoryview``; both drivers take them as they are."""

    def process(value: Any) -> Any:
        if type(value) is bytes or value is None:
            return value
        if isinstance(value, bytes | bytearray):
            return value
        if isinstance(value, memoryview):
            # A strided or multi-dimensional view is not one run of bytes: copy it.
            return value if value.c_contiguous and value.ndim <= 1 else value.tobytes()
        raise_wrong_type(label, type_repr, "bytes, bytearray or memoryview", value)

    return process


# ------------------------------------------------------------------------- enum


def enum_bind(label: str, type_repr: str, enum_class: type[Enum]) -> Processor:
    """Takes members of *enum_class* only; the driver gets the member's name."""

    def process(value: Any) -> Any:
        if isinstance(value, enum_class):
            return value.name
        if value is None:
            return None
        raise_wrong_type(label, type_repr, f"a {enum_class.__qualname__} member", value)

    return process


def enum_result(type_repr: str, members: Mapping[str, Enum]) -> Processor:
    """A stored name back to its member."""

    lookup = members.get

    def process(value: Any) -> Any:
        if value is None:
            return None
        member = lookup(value) if type(value) is str else None
        if member is None:
            raise_unreadable(type_repr, value, f"{value!r} is not a member name")
        return member

    return process
