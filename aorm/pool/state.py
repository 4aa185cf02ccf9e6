"""``PoolState``: the lifecycle of a pool, checked where every public method is entered."""

from __future__ import annotations

import enum

__all__ = ["PoolState"]


class PoolState(enum.Enum):
    """Where a pool is in its life; it only ever moves forward (NEW → OPEN → CLOSED)."""

    #: Created and not yet bound to an event loop. ``open()`` or the first
    #: checkout binds it to the running loop.
    NEW = "new"
    #: Bound to the event loop it was opened on and handing out connections.
    OPEN = "open"
    #: Disposed: checkouts are refused, returned connections are closed. A pool
    #: is never reopened; create a new one.
    CLOSED = "closed"
