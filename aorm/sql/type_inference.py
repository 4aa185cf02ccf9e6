"""The SQL type of a Python value that has no column to take a type from.

``literal(5)``, ``case(..., else_="x")`` and untyped comparisons need a type
to check and convert the value with. Shared instances keep cache keys small.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from aorm.sql import types as sqltypes
from aorm.sql.types import TypeEngine

__all__ = [
    "BOOLEAN",
    "NULLTYPE",
    "infer_type",
    "is_bytes_type",
    "is_integer_type",
    "is_null_type",
    "is_string_type",
]

NULLTYPE: TypeEngine = sqltypes.NullType()
BOOLEAN: TypeEngine = sqltypes.Boolean()

# Shared instances for the common classes; anything else goes to the types module.
_BY_CLASS: dict[type[Any], TypeEngine] = {
    bool: BOOLEAN,
    int: sqltypes.BigInteger(),
    float: sqltypes.Float(),
    decimal.Decimal: sqltypes.Numeric(),
    str: sqltypes.String(),
    datetime.date: sqltypes.Date(),
    bytes: sqltypes.LargeBinary(),
    uuid.UUID: sqltypes.UUID(),
}


def infer_type(value: Any) -> TypeEngine:
    """The type a bare Python *value* is sent as (``NullType`` when there is none).

    ``int`` becomes ``BigInteger`` so large values fit; a ``datetime`` is
    timezone-aware or naive like the value; an enum member takes ``Enum``.
    """
    found = _BY_CLASS.get(type(value))
    if found is not None:
        return found
    if value is None:
        return NULLTYPE
    return sqltypes.type_for_value(value)


def is_null_type(type_: TypeEngine) -> bool:
    """True for the "unknown" type of untyped expressions."""
    return isinstance(type_, sqltypes.NullType)


def is_string_type(type_: TypeEngine) -> bool:
    """True for types whose values are text (``+`` means concatenation)."""
    return isinstance(type_, sqltypes.String | sqltypes.Text) and type_.python_type is str


def is_integer_type(type_: TypeEngine) -> bool:
    """True for Integer, BigInteger and SmallInteger (candidates for auto-increment keys)."""
    return isinstance(type_, sqltypes.Integer | sqltypes.BigInteger | sqltypes.SmallInteger)


def is_bytes_type(type_: TypeEngine) -> bool:
    """True for types whose values are bytes."""
    return type_.python_type is bytes
