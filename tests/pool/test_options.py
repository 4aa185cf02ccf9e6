"""Bad options are refused at once, with the option named."""

from __future__ import annotations

from typing import Any

import pytest

from aorm.exc import ArgumentError
from aorm.pool import Pool
from tests.pool.fakes import FakeConnector


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"size": -1}, "size"),
        ({"size": 1.5}, "size"),
        ({"max_overflow": -1}, "max_overflow"),
        ({"size": 0, "max_overflow": 0}, "at least one connection"),
        ({"min_size": 6}, "min_size=6 cannot exceed size=5"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"max_waiting": -1}, "max_waiting"),
        ({"recycle": 0}, "recycle"),
        ({"max_idle": -5}, "max_idle"),
        ({"warn_held_after": 0}, "warn_held_after"),
        ({"reset": "rollback"}, "reset"),
        ({"on_connect": 42}, "on_connect"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], named: str) -> None:
    with pytest.raises(ArgumentError, match=named):
        Pool(FakeConnector(), **options)


def test_connect_must_be_callable() -> None:
    with pytest.raises(ArgumentError, match="connect"):
        Pool("postgresql://localhost")  # type: ignore[arg-type]


def test_overflow_only_pool_is_allowed() -> None:
    pool = Pool(FakeConnector(), size=0, max_overflow=2)
    assert pool.stats().max_size == 2
