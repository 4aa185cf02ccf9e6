"""Checkout and checkin: the slots, the idle deque and the waiters every aorm pool runs on.

Capacity is a counting semaphore of ``max_size = size + max_overflow`` slots,
kept by hand as a counter so the fast path takes no lock: a slot is taken
before a connection is opened and given up only once it is closed, so never
more than ``max_size`` connections exist at once. A freed slot, or a returned
connection, goes first to the longest-waiting task (``_waiting.WaitQueue``),
then to the idle deque (connections), or back to the counter (slots).

Every task that owns something (a slot or a connection) between two awaits
gives it back on every path out, including cancellation; the giving back
runs under ``aorm._concurrency.shielded`` where it must await.

Lifecycle and upkeep (open, dispose, drain, resize, keeping ``min_size`` warm,
retiring idle connections) live one level up, in ``_core.PoolCore``.
"""

from __future__ import annotations

import abc
import asyncio
import functools
import itertools
import logging
import math
import random
import time
from collections import deque
from collections.abc import Callable
from typing import Any, ClassVar, Final, TypeVar

from aorm._concurrency import shielded
from aorm.exc import ArgumentError, PoolTimeout
from aorm.pool import _messages
from aorm.pool._base import BasePool, ConnectFactory, ConnectionHook
from aorm.pool._ops import OpsResolver
from aorm.pool._options import check_callable, check_count, check_seconds, check_sizes
from aorm.pool._pooled import PooledConnection
from aorm.pool._tracking import HolderTracking
from aorm.pool._waiting import Nothing, WaitQueue
from aorm.pool.state import PoolState

__all__ = ["CheckoutCore", "logger"]

# One logger for the whole package, named for its public path.
logger = logging.getLogger("aorm.pool")

ConnT = TypeVar("ConnT")

_NEW: Final = PoolState.NEW
_OPEN: Final = PoolState.OPEN
_CLOSED: Final = PoolState.CLOSED

# Connections opened together would all expire together; each one retires up
# to this share of ``recycle`` early instead.
_RECYCLE_JITTER = 0.05
_POOL_NUMBERS = itertools.count(1)


