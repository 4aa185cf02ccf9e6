"""Checks for the options the pools take: each bad value raises ``ArgumentError`` naming it."""

from __future__ import annotations

import math

from aorm.exc import ArgumentError

__all__ = ["check_callable", "check_count", "check_seconds", "check_sizes"]


def check_count(name: str, value: object, minimum: int) -> int:
    """*value* as an int of at least *minimum*."""
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ArgumentError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def check_seconds(name: str, value: object, *, zero_ok: bool) -> float | None:
    """*value* as seconds (None stays None; ``math.inf`` is allowed and means no limit)."""
    if value is None:
        return None
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or math.isnan(value)
        or value < 0
        or (value == 0 and not zero_ok)
    ):
        bound = ">= 0" if zero_ok else "> 0"
        raise ArgumentError(f"{name} must be None or a number of seconds {bound}, got {value!r}")
    return float(value)


def check_callable(name: str, value: object) -> None:
    """*value* is None or callable."""
    if value is not None and not callable(value):
        raise ArgumentError(f"{name} must be None or an async callable, got {value!r}")


def check_sizes(size: object, max_overflow: object, min_size: object) -> tuple[int, int, int]:
    """``(size, max_overflow, min_size)`` checked against each other."""
    checked_size = check_count("size", size, 0)
    checked_overflow = check_count("max_overflow", max_overflow, 0)
    checked_min = check_count("min_size", min_size, 0)
    if checked_size + checked_overflow < 1:
        raise ArgumentError(
            f"size={size} + max_overflow={max_overflow} must allow at least one connection"
        )
    if checked_min > checked_size:
        raise ArgumentError(f"min_size={min_size} cannot exceed size={size}")
    return checked_size, checked_overflow, checked_min
