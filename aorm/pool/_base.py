"""``BasePool``: what every aorm pool offers, so the engine can take any of them."""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Generic, Self, TypeAlias, TypeVar, cast

from aorm.exc import InvalidStateError
from aorm.pool.state import PoolState
from aorm.pool.stats import PoolStats

__all__ = ["BasePool", "ConnectFactory", "ConnectionHook", "PoolConnection"]

ConnT = TypeVar("ConnT")

#: Opens a new driver connection: ``await connect()``.
ConnectFactory: TypeAlias = Callable[[], Awaitable[ConnT]]
#: An async callable the pool calls with one connection (reset, ping, close, hooks).
ConnectionHook: TypeAlias = Callable[[ConnT], Awaitable[object]]


class BasePool(abc.ABC, Generic[ConnT]):
    """A pool of driver connections of type ``ConnT``.

    ``async with pool.connection() as conn`` is the safe way to use one;
    ``acquire()``/``release()`` are the raw pair. ``async with pool:`` opens
    the pool and disposes of it at the end.
    """

    @property
    @abc.abstractmethod
    def name(self) -> str:
        """The name error messages and log lines give this pool."""

    @property
    @abc.abstractmethod
    def state(self) -> PoolState:
        """Where the pool is in its lifecycle."""

    @property
    def closed(self) -> bool:
        """True once the pool has been disposed."""
        return self.state is PoolState.CLOSED

    @abc.abstractmethod
    async def open(self) -> None:
        """Bind the pool to the running event loop and open its warm connections."""

    @abc.abstractmethod
    async def acquire(self, timeout: float | None = None) -> ConnT:
        """Check a connection out; the caller must ``release()`` it exactly once."""

    @abc.abstractmethod
    async def release(self, conn: ConnT, *, discard: bool = False) -> None:
        """Hand a checked-out connection back (``discard=True``: close it instead)."""

    @abc.abstractmethod
    async def invalidate(self, conn: ConnT) -> None:
        """Close a broken connection and free its slot."""

    @abc.abstractmethod
    async def dispose(self) -> None:
        """Close the pool: idle connections now, checked-out ones when they come back."""

    @abc.abstractmethod
    def stats(self) -> PoolStats:
        """A snapshot of the pool's gauges and counters."""

    def connection(self, timeout: float | None = None) -> PoolConnection[ConnT]:
        """``async with pool.connection() as conn``: check out, and always give back.

        The connection is returned when the block ends, reset for the next
        user. If the block is left by a cancellation (or any other
        ``BaseException`` that is not an ``Exception``), the connection may be
        mid-query: its state is unknown, so it is closed and replaced rather
        than reused (``StaticPool``, whose one connection may hold an
        in-memory database, resets it instead and closes it only if that
        fails). Either way the cancellation propagates.
        """
        return PoolConnection(self, timeout)

    async def _release_after_block(self, conn: ConnT, *, unknown_state: bool) -> None:
        """Give back a connection whose ``connection()`` block just ended."""
        await self.release(conn, discard=unknown_state)

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.dispose()


class PoolConnection(Generic[ConnT]):
    """The context manager ``pool.connection()`` returns; yields the raw connection."""

    __slots__ = ("_conn", "_held", "_pool", "_timeout")

    def __init__(self, pool: BasePool[ConnT], timeout: float | None) -> None:
        self._pool = pool
        self._timeout = timeout
        self._conn: ConnT | None = None
        self._held = False

    async def __aenter__(self) -> ConnT:
        if self._held:
            raise InvalidStateError(
                f"this pool.connection() context of pool {self._pool.name!r} is already "
                "in use; call pool.connection() once per block"
            )
        conn = await self._pool.acquire(self._timeout)
        self._conn, self._held = conn, True
        return conn

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._held:
            return
        # ConnT may itself admit None, so ``_held`` (not the value) says it is set.
        conn = cast("ConnT", self._conn)
        self._conn, self._held = None, False
        unknown_state = exc is not None and not isinstance(exc, Exception)
        await self._pool._release_after_block(conn, unknown_state=unknown_state)
