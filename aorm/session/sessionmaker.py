"""``async_sessionmaker``: a configured factory of sessions for one engine.

``Session = async_sessionmaker(engine, expire_on_commit=False)`` once; then
``async with Session() as session:`` per unit of work, or ``async with
Session.begin() as session:`` for a session in a transaction that commits
when the block ends normally (rolls back when it raises) and closes.

Bound to a :class:`~aorm.engine.Connection` with a transaction open on it,
its sessions join that transaction as savepoints (see :class:`AsyncSession`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, final

from aorm.engine.connection import Connection
from aorm.engine.engine import Engine
from aorm.exc import ArgumentError
from aorm.session.events import SessionEvents, SessionListener
from aorm.session.session import AsyncSession
from aorm.session.transaction import check_join_transaction_mode

__all__ = ["async_sessionmaker"]

_OPTIONS = frozenset({"autoflush", "expire_on_commit", "join_transaction_mode"})


@final
class async_sessionmaker:
    """Makes :class:`AsyncSession` objects with the same engine and options.

    ``async_sessionmaker(engine, autoflush=True, expire_on_commit=False)``
    (or a connection in a transaction instead of the engine, with
    ``join_transaction_mode="create_savepoint"``); calling it (optionally
    with overriding options) returns a new session.
    Listeners added with :meth:`add_listener` are given to every session it
    makes afterwards.
    """

    __slots__ = ("_events", "bind", "kw")

    def __init__(self, bind: Engine | Connection, **kw: Any) -> None:
        _check(kw)
        if not isinstance(bind, Engine | Connection):
            raise ArgumentError(
                f"async_sessionmaker() takes an Engine or a Connection, not {bind!r}"
            )
        #: The engine (or the connection) of the sessions made.
        self.bind = bind
        #: The session options.
        self.kw: dict[str, Any] = dict(kw)
        self._events = SessionEvents()

    def __call__(self, **overrides: Any) -> AsyncSession:
        """A new session (options given here override the maker's)."""
        _check(overrides)
        session = AsyncSession(self.bind, **{**self.kw, **overrides})
        session._events.copy_from(self._events)
        return session

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        """``async with maker.begin() as session:``: commit (or roll back) and close at the end."""
        async with self() as session, session.begin():
            yield session

    def add_listener(self, event: str, listener: SessionListener) -> None:
        """Give *listener* for *event* to every session made from now on."""
        self._events.add(event, listener)

    def configure(self, **kw: Any) -> None:
        """Change the options of the sessions made from now on."""
        _check(kw)
        self.kw.update(kw)

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v!r}" for k, v in self.kw.items())
        return f"async_sessionmaker({self.bind!r}{', ' if options else ''}{options})"


def _check(options: dict[str, Any]) -> None:
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise ArgumentError(
            f"unknown session option(s): {', '.join(unknown)}; options: "
            + ", ".join(sorted(_OPTIONS))
        )
    if "join_transaction_mode" in options:
        check_join_transaction_mode(options["join_transaction_mode"])
