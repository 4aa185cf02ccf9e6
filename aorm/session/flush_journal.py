"""The undo log of a flush: every value it writes into objects, to put back if it fails."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from itertools import repeat
from operator import methodcaller
from typing import Any, Final

__all__ = ["MISSING", "FlushJournal"]

#: "No value here before" (a key absent from ``__dict__``).
MISSING: Final = object()


class FlushJournal:
    """An undo log of the values a flush wrote into objects' ``__dict__`` (and their states)."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: list[tuple[dict[str, Any], str, Any] | Callable[[], None]] = []

    def set(self, d: dict[str, Any], key: str, value: Any) -> None:
        """``d[key] = value``, remembering what was there."""
        self._entries.append((d, key, d.get(key, MISSING)))
        d[key] = value

    def set_each(self, dicts: Sequence[dict[str, Any]], key: str, values: Sequence[Any]) -> None:
        """``d[key] = value`` for each pair, remembered as one entry (for many objects)."""
        if len(dicts) != len(values):
            raise ValueError(f"{len(values)} values for {len(dicts)} objects")
        olds = list(map(methodcaller("get", key, MISSING), dicts))
        # One C-level pass (this runs for every generated key of a batch).
        deque(map(dict.__setitem__, dicts, repeat(key), values), maxlen=0)
        self._entries.append(lambda: _put_back(dicts, key, olds))

    def on_undo(self, undo: Callable[[], None]) -> None:
        """Call *undo* when the journal is undone (in turn with the values, newest first)."""
        self._entries.append(undo)

    def undo(self) -> None:
        """Put back every value, newest first."""
        for entry in reversed(self._entries):
            if callable(entry):
                entry()
                continue
            d, key, old = entry
            if old is MISSING:
                d.pop(key, None)
            else:
                d[key] = old
        self._entries.clear()


def _put_back(dicts: Sequence[dict[str, Any]], key: str, olds: Sequence[Any]) -> None:
    """Undo of :meth:`FlushJournal.set_each`: put back (or remove) *key* in each of *dicts*."""
    for d, old in zip(dicts, olds, strict=True):
        if old is MISSING:
            d.pop(key, None)
        else:
            d[key] = old
