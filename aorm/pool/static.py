"""``StaticPool``: one shared connection, handed to one task at a time."""

from __future__ import annotations

from typing import ClassVar, TypeVar, final

from aorm.exc import ArgumentError
from aorm.pool._base import ConnectFactory, ConnectionHook
from aorm.pool._core import PoolCore

__all__ = ["StaticPool"]

ConnT = TypeVar("ConnT")


@final
class StaticPool(PoolCore[ConnT]):
    """Keeps a single connection and serialises its users: checkouts wait their turn.

    What ``sqlite:///:memory:`` needs: the database lives as long as its one
    connection, so the pool keeps that connection open for its whole life
    (it is opened on first use, reset on every return, and closed only by
    ``dispose()``, ``drain()``, ``invalidate()`` or a failed reset). Tasks
    queue for it first come first served, up to ``timeout``, as with
    ``Pool``. A user cancelled inside ``async with pool.connection()`` gets
    the connection reset rather than closed (closing would lose an in-memory
    database); it is closed only if that reset fails.
    """

    _closes_unknown_state: ClassVar[bool] = False

    def __init__(
        self,
        connect: ConnectFactory[ConnT],
        *,
        timeout: float | None = 30.0,
        max_waiting: int | None = None,
        pre_ping: bool = False,
        reset_on_return: bool = True,
        ping: ConnectionHook[ConnT] | None = None,
        reset: ConnectionHook[ConnT] | None = None,
        close: ConnectionHook[ConnT] | None = None,
        on_connect: ConnectionHook[ConnT] | None = None,
        on_checkout: ConnectionHook[ConnT] | None = None,
        on_checkin: ConnectionHook[ConnT] | None = None,
        warn_held_after: float | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(
            connect,
            size=1,
            max_overflow=0,
            min_size=0,
            timeout=timeout,
            max_waiting=max_waiting,
            recycle=None,
            max_idle=None,
            pre_ping=pre_ping,
            reset_on_return=reset_on_return,
            lifo=True,
            ping=ping,
            reset=reset,
            close=close,
            on_connect=on_connect,
            on_checkout=on_checkout,
            on_checkin=on_checkin,
            warn_held_after=warn_held_after,
            name=name,
        )

    async def resize(self, size: int, max_overflow: int | None = None) -> None:
        """Not supported: a StaticPool holds exactly one connection."""
        raise ArgumentError(
            f"StaticPool {self.name!r} holds exactly one connection and cannot be resized; "
            "use Pool for a resizable pool"
        )
