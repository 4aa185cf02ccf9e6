"""Cancellation-safe cleanup helpers and deadlines: the one home of these patterns.

Every path that hands a connection back, closes one, or rolls one back goes
through :func:`shielded`, so a task cancelled at that moment still finishes the
cleanup before the cancellation reaches its caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = ["Deadline", "close_or_abort", "shielded"]

ResultT = TypeVar("ResultT")


async def shielded(aw: Awaitable[ResultT]) -> ResultT:
    """Run *aw* to completion even if the calling task is cancelled meanwhile.

    The cancellation is not lost: once *aw* has finished, it is re-raised in
    the caller. Errors raised by *aw* itself propagate as usual (chained to the
    cancellation if one arrived).
    """
    task: asyncio.Future[ResultT] = asyncio.ensure_future(aw)
    cancelled = False
    while True:
        try:
            result = await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.done():
                # The inner work was itself cancelled (or finished while we were
                # being cancelled): nothing left to protect.
                if task.cancelled():
                    raise
                cancelled = True
                break
            cancelled = True
            continue
        else:
            break
    if cancelled:
        exc = task.exception()
        if exc is not None:
            raise asyncio.CancelledError() from exc
        raise asyncio.CancelledError()
    return result


async def close_or_abort(
    close: Callable[[], Awaitable[object]],
    abort: Callable[[], object] | None,
    *,
    timeout: float = 5.0,
) -> None:
    """Close gracefully within *timeout*; on any failure or cancellation, abort hard.

    Never raises an ordinary error: a connection being thrown away must not
    turn its disposal into the caller's problem. A cancellation of the caller
    still propagates after the abort.
    """

    async def _close() -> None:
        try:
            async with asyncio.timeout(timeout):
                await close()
        except Exception:
            if abort is not None:
                with contextlib.suppress(Exception):
                    abort()

    try:
        await shielded(_close())
    except asyncio.CancelledError:
        if abort is not None:
            with contextlib.suppress(Exception):
                abort()
        raise


class Deadline:
    """A timeout in seconds turned once into a point on the monotonic clock."""

    __slots__ = ("_at", "timeout")

    def __init__(self, timeout: float | None) -> None:
        self.timeout = timeout
        self._at = None if timeout is None else time.monotonic() + timeout

    def remaining(self) -> float | None:
        """Seconds left (never negative), or ``None`` for no deadline."""
        if self._at is None:
            return None
        return max(0.0, self._at - time.monotonic())

    @property
    def expired(self) -> bool:
        """True once the deadline has passed."""
        return self._at is not None and time.monotonic() >= self._at
