"""``ColumnCollection``: the ordered, keyed ``.c`` of tables, aliases and subqueries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Generic, TypeVar, overload

from aorm.exc import ArgumentError

__all__ = ["ColumnCollection"]

ColumnT = TypeVar("ColumnT")


class ColumnCollection(Generic[ColumnT]):
    """Columns in order, reachable by key as an attribute (``t.c.name``) or item (``t.c["name"]``).

    Also by position (``t.c[0]``). Iterating yields the columns. ``"name" in
    t.c`` tests a key; ``column in t.c`` tests membership of that very object.
    """

    __slots__ = ("_by_key", "_columns")

    def __init__(self, items: Iterable[tuple[str, ColumnT]] = ()) -> None:
        self._columns: list[ColumnT] = []
        self._by_key: dict[str, ColumnT] = {}
        for key, column in items:
            self._add(key, column)

    def _add(self, key: str, column: ColumnT) -> None:
        if key in self._by_key:
            raise ArgumentError(f"duplicate column key {key!r}")
        self._by_key[key] = column
        self._columns.append(column)

    def _remove(self, key: str) -> None:
        column = self._by_key.pop(key)
        self._columns = [c for c in self._columns if c is not column]

    def __getattr__(self, key: str) -> ColumnT:
        if key.startswith("__") or key in ("_by_key", "_columns"):
            raise AttributeError(key)  # unset slots (copy, pickle) must not recurse
        try:
            return self._by_key[key]
        except KeyError:
            raise AttributeError(
                f"no column {key!r}; columns are {', '.join(self._by_key) or '(none)'}"
            ) from None

    @overload
    def __getitem__(self, key: str | int) -> ColumnT: ...

    @overload
    def __getitem__(self, key: slice) -> list[ColumnT]: ...

    def __getitem__(self, key: str | int | slice) -> ColumnT | list[ColumnT]:
        if isinstance(key, str):
            try:
                return self._by_key[key]
            except KeyError:
                raise KeyError(
                    f"no column {key!r}; columns are {', '.join(self._by_key) or '(none)'}"
                ) from None
        return self._columns[key]

    def __contains__(self, item: object) -> bool:
        if isinstance(item, str):
            return item in self._by_key
        return any(c is item for c in self._columns)

    def __iter__(self) -> Iterator[ColumnT]:
        return iter(list(self._columns))

    def __len__(self) -> int:
        return len(self._columns)

    def __bool__(self) -> bool:
        return bool(self._columns)

    def get(self, key: str, default: Any = None) -> Any:
        """The column under *key*, or *default*."""
        return self._by_key.get(key, default)

    def keys(self) -> list[str]:
        """The keys, in order."""
        return list(self._by_key)

    def values(self) -> list[ColumnT]:
        """The columns, in order."""
        return list(self._columns)

    def items(self) -> list[tuple[str, ColumnT]]:
        """``(key, column)`` pairs, in order."""
        return list(self._by_key.items())

    def __repr__(self) -> str:
        return f"ColumnCollection({', '.join(self._by_key)})"

    # Pickling / copying go through __getattr__ otherwise.
    def __getstate__(self) -> tuple[list[ColumnT], dict[str, ColumnT]]:
        return self._columns, self._by_key

    def __setstate__(self, state: tuple[list[ColumnT], dict[str, ColumnT]]) -> None:
        self._columns, self._by_key = state
