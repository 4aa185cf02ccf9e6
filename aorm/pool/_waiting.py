"""The FIFO of tasks waiting for a connection, with a one-slot hand-off.

Each waiting task owns a :class:`Waiter`: a future that is completed exactly
once, either by :meth:`WaitQueue.hand_over` (it is given a connection, or a
free slot to open one in), by its timeout (``PoolTimeout``), by the pool being
disposed, or by the task's own cancellation. Whichever comes first wins and
the others see a completed future and leave it alone, so a connection is never
given to a waiter that has already given up (psycopg_pool's ``WaitingClient``).

A waiter handed something at the very moment it is cancelled still owns it;
:meth:`WaitQueue.leave` returns it so the pool can pass it on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from typing import Final, Generic, TypeVar

__all__ = ["NOTHING", "WaitQueue", "Waiter"]

ItemT = TypeVar("ItemT")


class Nothing:
    """Marker: a waiter that leaves owns nothing to pass on."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOTHING"


NOTHING: Final = Nothing()


class Waiter(Generic[ItemT]):
    """One task's place in the queue: the future it awaits and its timeout timer."""

    __slots__ = ("future", "timer")

    def __init__(self, future: asyncio.Future[ItemT]) -> None:
        self.future = future
        self.timer: asyncio.TimerHandle | None = None


class WaitQueue(Generic[ItemT]):
    """Tasks waiting for an item, served strictly first come, first served."""

    __slots__ = ("_waiters",)

    def __init__(self) -> None:
        self._waiters: deque[Waiter[ItemT]] = deque()

    def __len__(self) -> int:
        return len(self._waiters)

    def __bool__(self) -> bool:
        return bool(self._waiters)

    def join(
        self,
        loop: asyncio.AbstractEventLoop,
        timeout: float | None,
        timeout_error: Callable[[], BaseException],
    ) -> Waiter[ItemT]:
        """Queue a new waiter; after *timeout* seconds it fails with ``timeout_error()``.

        The caller awaits ``waiter.future`` and must call :meth:`leave` if that
        await raises, whatever the reason.
        """
        waiter: Waiter[ItemT] = Waiter(loop.create_future())
        self._waiters.append(waiter)
        if timeout is not None:
            waiter.timer = loop.call_later(timeout, self._expire, waiter, timeout_error)
        return waiter

    def hand_over(self, item: ItemT) -> bool:
        """Give *item* to the longest-waiting task; False if nobody waits."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            # Waiters that gave up are removed at once; the check is what
            # guarantees that one that gave up is never handed anything.
            if not waiter.future.done():
                if waiter.timer is not None:
                    waiter.timer.cancel()
                waiter.future.set_result(item)
                return True
        return False

    def leave(self, waiter: Waiter[ItemT]) -> ItemT | Nothing:
        """Take *waiter* out after its await raised; return what it was handed, if anything.

        A waiter can be handed an item and cancelled before it runs again; the
        item is then still its own, and the caller must pass it on.
        """
        if waiter.timer is not None:
            waiter.timer.cancel()
        future = waiter.future
        if not future.done():
            # Only reachable if something other than a cancellation was thrown
            # into the waiting task; it gives up all the same.
            future.cancel()
        if future.cancelled():
            self._remove(waiter)
            return NOTHING
        if future.exception() is not None:
            # Timed out or failed by the pool: already removed. Reading the
            # exception also marks it retrieved, so asyncio does not log it.
            return NOTHING
        return future.result()

    def fail_all(self, error: Callable[[], BaseException]) -> None:
        """Fail every waiter with a fresh ``error()`` (the pool is being disposed)."""
        waiters, self._waiters = self._waiters, deque()
        for waiter in waiters:
            if waiter.timer is not None:
                waiter.timer.cancel()
            if not waiter.future.done():
                waiter.future.set_exception(error())

    def _expire(self, waiter: Waiter[ItemT], timeout_error: Callable[[], BaseException]) -> None:
        if waiter.future.done():
            return
        self._remove(waiter)
        waiter.future.set_exception(timeout_error())

    def _remove(self, waiter: Waiter[ItemT]) -> None:
        # O(n), but only on the give-up paths (timeout, cancellation), and n is
        # the number of tasks waiting.
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)
