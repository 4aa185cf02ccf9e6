"""What a :class:`~aorm.engine.connection.Connection` does to hold a driver connection safely.

:class:`ConnectionCore` is the part of a connection that keeps the pool whole:
checking a driver connection out, the one-operation-at-a-time guard, driver
calls that invalidate a connection they left broken, and handing it back,
rolled back and reusable or discarded. Every path that gives a connection
back runs shielded, so a cancelled task still frees its pool slot.

``Connection`` (its public API: transactions, statements, streams) is the
only subclass; the fields are its slots, declared here for the methods that
use them.
"""

from __future__ import annotations

import contextlib
import enum
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

from aorm._concurrency import shielded
from aorm.dialects.base import DialectConnection
from aorm.engine.transaction import TransactionState
from aorm.exc import ConcurrentUseError, InvalidStateError, ResourceClosedError

if TYPE_CHECKING:
    from aorm.engine.async_result import AsyncResult
    from aorm.engine.engine import Engine
    from aorm.engine.transaction import Transaction

__all__ = ["ConnectionCore", "ConnectionState"]

logger = logging.getLogger("aorm.engine")

ResultT = TypeVar("ResultT")


class ConnectionState(enum.Enum):
    """Where a :class:`~aorm.engine.connection.Connection` is in its lifecycle."""

    #: Made by ``engine.connect()``; nothing checked out until awaited or entered.
    NEW = "new"
    #: Usable; holds a pooled driver connection (or takes a fresh one after invalidation).
    OPEN = "open"
    #: Closed: its driver connection went back to the pool; only ``close()`` works.
    CLOSED = "closed"


class ConnectionCore:
    """A connection's hold on its driver connection; see the module docstring."""

    __slots__ = (
        "_busy",
        "_dconn",
        "_nested",
        "_pool",
        "_raw",
        "_root",
        "_streams",
        "engine",
        "invalidated",
        "state",
    )

    def __init__(self, engine: Engine) -> None:
        #: The engine this connection came from.
        self.engine = engine
        self.state = ConnectionState.NEW
        #: True once the driver connection was lost (dead, or interrupted mid-call),
        #: until the next statement checks out a new one.
        self.invalidated = False
        self._pool: Any = None
        self._raw: Any = None
        self._dconn: DialectConnection | None = None
        self._root: Transaction | None = None
        self._nested: list[Transaction] = []
        self._streams: list[AsyncResult] = []
        self._busy = False

    @contextlib.asynccontextmanager
    async def _operation(self) -> AsyncIterator[None]:
        """Mark one operation in flight; a second one meanwhile is concurrent use."""
        self._enter_operation()
        try:
            yield
        finally:
            await self._leave_operation()

    def _enter_operation(self) -> None:
        # ``execute()`` calls this pair directly: it runs for every statement,
        # and an async context manager costs several frames per use.
        if self._busy:
            raise ConcurrentUseError(
                "this Connection is already running an operation (in another task); "
                "a connection serves one task at a time"
            )
        self._busy = True

    async def _leave_operation(self) -> None:
        self._busy = False
        if self.state is ConnectionState.CLOSED and self._dconn is not None:
            # close() was called meanwhile (from another task): hand back now.
            await shielded(self._give_back())

    def _check_open(self) -> None:
        if self.state is ConnectionState.OPEN:
            return
        if self.state is ConnectionState.CLOSED:
            raise ResourceClosedError(
                "this Connection is closed; open a new one with engine.connect()"
            )
        raise InvalidStateError(
            "this Connection was not started; use `async with engine.connect() as conn`"
        )

    async def _checkout(self) -> DialectConnection:
        pool = self.engine.pool
        raw = await pool.acquire()
        self._pool, self._raw = pool, raw
        self._dconn = self.engine.dialect.wrap(raw)
        self.invalidated = False
        return self._dconn

    async def _ready_connection(self) -> DialectConnection:
        """The driver connection, checked out afresh after an invalidation."""
        if self._dconn is not None:
            return self._dconn
        if self._root is not None:
            raise InvalidStateError(
                "this Connection was invalidated (its driver connection died) inside a "
                "transaction; call rollback() before using it again"
            )
        return await self._checkout()

    async def _call(self, dconn: DialectConnection, aw: Awaitable[ResultT]) -> ResultT:
        """Await a driver call; if it left the connection broken, invalidate it."""
        try:
            return await aw
        except BaseException:
            if dconn.broken and dconn is self._dconn:
                await shielded(self._invalidate_now())
            raise

    def _before_execute(self, sql: str, params: Any) -> None:
        engine = self.engine
        if engine.echo:
            logger.info("%s\n[parameters: %r]", sql, params)
        for listener in engine._listeners["before_execute"]:
            listener(sql, params)

    def _log(self, message: str) -> None:
        if self.engine.echo:
            logger.info("%s", message)

    async def _invalidate_now(self, *, discard: bool = False) -> None:
        # An explicit invalidate() means "never reuse this one", even if it
        # still answers; a driver failure first tries to recover the connection.
        dconn, raw, pool = self._dconn, self._raw, self._pool
        self._dconn = self._raw = None
        self.invalidated = True
        for result in self._streams:
            result._stream.closed = True
        self._streams = []
        if self._root is not None:
            self._root.state = TransactionState.INACTIVE
        for savepoint in self._nested:
            savepoint.state = TransactionState.INACTIVE
        if dconn is None:
            return
        if discard:
            await dconn.discard()
            await pool.invalidate(raw)
            return
        await self._hand_back_broken(dconn, raw, pool)

    async def _give_back(self) -> None:
        """Return the driver connection: rolled back and reusable, or invalidated."""
        if self._root is not None:
            self._finish_root(TransactionState.ROLLED_BACK)
        dconn = self._dconn
        if dconn is None:
            self._streams = []
            return
        if not dconn.broken:
            try:
                await self._close_streams()
                await dconn.finish()
            except Exception:
                logger.warning(
                    "%s: could not roll back a connection on close; discarding it",
                    self.engine,
                    exc_info=True,
                )
                dconn.broken = True
        if self._dconn is None:
            # Invalidated on the way (a cursor close found it dead).
            return
        raw, pool = self._raw, self._pool
        self._dconn = self._raw = None
        if dconn.broken:
            await self._hand_back_broken(dconn, raw, pool)
        else:
            await pool.release(raw)

    async def _hand_back_broken(self, dconn: DialectConnection, raw: Any, pool: Any) -> None:
        """Give back a connection found dead or interrupted: recovered, or closed and replaced."""
        if await dconn.recover():
            await pool.release(raw)
            return
        logger.warning("%s: invalidating a dead or interrupted connection", self.engine)
        await dconn.discard()
        await pool.invalidate(raw)

    def _finish_root(self, state: TransactionState) -> None:
        for savepoint in self._nested:
            savepoint.state = state
        self._nested = []
        if self._root is not None:
            self._root.state = state
        self._root = None

    async def _close_streams(self) -> None:
        streams, self._streams = self._streams, []
        for result in streams:
            await result.close()
