"""The order-preserving decimal text used for Numeric on SQLite."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

import pytest

from aorm.sql._decimal_codec import decode_sortable, encode_sortable


def _values() -> list[Decimal]:
    rng = random.Random(20240601)
    values = [
        Decimal(text)
        for text in (
            "0",
            "-0",
            "1",
            "-1",
            "0.1",
            "-0.1",
            "0.12",
            "0.123",
            "-0.12",
            "-0.123",
            "9",
            "10",
            "11",
            "99.999",
            "100",
            "1E+2",
            "-99.999",
            "-100",
            "1E-16383",
            "-1E-16383",
            "1E+131071",
            "-1E+131071",
            "0.0000000000000000000000000000001",
            "12345678901234567890.123456789",
        )
    ]
    for _ in range(3000):
        digits = rng.randint(-(10 ** rng.randint(1, 30)), 10 ** rng.randint(1, 30))
        values.append(Decimal(digits).scaleb(rng.randint(-40, 40)))
    return values


def test_text_order_is_numeric_order() -> None:
    values = _values()
    by_text = sorted(values, key=encode_sortable)
    assert all(a <= b for a, b in itertools.pairwise(by_text))


def test_equal_numbers_have_one_encoding() -> None:
    assert encode_sortable(Decimal("1.10")) == encode_sortable(Decimal("1.1"))
    assert encode_sortable(Decimal("1E+2")) == encode_sortable(Decimal("100.000"))
    assert encode_sortable(Decimal("-0.0")) == encode_sortable(Decimal("0")) == "1"


def test_decode_inverts_encode() -> None:
    for value in _values():
        assert decode_sortable(encode_sortable(value), None) == value


@pytest.mark.parametrize(
    ("value", "scale", "text"),
    [
        ("1E+2", None, "100"),
        ("0.10", None, "0.1"),
        ("0.1", 3, "0.100"),
        ("0", 2, "0.00"),
        ("-5", 0, "-5"),
        ("-12.5", 4, "-12.5000"),
        ("1E-20", None, "1E-20"),
    ],
)
def test_decoded_form(value: str, scale: int | None, text: str) -> None:
    assert str(decode_sortable(encode_sortable(Decimal(value)), scale)) == text


@pytest.mark.parametrize("text", ["", "3000001", "2abc", "0500001x", "05000011", "1x", "2500001-1"])
def test_garbage_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="sortable decimal"):
        decode_sortable(text, None)
