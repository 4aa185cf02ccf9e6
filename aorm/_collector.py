"""Pausing the cyclic garbage collector over a synchronous stretch of per-object work.

Making or marking thousands of objects in one synchronous stretch would set
off the collector again and again over the same young objects; each young
collection also counts towards a full one, which walks every object of the
process. Paused for the stretch, the collector does not run during it.

What happens at the end depends on how much piled up. A few objects are
left to the collector as usual. Many (the rows of a large query, the objects
of an ``add_all()``) are moved into the oldest generation *without a walk*
(``gc.freeze()`` then ``gc.unfreeze()``, which the ``gc`` module documents
as moving every tracked object into the permanent generation and back into
the oldest one). They were just made and the caller holds them, so a walk
now would find nothing to free; most die by reference counting when the
caller drops them, and the ones that live on are walked by the next full
collection like any other old object. The cost of that shortcut is that
cyclic garbage young at that moment is only freed by a full collection,
so one is run after every :data:`FULL_COLLECTION_AFTER` objects moved this
way. An application that froze objects itself (``gc.get_freeze_count()``)
keeps them frozen: its pauses end with a collection of the two younger
generations instead, which walks the new objects once. So do pauses on a
free-threaded build, where freezing visits every object of the process.

Only wrap code with no ``await`` inside: another task must never run while
the collector is off. The collector is re-enabled on the way out, also when
the stretch raises, and left alone if the application had disabled it.
"""

from __future__ import annotations

import gc
import sys
from typing import Final

__all__ = ["FULL_COLLECTION_AFTER", "PausedCollector"]

# How many young collections' worth of new objects make the pause's end move
# them to the oldest generation instead of leaving them to the collector.
_MANY: Final = 10

#: Objects moved to the oldest generation without a walk, in all, after which
#: the next pause that moves more ends with a full collection instead.
FULL_COLLECTION_AFTER = 1_000_000

_moved_since_full = 0

#: Whether gc.freeze()/unfreeze() just move the generations' lists (with the
#: GIL); on a free-threaded build they stop every thread and visit the whole
#: heap. Told by the ABI flags ("t") rather than by sysconfig, whose import and
#: build-variable table would add a fifth of a MiB to every process; where a
#: platform has no flags (Windows before 3.14), a GIL that is off tells it.
FREEZE_MOVES_LISTS: Final = not (
    "t" in getattr(sys, "abiflags", "") or not getattr(sys, "_is_gil_enabled", lambda: True)()
)


def _settle(young: int) -> None:
    """Deal with *young* objects that piled up while paused (the collector is still off)."""
    global _moved_since_full
    if gc.get_freeze_count() or not FREEZE_MOVES_LISTS:
        # Never thaw what the application froze (e.g. before forking workers),
        # nor freeze where that visits the whole heap.
        gc.collect(1)
        return
    _moved_since_full += young
    if _moved_since_full > FULL_COLLECTION_AFTER:
        _moved_since_full = 0
        gc.collect()
        return
    gc.freeze()
    gc.unfreeze()


class PausedCollector:
    """A context manager that pauses the cyclic garbage collector (see the module docstring)."""

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        if self._was_enabled:
            gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self._was_enabled:
            # Settled before enabling: once enabled, any allocation could set
            # off a young collection over everything that piled up.
            young = gc.get_count()[0]
            if young > _MANY * gc.get_threshold()[0]:
                _settle(young)
            gc.enable()
