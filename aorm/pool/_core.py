"""Lifecycle and upkeep of a pool: open, dispose, drain, resize, warm and idle connections.

Builds on ``_checkout.CheckoutCore``; the public ``Pool``, ``NullPool`` and
``StaticPool`` are thin subclasses that fix which options apply. Upkeep runs
in background tasks created only when there is work (reopening connections
below ``min_size``, closing retired idle ones), never per checkout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Final, TypeVar

from aorm._concurrency import shielded
from aorm.pool._checkout import CheckoutCore, logger
from aorm.pool._options import check_sizes
from aorm.pool._pooled import PooledConnection
from aorm.pool._upkeep import sweep_period, take_retired
from aorm.pool.state import PoolState
from aorm.pool.stats import PoolStats

__all__ = ["PoolCore"]

ConnT = TypeVar("ConnT")

_NEW: Final = PoolState.NEW
_OPEN: Final = PoolState.OPEN
_CLOSED: Final = PoolState.CLOSED


class PoolCore(CheckoutCore[ConnT]):
    """Everything but the option list; see ``Pool`` for the meaning of every option."""

    async def open(self) -> None:
        """Bind the pool to the running event loop and open ``min_size`` connections.

        Optional: the first checkout opens the pool too (and warms it in the
        background). Calling it again is a no-op. If a warm connection cannot
        be opened, the pool is disposed and the error propagates.
        """
        loop = asyncio.get_running_loop()
        if self._state is _OPEN:
            if loop is not self._loop:
                raise self._wrong_loop_error()
            return
        if self._state is _CLOSED:
            raise self._closed_error()
        self._start(loop, warm_in_background=False)
        try:
            while self._slots < self._min_size:
                await self._add_connection()
        except BaseException:
            await self.dispose()
            raise

    async def dispose(self) -> None:
        """Close the pool; idempotent.

        Idle connections are closed now, checked-out ones when they come
        back; waiting tasks and later checkouts get ``ResourceClosedError``.
        The cleanup finishes even if the caller is cancelled meanwhile.
        """
        if self._state is _CLOSED:
            return
        if self._state is _NEW:
            self._state = _CLOSED
            return
        if asyncio.get_running_loop() is not self._loop:
            raise self._wrong_loop_error()
        self._state = _CLOSED
        self._waiters.fail_all(self._closed_error)
        if self._sweep_timer is not None:
            self._sweep_timer.cancel()
            self._sweep_timer = None
        await shielded(self._shut_down())

    async def drain(self) -> None:
        """Replace every connection: idle ones are closed now, checked-out ones on return.

        Use it after something made every open connection suspect (a server
        restart, a schema or role change). ``min_size`` is refilled.
        """
        if not self._entered_or_new():
            return
        self._generation += 1
        doomed = list(self._idle)
        self._idle.clear()
        await shielded(self._close_all(doomed))

    async def resize(self, size: int, max_overflow: int | None = None) -> None:
        """Change ``size`` (and ``max_overflow``, if given) while the pool runs.

        Growing hands the new room to waiting tasks at once; shrinking closes
        surplus idle connections now and surplus checked-out ones on return.
        """
        new_overflow = self._max_overflow if max_overflow is None else max_overflow
        new_size, new_overflow, _ = check_sizes(size, new_overflow, self._min_size)
        opened = self._entered_or_new()
        self._size, self._max_overflow = new_size, new_overflow
        self._max_size = new_size + new_overflow
        if not opened:
            return
        # More room: the new slots go to the tasks already waiting, in order.
        while self._slots < self._max_size and self._waiters.hand_over(None):
            self._slots += 1
        # Less room: surplus idle connections go now (longest idle first).
        doomed: list[PooledConnection[ConnT]] = []
        while self._idle and (
            len(self._idle) > self._size or self._slots - len(doomed) > self._max_size
        ):
            doomed.append(self._idle.popleft())
        if doomed:
            await shielded(self._close_all(doomed))

    def stats(self) -> PoolStats:
        """A snapshot of the pool's gauges and counters."""
        return PoolStats(
            name=self._name,
            size=self._size,
            max_overflow=self._max_overflow,
            max_size=self._max_size,
            min_size=self._min_size,
            connections=self._slots,
            idle=len(self._idle),
            checked_out=len(self._checked_out),
            overflow=max(0, self._slots - self._size),
            waiting=len(self._waiters),
            checkouts=self._checkouts,
            created=self._created,
            closed=self._closed_count,
            timeouts=self._timeouts,
            overloaded=self._overloaded,
            invalidated=self._invalidated,
            recycled=self._recycled,
            wait_time=self._wait_time,
            usage_time=self._usage_time,
        )

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self._name!r} {self._state.value} size={self._size} "
            f"max_overflow={self._max_overflow} checked_out={len(self._checked_out)} "
            f"overflow={max(0, self._slots - self._size)} idle={len(self._idle)} "
            f"waiting={len(self._waiters)}>"
        )

    # -- lifecycle ---------------------------------------------------------------

    def _entered_or_new(self) -> bool:
        """Entry check for maintenance calls: True if the pool is open on this loop."""
        if self._state is _CLOSED:
            raise self._closed_error()
        if self._state is _NEW:
            return False
        if asyncio.get_running_loop() is not self._loop:
            raise self._wrong_loop_error()
        return True

    def _start(self, loop: asyncio.AbstractEventLoop, *, warm_in_background: bool) -> None:
        self._loop = loop
        self._state = _OPEN
        if warm_in_background:
            self._maybe_refill()
        self._schedule_sweep()

    async def _shut_down(self) -> None:
        if self._refill_task is not None:
            self._refill_task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks))
        doomed = list(self._idle)
        self._idle.clear()
        await self._close_all(doomed)

    # -- keeping warm, retiring idle ---------------------------------------------

    async def _add_connection(self) -> None:
        """Open one connection in a new slot and offer it to waiters, else keep it idle."""
        self._slots += 1
        try:
            entry = await self._open_connection()
        except BaseException:
            self._free_slot()
            raise
        if not self._give_back(entry):
            await self._close_and_free(entry)

    def _maybe_refill(self) -> None:
        if self._state is _OPEN and self._refill_task is None and self._slots < self._min_size:
            self._refill_task = self._spawn(self._refill(), "refill")

    async def _refill(self) -> None:
        """Keep ``min_size`` connections open, retrying failed connects with back-off."""
        first_delay, longest_delay = self._refill_backoff
        delay = first_delay
        try:
            while self._state is _OPEN and self._slots < self._min_size:
                try:
                    await self._add_connection()
                except Exception as exc:
                    logger.warning(
                        "pool %r: could not open a connection to keep min_size=%d warm (%r); "
                        "retrying in %.1f s",
                        self._name,
                        self._min_size,
                        exc,
                        delay,
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, longest_delay)
                else:
                    delay = first_delay
        finally:
            self._refill_task = None

    def _schedule_sweep(self) -> None:
        period = sweep_period(self._recycle, self._max_idle)
        if period is not None:
            assert self._loop is not None
            self._sweep_timer = self._loop.call_later(period, self._on_sweep_timer)

    def _on_sweep_timer(self) -> None:
        self._sweep_timer = None
        if self._state is not _OPEN:
            return
        retired = self._take_retired_idle()
        if retired:
            self._spawn(self._close_all(retired), "sweep")
        self._schedule_sweep()

    async def _sweep(self) -> None:
        """Close idle connections past ``recycle``, or past ``max_idle`` above ``min_size``."""
        retired = self._take_retired_idle()
        if retired:
            await shielded(self._close_all(retired))

    def _take_retired_idle(self) -> list[PooledConnection[ConnT]]:
        retired = take_retired(
            self._idle,
            now=self._clock(),
            max_idle=self._max_idle,
            open_count=self._slots,
            min_size=self._min_size,
        )
        self._recycled += len(retired)
        return retired

    def _spawn(self, coro: Coroutine[Any, Any, None], what: str) -> asyncio.Task[None]:
        assert self._loop is not None
        task = self._loop.create_task(coro, name=f"aorm.pool {self._name} {what}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
