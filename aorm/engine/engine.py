"""``Engine``: a dialect plus a pool of its connections, shared by any number of tasks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal, final

from aorm._concurrency import shielded
from aorm.dialects.base import Dialect
from aorm.engine.connection import Connection
from aorm.engine.transaction import Transaction
from aorm.engine.url import URL
from aorm.exc import ArgumentError
from aorm.pool import BasePool

__all__ = ["EVENTS", "Engine", "ExecuteListener"]

logger = logging.getLogger("aorm.engine")

#: ``fn(sql, parameters)``: called before each statement is sent, with the SQL
#: and the driver parameters (a list for one execution, a list of lists for
#: an ``executemany``).
ExecuteListener = Callable[[str, Any], object]

#: The event names ``Engine.add_listener`` accepts.
EVENTS = ("before_execute",)

EventName = Literal["before_execute"]


@final
class Engine:
    """Connects to one database: ``async with engine.connect() as conn``.

    Made by :func:`~aorm.engine.create_engine`. ``await engine.dispose()``
    closes the pool's connections; using the engine afterwards opens a fresh
    pool.
    """

    __slots__ = ("_listeners", "_make_pool", "_pool", "dialect", "echo", "url")

    def __init__(
        self,
        url: URL,
        dialect: Dialect,
        make_pool: Callable[[], BasePool[Any]],
        *,
        echo: bool = False,
    ) -> None:
        #: The parsed database URL (``str()`` hides the password).
        self.url = url
        #: The backend: SQL flavour, driver calls, error translation.
        self.dialect = dialect
        #: Log every statement and its parameters on the ``aorm.engine`` logger at INFO.
        self.echo = echo
        self._make_pool = make_pool
        self._pool: BasePool[Any] | None = make_pool()
        self._listeners: dict[str, list[ExecuteListener]] = {name: [] for name in EVENTS}
        if echo:
            _enable_echo_logging()

    @property
    def pool(self) -> BasePool[Any]:
        """The connection pool (a fresh one after :meth:`dispose`)."""
        if self._pool is None or self._pool.closed:
            self._pool = self._make_pool()
        return self._pool

    @property
    def name(self) -> str:
        """The dialect name: ``"sqlite"`` or ``"postgresql"``."""
        return self.dialect.name

    def connect(self) -> Connection:
        """A connection: ``async with engine.connect() as conn`` (or ``await`` it, then close)."""
        return Connection(self)

    def begin(self) -> EngineTransaction:
        """``async with engine.begin() as conn``: a connection in a transaction.

        Commits when the block ends normally, rolls back when it raises, and
        closes the connection either way. On SQLite it takes the write lock
        at once (``BEGIN IMMEDIATE``), so it never waits on a stale snapshot.
        """
        return EngineTransaction(self)

    async def dispose(self) -> None:
        """Close the pool's idle connections now and checked-out ones when returned."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await shielded(pool.dispose())

    def add_listener(self, event: EventName, listener: ExecuteListener) -> None:
        """Call ``listener(sql, parameters)`` for every statement (event ``"before_execute"``)."""
        self._event_list(event).append(listener)

    def remove_listener(self, event: EventName, listener: ExecuteListener) -> None:
        """Stop calling *listener*; ArgumentError if it was not added."""
        listeners = self._event_list(event)
        try:
            listeners.remove(listener)
        except ValueError:
            raise ArgumentError(
                f"{listener!r} is not a {event!r} listener of this engine"
            ) from None

    def _event_list(self, event: str) -> list[ExecuteListener]:
        try:
            return self._listeners[event]
        except KeyError:
            raise ArgumentError(
                f"unknown engine event {event!r}; events: {', '.join(EVENTS)}"
            ) from None

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.dispose()

    def __repr__(self) -> str:
        # No IO and no new pool: a disposed engine says so instead.
        url = self.url.render(hide_password=True)
        pool = self._pool
        if pool is None or pool.closed:
            where = "no pool (disposed)"
        else:
            stats = pool.stats()
            where = (
                f"{type(pool).__name__} size={stats.size} max_overflow={stats.max_overflow} "
                f"checked_out={stats.checked_out}"
            )
        return f"<Engine {url} dialect={self.dialect.name} {where}>"


@final
class EngineTransaction:
    """What ``engine.begin()`` returns: an async context manager yielding a Connection."""

    __slots__ = ("_connection", "_engine", "_transaction")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._transaction: Transaction | None = None

    async def __aenter__(self) -> Connection:
        connection = self._engine.connect()
        await connection.start()
        try:
            self._transaction = await connection._begin_immediate().start()
        except BaseException:
            await connection.close()
            raise
        self._connection = connection
        return connection

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, transaction = self._connection, self._transaction
        self._connection = self._transaction = None
        if connection is None or transaction is None:
            return
        try:
            await transaction.__aexit__(exc_type, exc, tb)
        finally:
            await connection.close()


def _enable_echo_logging() -> None:
    """Make ``echo=True`` visible even when logging was never configured."""
    if not logger.isEnabledFor(logging.INFO):
        logger.setLevel(logging.INFO)
    if not logger.hasHandlers():
        logger.addHandler(logging.StreamHandler())
