"""Pausing the cyclic garbage collector over a synchronous stretch of per-object work.

Making or marking thousands of objects in one synchronous stretch would set
off the collector again and again over the same young objects; each young
collection also counts towards a full one, which walks every object of the
process. Paused for the stretch, the collector runs once afterwards instead.

Only wrap code with no ``await`` inside: another task must never run while
the collector is off. The collector is re-enabled on the way out, also when
the stretch raises, and left alone if the application had disabled it.
"""

from __future__ import annotations

import gc

__all__ = ["PausedCollector"]

# How many young collections' worth of new objects make the pause's end
# collect the middle generation too.
_MANY = 10


class PausedCollector:
    """A context manager that pauses the cyclic garbage collector (see the module docstring)."""

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        if self._was_enabled:
            gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self._was_enabled:
            # Counted before enabling: the first allocation after it may collect.
            young = gc.get_count()[0]
            gc.enable()
            if young > _MANY * gc.get_threshold()[0]:
                # Many objects piled up while paused. Left to the collector, a
                # young collection would move them up a generation and a
                # middle one would soon walk them all again; one middle
                # collection now walks them once.
                gc.collect(1)
