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
from collections.abc import Callable
from types import TracebackType
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
class _Operation:
    """The context manager of :meth:`OperationGuard.operation`."""

    __slots__ = ("_check", "_guard", "_name")

    def __init__(self, guard: OperationGuard, name: str, check: Callable[[], None] | None) -> None:
        self._guard = guard
        self._name = name
        self._check = check

    def __enter__(self) -> None:
        guard = self._guard
        if guard._name is not None:
            raise guard._error(self._name)
        guard._name = self._name
        guard._owner = current_task_or_none()
        if self._check is not None:
            try:
                self._check()
            except BaseException:
                guard._name = None
                guard._owner = None
                raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        guard = self._guard
        guard._name = None
        guard._owner = None


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

    def operation(self, name: str, check: Callable[[], None] | None = None) -> _Operation:
        """Mark *name* in flight for the duration of a ``with`` block; raise if another one is.

        *check*, if given, is called once the operation is marked (a raise
        from it ends the operation). A small class rather than a generator
        context manager: every awaited session call enters one.
        """
        return _Operation(self, name, check)

    def check_idle(self, name: str) -> None:
        """Raise as :meth:`operation` would on entry, recording nothing.

        For the stretch of an awaited method that runs with no ``await``:
        nothing can interleave with it, so there is nothing to record.
        """
        if self._name is not None:
            raise self._error(name)

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
