"""``NullPool``: a new connection for every checkout, closed on release, still bounded."""

from __future__ import annotations

from typing import ClassVar, TypeVar, final

from aorm.pool._base import ConnectFactory, ConnectionHook
from aorm.pool._core import PoolCore

__all__ = ["NullPool"]

ConnT = TypeVar("ConnT")


@final
class NullPool(PoolCore[ConnT]):
    """Opens a connection per checkout and closes it on release; nothing is kept idle.

    Useful where connections must not outlive their use (short scripts,
    tests, a proxy such as pgbouncer doing the pooling). Still bounded: at
    most ``size + max_overflow`` connections are open at once, and further
    checkouts wait first come first served, up to ``timeout``, exactly as
    with ``Pool`` (``PoolTimeout``, ``max_waiting``/``PoolOverloaded``,
    ``dispose()``, ``stats()`` and the hooks behave the same). Returned
    connections are closed without a reset, since nobody reuses them.
    """

    _keeps_idle: ClassVar[bool] = False

    def __init__(
        self,
        connect: ConnectFactory[ConnT],
        *,
        size: int = 5,
        max_overflow: int = 10,
        timeout: float | None = 30.0,
        max_waiting: int | None = None,
        close: ConnectionHook[ConnT] | None = None,
        on_connect: ConnectionHook[ConnT] | None = None,
        on_checkout: ConnectionHook[ConnT] | None = None,
        warn_held_after: float | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(
            connect,
            size=size,
            max_overflow=max_overflow,
            min_size=0,
            timeout=timeout,
            max_waiting=max_waiting,
            recycle=None,
            max_idle=None,
            pre_ping=False,
            reset_on_return=False,
            lifo=True,
            ping=None,
            reset=None,
            close=close,
            on_connect=on_connect,
            on_checkout=on_checkout,
            on_checkin=None,
            warn_held_after=warn_held_after,
            name=name,
        )
