"""Default reset, ping and close for the driver connections the pool recognises.

The pool takes any connection object; it recognises two drivers and knows how
to clean up after their users without being told:

* ``aiosqlite.Connection``: reset rolls back; ping runs ``SELECT 1``; close.
* ``asyncpg.Connection``: reset rolls back an open transaction and runs
  ``reset()`` (closes cursors, unlistens, resets settings, releases advisory
  locks); ping runs ``SELECT 1``; close with ``terminate()`` as the hard
  fallback; a connection that is closed or still cancelling a query is never
  reused.

Any other object is returned as it is (no reset, no ping) and closed by
calling its ``close()`` method, if it has one (awaited if it returns an
awaitable). Callables given to the pool (``reset=``, ``ping=``, ``close=``)
take precedence over these defaults.

These statements are the only SQL the pool ever sends.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aorm._concurrency import close_or_abort

if TYPE_CHECKING:
    # Not imported at run time: a connection of a driver that was never
    # imported cannot exist, so ``import aorm`` loads neither (see defaults_for).
    import aiosqlite
    import asyncpg

__all__ = ["DriverDefaults", "defaults_for"]

_PING_SQL = "SELECT 1"
_ROLLBACK_SQL = "ROLLBACK"


@dataclass(frozen=True, slots=True)
class DriverDefaults:
    """How the pool treats one kind of connection when it is given no callables."""

    #: Driver name, for log lines.
    name: str
    #: Puts a returned connection back into a clean state; raises if it cannot.
    reset: Callable[[Any], Awaitable[None]] | None
    #: Raises (or returns False) if the connection is dead.
    ping: Callable[[Any], Awaitable[object]] | None
    #: Closes the connection; never raises an ordinary error.
    close: Callable[[Any], Awaitable[None]]
    #: True when the connection must not be reused, known without any IO.
    is_unusable: Callable[[Any], bool]


async def _aiosqlite_reset(conn: aiosqlite.Connection) -> None:
    # Always roll back, even if no transaction seems open: a query still
    # running in the driver's thread (its caller was cancelled) may be about
    # to open one, and the rollback is queued behind it.
    await conn.rollback()


async def _aiosqlite_ping(conn: aiosqlite.Connection) -> None:
    cursor = await conn.execute(_PING_SQL)
    await cursor.close()


async def _aiosqlite_close(conn: aiosqlite.Connection) -> None:
    # aiosqlite's close() already stops its worker thread whatever happens,
    # so it is its own hard fallback.
    await close_or_abort(conn.close, None)


def _never_unusable(conn: object) -> bool:
    return False


async def _asyncpg_reset(conn: asyncpg.Connection[Any]) -> None:
    if conn.is_in_transaction():
        # reset() would roll back too, but it reports a transaction it did not
        # start (a plain BEGIN) to the event loop's exception handler as if it
        # were a bug; for a pool, a connection returned mid-transaction is routine.
        await conn.execute(_ROLLBACK_SQL)
    await conn.reset()


async def _asyncpg_ping(conn: asyncpg.Connection[Any]) -> bool:
    if conn.is_closed():
        return False
    await conn.execute(_PING_SQL)
    return True


async def _asyncpg_close(conn: asyncpg.Connection[Any]) -> None:
    await close_or_abort(conn.close, conn.terminate)


def _asyncpg_unusable(conn: asyncpg.Connection[Any]) -> bool:
    if conn.is_closed():
        return True
    # A query whose task was cancelled leaves the protocol cancelling it in the
    # background; until the server acknowledges, the connection's state is
    # unknown. asyncpg has no public flag for this, so look it up defensively.
    protocol: Any = getattr(conn, "_protocol", None)
    is_cancelling: Any = getattr(protocol, "_is_cancelling", None)
    return bool(is_cancelling()) if callable(is_cancelling) else False


async def _close_any(conn: object) -> None:
    close: Any = getattr(conn, "close", None)
    if not callable(close):
        return

    async def _close() -> None:
        result = close()
        if inspect.isawaitable(result):
            await result

    await close_or_abort(_close, None)


_AIOSQLITE = DriverDefaults(
    name="aiosqlite",
    reset=_aiosqlite_reset,
    ping=_aiosqlite_ping,
    close=_aiosqlite_close,
    is_unusable=_never_unusable,
)
_ASYNCPG = DriverDefaults(
    name="asyncpg",
    reset=_asyncpg_reset,
    ping=_asyncpg_ping,
    close=_asyncpg_close,
    is_unusable=_asyncpg_unusable,
)
_GENERIC = DriverDefaults(
    name="generic",
    reset=None,
    ping=None,
    close=_close_any,
    is_unusable=_never_unusable,
)


def defaults_for(conn: object) -> DriverDefaults:
    """The defaults for *conn*: its driver's if recognised, else the generic ones."""
    # Only a driver already imported can have made *conn*.
    asyncpg_module = sys.modules.get("asyncpg")
    if asyncpg_module is not None and isinstance(conn, asyncpg_module.Connection):
        return _ASYNCPG
    aiosqlite_module = sys.modules.get("aiosqlite")
    if aiosqlite_module is not None and isinstance(conn, aiosqlite_module.Connection):
        return _AIOSQLITE
    return _GENERIC
