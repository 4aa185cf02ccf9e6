"""Rows that all set the same keys, kept as one tuple of values per row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

__all__ = ["KeyedRows"]


class KeyedRows(Sequence[Mapping[str, Any]]):
    """Rows that all set the same *keys*, each given as a tuple of values in that order.

    What a flush sends for new and changed objects: one tuple per object
    read straight from its ``__dict__``, without a dict per row that the
    statement would only take apart again (``Compiled.bind_many()`` reads
    them column by column). It still reads as a list of mappings (each made
    on demand) wherever rows are taken one by one.
    """

    __slots__ = ("keys", "values")

    def __init__(self, keys: tuple[str, ...], values: list[tuple[Any, ...]]) -> None:
        self.keys = keys
        self.values = values

    def __len__(self) -> int:
        return len(self.values)

    @overload
    def __getitem__(self, index: int) -> Mapping[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Mapping[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> Mapping[str, Any] | Sequence[Mapping[str, Any]]:
        keys = self.keys
        if isinstance(index, slice):
            return [dict(zip(keys, row, strict=True)) for row in self.values[index]]
        return dict(zip(keys, self.values[index], strict=True))

    def __repr__(self) -> str:
        return f"<KeyedRows of {len(self.values)} rows setting {', '.join(self.keys)}>"
