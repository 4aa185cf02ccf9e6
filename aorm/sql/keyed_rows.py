"""Rows that all set the same keys, kept as one tuple of values per row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, overload

__all__ = ["KeyedRows", "columns_of"]


def columns_of(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """The values of *rows* (each holding at least *width*) position by position: one list each.

    ``zip(*rows)`` gives the same, but makes an iterator per row on the way:
    tens of kilobytes per thousand rows, live at once, at the moment a
    flush or a load is at its largest.
    """
    return [list(map(itemgetter(position), rows)) for position in range(width)]


class KeyedRows(Sequence[Mapping[str, Any]]):
    r"""Rows that all set the same *keys*, each given as a tuple of values in that order.

    What a flush sends for new and changed objects: one tuple per object
    read straight from its ``__dict__``, without a dict per row that the
    statement would only take apart again (``Compiled.bind_many()`` reads
    them column by column). It still reads as a list of mappings (each made
    on demand) wherever rows are taken one by one.

    :meth:`of_dicts` makes the rows from mappings (objects' ``__dict__``\ s)
    only when ``values`` is first read: a statement that takes its
    parameters column by column (PostgreSQL's arrays) reads the columns
    straight from the mappings, and no tuple per row is ever made.

    *checked* says the maker has made sure no value is a SQL expression (a
    flush checks its rows as it reads them), so an INSERT need not look again.
    """

    __slots__ = ("_fields", "_sources", "_values", "checked", "keys")

    def __init__(
        self, keys: tuple[str, ...], values: list[tuple[Any, ...]], *, checked: bool = False
    ) -> None:
        self.keys = keys
        self.checked = checked
        self._values: list[tuple[Any, ...]] | None = values
        self._sources: Sequence[Mapping[str, Any]] = ()
        self._fields: tuple[str, ...] = ()

    @classmethod
    def of_dicts(
        cls,
        keys: tuple[str, ...],
        sources: Sequence[Mapping[str, Any]],
        fields: tuple[str, ...],
        *,
        checked: bool = False,
    ) -> KeyedRows:
        """Rows whose *keys* take the values of *fields* (in the same order) of each of *sources*.

        The sources are read when the rows or columns are, so they must not
        change in between.
        """
        if len(fields) != len(keys):
            raise ValueError("of_dicts() needs one field per key")
        rows = cls(keys, [], checked=checked)
        rows._values = None
        rows._sources = sources
        rows._fields = fields
        return rows

    @property
    def values(self) -> list[tuple[Any, ...]]:
        """One tuple of values per row, in ``keys`` order."""
        values = self._values
        if values is None:
            fields = self._fields
            if len(fields) == 1:
                (field,) = fields
                values = [(source[field],) for source in self._sources]
            else:
                values = list(map(itemgetter(*fields), self._sources))
            self._values = values
            self._sources = ()
        return values

    def __len__(self) -> int:
        return len(self._sources) if self._values is None else len(self._values)

    @overload
    def __getitem__(self, index: int) -> Mapping[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Mapping[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> Mapping[str, Any] | Sequence[Mapping[str, Any]]:
        keys = self.keys
        if isinstance(index, slice):
            return [dict(zip(keys, row, strict=True)) for row in self.values[index]]
        return dict(zip(keys, self.values[index], strict=True))

    def column(self, key: str) -> list[Any]:
        """The values of *key*, in row order (a new list); KeyError if the rows have no *key*."""
        try:
            position = self.keys.index(key)
        except ValueError:
            raise KeyError(key) from None
        if self._values is None:
            return list(map(itemgetter(self._fields[position]), self._sources))
        return list(map(itemgetter(position), self._values))

    def columns(self) -> dict[str, list[Any]]:
        """Each key's values, in row order (new lists)."""
        return {key: self.column(key) for key in self.keys}

    def __repr__(self) -> str:
        return f"<KeyedRows of {len(self)} rows setting {', '.join(self.keys)}>"
