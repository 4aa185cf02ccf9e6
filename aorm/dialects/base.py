"""The one small interface every backend implements.

A :class:`Dialect` is made once per engine. It knows how to open a driver
connection from the URL and ``connect_args``, owns the statement compiler and
its compiled-statement cache, says what the backend can do
(:class:`Capabilities`), and wraps a checked-out driver connection in a
:class:`DialectConnection`, which runs :class:`~aorm.sql.compiled.Compiled`
SQL and translates every driver error into :mod:`aorm.exc` at that boundary.

The engine layer above talks to backends only through these classes; the
pool below sees only the dialect's ``connect`` / ``ping`` / ``reset`` /
``close`` callables and the raw driver connections they produce.
"""

from __future__ import annotations

import asyncio
import itertools
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar

from aorm.dialects.cache import CompiledCache
from aorm.exc import ArgumentError, DBAPIError, DisconnectionError, InvalidStateError
from aorm.sql.compiled import Compiled
from aorm.sql.compiler import SQLCompiler

__all__ = [
    "Capabilities",
    "Dialect",
    "DialectConnection",
    "DialectCursor",
    "ExecResult",
    "URLLike",
    "normalize_isolation_level",
]

ResultT = TypeVar("ResultT")


class URLLike(Protocol):
    """What a dialect reads of a parsed database URL (``aorm.engine.URL`` fits it)."""

    @property
    def drivername(self) -> str:
        """The full scheme, e.g. ``"postgresql+asyncpg"``."""
        ...

    @property
    def username(self) -> str | None:
        """The decoded user name, if any."""
        ...

    @property
    def password(self) -> str | None:
        """The decoded password, if any."""
        ...

    @property
    def host(self) -> str | None:
        """The host name, if any."""
        ...

    @property
    def port(self) -> int | None:
        """The port, if any."""
        ...

    @property
    def database(self) -> str | None:
        """The database name, or for SQLite the file path (``":memory:"`` for memory)."""
        ...

    @property
    def query(self) -> Mapping[str, str]:
        """The URL's query options."""
        ...


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a backend can do; later layers consult it instead of the dialect name."""

    #: Most bind parameters one statement may carry.
    max_bind_params: int
    #: ``INSERT/UPDATE/DELETE … RETURNING`` is available.
    supports_returning: bool
    #: ``SAVEPOINT`` / ``ROLLBACK TO SAVEPOINT`` are available.
    supports_savepoints: bool
    #: ``stream()`` reads through a server-side cursor (else a chunked client-side fetch).
    supports_server_side_cursors: bool
    #: ``INSERT … VALUES (…), (…)`` with many rows is available.
    supports_multirow_insert: bool
    #: ``executemany`` reports the total number of rows it matched (else ``rowcount`` is -1).
    sane_multi_rowcount: bool
    #: The ``isolation_level=`` values this backend accepts.
    isolation_levels: frozenset[str]


@dataclass(frozen=True, slots=True)
class ExecResult:
    """What one execution produced, before the engine turns it into a ``Result``."""

    #: Result rows as tuples (empty for statements that return none).
    rows: list[tuple[Any, ...]]
    #: Column names of ``rows`` (empty for statements that return none).
    keys: tuple[str, ...]
    #: Rows affected by DML (the row count for ``… RETURNING``); -1 when not applicable.
    rowcount: int
    #: Whether the statement produces rows at all.
    returns_rows: bool


def normalize_isolation_level(
    level: str | None, accepted: frozenset[str], dialect: str
) -> str | None:
    """*level* upper-cased with single spaces; :class:`~aorm.exc.ArgumentError` if not accepted."""
    if level is None:
        return None
    normal = " ".join(level.replace("_", " ").upper().split())
    if normal not in accepted:
        supported = ", ".join(sorted(accepted))
        raise ArgumentError(
            f"isolation_level {level!r} is not supported by {dialect}; use one of: {supported}"
        )
    return normal


class DialectCursor(ABC):
    """Rows of one statement fetched in chunks (``stream()``); close it when done."""

    #: Column names of the rows.
    keys: tuple[str, ...]

    @abstractmethod
    async def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        """Up to *size* more rows; an empty list once exhausted."""

    @abstractmethod
    async def close(self) -> None:
        """Release the cursor; safe to call more than once."""


class DialectConnection(ABC):
    """One checked-out driver connection, speaking :class:`Compiled` SQL.

    Every driver call goes through :meth:`_guard`, which translates driver
    errors into :mod:`aorm.exc` and marks the connection :attr:`broken` when
    its state became unknown: it died, or the calling task was cancelled while
    a call was in flight. A broken connection must be thrown away with
    :meth:`discard`, never returned to the pool for reuse.
    """

    def __init__(self, dialect: Dialect, raw: Any) -> None:
        self.dialect = dialect
        #: The driver's own connection object.
        self.raw = raw
        #: True once the connection is dead or in an unknown state.
        self.broken = False
        #: True once the connection is known dead (not merely interrupted).
        self.dead = False
        self._savepoint_ids = itertools.count(1)

    async def _guard(self, aw: Awaitable[ResultT], sql: str | None = None) -> ResultT:
        """Await a driver call, translating its errors and tracking breakage."""
        try:
            return await aw
        except asyncio.CancelledError:
            # A call abandoned half-way leaves the wire (or the worker thread)
            # in a state nobody knows: the connection cannot be reused.
            self.broken = True
            raise
        except DBAPIError:
            raise
        except Exception as exc:
            error = self.dialect.translate_error(exc, sql, self.raw)
            if isinstance(error, DisconnectionError):
                self.broken = self.dead = True
            raise error from exc

    def _check_usable(self) -> None:
        if self.broken:
            raise InvalidStateError("this driver connection is broken and must be discarded")

    def new_savepoint_name(self) -> str:
        """A savepoint name unique on this connection."""
        return f"aorm_sp_{next(self._savepoint_ids)}"

    @property
    @abstractmethod
    def in_transaction(self) -> bool:
        """True while a transaction begun with :meth:`begin` is open."""

    @abstractmethod
    async def execute(self, compiled: Compiled, args: Sequence[Any]) -> ExecResult:
        """Run *compiled* once with positional *args*; rows are fetched in one go."""

    @abstractmethod
    async def executemany(self, compiled: Compiled, args_list: Sequence[Sequence[Any]]) -> int:
        """Run *compiled* once per argument list in one driver call; returns the rowcount or -1."""

    @abstractmethod
    async def open_cursor(
        self, compiled: Compiled, args: Sequence[Any], chunk_size: int
    ) -> DialectCursor:
        """Start *compiled* and return a cursor that fetches its rows in chunks."""

    @abstractmethod
    async def begin(self, *, immediate: bool = False) -> None:
        """Open a transaction.

        *immediate* asks for the backend's write lock now (SQLite ``BEGIN
        IMMEDIATE``); without it a backend may defer taking it until the first
        write. Backends without such a lock ignore it.
        """

    @abstractmethod
    async def commit(self) -> None:
        """Commit the open transaction."""

    @abstractmethod
    async def rollback(self) -> None:
        """Roll back the open transaction (a no-op without one)."""

    @abstractmethod
    async def savepoint(self, name: str) -> None:
        """Set savepoint *name* inside the open transaction."""

    @abstractmethod
    async def release_savepoint(self, name: str) -> None:
        """Release savepoint *name*, keeping its work in the transaction."""

    @abstractmethod
    async def rollback_to_savepoint(self, name: str) -> None:
        """Undo the work done since savepoint *name* and drop the savepoint."""

    @abstractmethod
    async def finish(self) -> None:
        """Make the connection fit to go back to the pool: roll back what is open.

        Call it (shielded) before releasing the connection; if it raises, the
        connection is :attr:`broken` and must be discarded instead.
        """

    async def recover(self) -> bool:
        """Try to bring a :attr:`broken` connection back to a clean, reusable state.

        True if it worked: the connection is idle, outside any transaction,
        and may go back to the pool. False (the default) means it must be
        discarded. Never raises an ordinary error.
        """
        return False

    @abstractmethod
    async def discard(self) -> None:
        """Close the connection hard after its state became unknown; never raises."""


class Dialect(ABC):
    """A backend: connecting, SQL flavour, capabilities and error translation.

    One instance per engine. It also satisfies
    :class:`~aorm.sql.compiled.DialectInfo` for its compiler.
    """

    #: ``"sqlite"`` or ``"postgresql"``.
    name: str
    #: The driver package: ``"aiosqlite"`` or ``"asyncpg"``.
    driver: ClassVar[str]
    #: What this backend can do.
    capabilities: ClassVar[Capabilities]
    #: The compiler class for this backend.
    compiler_class: ClassVar[type[SQLCompiler]]

    def __init__(
        self,
        url: URLLike,
        *,
        connect_args: Mapping[str, Any] | None = None,
        isolation_level: str | None = None,
        statement_cache_size: int = 500,
        prepared_statements: bool = True,
    ) -> None:
        if statement_cache_size < 0:
            raise ArgumentError(f"statement_cache_size must be >= 0, got {statement_cache_size!r}")
        self.url = url
        self.connect_args: dict[str, Any] = dict(connect_args or {})
        self.isolation_level = normalize_isolation_level(
            isolation_level, self.capabilities.isolation_levels, self.name
        )
        self.prepared_statements = prepared_statements
        self.compiler = self.compiler_class(self)
        #: Compiled statements by shape; bounded, counts hits and misses.
        self.compiled_cache = CompiledCache(statement_cache_size)

    # -- DialectInfo ---------------------------------------------------------

    @abstractmethod
    def placeholder(self, position: int) -> str:
        """The bind placeholder for the 1-based *position*."""

    def quote_identifier(self, name: str) -> str:
        """*name* as a double-quoted identifier (embedded quotes doubled)."""
        return '"' + name.replace('"', '""') + '"'

    # -- compiling -----------------------------------------------------------

    def compile(self, statement: Any) -> tuple[Compiled, Sequence[Any]]:
        """*statement* compiled for this dialect (through the cache) and its literals."""
        try:
            cache_key = statement._cache_key
        except AttributeError:
            raise _not_a_statement(statement) from None
        shape, literals = cache_key()
        compiled = self._cached_compile(statement, shape)
        return compiled, literals

    def compile_only(self, statement: Any) -> Compiled:
        """*statement* compiled (through the cache), without reading its values.

        Unlike :meth:`compile`, Python-side defaults it carries are not
        called: for a statement whose values come from elsewhere (the rows
        of a many-row INSERT).
        """
        key_parts = getattr(statement, "_key_parts", None)
        shape = key_parts()[0] if key_parts is not None else statement._cache_key()[0]
        return self._cached_compile(statement, shape)

    def _cached_compile(self, statement: Any, shape: Hashable) -> Compiled:
        try:
            compiled = self.compiled_cache.get(shape)
        except TypeError:
            # An unhashable shape cannot be cached; compile it every time.
            return self.compiler.compile(statement)
        if compiled is None:
            compiled = self.compiler.compile(statement)
            self.compiled_cache.put(shape, compiled)
        return compiled

    def compile_many(
        self, statement: Any, compiled: Compiled, rows: Sequence[Mapping[str, Any]]
    ) -> Iterable[tuple[Compiled, list[Any]]] | None:
        """Multi-row INSERT batches for *rows*, or None to run *compiled* per row instead.

        An INSERT whose rows come at execution (``compiled.params_as_rows``,
        or one with no named parameters of its own) goes through the
        compiler's ``compile_insert_batches``, each batch under
        :attr:`Capabilities.max_bind_params`. Anything else, including an
        INSERT with named parameters in its ``values()``, is an executemany.
        """
        batcher = getattr(self.compiler, "compile_insert_batches", None)
        if batcher is None or not _is_insert(statement):
            return None
        takes_rows = getattr(compiled, "params_as_rows", False)
        if not takes_rows and any(slot.name is not None for slot in compiled.slots):
            return None
        batches: Iterable[tuple[Compiled, list[Any]]] = batcher(
            statement, rows, self.capabilities.max_bind_params
        )
        return batches

    # -- connections -----------------------------------------------------------

    @property
    def single_connection(self) -> bool:
        """True when every connection must be the same one (SQLite ``:memory:``)."""
        return False

    @abstractmethod
    async def connect(self) -> Any:
        """Open and set up a new driver connection (the pool's ``connect`` factory)."""

    @abstractmethod
    def wrap(self, raw: Any) -> DialectConnection:
        """Wrap a checked-out driver connection for executing statements."""

    @abstractmethod
    async def ping(self, raw: Any) -> None:
        """Raise if *raw* is no longer usable (the pool's pre-ping)."""

    @abstractmethod
    async def reset(self, raw: Any) -> None:
        """Roll back anything left open on *raw* before it goes back to the pool."""

    @abstractmethod
    async def close(self, raw: Any) -> None:
        """Close *raw*, hard if a graceful close fails; never raises an ordinary error."""

    @abstractmethod
    def translate_error(self, error: Exception, sql: str | None, raw: Any) -> DBAPIError:
        """The :mod:`aorm.exc` error for a driver error raised while using *raw*."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}+{self.driver}>"


def _is_insert(statement: Any) -> bool:
    # The statement classes mark themselves (``is_insert = True`` on Insert);
    # the class name is the fallback for statements that do not.
    marker = getattr(statement, "is_insert", None)
    if isinstance(marker, bool):
        return marker
    return type(statement).__name__ == "Insert"


def _not_a_statement(value: object) -> ArgumentError:
    """The error for running something that is not a statement (a plain SQL string, say)."""
    hint = (
        "; wrap SQL strings in text(): text(" + repr(value) + ")" if isinstance(value, str) else ""
    )
    return ArgumentError(
        "expected a statement (select(), insert(), update(), delete(), text(), DDL), "
        f"not {type(value).__name__} {value!r:.80}{hint}"
    )
