"""``Pool``: a bounded pool of driver connections, reused, reset and replaced as needed."""

from __future__ import annotations

from typing import TypeVar, final

from aorm.pool._base import ConnectFactory, ConnectionHook
from aorm.pool._core import PoolCore

__all__ = ["Pool"]

ConnT = TypeVar("ConnT")


@final
class Pool(PoolCore[ConnT]):
    """A pool of the driver's own connections, shared by any number of tasks of one event loop.

    ``connect`` is an async factory returning a new driver connection (for
    example ``lambda: asyncpg.connect(url)`` or ``lambda:
    aiosqlite.connect(path)``); the pool knows nothing of SQL. Use it as
    ``async with pool.connection() as conn`` (or the raw ``acquire()`` /
    ``release()`` pair), and ``await pool.dispose()`` at the end, or ``async
    with Pool(...) as pool``. A pool belongs to the event loop it was opened
    on (``open()`` or its first checkout).

    Capacity: at most ``size + max_overflow`` connections are open at once;
    up to ``size`` are kept idle for reuse and overflow ones are closed when
    returned; ``min_size`` are opened by ``open()`` and kept open, reopened in
    the background when lost. Tasks that find every connection in use wait,
    first come first served, up to ``timeout`` seconds (None: no limit), then
    get ``PoolTimeout``; with ``max_waiting`` set, a task that would be one
    too many waiting gets ``PoolOverloaded`` at once. ``lifo`` hands out the
    most recently returned connection first (so surplus ones go idle and
    ``max_idle`` can retire them); ``lifo=False`` rotates through all.

    Health: a returned connection is reset so no uncommitted work reaches the
    next user (``reset(conn)`` if given, else the driver default: aiosqlite
    rolls back, asyncpg rolls back and runs ``reset()``; connections of other
    types are returned as they are); set ``reset_on_return=False`` to skip
    it. A connection whose reset fails, that is returned with
    ``discard=True``, or whose ``connection()`` block was cancelled (it may
    be mid-query) is closed and replaced, never reused. ``recycle`` retires
    connections older than that many seconds (each a little early, so they
    do not all go at once); ``max_idle`` closes connections idle that long,
    down to ``min_size``; ``pre_ping`` checks a connection at checkout
    (``ping(conn)`` if given, else ``SELECT 1`` for the known drivers; a ping
    that raises or returns False means dead) and replaces a dead one before
    the caller sees it. ``close(conn)`` overrides how connections are closed
    (default: the driver's ``close()``, asyncpg falling back to
    ``terminate()``).

    Hooks (async callables taking the connection): ``on_connect`` after a
    connection opens (if it fails, the connection is closed and the error
    propagates), ``on_checkout`` before one is handed out, ``on_checkin``
    after one came back and was reset (if either fails, that connection is
    closed and the error propagates).

    Leaks: with ``warn_held_after`` set, a connection held longer than that
    many seconds logs a warning on the ``aorm.pool`` logger naming the
    holder task and where it acquired the connection; ``PoolTimeout``
    messages then name those sites too.
    """

    def __init__(
        self,
        connect: ConnectFactory[ConnT],
        *,
        size: int = 5,
        max_overflow: int = 10,
        min_size: int = 0,
        timeout: float | None = 30.0,
        max_waiting: int | None = None,
        recycle: float | None = None,
        max_idle: float | None = None,
        pre_ping: bool = False,
        reset_on_return: bool = True,
        lifo: bool = True,
        ping: ConnectionHook[ConnT] | None = None,
        reset: ConnectionHook[ConnT] | None = None,
        close: ConnectionHook[ConnT] | None = None,
        on_connect: ConnectionHook[ConnT] | None = None,
        on_checkout: ConnectionHook[ConnT] | None = None,
        on_checkin: ConnectionHook[ConnT] | None = None,
        warn_held_after: float | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(
            connect,
            size=size,
            max_overflow=max_overflow,
            min_size=min_size,
            timeout=timeout,
            max_waiting=max_waiting,
            recycle=recycle,
            max_idle=max_idle,
            pre_ping=pre_ping,
            reset_on_return=reset_on_return,
            lifo=lifo,
            ping=ping,
            reset=reset,
            close=close,
            on_connect=on_connect,
            on_checkout=on_checkout,
            on_checkin=on_checkin,
            warn_held_after=warn_held_after,
            name=name,
        )
