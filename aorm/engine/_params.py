"""How ``execute()`` reads its parameters: one mapping, or a list of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aorm.exc import ArgumentError
from aorm.sql.keyed_rows import KeyedRows

__all__ = ["add_counts", "is_many", "single"]


_DICT = {dict}


def add_counts(total: int, count: int) -> int:
    """Sum of row counts, where -1 (unknown) in either makes the sum unknown."""
    return -1 if total < 0 or count < 0 else total + count


def is_many(parameters: Any) -> bool:
    """True for a list of mappings (an executemany); ArgumentError for anything else odd."""
    if type(parameters) is dict:
        return False
    if type(parameters) is list and set(map(type, parameters)) == _DICT:
        # The common many: plain dicts, checked in C without the ABC machinery.
        return True
    if type(parameters) is KeyedRows:
        return True
    if parameters is None or isinstance(parameters, Mapping):
        return False
    if isinstance(parameters, (str, bytes)) or not isinstance(parameters, Sequence):
        raise ArgumentError(
            "execute() parameters must be a mapping or a list of mappings, "
            f"got {type(parameters).__name__}"
        )
    for row in parameters:
        if not isinstance(row, Mapping):
            raise ArgumentError(
                "execute() parameters must be a mapping or a list of mappings; "
                f"the list holds a {type(row).__name__}"
            )
    return True


def single(parameters: Any) -> Mapping[str, Any] | None:
    """*parameters* as one mapping (or None); ArgumentError otherwise."""
    if parameters is None:
        return None
    if type(parameters) is dict or isinstance(parameters, Mapping):
        return parameters
    raise ArgumentError(
        f"parameters must be a mapping for this call, got {type(parameters).__name__}"
    )
