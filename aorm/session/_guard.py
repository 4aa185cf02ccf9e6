"""The concurrent-use guard: one awaited session operation at a time.

A session belongs to one task at a time. Every awaited session method runs
inside :meth:`OperationGuard.operation`, which records the operation in
flight (its name and task) on entry and clears it in ``finally``. A second
awaited call while one is in flight raises
:class:`~aorm.exc.ConcurrentUseError` at once, before it touches anything, so
the first operation carries on unaffected. Nothing ever waits here: waiting
would hide the bug (two tasks sharing a session) behind a slowdown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import final

from aorm.exc import ConcurrentUseError

__all__ = ["OperationGuard", "current_task_or_none"]


def current_task_or_none() -> asyncio.Task[object] | None:
    """The running task, or ``None`` outside of one (plain synchronous code)."""
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None


@final
class OperationGuard:
    """Tracks the one awaited operation in flight on a session."""

    __slots__ = ("_name", "_owner", "what")

    def __init__(self, what: str) -> None:
        #: How the guarded object is named in errors (``"AsyncSession"``).
        self.what = what
        self._name: str | None = None
        self._owner: asyncio.Task[object] | None = None

    @property
    def busy(self) -> bool:
        """True while an awaited operation is in flight."""
        return self._name is not None

    @property
    def in_flight(self) -> str | None:
        """The name of the operation in flight, if any."""
        return self._name

    @contextlib.contextmanager
    def operation(self, name: str) -> Iterator[None]:
        """Mark *name* in flight for the duration of the block; raise if another one is."""
        if self._name is not None:
            raise self._error(name)
        self._name = name
        self._owner = current_task_or_none()
        try:
            yield
        finally:
            self._name = None
            self._owner = None

    def check_sync(self, name: str) -> None:
        """Raise if another task has an operation in flight (for synchronous methods).

        A synchronous call from the task that runs the operation (a hook
        called during a flush, say) is allowed: it cannot interleave.
        """
        if self._name is not None and self._owner is not current_task_or_none():
            raise self._error(name)

    def _error(self, name: str) -> ConcurrentUseError:
        return ConcurrentUseError(
            f"{self.what}.{name}() was called while {self.what}.{self._name}() is still "
            "running; a session serves one task at a time: await each call before the next, "
            "or give each task its own session (async_sessionmaker)"
        )
