"""Session events: a small list of hooks called around flush, commit and rollback.

``session.add_listener("before_flush", fn)`` calls ``fn(session)`` at that
point; *fn* may be a plain function or a coroutine function (it is awaited,
inside the session operation that fires it). Events:

* ``before_flush`` — a flush is about to collect its objects (listeners may
  still add or change objects);
* ``after_flush`` — every statement of the flush was sent, before the
  objects are marked flushed (an error raised here fails the flush);
* ``before_commit`` — the flush of a commit succeeded, ``COMMIT`` is next;
* ``after_commit`` — the commit is complete;
* ``after_rollback`` — the transaction was rolled back (also by ``close()``).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeAlias, final

from aorm.exc import ArgumentError

__all__ = ["SESSION_EVENTS", "SessionEventName", "SessionEvents", "SessionListener"]

#: The event names a session accepts.
SESSION_EVENTS = ("before_flush", "after_flush", "before_commit", "after_commit", "after_rollback")

SessionEventName: TypeAlias = Literal[
    "before_flush", "after_flush", "before_commit", "after_commit", "after_rollback"
]

#: ``fn(session)``; may return an awaitable, which is awaited.
SessionListener: TypeAlias = Callable[[Any], "Awaitable[object] | object"]


@final
class SessionEvents:
    """The listeners of one session, by event name."""

    __slots__ = ("_listeners",)

    def __init__(self) -> None:
        self._listeners: dict[str, list[SessionListener]] = {name: [] for name in SESSION_EVENTS}

    def add(self, event: str, listener: SessionListener) -> None:
        """Call *listener* on *event*."""
        self._list(event).append(listener)

    def remove(self, event: str, listener: SessionListener) -> None:
        """Stop calling *listener*; ArgumentError if it was not added."""
        listeners = self._list(event)
        try:
            listeners.remove(listener)
        except ValueError:
            raise ArgumentError(
                f"{listener!r} is not a {event!r} listener of this session"
            ) from None

    def copy_from(self, other: SessionEvents) -> None:
        """Add every listener of *other* (a session maker's, say)."""
        for name, listeners in other._listeners.items():
            self._listeners[name].extend(listeners)

    def has(self, event: str) -> bool:
        """True when *event* has listeners."""
        return bool(self._listeners[event])

    async def fire(self, event: str, session: Any) -> None:
        """Call the listeners of *event* in order, awaiting those that return awaitables."""
        for listener in list(self._listeners[event]):
            outcome = listener(session)
            if inspect.isawaitable(outcome):
                await outcome

    def _list(self, event: str) -> list[SessionListener]:
        try:
            return self._listeners[event]
        except KeyError:
            raise ArgumentError(
                f"unknown session event {event!r}; events: {', '.join(SESSION_EVENTS)}"
            ) from None
