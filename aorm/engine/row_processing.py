"""Result processors applied to fetched rows: :func:`apply_processors`.

Drivers hand back rows as tuples of what they decoded; a column whose type
needs converting (text timestamps on SQLite, say) has a result processor.
A few rows are processed row by row. Many rows go column by column: each
processed column is read out in one C pass and converted whole (through its
processor's column-wise form where it has one), then the rows are rebuilt by
a comprehension written for the row shape (the width, and which positions
change): one unpack and one tuple per row. Transposing every row into
columns and back, as this did before, cost twice that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from aorm._collector import PausedCollector
from aorm.sql.compiled import Processor, batch_of

__all__ = ["apply_processors"]

#: Below this many rows, processing goes row by row rather than column by column.
_FEW_ROWS = 8

_Rebuild = Callable[..., list[tuple[Any, ...]]]


def apply_processors(
    rows: list[tuple[Any, ...]], processors: Sequence[Processor | None] | None
) -> list[tuple[Any, ...]]:
    """*rows* with each column's result processor applied (the same list if there are none).

    NULL stays ``None`` without calling the processor.
    """
    if not rows or not processors:
        return rows
    width = len(rows[0])
    positions = tuple(i for i, p in enumerate(processors[:width]) if p is not None)
    if not positions:
        return rows
    if len(rows) < _FEW_ROWS:
        # A handful (a get by key): no columns to read out.
        return [_process_row(row, processors) for row in rows]
    # Every row and value made here is new: one young collection afterwards
    # instead of one per few hundred of them (see aorm._collector).
    with PausedCollector():
        try:
            columns = [list(map(itemgetter(i), rows)) for i in positions]
        except IndexError:
            # A row narrower than the first (never from one statement).
            return [_process_row(row, processors) for row in rows]
        converted = [
            _convert_column(processors[i], column)
            for i, column in zip(positions, columns, strict=True)
        ]
        try:
            return _rebuilder(width, positions)(rows, *converted)
        except ValueError:
            # A row wider than the first: its unpacking failed.
            return [_process_row(row, processors) for row in rows]


def _convert_column(processor: Processor | None, column: list[Any]) -> list[Any]:
    assert processor is not None
    batch = batch_of(processor)
    if batch is not None:
        # A column-wise form (text timestamps on SQLite, say) does the whole
        # column in C; it maps None to None itself.
        return batch(column)
    return [None if v is None else processor(v) for v in column]


@lru_cache(maxsize=256)
def _rebuilder(width: int, positions: tuple[int, ...]) -> _Rebuild:
    """``rebuild(rows, *converted_columns)`` for rows of *width* whose *positions* change.

    For a width of 4 and position 3, the generated body is
    ``[(v0, v1, v2, n3) for (v0, v1, v2, _), n3 in zip(rows, c3)]``.
    """
    changed = set(positions)
    targets = ", ".join("_" if i in changed else f"v{i}" for i in range(width))
    values = ", ".join(f"n{i}" if i in changed else f"v{i}" for i in range(width))
    new = ", ".join(f"n{i}" for i in positions)
    columns = ", ".join(f"c{i}" for i in positions)
    source = (
        f"def rebuild(rows, {columns}):\n"
        f"    return [({values},) for ({targets},), {new} in zip(rows, {columns})]\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<aorm row rebuild {width}:{positions}>", "exec"), namespace)
    rebuild: _Rebuild = namespace["rebuild"]
    return rebuild


def _process_row(row: tuple[Any, ...], processors: Sequence[Processor | None]) -> tuple[Any, ...]:
    values = list(row)
    for position, p in enumerate(processors[: len(values)]):
        if p is not None:
            value = values[position]
            if value is not None:
                values[position] = p(value)
    return tuple(values)
