"""SQLite over aiosqlite.

Connections run in autocommit mode (``isolation_level=None``) and aorm issues
``BEGIN`` itself. File databases use WAL, a busy timeout and
``foreign_keys=ON``.

Writers never see "database is locked". SQLite allows one writer per file,
and a *deferred* transaction that has read and later writes must upgrade its
read snapshot to a write lock, which fails at once (busy timeout or not) if
another connection committed meanwhile. So aorm never upgrades: writers are
serialised in-process by one :class:`asyncio.Lock` per database (shared by
every connection of the engine), and a transaction takes that lock and
``BEGIN IMMEDIATE`` *before* its first write:

* a transaction begun with ``immediate=True`` (``engine.begin()``), or any
  transaction under ``isolation_level="SERIALIZABLE"``, takes it at once;
* otherwise the transaction is opened lazily: statements before its first
  write run outside any SQLite transaction (each sees the latest committed
  data, like PostgreSQL's default READ COMMITTED), and the first write (or a
  savepoint) takes the lock and sends ``BEGIN IMMEDIATE``;
* a write outside any transaction (``AUTOCOMMIT``) holds the lock for that
  one statement.

The lock is released when the transaction ends, and only after a broken
connection has been closed. Waiting for it is bounded by the busy timeout,
so a task that waits on itself fails with ``OperationalError`` instead of
hanging.

Each driver call is one hop to aiosqlite's worker thread: a statement and the
fetch of all its rows run together there, and many parameter sets go through
one ``executemany``.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import sqlite3
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from aorm._concurrency import close_or_abort
from aorm.dialects._errors_sqlite import translate_sqlite_error
from aorm.dialects._sqlite_compiler import SQLiteCompiler
from aorm.dialects.base import (
    Capabilities,
    Dialect,
    DialectConnection,
    DialectCursor,
    ExecResult,
    URLLike,
)
from aorm.exc import ArgumentError, DBAPIError, InvalidStateError, OperationalError
from aorm.sql.compiled import Compiled

if TYPE_CHECKING:
    # Imported when a SQLite engine first connects (see SQLiteDialect.connect).
    import aiosqlite

__all__ = ["SQLiteConnection", "SQLiteDialect"]

ResultT = TypeVar("ResultT")

#: Seconds a writer waits for the database (in-process lock and SQLite's busy handler).
DEFAULT_BUSY_TIMEOUT = 30.0


def _max_variables() -> int:
    # SQLITE_MAX_VARIABLE_NUMBER defaults to 32766 since SQLite 3.32.0.
    return 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


class _Hop(Generic[ResultT]):
    """One call for aiosqlite's worker thread, which keeps nothing of it once taken.

    The worker loop holds its last call's function, future and result in
    local variables until the next call arrives, which may be much later. So
    the thread gets this holder rather than the call itself: the function is
    dropped before it runs, and its result (or error) is taken out by the
    awaiting side, leaving the thread only an empty holder. Otherwise a
    statement's parameters and all its rows would stay alive after use.
    """

    __slots__ = ("_error", "_fn", "_raw", "_result")

    def __init__(
        self, raw: aiosqlite.Connection, fn: Callable[[sqlite3.Connection], ResultT]
    ) -> None:
        self._raw = raw
        self._fn: Callable[[sqlite3.Connection], ResultT] | None = fn
        self._result: ResultT | None = None
        self._error: BaseException | None = None

    def __call__(self) -> _Hop[ResultT]:
        # On the worker thread. The connection is looked up here, as the
        # call runs: it may have been closed since the hop was queued.
        fn, self._fn = self._fn, None
        assert fn is not None, "a hop runs once"
        try:
            self._result = fn(self._raw._conn)
        except BaseException as error:  # handed to the awaiting side as it is
            self._error = error
        return self

    def take(self) -> ResultT:
        """The call's result, or its error raised; the holder keeps neither."""
        error, self._error = self._error, None
        if error is not None:
            try:
                raise error
            finally:
                # The raised error's traceback holds this frame: no cycle.
                del error
        result, self._result = self._result, None
        return cast(ResultT, result)


