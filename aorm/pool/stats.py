"""``PoolStats``: a snapshot of a pool's gauges and counters."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PoolStats"]


@dataclass(frozen=True, slots=True)
class PoolStats:
    """What ``pool.stats()`` returns: gauges as of the call, counters since the pool was created.

    Gauges: ``connections`` counts every slot in use (idle, checked out, or
    being opened or closed), so ``connections <= max_size`` always holds;
    when nothing is in flight, ``connections == idle + checked_out``.
    """

    #: The pool's name, as in its error messages and log lines.
    name: str
    #: Connections kept open while idle, at most.
    size: int
    #: Connections allowed beyond ``size`` while demand lasts.
    max_overflow: int
    #: ``size + max_overflow``: never more connections open at once.
    max_size: int
    #: Connections kept open (warm) even when unused.
    min_size: int
    #: Slots in use: connections idle, checked out, or being opened or closed.
    connections: int
    #: Connections ready for checkout.
    idle: int
    #: Connections handed out and not yet returned.
    checked_out: int
    #: Connections beyond ``size`` right now.
    overflow: int
    #: Tasks waiting for a connection.
    waiting: int
    #: Successful checkouts.
    checkouts: int
    #: Connections opened.
    created: int
    #: Connections closed (for any reason).
    closed: int
    #: Checkouts that gave up after ``timeout`` (``PoolTimeout``).
    timeouts: int
    #: Checkouts refused at once because ``max_waiting`` tasks already waited.
    overloaded: int
    #: Connections thrown away as broken: ``invalidate()``, a failed ping or reset.
    invalidated: int
    #: Connections closed because they outlived ``recycle`` or ``max_idle``.
    recycled: int
    #: Total seconds tasks spent waiting for a connection.
    wait_time: float
    #: Total seconds connections were held by their users (returned ones only).
    usage_time: float
