"""The pool's record of one connection, and who holds it.

A :class:`PooledConnection` lives as long as its driver connection: it sits in
the idle deque, in the checked-out map, or in the hands of a task moving it
between the two. It carries the timestamps recycling and the statistics need,
and, while checked out, the holder (task, and acquire site when leak detection
is on) that timeout messages and leak warnings name.
"""

from __future__ import annotations

import asyncio
import traceback
from typing import Generic, TypeVar

from aorm.pool._ops import ConnectionOps

__all__ = ["PooledConnection"]

ConnT = TypeVar("ConnT")


class PooledConnection(Generic[ConnT]):
    """One driver connection and what the pool knows about it."""

    __slots__ = (
        "checked_out_at",
        "conn",
        "created_at",
        "expires_at",
        "generation",
        "holder",
        "leak_timer",
        "ops",
        "released_at",
        "site",
    )

    def __init__(
        self,
        conn: ConnT,
        ops: ConnectionOps[ConnT],
        *,
        generation: int,
        created_at: float,
        expires_at: float | None,
    ) -> None:
        self.conn = conn
        self.ops = ops
        #: The pool's generation when it was opened; ``drain()`` moves the
        #: pool on, and connections of an older generation are replaced.
        self.generation = generation
        self.created_at = created_at
        #: When ``recycle`` retires it (None: never).
        self.expires_at = expires_at
        #: When it last came back (or was opened): the start of its idle time.
        self.released_at = created_at
        self.checked_out_at = created_at
        self.holder: asyncio.Task[object] | None = None
        self.site: traceback.FrameSummary | None = None
        self.leak_timer: asyncio.TimerHandle | None = None
