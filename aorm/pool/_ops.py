"""How each connection is reset, pinged, closed and vetted: pool callables over driver defaults."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from aorm._concurrency import close_or_abort
from aorm.pool._drivers import defaults_for

__all__ = ["ConnectionOps", "OpsResolver"]

ConnT = TypeVar("ConnT")


@dataclass(frozen=True, slots=True)
class ConnectionOps(Generic[ConnT]):
    """How the pool resets, pings, closes and vets one kind of connection.

    ``reset``/``ping`` are None when there is nothing to do.
    """

    reset: Callable[[ConnT], Awaitable[object]] | None
    ping: Callable[[ConnT], Awaitable[object]] | None
    #: Closes the connection; never raises an ordinary error.
    close: Callable[[ConnT], Awaitable[None]]
    #: True when the connection must not be reused, known without any IO.
    is_unusable: Callable[[ConnT], bool]


class OpsResolver(Generic[ConnT]):
    """Works out a connection's ``ConnectionOps`` once per connection type.

    The pool's own callables win; otherwise the driver defaults apply
    (``_drivers``). ``reset_on_return=False`` and ``pre_ping=False`` turn the
    reset and the ping off whoever would provide them.
    """

    __slots__ = ("_by_type", "_close", "_ping", "_pre_ping", "_reset", "_reset_on_return")

    def __init__(
        self,
        *,
        reset: Callable[[ConnT], Awaitable[object]] | None,
        ping: Callable[[ConnT], Awaitable[object]] | None,
        close: Callable[[ConnT], Awaitable[object]] | None,
        reset_on_return: bool,
        pre_ping: bool,
    ) -> None:
        self._reset = reset
        self._ping = ping
        self._close = close
        self._reset_on_return = reset_on_return
        self._pre_ping = pre_ping
        self._by_type: dict[type, ConnectionOps[ConnT]] = {}

    def for_connection(self, conn: ConnT) -> ConnectionOps[ConnT]:
        """The operations for *conn*."""
        ops = self._by_type.get(type(conn))
        if ops is None:
            defaults = defaults_for(conn)
            reset = self._reset if self._reset is not None else defaults.reset
            ping = self._ping if self._ping is not None else defaults.ping
            ops = ConnectionOps(
                reset=reset if self._reset_on_return else None,
                ping=ping if self._pre_ping else None,
                close=self._close_with_callable if self._close is not None else defaults.close,
                is_unusable=defaults.is_unusable,
            )
            self._by_type[type(conn)] = ops
        return ops

    async def _close_with_callable(self, conn: ConnT) -> None:
        close = self._close
        assert close is not None
        await close_or_abort(lambda: close(conn), None)
