"""Deciding which idle connections retire (``recycle``, ``max_idle``) and how often to look."""

from __future__ import annotations

from collections import deque
from typing import TypeVar

from aorm.pool._pooled import PooledConnection

__all__ = ["sweep_period", "take_retired"]

ConnT = TypeVar("ConnT")

# Bounds on how often idle connections are looked at, in seconds.
_SHORTEST_PERIOD = 0.01
_LONGEST_PERIOD = 60.0


def sweep_period(recycle: float | None, max_idle: float | None) -> float | None:
    """How often to look for idle connections to retire; None if neither option is set."""
    limits = [limit for limit in (recycle, max_idle) if limit is not None]
    if not limits:
        return None
    # Half the shortest limit: a connection is retired at most 1.5 limits late.
    return min(max(min(limits) / 2, _SHORTEST_PERIOD), _LONGEST_PERIOD)


def take_retired(
    idle: deque[PooledConnection[ConnT]],
    *,
    now: float,
    max_idle: float | None,
    open_count: int,
    min_size: int,
) -> list[PooledConnection[ConnT]]:
    """Remove from *idle* and return the connections to close.

    Those past their ``recycle`` age always go; those idle for ``max_idle``
    or longer go while more than *min_size* connections stay open. The left
    end of *idle* holds the longest idle, so those go first.
    """
    retired: list[PooledConnection[ConnT]] = []
    kept: list[PooledConnection[ConnT]] = []
    for entry in idle:
        expired = entry.expires_at is not None and now >= entry.expires_at
        stale = (
            max_idle is not None
            and now - entry.released_at >= max_idle
            and open_count - len(retired) > min_size
        )
        if expired or stale:
            retired.append(entry)
        else:
            kept.append(entry)
    if retired:
        idle.clear()
        idle.extend(kept)
    return retired
