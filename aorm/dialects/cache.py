"""A bounded LRU cache of compiled statements, keyed by statement shape."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from aorm.sql.compiled import Compiled

__all__ = ["CacheStats", "CompiledCache"]


@dataclass(frozen=True, slots=True)
class CacheStats:
    """A snapshot of a :class:`CompiledCache`."""

    #: Entries held now.
    size: int
    #: Most entries held at once; 0 means caching is off.
    maxsize: int
    #: Lookups answered from the cache.
    hits: int
    #: Lookups that had to compile.
    misses: int


class CompiledCache:
    """Least-recently-used map from statement shape to :class:`Compiled`.

    ``maxsize=0`` turns caching off: every lookup misses and nothing is kept.
    Not locked: it is only touched from the event loop's thread, between awaits.
    """

    __slots__ = ("_entries", "hits", "maxsize", "misses")

    def __init__(self, maxsize: int = 500) -> None:
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, Compiled] = OrderedDict()

    def get(self, shape: Hashable) -> Compiled | None:
        """The entry for *shape* (now most recently used), or None; counts the hit or miss.

        Raises ``TypeError`` if *shape* is not hashable.
        """
        compiled = self._entries.get(shape)
        if compiled is None:
            self.misses += 1
            return None
        self._entries.move_to_end(shape)
        self.hits += 1
        return compiled

    def put(self, shape: Hashable, compiled: Compiled) -> None:
        """Store *compiled* for *shape*, evicting the least recently used entry when full."""
        if self.maxsize <= 0:
            return
        self._entries[shape] = compiled
        self._entries.move_to_end(shape)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Drop every entry (the counters are kept)."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def stats(self) -> CacheStats:
        """Current size, bound and hit/miss counts."""
        return CacheStats(
            size=len(self._entries), maxsize=self.maxsize, hits=self.hits, misses=self.misses
        )
