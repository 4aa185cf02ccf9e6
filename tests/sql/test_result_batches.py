"""Result columns read column by column give what reading each value gives.

SQLite keeps timestamps and dates as text; a column of text only is parsed
by one C-level map, anything else (NULLs, a value that is not valid text)
value by value, which raises the same error naming the same value.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from aorm.engine.row_processing import apply_processors
from aorm.exc import AormError
from aorm.sql._temporal_processors import date_result_from_text, datetime_result_from_text
from aorm.sql.compiled import Processor, batch_of

NAIVE = datetime_result_from_text("DATETIME", False)
DAY = date_result_from_text("DATE")


def _one_by_one(processor: Processor, values: list[Any]) -> list[Any] | str:
    try:
        return [None if v is None else processor(v) for v in values]
    except AormError as exc:
        return f"{type(exc).__name__}: {exc}"


def _batched(processor: Processor, values: list[Any]) -> list[Any] | str:
    batch = batch_of(processor)
    assert batch is not None
    try:
        return batch(list(values))
    except AormError as exc:
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize(
    "values",
    [
        ["2024-01-02 03:04:05", "2024-01-02 03:04:05.123456", "1999-12-31T23:59:59"],
        ["2024-01-02 03:04:05", None, "2024-02-03 00:00:00"],
        [None, None],
        ["2024-01-02 03:04:05", "not a time", "2024-02-03 00:00:00"],
        ["2024-01-02 03:04:05", 17],
        [],
    ],
)
def test_text_timestamps_read_as_a_column_as_they_do_one_by_one(values: list[Any]) -> None:
    assert _batched(NAIVE, values) == _one_by_one(NAIVE, values)


@pytest.mark.parametrize(
    "values",
    [
        ["2024-01-02", "1999-12-31"],
        ["2024-01-02", None],
        ["2024-01-02", "2024-13-01"],
        [b"2024-01-02"],
    ],
)
def test_text_dates_read_as_a_column_as_they_do_one_by_one(values: list[Any]) -> None:
    assert _batched(DAY, values) == _one_by_one(DAY, values)


def test_a_clean_column_is_parsed_whole() -> None:
    rows = [(1, "2024-01-02 03:04:05", "2024-01-02"), (2, "2025-06-07 08:09:10", "2025-06-07")]
    assert apply_processors(rows, [None, NAIVE, DAY]) == [
        (1, datetime(2024, 1, 2, 3, 4, 5), date(2024, 1, 2)),
        (2, datetime(2025, 6, 7, 8, 9, 10), date(2025, 6, 7)),
    ]


def test_processors_that_cannot_be_registered_are_still_applied() -> None:
    # A method descriptor cannot be weakly referenced, so it has no batch form.
    assert batch_of(str.upper) is None
    assert apply_processors([("a",), (None,)], [str.upper]) == [("A",), (None,)]
