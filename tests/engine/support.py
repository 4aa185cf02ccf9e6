"""Helpers for engine tests: deterministic waits and backend-specific fault injection."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from aorm.engine import Connection, Engine
from aorm.sql.text import text

#: Seconds a deterministic wait may take before the test fails instead of hanging.
WAIT_LIMIT = 10.0


async def wait_until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll *condition* (a cheap query or stats check) until true; fail after WAIT_LIMIT."""
    async with asyncio.timeout(WAIT_LIMIT):
        # Polls database state or stats, which signal no event to wait on.
        while not await condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


def _driver_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


class Backend:
    """Backend-specific ways to kill a connection or hold one inside a slow statement."""

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url
        self._release = threading.Event()

    async def kill(self, raw: Any) -> None:
        """Make the driver connection *raw* die underneath its user."""
        if self.name == "sqlite":
            await raw.close()
            return
        admin = await asyncpg.connect(_driver_url(self.url))
        try:
            # With a timeout, pg_terminate_backend waits until the backend is gone.
            assert await admin.fetchval(
                "SELECT pg_terminate_backend($1, 5000)", raw.get_server_pid()
            )
        finally:
            await admin.close()

    async def prepare_slow(self, conn: Connection) -> None:
        """Make ``slow_sql`` available on *conn*'s driver connection."""
        if self.name == "sqlite":
            loop = asyncio.get_running_loop()
            started = self._started = asyncio.Event()
            release = self._release

            def block() -> int:
                loop.call_soon_threadsafe(started.set)
                release.wait(WAIT_LIMIT)
                return 1

            await conn.driver_connection.create_function("block", 0, block)

    @property
    def slow_sql(self) -> str:
        """A statement that runs until released (SQLite) or for a long time (PostgreSQL)."""
        return "SELECT block()" if self.name == "sqlite" else "SELECT pg_sleep(30)"

    async def prepare_slow_commit(self, conn: Connection, table: str) -> None:
        """PostgreSQL: a deferred trigger on *table* makes COMMIT sleep after inserts.

        Run (and commit) it before the transaction whose COMMIT should hang.
        """
        if self.name == "postgresql":
            for statement in (
                "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS "
                "'BEGIN PERFORM pg_sleep(30); RETURN NULL; END'",
                f"CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()",
            ):
                await conn.execute(text(statement))

    async def arm_slow_commit(self, conn: Connection) -> None:
        """SQLite: the next statement on *conn*, which must be its COMMIT, hangs until released.

        A progress handler blocks inside that statement and then interrupts it.
        """
        if self.name != "sqlite":
            return
        loop = asyncio.get_running_loop()
        started = self._started = asyncio.Event()
        release = self._release
        fired = False

        def handler() -> int:
            nonlocal fired
            if fired:
                return 0
            fired = True
            loop.call_soon_threadsafe(started.set)
            release.wait(WAIT_LIMIT)
            return 1

        await conn.driver_connection.set_progress_handler(handler, 1)

    async def wait_running(self, conn: Connection, what: str) -> None:
        """Return once *conn* is inside its slow statement (*what*: its SQL, for PostgreSQL)."""
        if self.name == "sqlite":
            async with asyncio.timeout(WAIT_LIMIT):
                await self._started.wait()
            return
        pid = conn.driver_connection.get_server_pid()
        admin = await asyncpg.connect(_driver_url(self.url))
        try:

            async def running() -> bool:
                state = await admin.fetchval(
                    "SELECT state FROM pg_stat_activity WHERE pid = $1 AND query = $2", pid, what
                )
                return bool(state == "active")

            await wait_until(running, f"{what!r} to start")
        finally:
            await admin.close()

    def release_slow(self) -> None:
        """Let a blocked SQLite statement go on (a PostgreSQL one is cancelled instead)."""
        self._release.set()


async def count_rows(engine: Engine, table: str) -> int:
    """Rows in *table*, read on a fresh connection."""
    async with engine.connect() as conn:
        return int(await conn.scalar(text(f"SELECT count(*) FROM {table}")))
