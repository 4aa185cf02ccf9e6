"""PostgreSQL over asyncpg.

Statements run through asyncpg's ``fetch`` (rows) or ``execute`` (the command
status, which gives the DML row count). Transactions and savepoints are plain
SQL, so aorm knows their state without asyncpg's transaction objects.
``stream()`` declares a server-side cursor (``DECLARE … NO SCROLL CURSOR``)
inside the open transaction and ``FETCH``es it in chunks.

``prepared_statements=False`` turns asyncpg's statement cache off
(``statement_cache_size=0``), so every statement is prepared unnamed and
nothing outlives one server transaction: what pgbouncer's transaction mode
needs. Server-side cursors are SQL-level ``DECLARE`` for the same reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar, Final, cast
from urllib.parse import quote, urlencode

from aorm._collector import PausedCollector
from aorm._concurrency import close_or_abort
from aorm.dialects._errors_postgresql import is_disconnect, translate_postgresql_error
from aorm.dialects._postgresql_compiler import PGCompiler
from aorm.dialects.base import (
    Capabilities,
    Dialect,
    DialectConnection,
    DialectCursor,
    ExecResult,
    URLLike,
)
from aorm.exc import ArgumentError, DBAPIError, InternalError, InvalidStateError
from aorm.sql.compiled import Compiled

if TYPE_CHECKING:
    # Imported when a PostgreSQL engine first connects (see PGDialect.connect),
    # so that ``import aorm`` does not load asyncpg for SQLite users.
    import asyncpg

__all__ = ["PGConnection", "PGDialect", "parse_status_rowcount"]

#: Most bind parameters in one statement (the protocol's Int16 count).
MAX_BIND_PARAMS = 32767
#: Seconds to wait for the server to stop an interrupted statement before giving up on it.
RECOVER_TIMEOUT = 10.0


def parse_status_rowcount(status: str) -> int:
    """Rows affected, from a command status (``"UPDATE 3"``, ``"INSERT 0 5"``); -1 if none."""
    verb, _, rest = status.partition(" ")
    if verb not in {"INSERT", "UPDATE", "DELETE", "MERGE", "SELECT", "COPY", "MOVE", "FETCH"}:
        return -1
    last = rest.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


#: ``record[:]``: a record's values as a new tuple, copied in one C call. About
#: half the cost of ``tuple(record)``, which goes through the iterator protocol.
_ALL_VALUES: Final = itemgetter(slice(None))


def _tuples(records: list[Any], *, consume: bool = False) -> list[tuple[Any, ...]]:
    """asyncpg's records as plain tuples, the collector paused over the many new ones.

    With *consume* the caller gives the records up: they are freed (the list
    emptied) before the pause ends, so the collection it may end with walks
    the new tuples only, not also the records that are garbage by then.
    """
    with PausedCollector():
        rows: list[tuple[Any, ...]] = list(map(_ALL_VALUES, records))
        if consume:
            records.clear()
        return rows


def _keys_of(record: Any) -> tuple[str, ...]:
    return tuple(record.keys())


class _BufferedCursor(DialectCursor):
    """Rows already fetched, handed out in chunks (streaming outside a transaction)."""

    def __init__(self, keys: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        self.keys = keys
        self._rows = rows
        self._pos = 0

    async def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        chunk = self._rows[self._pos : self._pos + size]
        self._pos += len(chunk)
        return chunk

    async def close(self) -> None:
        self._rows = []


class _ServerCursor(DialectCursor):
    """A ``DECLARE``d cursor, read with ``FETCH FORWARD n``."""

    def __init__(self, owner: PGConnection, name: str, sql: str) -> None:
        self._owner = owner
        self._name = name
        self._sql = sql
        self._closed = False
        self._exhausted = False
        self._prefetched: list[tuple[Any, ...]] | None = None
        self.keys: tuple[str, ...] = ()

    async def _fetch(self, size: int) -> list[Any]:
        owner = self._owner
        records: list[Any] = await owner._guard(
            owner.raw.fetch(f"FETCH FORWARD {int(size)} FROM {self._name}"), self._sql
        )
        if len(records) < size:
            self._exhausted = True
        return records

    async def prefetch(self, size: int) -> list[Any]:
        """Fetch the first chunk ahead (for its column names); :meth:`fetchmany` serves it."""
        records = await self._fetch(size)
        self._prefetched = _tuples(records)
        return records

    async def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        if self._closed:
            return []
        rows: list[tuple[Any, ...]] = []
        if self._prefetched is not None:
            rows, self._prefetched = self._prefetched[:size], self._prefetched[size:] or None
            if len(rows) == size or self._exhausted:
                return rows
        if self._exhausted:
            return rows
        records = await self._fetch(size - len(rows))
        return rows + _tuples(records, consume=True)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        owner = self._owner
        owner._cursor_names.discard(self._name)
        # The cursor dies with its transaction; close it early only while that lives.
        if owner.broken or not owner.raw.is_in_transaction():
            return
        await owner._guard(owner.raw.execute(f"CLOSE {self._name}"), self._sql)


class PGConnection(DialectConnection):
    """An asyncpg connection speaking :class:`Compiled` SQL."""

    dialect: PGDialect
    raw: asyncpg.Connection

    def __init__(self, dialect: PGDialect, raw: asyncpg.Connection) -> None:
        super().__init__(dialect, raw)
        self._in_transaction = False
        self._cursor_names: set[str] = set()

    @property
    def in_transaction(self) -> bool:
        return self._in_transaction

    async def execute(self, compiled: Compiled, args: Sequence[Any]) -> ExecResult:
        self._check_usable()
        raw = self.raw
        sql = compiled.sql
        if not compiled.returns_rows:
            status: str = await self._guard(raw.execute(sql, *args), sql)
            return ExecResult(
                rows=[], keys=(), rowcount=parse_status_rowcount(status), returns_rows=False
            )
        records = await self._guard(raw.fetch(sql, *args), sql)
        if records:
            keys = _keys_of(records[0])
        elif compiled.result_keys is not None:
            keys = compiled.result_keys
        else:
            keys = await self._describe(sql)
        rowcount = len(records) if compiled.is_write else -1
        return ExecResult(
            rows=_tuples(records, consume=True),
            keys=keys,
            rowcount=rowcount,
            returns_rows=True,
        )

    async def _describe(self, sql: str) -> tuple[str, ...]:
        # No row to read the column names from: ask the server. Prepared
        # unnamed when the statement cache is off, so pgbouncer-safe.
        statement = await self._guard(self.raw.prepare(sql), sql)
        return tuple(attribute.name for attribute in statement.get_attributes())

    async def executemany(self, compiled: Compiled, args_list: Sequence[Sequence[Any]]) -> int:
        self._check_usable()
        sql = compiled.sql
        await self._guard(
            self.raw.executemany(
                sql, [args if type(args) is tuple else tuple(args) for args in args_list]
            ),
            sql,
        )
        # asyncpg's executemany reports no command status.
        return -1

    async def open_cursor(
        self, compiled: Compiled, args: Sequence[Any], chunk_size: int
    ) -> DialectCursor:
        self._check_usable()
        sql = compiled.sql
        if compiled.is_write or not self.raw.is_in_transaction():
            # A server-side cursor lives in a transaction and reads a query;
            # for anything else, fetch the rows in one go.
            result = await self.execute(compiled, args)
            return _BufferedCursor(result.keys, result.rows)
        # The name is derived from the query, and reused once free: asyncpg
        # caches prepared statements by their text, so "FETCH … FROM name"
        # must only ever mean one result shape, while repeating for repeated
        # queries so the cache does not fill with one-off statements.
        digest = hashlib.blake2b(sql.encode(), digest_size=6).hexdigest()
        taken = self._cursor_names
        name = next(
            f"aorm_{digest}_{i}" for i in range(len(taken) + 1) if f"aorm_{digest}_{i}" not in taken
        )
        taken.add(name)
        try:
            declare = f"DECLARE {name} NO SCROLL CURSOR FOR {sql}"
            await self._guard(self.raw.execute(declare, *args), sql)
            cursor = _ServerCursor(self, name, sql)
            # Read the first chunk now: its rows tell the column names.
            first = await cursor.prefetch(chunk_size)
        except BaseException:
            taken.discard(name)
            raise
        if compiled.result_keys is not None:
            cursor.keys = compiled.result_keys
        elif first:
            cursor.keys = _keys_of(first[0])
        else:
            cursor.keys = await self._describe(sql)
        return cursor

    async def begin(self, *, immediate: bool = False) -> None:
        self._check_usable()
        if self._in_transaction:
            raise InvalidStateError("a transaction is already open on this connection")
        if self.dialect.autocommit:
            return
        level = self.dialect.isolation_level
        sql = "BEGIN" if level is None else f"BEGIN ISOLATION LEVEL {level}"
        await self._guard(self.raw.execute(sql), sql)
        self._in_transaction = True

    async def commit(self) -> None:
        self._check_usable()
        if not self._in_transaction:
            return
        try:
            status = await self._guard(self.raw.execute("COMMIT"), "COMMIT")
        finally:
            if not self.broken:
                self._in_transaction = self.raw.is_in_transaction()
        if status == "ROLLBACK":
            # PostgreSQL answers COMMIT of a failed transaction by rolling it back.
            raise InternalError(
                "COMMIT found the transaction failed by an earlier error; "
                "PostgreSQL rolled it back and nothing was committed"
            )

    async def rollback(self) -> None:
        self._check_usable()
        if not self._in_transaction:
            return
        try:
            await self._guard(self.raw.execute("ROLLBACK"), "ROLLBACK")
        finally:
            if not self.broken:
                self._in_transaction = self.raw.is_in_transaction()

    async def savepoint(self, name: str) -> None:
        self._check_usable()
        if not self._in_transaction:
            raise InvalidStateError("a savepoint needs an open transaction")
        sql = f"SAVEPOINT {self.dialect.quote_identifier(name)}"
        await self._guard(self.raw.execute(sql), sql)

    async def release_savepoint(self, name: str) -> None:
        self._check_usable()
        sql = f"RELEASE SAVEPOINT {self.dialect.quote_identifier(name)}"
        await self._guard(self.raw.execute(sql), sql)

    async def rollback_to_savepoint(self, name: str) -> None:
        self._check_usable()
        quoted = self.dialect.quote_identifier(name)
        # Simple-protocol script: both in one round trip.
        sql = f"ROLLBACK TO SAVEPOINT {quoted}; RELEASE SAVEPOINT {quoted}"
        await self._guard(self.raw.execute(sql), sql)

    async def finish(self) -> None:
        if self.broken:
            raise InvalidStateError("a broken connection cannot go back to the pool")
        if self.raw.is_in_transaction():
            await self._guard(self.raw.execute("ROLLBACK"), "ROLLBACK")
        self._in_transaction = False

    async def recover(self) -> bool:
        if self.dead or not self.broken:
            return not self.dead
        raw = self.raw
        if raw.is_closed():
            return False
        # Cancelled mid-call: asyncpg has sent the server a cancel request, and
        # its next command waits until that is answered. So a ROLLBACK now
        # runs once the server has stopped the interrupted statement (a
        # COMMIT included), and leaves the connection clean.
        try:
            async with asyncio.timeout(RECOVER_TIMEOUT):
                await raw.execute("ROLLBACK")
        except Exception:
            return False
        if raw.is_in_transaction():
            return False
        self.broken = False
        self._in_transaction = False
        self._cursor_names.clear()
        return True

    async def discard(self) -> None:
        self.broken = True
        self._in_transaction = False
        # State unknown (a query may still be running): no goodbye, just drop
        # the socket; the server rolls back whatever was open.
        with contextlib.suppress(Exception):
            self.raw.terminate()


class PGDialect(Dialect):
    """PostgreSQL over asyncpg: ``$n`` placeholders, server-side cursors."""

    name: str = "postgresql"
    driver: ClassVar[str] = "asyncpg"
    capabilities: ClassVar[Capabilities] = Capabilities(
        max_bind_params=MAX_BIND_PARAMS,
        supports_returning=True,
        supports_savepoints=True,
        supports_server_side_cursors=True,
        supports_multirow_insert=True,
        sane_multi_rowcount=False,
        isolation_levels=frozenset(
            {"READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE", "AUTOCOMMIT"}
        ),
    )
    compiler_class: ClassVar[type[PGCompiler]] = PGCompiler

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
        if not prepared_statements:
            cache_size = self.connect_args.get("statement_cache_size", 0)
            if cache_size != 0:
                raise ArgumentError(
                    "prepared_statements=False contradicts connect_args "
                    f"statement_cache_size={cache_size!r}"
                )
            self.connect_args["statement_cache_size"] = 0
        self.dsn = _dsn(url)

    @property
    def autocommit(self) -> bool:
        """True under ``isolation_level="AUTOCOMMIT"``: no transactions at all."""
        return self.isolation_level == "AUTOCOMMIT"

    def placeholder(self, position: int) -> str:
        return f"${position}"

    async def connect(self) -> asyncpg.Connection:
        import asyncpg  # loaded only once PostgreSQL is used (not by `import aorm`)

        try:
            raw: asyncpg.Connection = await asyncpg.connect(self.dsn, **self.connect_args)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
            raise translate_postgresql_error(error, None, None) from error
        return raw

    def wrap(self, raw: Any) -> PGConnection:
        return PGConnection(self, cast("asyncpg.Connection", raw))

    async def ping(self, raw: Any) -> None:
        await cast("asyncpg.Connection", raw).execute("SELECT 1")

    async def reset(self, raw: Any) -> None:
        conn = cast("asyncpg.Connection", raw)
        if not conn.is_closed() and conn.is_in_transaction():
            await conn.execute("ROLLBACK")

    async def close(self, raw: Any) -> None:
        conn = cast("asyncpg.Connection", raw)
        await close_or_abort(conn.close, conn.terminate)

    def translate_error(self, error: Exception, sql: str | None, raw: Any) -> DBAPIError:
        return translate_postgresql_error(error, sql, raw)

    def is_disconnect(self, error: BaseException, raw: Any) -> bool:
        """True if *error* means *raw* is dead."""
        return is_disconnect(error, raw)


def _dsn(url: URLLike) -> str:
    """A ``postgresql://`` DSN for asyncpg; its query options pass through as they are."""
    auth = ""
    if url.username is not None:
        auth = quote(url.username, safe="")
        if url.password is not None:
            auth += ":" + quote(url.password, safe="")
        auth += "@"
    host = url.host or ""
    if ":" in host:
        host = f"[{host}]"
    if url.port is not None:
        host += f":{url.port}"
    database = "/" + quote(url.database, safe="") if url.database else ""
    query = "?" + urlencode(dict(url.query)) if url.query else ""
    return f"postgresql://{auth}{host}{database}{query}"
