"""Exact decimals on SQLite: an order-preserving text encoding and scaled integers.

SQLite has no exact decimal type (NUMERIC affinity turns ``'0.10'`` into the
float ``0.1``), so :class:`~aorm.sql.types.Numeric` stores one of two exact
forms there:

* **scaled integer** (a scale is given and ``precision <= 18``): the value
  times ``10**scale`` as a 64-bit INTEGER. Exact, compact and ordered by
  SQLite's integer comparison.
* **sortable text** (no scale, or ``precision > 18``): a string whose byte
  order (SQLite's default ``BINARY`` collation) is the numeric order, so
  ``=``, ``<``, ``ORDER BY``, ``MIN``/``MAX`` and unique indexes behave as for
  numbers. Each value has one encoding, so equal numbers compare equal
  (``Decimal('1.10')`` and ``Decimal('1.1')`` encode alike).

The text form is ``<sign><exponent><digits>``:

* sign ``"0"`` negative, ``"1"`` zero (the whole encoding is ``"1"``), ``"2"``
  positive;
* the value is ``0.d1d2d3… * 10**e`` with ``d1 != 0`` and no trailing zero
  digits; a positive value writes ``e + 500000`` as six digits and then its
  digits; a negative one writes ``500000 - e`` and the nines' complement of
  its digits followed by ``"~"`` (which sorts after every digit), so a longer
  digit string (a larger magnitude) sorts first.

Both forms are kept within PostgreSQL's NUMERIC limits (131072 digits before
the point, 16383 after), so a value that one backend accepts the other does.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = [
    "MAX_FRACTION_DIGITS",
    "MAX_INTEGER_DIGITS",
    "decode_sortable",
    "encode_sortable",
    "encode_sortable_parts",
    "significant_digits",
]

#: PostgreSQL NUMERIC limits: digits before and after the decimal point.
MAX_INTEGER_DIGITS = 131072
MAX_FRACTION_DIGITS = 16383

_EXPONENT_BIAS = 500000
_COMPLEMENT = str.maketrans("0123456789", "9876543210")
_NEGATIVE_END = "~"
_SORTABLE_FORM = re.compile(r"1|2[0-9]{6}[0-9]+|0[0-9]{6}[0-9]+~")


def significant_digits(value: Decimal) -> tuple[int, str, int]:
    """Sign, significant digits (no leading/trailing zeros) and exponent ``e``.

    ``value == (-1)**sign * 0.<digits> * 10**e``; digits ``""`` for zero.
    """
    # str() is exact and much cheaper than as_tuple(): "-12.34", "1.2E+5", "1E-7"
    # (or "1e-7" under a context with capitals=0).
    text = str(value)
    sign = 1 if text[0] == "-" else 0
    mantissa, _, exponent_text = text[sign:].upper().partition("E")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    stripped = digits.rstrip("0")
    # The last digit's exponent, raised by each trailing zero dropped.
    last_digit_exponent = (
        (int(exponent_text) if exponent_text else 0) - len(fraction) + len(digits) - len(stripped)
    )
    return sign, stripped, last_digit_exponent + len(stripped)


def encode_sortable(value: Decimal) -> str:
    """The order-preserving text form of finite *value* (see the module docstring)."""
    return encode_sortable_parts(*significant_digits(value))


def encode_sortable_parts(sign: int, digits: str, e: int) -> str:
    """:func:`encode_sortable` of the parts :func:`significant_digits` returns."""
    if not digits:
        return "1"
    if sign == 0:
        return f"2{e + _EXPONENT_BIAS:06d}{digits}"
    return f"0{_EXPONENT_BIAS - e:06d}{digits.translate(_COMPLEMENT)}{_NEGATIVE_END}"


def decode_sortable(text: str, scale: int | None) -> Decimal:
    """The Decimal that :func:`encode_sortable` turned into *text*.

    Integral values come back with exponent 0 (``Decimal('100')``, never
    ``Decimal('1E+2')``); with *scale* set, the value has exactly *scale*
    fraction digits (``Decimal('0.10')`` for scale 2), as PostgreSQL returns it.
    Raises ``ValueError`` for text that is not such an encoding.
    """
    if _SORTABLE_FORM.fullmatch(text) is None:
        raise ValueError(f"not a sortable decimal encoding: {text[:40]!r}")
    marker = text[0]
    if marker == "1":
        digits, point_exponent, negative = "0", 0, False
    elif marker == "2":
        digits = text[7:]
        point_exponent = int(text[1:7]) - _EXPONENT_BIAS - len(digits)
        negative = False
    else:
        digits = text[7:-1].translate(_COMPLEMENT)
        point_exponent = _EXPONENT_BIAS - int(text[1:7]) - len(digits)
        negative = True
    target = 0 if scale is None else -scale
    if point_exponent > target:
        digits += "0" * (point_exponent - target)
        point_exponent = target
    return Decimal(f"{'-' if negative else ''}{digits}E{point_exponent}")
