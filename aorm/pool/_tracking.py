"""Who holds a connection: the holder descriptions and leak detection (``warn_held_after``).

Finding the acquire site walks the stack, so it happens only when leak
detection is on; naming the holder task is always cheap (it is recorded at
checkout and named only when a message needs it).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
import types
from collections.abc import Callable
from typing import Any

from aorm.pool._pooled import PooledConnection

__all__ = ["HolderTracking", "capture_acquire_site", "describe_holder", "describe_site"]

logger = logging.getLogger("aorm.pool")


def capture_acquire_site() -> traceback.FrameSummary | None:
    """The innermost caller outside aorm: where the connection was asked for."""
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not (module == "aorm" or module.startswith("aorm.")):
            return traceback.FrameSummary(
                frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name, lookup_line=False
            )
        frame = frame.f_back
    return None


def describe_site(site: traceback.FrameSummary) -> str:
    """``app.py:12 in handler``."""
    return f"{site.filename}:{site.lineno} in {site.name}"


def describe_holder(entry: PooledConnection[Any], now: float) -> str:
    """``task 'worker-3' for 12.3 s (acquired at app.py:12 in handler)``."""
    task = entry.holder
    who = f"task {task.get_name()!r}" if task is not None else "no task"
    text = f"{who} for {now - entry.checked_out_at:.1f} s"
    if entry.site is not None:
        text += f" (acquired at {describe_site(entry.site)})"
    return text


class HolderTracking:
    """Leak detection: a warning when a connection is held longer than ``warn_after`` seconds."""

    __slots__ = ("pool_name", "warn_after")

    def __init__(self, warn_after: float | None, pool_name: str) -> None:
        self.warn_after = warn_after
        self.pool_name = pool_name

    @property
    def enabled(self) -> bool:
        """True when ``warn_held_after`` was set."""
        return self.warn_after is not None

    def start(
        self,
        entry: PooledConnection[Any],
        loop: asyncio.AbstractEventLoop,
        still_held: Callable[[PooledConnection[Any]], bool],
        clock: Callable[[], float],
    ) -> None:
        """Record where *entry* was checked out and arm its warning timer."""
        assert self.warn_after is not None
        entry.site = capture_acquire_site()
        entry.leak_timer = loop.call_later(self.warn_after, self._warn, entry, still_held, clock)

    def stop(self, entry: PooledConnection[Any]) -> None:
        """*entry* came back: disarm its timer and forget its site."""
        if entry.leak_timer is not None:
            entry.leak_timer.cancel()
            entry.leak_timer = None
        entry.site = None

    def _warn(
        self,
        entry: PooledConnection[Any],
        still_held: Callable[[PooledConnection[Any]], bool],
        clock: Callable[[], float],
    ) -> None:
        entry.leak_timer = None
        if not still_held(entry):
            return
        logger.warning(
            "pool %r: a connection has been held for more than %g s by %s; "
            "is it leaking (never released)?",
            self.pool_name,
            self.warn_after,
            describe_holder(entry, clock()),
        )
