"""The errors a pool raises, worded once: each names the pool and says what to do."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aorm.exc import (
    ArgumentError,
    PoolOverloaded,
    PoolTimeout,
    ResourceClosedError,
    WrongEventLoopError,
)
from aorm.pool._pooled import PooledConnection
from aorm.pool._tracking import describe_holder

__all__ = [
    "closed_error",
    "not_ours_error",
    "overloaded_error",
    "timeout_error",
    "wrong_loop_error",
]

# How many holders a PoolTimeout message lists (longest-held first).
_HOLDERS_SHOWN = 5


def timeout_error(
    name: str,
    *,
    size: int,
    max_overflow: int,
    timeout: float,
    waiting: int,
    holders: Iterable[PooledConnection[Any]],
    now: float,
    sites_tracked: bool,
) -> PoolTimeout:
    """No connection within *timeout*: names the pool, its limits, the queue and the holders."""
    by_age = sorted(holders, key=lambda entry: entry.checked_out_at)
    held = "; ".join(describe_holder(entry, now) for entry in by_age[:_HOLDERS_SHOWN])
    if len(by_age) > _HOLDERS_SHOWN:
        held += f"; and {len(by_age) - _HOLDERS_SHOWN} more"
    hint = "" if sites_tracked else " (set warn_held_after to see where they were acquired)"
    return PoolTimeout(
        f"pool {name!r} (size={size}, max_overflow={max_overflow}) had no free connection "
        f"within timeout={timeout:g} s; {waiting} other tasks still waiting; "
        f"{len(by_age)} connections checked out, held by: {held or 'nobody'}{hint}. "
        "Raise size or max_overflow, hold connections for less time, or raise timeout."
    )


def overloaded_error(name: str, *, waiting: int, max_waiting: int) -> PoolOverloaded:
    """``max_waiting`` tasks already wait."""
    return PoolOverloaded(
        f"pool {name!r}: {waiting} tasks are already waiting for a connection "
        f"(max_waiting={max_waiting}); refusing to queue another. "
        "Raise max_waiting, size or max_overflow, or shed load."
    )


def closed_error(name: str) -> ResourceClosedError:
    """The pool was disposed."""
    return ResourceClosedError(
        f"pool {name!r} is disposed and hands out no more connections; create a new pool"
    )


def wrong_loop_error(name: str) -> WrongEventLoopError:
    """The pool was used from an event loop other than its own."""
    return WrongEventLoopError(
        f"pool {name!r} was opened on another event loop and cannot be used from this one; "
        "create one pool per event loop (or dispose of it on its own loop and create a new "
        "one here)"
    )


def not_ours_error(name: str, conn: object, action: str) -> ArgumentError:
    """A connection this pool did not hand out (or that came back already)."""
    return ArgumentError(
        f"cannot {action} {conn!r}: it is not checked out from pool {name!r} "
        "(released twice, or from another pool?)"
    )
