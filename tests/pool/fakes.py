"""Fake connections for the pool tests: counted, and slow exactly when a test says so."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class FakeConnection:
    """A connection object the pool does not recognise; closed through its ``close()``."""

    def __init__(self, connector: FakeConnector, number: int) -> None:
        self.connector = connector
        self.number = number
        self.closed = False
        #: Set while a "query" runs; stays set if the query was interrupted.
        self.dirty = False
        self.alive = True
        self.resets = 0
        self.pings = 0

    async def query(self, gate: asyncio.Event | None = None, steps: int = 0) -> None:
        """Pretend to run a query: wait for *gate*, then yield *steps* times."""
        assert not self.closed, f"{self!r} used after close"
        assert not self.dirty, f"{self!r} handed out mid-query"
        self.dirty = True
        if gate is not None:
            await gate.wait()
        for _ in range(steps):
            await asyncio.sleep(0)
        self.dirty = False

    async def close(self) -> None:
        for _ in range(self.connector.close_steps):
            await asyncio.sleep(0)
        if not self.closed:
            self.closed = True
            self.connector.open_now -= 1

    def __repr__(self) -> str:
        return f"<FakeConnection #{self.number}>"


class FakeConnector:
    """An async connect factory that counts what exists and can be slowed or made to fail."""

    def __init__(self) -> None:
        self.connections: list[FakeConnection] = []
        self.open_now = 0
        self.connecting = 0
        #: The most connections ever open or being opened at once.
        self.max_in_use = 0
        #: When set, every connect waits for it.
        self.gate: asyncio.Event | None = None
        #: Raised by the next connects, in order.
        self.failures: list[BaseException] = []
        self.connect_steps = 0
        self.close_steps = 0
        self.started = 0
        self.cancelled_connects = 0

    async def __call__(self) -> FakeConnection:
        self.started += 1
        self.connecting += 1
        self._note_in_use()
        try:
            if self.gate is not None:
                await self.gate.wait()
            for _ in range(self.connect_steps):
                await asyncio.sleep(0)
            if self.failures:
                raise self.failures.pop(0)
            conn = FakeConnection(self, len(self.connections) + 1)
            self.connections.append(conn)
            self.open_now += 1
        except asyncio.CancelledError:
            self.cancelled_connects += 1
            raise
        finally:
            self.connecting -= 1
        self._note_in_use()
        return conn

    def _note_in_use(self) -> None:
        self.max_in_use = max(self.max_in_use, self.open_now + self.connecting)

    @property
    def closed(self) -> list[FakeConnection]:
        """The connections closed so far."""
        return [conn for conn in self.connections if conn.closed]


async def counting_reset(conn: FakeConnection) -> None:
    """A reset for fake connections: counts, refuses a connection left mid-query."""
    await asyncio.sleep(0)
    if conn.dirty:
        raise RuntimeError("connection is mid-query")
    conn.resets += 1


async def liveness_ping(conn: FakeConnection) -> bool:
    """A ping for fake connections: answers whether the test left it alive."""
    conn.pings += 1
    await asyncio.sleep(0)
    return conn.alive


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def wait_until(condition: Callable[[], bool], *, timeout: float = 5.0) -> None:
    """Let the loop run until *condition* holds (yielding, not sleeping); fail after *timeout*."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0)