async def _run(raw: aiosqlite.Connection, fn: Callable[[sqlite3.Connection], ResultT]) -> ResultT:
    """Run *fn* on aiosqlite's worker thread with the sqlite3 connection: one hop."""
    # aiosqlite's public calls each cost a hop (execute, then fetchall); its
    # queue takes any callable, which lets one hop do a whole statement.
    hop = _Hop(raw, fn)
    # The type as a string: a subscripted Callable made per call costs microseconds.
    execute = cast("Callable[[_Hop[ResultT]], Awaitable[_Hop[ResultT]]]", raw._execute)
    await execute(hop)
    return hop.take()


def _keys(description: Any) -> tuple[str, ...]:
    if description is None:
        return ()
    return tuple(column[0] for column in description)


class _TxState(enum.Enum):
    """Where this connection's transaction is."""

    #: No transaction: every statement commits on its own.
    NONE = "none"
    #: Begun, but nothing written yet: no SQLite transaction and no lock yet.
    DEFERRED = "deferred"
    #: ``BEGIN IMMEDIATE`` sent; this connection holds the writer lock.
    ACTIVE = "active"


class _SQLiteCursor(DialectCursor):
    """A sqlite3 cursor read in chunks, one hop per chunk."""

    def __init__(self, owner: SQLiteConnection, cursor: sqlite3.Cursor, sql: str) -> None:
        self._owner = owner
        self._cursor: sqlite3.Cursor | None = cursor
        self._sql = sql
        self._closed = False
        #: Rows read ahead by :meth:`drain`, served before anything else.
        self._drained: list[tuple[Any, ...]] = []
        self.keys = _keys(cursor.description)

    async def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        if self._closed:
            return []
        if self._cursor is None:
            rows, self._drained = self._drained[:size], self._drained[size:]
            return rows
        cursor = self._cursor
        fetched: list[tuple[Any, ...]] = await self._owner._guard(
            _run(self._owner.raw, lambda _conn: cursor.fetchmany(size)), self._sql
        )
        return fetched

    async def drain(self) -> None:
        """Read the remaining rows into memory and finish the statement.

        A pending SELECT keeps a read snapshot open, and taking the write lock
        over a snapshot is the upgrade that can fail; so before a deferred
        transaction writes, its open cursors are drained.
        """
        cursor = self._cursor
        if self._closed or cursor is None:
            return

        def finish(_conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
            try:
                rows: list[tuple[Any, ...]] = cursor.fetchall()
                return rows
            finally:
                cursor.close()

        self._drained = await self._owner._guard(_run(self._owner.raw, finish), self._sql)
        self._cursor = None

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._drained = []
        self._owner._cursors.discard(self)
        cursor, self._cursor = self._cursor, None
        if self._owner.broken or cursor is None:
            return
        await self._owner._guard(_run(self._owner.raw, lambda _conn: cursor.close()), self._sql)


class SQLiteConnection(DialectConnection):
    """An aiosqlite connection, with the lazy ``BEGIN IMMEDIATE`` described above."""

    dialect: SQLiteDialect
    raw: aiosqlite.Connection

    def __init__(self, dialect: SQLiteDialect, raw: aiosqlite.Connection) -> None:
        super().__init__(dialect, raw)
        self._tx = _TxState.NONE
        self._holds_lock = False
        self._cursors: set[_SQLiteCursor] = set()

    @property
    def in_transaction(self) -> bool:
        return self._tx is not _TxState.NONE

    # -- the writer lock -----------------------------------------------------

    async def _acquire_lock(self) -> None:
        if self._holds_lock:
            return
        lock = self.dialect.writer_lock
        timeout = self.dialect.busy_timeout
        try:
            async with asyncio.timeout(timeout):
                await lock.acquire()
        except TimeoutError:
            raise OperationalError(
                f"database is locked: no writer lock within {timeout:g} s "
                f"(another connection of this engine holds a write transaction on "
                f"{self.dialect.database!r})"
            ) from None
        self._holds_lock = True

    def _release_lock(self) -> None:
        if self._holds_lock:
            self._holds_lock = False
            self.dialect.writer_lock.release()

    async def _begin_immediate(self) -> None:
        await self._acquire_lock()
        try:
            for cursor in list(self._cursors):
                await cursor.drain()
            await self._guard(_run(self.raw, _begin_immediate), "BEGIN IMMEDIATE")
        except BaseException:
            if not self.broken:
                self._release_lock()
            raise
        self._tx = _TxState.ACTIVE

    def _end_transaction(self) -> None:
        """Forget the transaction and free the lock, unless SQLite still has it open."""
        try:
            still_open = self.raw.in_transaction
        except ValueError:
            still_open = False
        if not still_open:
            self._tx = _TxState.NONE
            self._release_lock()

    # -- statements ----------------------------------------------------------

    async def _write(self, call: Callable[[], Awaitable[ResultT]]) -> ResultT:
        """Run a writing driver call holding the writer lock, taken before the write."""
        if self._tx is _TxState.DEFERRED:
            await self._begin_immediate()
        if self._tx is _TxState.ACTIVE:
            return await call()
        # A write outside a transaction commits on its own: lock just for it.
        await self._acquire_lock()
        try:
            for cursor in list(self._cursors):
                await cursor.drain()
            return await call()
        finally:
            if not self.broken:
                self._release_lock()

    async def execute(self, compiled: Compiled, args: Sequence[Any]) -> ExecResult:
        self._check_usable()
        if not compiled.is_write:
            return await self._execute(compiled, args)
        return await self._write(lambda: self._execute(compiled, args))

    async def _execute(self, compiled: Compiled, args: Sequence[Any]) -> ExecResult:
        sql = compiled.sql
        params = tuple(args)
        returns_rows = compiled.returns_rows

        def run(conn: sqlite3.Connection) -> tuple[list[tuple[Any, ...]], Any, int]:
            cursor = conn.execute(sql, params)
            try:
                description = cursor.description
                rows: list[tuple[Any, ...]] = cursor.fetchall() if description is not None else []
                return rows, description, cursor.rowcount
            finally:
                cursor.close()

        rows, description, driver_rowcount = await self._guard(_run(self.raw, run), sql)
        if not returns_rows:
            return ExecResult(rows=[], keys=(), rowcount=driver_rowcount, returns_rows=False)
        rowcount = len(rows) if compiled.is_write else -1
        keys = compiled.result_keys if compiled.result_keys is not None else _keys(description)
        return ExecResult(rows=rows, keys=keys, rowcount=rowcount, returns_rows=True)

    async def executemany(self, compiled: Compiled, args_list: Sequence[Sequence[Any]]) -> int:
        self._check_usable()
        sql = compiled.sql
        params = [args if type(args) is tuple else tuple(args) for args in args_list]

        def run(conn: sqlite3.Connection) -> int:
            cursor = conn.executemany(sql, params)
            try:
                return cursor.rowcount
            finally:
                cursor.close()

        if not compiled.is_write:
            return await self._guard(_run(self.raw, run), sql)
        return await self._write(lambda: self._guard(_run(self.raw, run), sql))

    async def open_cursor(
        self, compiled: Compiled, args: Sequence[Any], chunk_size: int
    ) -> DialectCursor:
        self._check_usable()
        if compiled.is_write and self._tx is _TxState.DEFERRED:
            await self._begin_immediate()
        sql = compiled.sql
        params = tuple(args)

        def run(conn: sqlite3.Connection) -> sqlite3.Cursor:
            cursor = conn.cursor()
            cursor.arraysize = chunk_size
            cursor.execute(sql, params)
            return cursor

        cursor = _SQLiteCursor(self, await self._guard(_run(self.raw, run), sql), sql)
        self._cursors.add(cursor)
        return cursor

    # -- transactions ----------------------------------------------------------

    async def begin(self, *, immediate: bool = False) -> None:
        self._check_usable()
        if self._tx is not _TxState.NONE:
            raise InvalidStateError("a transaction is already open on this connection")
        if self.dialect.autocommit:
            return
        if immediate or self.dialect.isolation_level == "SERIALIZABLE":
            await self._begin_immediate()
        else:
            self._tx = _TxState.DEFERRED

    async def commit(self) -> None:
        self._check_usable()
        if self._tx is _TxState.DEFERRED:
            self._tx = _TxState.NONE
            return
        if self._tx is _TxState.NONE:
            return
        try:
            await self._guard(_run(self.raw, _commit), "COMMIT")
        finally:
            if not self.broken:
                self._end_transaction()

    async def rollback(self) -> None:
        self._check_usable()
        if self._tx is _TxState.DEFERRED:
            self._tx = _TxState.NONE
            return
        if self._tx is _TxState.NONE:
            return
        try:
            await self._guard(_run(self.raw, _rollback), "ROLLBACK")
        finally:
            if not self.broken:
                self._end_transaction()

    async def savepoint(self, name: str) -> None:
        self._check_usable()
        if self._tx is _TxState.NONE:
            raise InvalidStateError("a savepoint needs an open transaction")
        if self._tx is _TxState.DEFERRED:
            # Work inside a savepoint may be kept, so the transaction must be
            # able to write: take the lock now rather than upgrade later.
            await self._begin_immediate()
        await self._run_sql(f"SAVEPOINT {self.dialect.quote_identifier(name)}")

    async def release_savepoint(self, name: str) -> None:
        self._check_usable()
        await self._run_sql(f"RELEASE SAVEPOINT {self.dialect.quote_identifier(name)}")

    async def rollback_to_savepoint(self, name: str) -> None:
        self._check_usable()
        quoted = self.dialect.quote_identifier(name)
        await self._run_sql(f"ROLLBACK TO SAVEPOINT {quoted}", f"RELEASE SAVEPOINT {quoted}")

    async def _run_sql(self, *statements: str) -> None:
        def run(conn: sqlite3.Connection) -> None:
            for statement in statements:
                conn.execute(statement).close()

        await self._guard(_run(self.raw, run), "; ".join(statements))

    # -- lifecycle -------------------------------------------------------------

    async def finish(self) -> None:
        if self.broken:
            raise InvalidStateError("a broken connection cannot go back to the pool")
        for cursor in list(self._cursors):
            # A pending statement would hold its read snapshot while pooled.
            await cursor.close()
        try:
            open_in_sqlite = self.raw.in_transaction
        except ValueError:
            open_in_sqlite = False
        if self._tx is _TxState.ACTIVE or open_in_sqlite:
            await self._guard(_run(self.raw, _rollback), "ROLLBACK")
        self._tx = _TxState.NONE
        self._release_lock()

    async def recover(self) -> bool:
        if self.dead or not self.broken:
            return not self.dead
        # Cancelled mid-call: the worker thread runs its queue in order, so a
        # ROLLBACK queued now runs after the abandoned call and leaves the
        # connection clean. That is what lets an in-memory database survive.
        with contextlib.suppress(Exception):
            self.raw._conn.interrupt()
        try:
            async with asyncio.timeout(self.dialect.busy_timeout):
                await _run(self.raw, _rollback)
        except Exception:
            return False
        self.broken = False
        self._tx = _TxState.NONE
        self._release_lock()
        return True

    async def discard(self) -> None:
        self.broken = True
        raw = self.raw
        with contextlib.suppress(Exception):
            # Stops a statement still running on the worker thread, so the
            # close queued behind it does not wait for it to finish.
            raw._conn.interrupt()
        try:
            await close_or_abort(raw.close, raw.stop, timeout=self.dialect.busy_timeout)
        finally:
            # Only now is SQLite's own lock gone with the connection.
            self._tx = _TxState.NONE
            self._release_lock()


def _begin_immediate(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE").close()


def _commit(conn: sqlite3.Connection) -> None:
    conn.execute("COMMIT").close()


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK").close()


def _ping(conn: sqlite3.Connection) -> None:
    conn.execute("SELECT 1").close()


class SQLiteDialect(Dialect):
    """SQLite over aiosqlite: ``?`` placeholders, WAL, serialised writers."""

    name: str = "sqlite"
    driver: ClassVar[str] = "aiosqlite"
    capabilities: ClassVar[Capabilities] = Capabilities(
        max_bind_params=_max_variables(),
        supports_returning=sqlite3.sqlite_version_info >= (3, 35, 0),
        supports_savepoints=True,
        supports_server_side_cursors=False,
        supports_multirow_insert=True,
        sane_multi_rowcount=True,
        isolation_levels=frozenset({"SERIALIZABLE", "AUTOCOMMIT"}),
    )
    compiler_class: ClassVar[type[SQLiteCompiler]] = SQLiteCompiler

    def __init__(
        self,
        url: URLLike,
        *,
        connect_args: Mapping[str, Any] | None = None,
        isolation_level: str | None = None,
        statement_cache_size: int = 500,
        prepared_statements: bool = True,
    ) -> None:
        super().__init__(
            url,
            connect_args=connect_args,
            isolation_level=isolation_level,
            statement_cache_size=statement_cache_size,
            prepared_statements=prepared_statements,
        )
        if url.host or url.port or url.username or url.password:
            raise ArgumentError(
                f"a SQLite URL names a file, not a server: got host/user in {url.drivername!r} URL "
                "(write sqlite:///relative.db or sqlite:////absolute/path.db)"
            )
        options = dict(url.query)
        timeout = options.pop("timeout", None)
        if options:
            raise ArgumentError(
                f"unknown SQLite URL option(s): {', '.join(sorted(options))} (supported: timeout)"
            )
        if "isolation_level" in self.connect_args:
            raise ArgumentError(
                "connect_args must not set isolation_level: aorm runs SQLite connections in "
                "autocommit mode and begins transactions itself; use "
                "create_engine(isolation_level=...)"
            )
        busy = self.connect_args.pop("timeout", timeout)
        try:
            self.busy_timeout = DEFAULT_BUSY_TIMEOUT if busy is None else float(busy)
        except ValueError:
            raise ArgumentError(
                f"SQLite timeout must be a number of seconds, got {busy!r}"
            ) from None
        #: The file path, or ``":memory:"``.
        self.database = url.database or ":memory:"
        #: Writers of this database, serialised (see the module docstring).
        self.writer_lock = asyncio.Lock()

    @property
    def memory(self) -> bool:
        """True for an in-memory database."""
        return self.database == ":memory:" or self.database.startswith("file::memory:")

    @property
    def single_connection(self) -> bool:
        return self.memory

    @property
    def autocommit(self) -> bool:
        """True under ``isolation_level="AUTOCOMMIT"``: no transactions at all."""
        return self.isolation_level == "AUTOCOMMIT"

    def placeholder(self, position: int) -> str:
        return "?"

    async def connect(self) -> aiosqlite.Connection:
        import aiosqlite  # loaded only once SQLite is used (not by `import aorm`)

        try:
            raw = await aiosqlite.connect(
                self.database, isolation_level=None, timeout=self.busy_timeout, **self.connect_args
            )
        except sqlite3.Error as error:
            raise translate_sqlite_error(error, None) from error
        memory = self.memory

        def setup(conn: sqlite3.Connection) -> None:
            conn.execute("PRAGMA foreign_keys = ON").close()
            # LIKE means the same on both backends: case-sensitive, as on PostgreSQL.
            conn.execute("PRAGMA case_sensitive_like = ON").close()
            if not memory:
                conn.execute("PRAGMA journal_mode = WAL").close()

        try:
            await _run(raw, setup)
        except BaseException as error:
            await close_or_abort(raw.close, raw.stop)
            if isinstance(error, sqlite3.Error):
                raise translate_sqlite_error(error, None) from error
            raise
        return raw

    def wrap(self, raw: Any) -> SQLiteConnection:
        return SQLiteConnection(self, cast("aiosqlite.Connection", raw))

    async def ping(self, raw: Any) -> None:
        await _run(cast("aiosqlite.Connection", raw), _ping)

    async def reset(self, raw: Any) -> None:
        conn = cast("aiosqlite.Connection", raw)
        if conn.in_transaction:
            await _run(conn, _rollback)

    async def close(self, raw: Any) -> None:
        conn = cast("aiosqlite.Connection", raw)
        await close_or_abort(conn.close, conn.stop)

    def translate_error(self, error: Exception, sql: str | None, raw: Any) -> DBAPIError:
        return translate_sqlite_error(error, sql)