class CheckoutCore(BasePool[ConnT]):
    """Checkout and checkin over slots; see ``Pool`` for the meaning of every option."""

    #: Whether returned connections may be kept for reuse (NullPool: never).
    _keeps_idle: ClassVar[bool] = True
    #: Whether a connection whose ``connection()`` block was cancelled is
    #: closed (its state is unknown) rather than reset. StaticPool resets it,
    #: since closing its one connection would lose an in-memory database.
    _closes_unknown_state: ClassVar[bool] = True

    def __init__(
        self,
        connect: ConnectFactory[ConnT],
        *,
        size: int,
        max_overflow: int,
        min_size: int,
        timeout: float | None,
        max_waiting: int | None,
        recycle: float | None,
        max_idle: float | None,
        pre_ping: bool,
        reset_on_return: bool,
        lifo: bool,
        ping: ConnectionHook[ConnT] | None,
        reset: ConnectionHook[ConnT] | None,
        close: ConnectionHook[ConnT] | None,
        on_connect: ConnectionHook[ConnT] | None,
        on_checkout: ConnectionHook[ConnT] | None,
        on_checkin: ConnectionHook[ConnT] | None,
        warn_held_after: float | None,
        name: str | None,
    ) -> None:
        if not callable(connect):
            raise ArgumentError(f"connect must be an async callable, got {connect!r}")
        for hook_name, hook in (
            ("ping", ping),
            ("reset", reset),
            ("close", close),
            ("on_connect", on_connect),
            ("on_checkout", on_checkout),
            ("on_checkin", on_checkin),
        ):
            check_callable(hook_name, hook)
        self._size, self._max_overflow, self._min_size = check_sizes(size, max_overflow, min_size)
        self._max_size = self._size + self._max_overflow
        self._timeout = check_seconds("timeout", timeout, zero_ok=True)
        if self._timeout is not None and math.isinf(self._timeout):
            self._timeout = None
        self._max_waiting = (
            None if max_waiting is None else check_count("max_waiting", max_waiting, 0)
        )
        self._recycle = check_seconds("recycle", recycle, zero_ok=False)
        self._max_idle = check_seconds("max_idle", max_idle, zero_ok=False)
        self._lifo = bool(lifo)
        self._connect = connect
        self._ops: OpsResolver[ConnT] = OpsResolver(
            reset=reset,
            ping=ping,
            close=close,
            reset_on_return=bool(reset_on_return),
            pre_ping=bool(pre_ping),
        )
        self._on_connect = on_connect
        self._on_checkout = on_checkout
        self._on_checkin = on_checkin
        self._name = name if name is not None else f"{type(self).__name__}-{next(_POOL_NUMBERS)}"
        # Nothing to vet on checkout: an idle connection goes out as it is.
        self._plain_checkout = not pre_ping and recycle is None and on_checkout is None

        self._state = _NEW
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: deque[PooledConnection[ConnT]] = deque()
        self._checked_out: dict[int, PooledConnection[ConnT]] = {}
        self._waiters: WaitQueue[PooledConnection[ConnT] | None] = WaitQueue()
        self._slots = 0
        self._generation = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._refill_task: asyncio.Task[None] | None = None
        self._sweep_timer: asyncio.TimerHandle | None = None
        self._tracking = HolderTracking(
            check_seconds("warn_held_after", warn_held_after, zero_ok=False), self._name
        )
        # Private seams for tests: the clock behind recycle, max_idle and the
        # held/waited times, and the refill back-off (first, longest).
        self._clock: Callable[[], float] = time.monotonic
        self._refill_backoff: tuple[float, float] = (0.1, 10.0)

        self._checkouts = 0
        self._created = 0
        self._closed_count = 0
        self._timeouts = 0
        self._overloaded = 0
        self._invalidated = 0
        self._recycled = 0
        self._wait_time = 0.0
        self._usage_time = 0.0

    # -- public surface ----------------------------------------------------------

    @property
    def name(self) -> str:
        """The name error messages and log lines give this pool."""
        return self._name

    @property
    def state(self) -> PoolState:
        """Where the pool is in its lifecycle."""
        return self._state

    async def acquire(self, timeout: float | None = None) -> ConnT:
        """Check a connection out and return the driver's own connection object.

        Waits, first come first served, up to *timeout* seconds (None: the
        pool's ``timeout``; ``math.inf``: no limit) when every connection is
        in use, then raises ``PoolTimeout``; raises ``PoolOverloaded`` at once
        if ``max_waiting`` tasks already wait, and ``ResourceClosedError``
        once the pool is disposed. A connect failure propagates as it is.

        The caller must hand the connection back exactly once, with
        ``release()`` (or ``invalidate()`` if it is broken), on every path,
        including errors and cancellation: prefer ``async with
        pool.connection()``, which does that.
        """
        if self._state is not _OPEN or asyncio.get_running_loop() is not self._loop:
            self._enter()
        if timeout is not None:
            check_seconds("timeout", timeout, zero_ok=True)
        # The fast path: an idle connection and nobody ahead in the queue.
        # No lock, no task, no await.
        idle = self._idle
        item: PooledConnection[ConnT] | None
        if idle and not self._waiters:
            item = idle.pop() if self._lifo else idle.popleft()
            if (
                self._plain_checkout
                and item.generation == self._generation
                and not item.ops.is_unusable(item.conn)
            ):
                self._hold(item)
                return item.conn
        elif not self._waiters and self._slots < self._max_size:
            self._slots += 1
            item = None  # a free slot: open a connection in it
        else:
            item = await self._wait_turn(timeout)
        return await self._check_out(item)

    async def release(self, conn: ConnT, *, discard: bool = False) -> None:
        """Hand back a connection from ``acquire()``; it must not be used afterwards.

        The connection is reset (rolled back) and kept for reuse, or closed:
        with ``discard=True`` (its state is unknown, e.g. its holder was
        cancelled mid-query), when its reset fails, when the pool already
        keeps ``size`` idle connections, or once the pool is disposed.
        Raises ``ArgumentError`` for a connection not checked out from this
        pool (or released twice).
        """
        entry = self._take_back(conn)
        if entry is None:
            raise self._not_ours_error(conn, "release")
        if discard or not self._may_keep(entry):
            await self._close_and_free(entry)
            return
        reset = entry.ops.reset
        if reset is not None:
            try:
                await reset(entry.conn)
            except Exception as exc:
                self._invalidated += 1
                logger.warning(
                    "pool %r: resetting a returned connection failed (%r); closing it",
                    self._name,
                    exc,
                )
                await self._close_and_free(entry)
                return
            except BaseException:
                # Interrupted mid-reset: the connection's state is unknown.
                await self._close_and_free(entry)
                raise
        if self._on_checkin is not None:
            try:
                await self._on_checkin(entry.conn)
            except BaseException:
                await self._close_and_free(entry)
                raise
        if not self._give_back(entry):
            await self._close_and_free(entry)

    async def invalidate(self, conn: ConnT) -> None:
        """Close *conn*, known to be broken, and free its slot.

        For a checked-out connection this counts as its release (do not
        release it afterwards); an idle one is taken out of the pool. Raises
        ``ArgumentError`` for a connection the pool does not hold.
        """
        entry = self._take_back(conn)
        if entry is None:
            entry = self._take_idle(conn)
        if entry is None:
            raise self._not_ours_error(conn, "invalidate")
        self._invalidated += 1
        logger.info("pool %r: connection invalidated; closing it", self._name)
        await self._close_and_free(entry)

    async def _release_after_block(self, conn: ConnT, *, unknown_state: bool) -> None:
        if not unknown_state:
            await self.release(conn)
        elif self._closes_unknown_state:
            await self.release(conn, discard=True)
        else:
            # Reset rather than close, and finish even if cancelled again.
            await shielded(self.release(conn))

    # -- checkout ----------------------------------------------------------------

    def _enter(self) -> None:
        """The slow half of the entry check: open lazily, or refuse with a clear error."""
        loop = asyncio.get_running_loop()
        if self._state is _NEW:
            self._start(loop, warm_in_background=True)
        elif self._state is _CLOSED:
            raise self._closed_error()
        elif loop is not self._loop:
            raise self._wrong_loop_error()

    async def _wait_turn(self, timeout: float | None) -> PooledConnection[ConnT] | None:
        """Queue for the next freed connection or slot; own it on return."""
        if self._max_waiting is not None and len(self._waiters) >= self._max_waiting:
            self._overloaded += 1
            raise _messages.overloaded_error(
                self._name, waiting=len(self._waiters), max_waiting=self._max_waiting
            )
        limit = self._timeout if timeout is None else timeout
        if limit is not None and math.isinf(limit):
            limit = None
        assert self._loop is not None
        waiter = self._waiters.join(
            self._loop, limit, functools.partial(self._timeout_error, limit or 0.0)
        )
        started = self._clock()
        try:
            return await waiter.future
        except BaseException:
            handed = self._waiters.leave(waiter)
            if not isinstance(handed, Nothing):
                # Handed a connection (or a slot) at the very moment it gave
                # up: it goes to the next waiter, never back to this one.
                await shielded(self._pass_on(handed))
            raise
        finally:
            self._wait_time += self._clock() - started

    async def _check_out(self, item: PooledConnection[ConnT] | None) -> ConnT:
        """Turn an owned connection (vetted first) or slot (None) into a checkout."""
        entry = item
        try:
            while True:
                if entry is None:
                    entry = await self._open_connection()
                else:
                    reason = self._vet(entry, self._clock())
                    if reason is None and entry.ops.ping is not None:
                        reason = await self._ping_reason(entry)
                    if reason is not None:
                        # Replace it in the same slot; the caller never notices.
                        doomed, entry = entry, None
                        self._log_retired(reason)
                        await self._close_entry(doomed)
                        continue
                if self._on_checkout is not None:
                    await self._on_checkout(entry.conn)
                if self._state is not _OPEN:
                    raise self._closed_error()
                break
        except BaseException:
            await shielded(self._drop(entry))
            raise
        self._hold(entry)
        return entry.conn

    async def _open_connection(self) -> PooledConnection[ConnT]:
        """Open a connection into a slot the caller owns; on failure the slot stays the caller's."""
        conn = await self._connect()
        entry = self._new_entry(conn)
        if self._on_connect is not None:
            try:
                await self._on_connect(conn)
            except BaseException:
                await self._close_entry(entry)
                raise
        return entry

    def _new_entry(self, conn: ConnT) -> PooledConnection[ConnT]:
        now = self._clock()
        expires_at = None
        if self._recycle is not None:
            expires_at = now + self._recycle * (1.0 - _RECYCLE_JITTER * random.random())
        self._created += 1
        return PooledConnection(
            conn,
            self._ops.for_connection(conn),
            generation=self._generation,
            created_at=now,
            expires_at=expires_at,
        )

    def _vet(self, entry: PooledConnection[ConnT], now: float) -> str | None:
        """Why this connection must not be used again, or None; counts what it rejects."""
        if entry.generation != self._generation:
            return "drained"
        if entry.expires_at is not None and now >= entry.expires_at:
            self._recycled += 1
            return "recycled"
        if entry.ops.is_unusable(entry.conn):
            self._invalidated += 1
            return "closed or busy"
        return None

    async def _ping_reason(self, entry: PooledConnection[ConnT]) -> str | None:
        ping = entry.ops.ping
        assert ping is not None
        try:
            alive = await ping(entry.conn)
        except Exception as exc:
            reason = f"ping failed: {exc!r}"
        else:
            if alive is not False:
                return None
            reason = "ping returned False"
        self._invalidated += 1
        return reason

    def _log_retired(self, reason: str) -> None:
        level = logging.DEBUG if reason in ("drained", "recycled") else logging.WARNING
        logger.log(level, "pool %r: replacing a connection (%s)", self._name, reason)

    def _hold(self, entry: PooledConnection[ConnT]) -> None:
        entry.holder = asyncio.current_task()
        entry.checked_out_at = self._clock()
        self._checked_out[id(entry.conn)] = entry
        self._checkouts += 1
        if self._tracking.enabled:
            assert self._loop is not None
            self._tracking.start(entry, self._loop, self._still_held, self._clock)

    def _still_held(self, entry: PooledConnection[Any]) -> bool:
        return self._checked_out.get(id(entry.conn)) is entry

    # -- checkin -----------------------------------------------------------------

    def _take_back(self, conn: ConnT) -> PooledConnection[ConnT] | None:
        """Stop tracking a checked-out connection; None if it is not one of ours."""
        if self._loop is not None and asyncio.get_running_loop() is not self._loop:
            raise self._wrong_loop_error()
        entry = self._checked_out.pop(id(conn), None)
        if entry is None:
            return None
        now = self._clock()
        self._usage_time += now - entry.checked_out_at
        entry.released_at = now
        entry.holder = None
        if self._tracking.enabled:
            self._tracking.stop(entry)
        return entry

    def _take_idle(self, conn: ConnT) -> PooledConnection[ConnT] | None:
        for entry in self._idle:
            if entry.conn is conn:
                self._idle.remove(entry)
                return entry
        return None

    def _may_keep(self, entry: PooledConnection[ConnT]) -> bool:
        """Whether a returned connection is worth resetting for reuse."""
        if self._state is not _OPEN or not self._keeps_idle:
            return False
        reason = self._vet(entry, entry.released_at)
        if reason is not None:
            logger.debug("pool %r: closing a returned connection (%s)", self._name, reason)
            return False
        return True

    def _give_back(self, entry: PooledConnection[ConnT]) -> bool:
        """Pass a clean connection to the next waiter or the idle deque; False: close it."""
        if (
            self._state is not _OPEN
            or not self._keeps_idle
            or entry.generation != self._generation
            or self._slots > self._max_size
        ):
            return False
        if self._waiters and self._waiters.hand_over(entry):
            return True
        if len(self._idle) >= self._size:
            return False  # an overflow connection: closed on return
        self._idle.append(entry)
        return True

    async def _pass_on(self, item: PooledConnection[ConnT] | None) -> None:
        """Pass on what a waiter was handed but will not use."""
        if item is None:
            self._free_slot()
        elif not self._give_back(item):
            await self._close_and_free(item)

    async def _drop(self, entry: PooledConnection[ConnT] | None) -> None:
        """Give up an owned slot, closing its connection first if there is one."""
        if entry is None:
            self._free_slot()
        else:
            await self._close_and_free(entry)

    def _free_slot(self) -> None:
        """A slot's connection is gone: the slot goes to the next waiter, else back."""
        if (
            self._state is _OPEN
            and self._slots <= self._max_size
            and self._waiters
            and self._waiters.hand_over(None)
        ):
            return
        self._slots -= 1
        if self._slots < self._min_size:
            self._maybe_refill()

    async def _close_entry(self, entry: PooledConnection[ConnT]) -> None:
        """Close a connection whose slot the caller keeps (shielded; never raises errors)."""
        self._closed_count += 1
        await entry.ops.close(entry.conn)

    async def _close_and_free(self, entry: PooledConnection[ConnT]) -> None:
        try:
            await self._close_entry(entry)
        finally:
            self._free_slot()

    async def _close_all(self, entries: list[PooledConnection[ConnT]]) -> None:
        for entry in entries:
            await self._close_and_free(entry)

    # -- lifecycle hooks (PoolCore) ----------------------------------------------

    @abc.abstractmethod
    def _start(self, loop: asyncio.AbstractEventLoop, *, warm_in_background: bool) -> None:
        """Bind to *loop* and move to OPEN (the first checkout calls it lazily)."""

    @abc.abstractmethod
    def _maybe_refill(self) -> None:
        """Start reopening connections if fewer than ``min_size`` are open."""

    # -- errors ------------------------------------------------------------------

    def _timeout_error(self, limit: float) -> PoolTimeout:
        # Called by the waiter's timer, after it has left the queue.
        self._timeouts += 1
        return _messages.timeout_error(
            self._name,
            size=self._size,
            max_overflow=self._max_overflow,
            timeout=limit,
            waiting=len(self._waiters),
            holders=self._checked_out.values(),
            now=self._clock(),
            sites_tracked=self._tracking.enabled,
        )

    def _closed_error(self) -> BaseException:
        return _messages.closed_error(self._name)

    def _wrong_loop_error(self) -> BaseException:
        return _messages.wrong_loop_error(self._name)

    def _not_ours_error(self, conn: object, action: str) -> BaseException:
        return _messages.not_ours_error(self._name, conn, action)
