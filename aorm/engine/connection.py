"""``Connection``: one pooled database connection, its transactions and statements.

"Commit as you go": the first statement on a connection begins a transaction
by itself; ``commit()`` / ``rollback()`` end it; closing the connection
without committing rolls it back. ``begin()`` begins one explicitly (only
when none is open), ``begin_nested()`` sets a savepoint.

Faults and cancellation: a driver connection that dies, or whose state became
unknown because the task was cancelled while a call was in flight, is
invalidated at once: closed, its pool slot freed, and the open transaction
marked inactive (``rollback()`` clears it; the next statement checks out a
fresh connection). Every cleanup path runs shielded, so a cancelled task
still hands its connection back. That machinery is
:class:`~aorm.engine.connection_core.ConnectionCore`, the base of
:class:`Connection`; this module is the public API on top of it.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, final, overload

from aorm._concurrency import shielded
from aorm.dialects.base import Dialect, DialectConnection, DialectCursor, ExecResult
from aorm.engine._params import add_counts, is_many, single
from aorm.engine.async_result import AsyncResult, AsyncScalarResult
from aorm.engine.connection_core import ConnectionCore, ConnectionState
from aorm.engine.result import Result, ScalarResult
from aorm.engine.row_processing import apply_processors
from aorm.engine.transaction import Transaction, TransactionState
from aorm.exc import (
    ArgumentError,
    InvalidStateError,
    ResourceClosedError,
)
from aorm.sql.compiled import Compiled
from aorm.sql.keyed_rows import KeyedRows

if TYPE_CHECKING:
    from aorm.sql.ddl import DDLElement
    from aorm.sql.dml import DMLStatement
    from aorm.sql.select import Select
    from aorm.sql.select_base import CompoundSelect
    from aorm.sql.text import TextClause

    # Every statement but a SELECT: its result is untyped. Listing them (rather
    # than taking Any) keeps a SELECT with an untyped column from matching
    # both overloads, which would make its whole result Any.
    _OtherStatement: TypeAlias = TextClause | DMLStatement | DDLElement | CompoundSelect

__all__ = ["Connection", "ConnectionState"]

# For type checkers: a statement's row shape, and its first column's type.
_RowT = TypeVar("_RowT", bound=tuple[Any, ...])
_T0 = TypeVar("_T0")

#: Rows fetched per round trip by ``stream()`` unless told otherwise.
DEFAULT_CHUNK_SIZE = 1000


@final
class Connection(ConnectionCore):
    """A database connection checked out of an engine's pool.

    Use ``async with engine.connect() as conn`` (or ``conn = await
    engine.connect()`` and, without fail, ``await conn.close()``). One task
    at a time: a second task calling in while an operation is in flight gets
    :class:`~aorm.exc.ConcurrentUseError`.
    """

    __slots__ = ()

    # -- lifecycle -------------------------------------------------------------

    @property
    def dialect(self) -> Dialect:
        """The engine's dialect."""
        return self.engine.dialect

    @property
    def closed(self) -> bool:
        """True once the connection was closed."""
        return self.state is ConnectionState.CLOSED

    @property
    def driver_connection(self) -> Any:
        """The driver's own connection object now held (None if none is held)."""
        return self._raw

    async def start(self) -> Connection:
        """Check a driver connection out of the pool (what ``await`` and ``async with`` do)."""
        if self.state is not ConnectionState.NEW:
            raise InvalidStateError(
                f"this connection was already started (it is {self.state.value})"
            )
        await self._checkout()
        self.state = ConnectionState.OPEN
        return self

    def __await__(self) -> Generator[Any, None, Connection]:
        return self.start().__await__()

    async def __aenter__(self) -> Connection:
        if self.state is ConnectionState.NEW:
            await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Roll back what is open and give the driver connection back; idempotent.

        Called while another task is mid-operation on this connection, it
        returns at once and that operation hands the connection back when it
        ends.
        """
        if self.state is ConnectionState.CLOSED:
            return
        self.state = ConnectionState.CLOSED
        if self._busy:
            # Another task is mid-operation: it hands the connection back when
            # that ends, so nothing leaks and nobody waits here.
            return
        await shielded(self._give_back())

    async def invalidate(self) -> None:
        """Throw the driver connection away (slot freed); the open transaction becomes inactive."""
        async with self._operation():
            self._check_open()
            await shielded(self._invalidate_now(discard=True))

    def __repr__(self) -> str:
        if self.state is ConnectionState.OPEN:
            if self._nested:
                what = f"open, in a transaction with {len(self._nested)} savepoint(s)"
            else:
                what = "open, in a transaction" if self._root is not None else "open, idle"
            if self.invalidated:
                what += ", invalidated"
        else:
            what = self.state.value
        return f"<Connection {what} {self.engine.url.render(hide_password=True)}>"

    # -- transactions ----------------------------------------------------------

    def begin(self) -> Transaction:
        """A new transaction; start it with ``await`` or ``async with``.

        Raises :class:`~aorm.exc.InvalidStateError` (when started) if a
        transaction is already open, including one a statement began.
        """
        return Transaction(self, nested=False)

    def begin_nested(self) -> Transaction:
        """A savepoint (begins a transaction first if none is open); await it or use async with."""
        return Transaction(self, nested=True)

    def _begin_immediate(self) -> Transaction:
        """A transaction that takes the backend's write lock at once (``engine.begin()``)."""
        return Transaction(self, nested=False, immediate=True)

    def in_transaction(self) -> bool:
        """True while a transaction is open (begun or autobegun)."""
        return self._root is not None

    def in_nested_transaction(self) -> bool:
        """True while a savepoint is open."""
        return bool(self._nested)

    def get_transaction(self) -> Transaction | None:
        """The open transaction, if any."""
        return self._root

    def get_nested_transaction(self) -> Transaction | None:
        """The innermost open savepoint, if any."""
        return self._nested[-1] if self._nested else None

    async def commit(self) -> None:
        """Commit the open transaction (with its savepoints); a no-op if none is open."""
        if self._root is not None:
            await self._root.commit()

    async def rollback(self) -> None:
        """Roll back the open transaction; a no-op if none is open."""
        if self._root is not None:
            await self._root.rollback()

    async def _start_transaction(self, tx: Transaction, *, immediate: bool) -> None:
        async with self._operation():
            self._check_open()
            if tx.nested:
                await self._open_savepoint(tx)
                return
            if self._root is not None:
                raise InvalidStateError(
                    "a transaction is already open on this connection"
                    + (" (a statement began it)" if self._root.autobegun else "")
                    + "; commit() or rollback() it first, or use begin_nested() for a savepoint"
                )
            dconn = await self._ready_connection()
            self._log("BEGIN")
            await self._call(dconn, dconn.begin(immediate=immediate))
            tx.state = TransactionState.ACTIVE
            self._root = tx

    async def _autobegin(self, dconn: DialectConnection) -> None:
        tx = Transaction(self, nested=False, autobegun=True)
        self._log("BEGIN (implicit)")
        await self._call(dconn, dconn.begin())
        tx.state = TransactionState.ACTIVE
        self._root = tx

    async def _statement_connection(self) -> DialectConnection:
        """The driver connection, with a transaction begun if none is open."""
        dconn = await self._ready_connection()
        if self._root is None:
            await self._autobegin(dconn)
        return dconn

    async def _open_savepoint(self, tx: Transaction) -> None:
        dconn = await self._ready_connection()
        if self._root is None:
            await self._autobegin(dconn)
        name = dconn.new_savepoint_name()
        self._log(f"SAVEPOINT {name}")
        await self._call(dconn, dconn.savepoint(name))
        tx.savepoint = name
        tx.state = TransactionState.ACTIVE
        self._nested.append(tx)

    async def _end_transaction(self, tx: Transaction, *, commit: bool) -> None:
        async with self._operation():
            if tx.nested:
                await self._end_savepoint(tx, commit=commit)
            else:
                await self._end_root(tx, commit=commit)

    async def _end_root(self, tx: Transaction, *, commit: bool) -> None:
        if tx is not self._root:
            raise InvalidStateError("this transaction is no longer the connection's transaction")
        dconn = self._dconn
        if dconn is None:
            # Its connection is gone, and the server undid its work with it.
            self._finish_root(TransactionState.ROLLED_BACK)
            return
        await self._close_streams()
        if commit:
            self._log("COMMIT")
            try:
                await self._call(dconn, dconn.commit())
            except BaseException:
                if self._root is tx:
                    tx.state = TransactionState.INACTIVE
                    for savepoint in self._nested:
                        savepoint.state = TransactionState.INACTIVE
                raise
            self._finish_root(TransactionState.COMMITTED)
        else:
            self._log("ROLLBACK")
            try:
                await self._call(dconn, dconn.rollback())
            finally:
                self._finish_root(TransactionState.ROLLED_BACK)

    async def _end_savepoint(self, tx: Transaction, *, commit: bool) -> None:
        if tx not in self._nested:
            raise InvalidStateError("this savepoint is no longer open on the connection")
        depth = self._nested.index(tx)
        state = TransactionState.COMMITTED if commit else TransactionState.ROLLED_BACK
        dconn = self._dconn
        if tx.state is TransactionState.INACTIVE or dconn is None:
            self._drop_savepoints(depth, TransactionState.ROLLED_BACK)
            return
        name = tx.savepoint
        assert name is not None
        if commit:
            self._log(f"RELEASE SAVEPOINT {name}")
            await self._call(dconn, dconn.release_savepoint(name))
        else:
            self._log(f"ROLLBACK TO SAVEPOINT {name}")
            await self._call(dconn, dconn.rollback_to_savepoint(name))
        self._drop_savepoints(depth, state)

    def _drop_savepoints(self, depth: int, state: TransactionState) -> None:
        for savepoint in self._nested[depth:]:
            savepoint.state = state
        del self._nested[depth:]

    # -- statements ------------------------------------------------------------

    @overload
    async def execute(self, statement: Select[_RowT], parameters: Any = None) -> Result[_RowT]: ...

    @overload
    async def execute(self, statement: _OtherStatement, parameters: Any = None) -> Result[Any]: ...

    async def execute(self, statement: Any, parameters: Any = None) -> Result:
        """Run *statement* (``text()`` or a statement object) and fetch all its rows.

        *parameters* is a mapping for one execution, or a list of mappings to
        run it once per mapping (an INSERT becomes multi-row batches).
        """
        self._enter_operation()
        try:
            self._check_open()
            if is_many(parameters):
                # KeyedRows stay as they are: a list of them would make a dict per row.
                rows = parameters if type(parameters) is KeyedRows else list(parameters)
                return await self._execute_many(statement, rows)
            compiled, literals = self.dialect.compile(statement)
            if compiled.params_as_rows and parameters:
                # An INSERT without values(): its parameters are its one row.
                return await self._execute_many(statement, [parameters])
            outcome = await self._execute_once(compiled, literals, single(parameters))
            keys = compiled.result_keys if compiled.result_keys is not None else outcome.keys
            return Result(
                keys,
                outcome.rows,
                rowcount=outcome.rowcount,
                returns_rows=outcome.returns_rows,
                processors=compiled.result_processors,
            )
        finally:
            await self._leave_operation()

    async def fetch_tuples(
        self, statement: Any, parameters: Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """Run a query once and return its rows as plain tuples, with no :class:`Result`.

        The same rows as ``(await conn.execute(statement, parameters)).tuples().all()``,
        for code that reads every row by position (the ORM's loading does).
        """
        self._enter_operation()
        try:
            self._check_open()
            compiled, literals = self.dialect.compile(statement)
            if not compiled.returns_rows or compiled.params_as_rows:
                raise ArgumentError(
                    "fetch_tuples() runs a query once; use execute() for this statement"
                )
            outcome = await self._execute_once(compiled, literals, single(parameters))
            return apply_processors(outcome.rows, compiled.result_processors)
        finally:
            await self._leave_operation()

    async def _execute_once(
        self, compiled: Compiled, literals: Sequence[Any], parameters: Mapping[str, Any] | None
    ) -> ExecResult:
        args = compiled.bind(literals, parameters)
        dconn = self._dconn
        if dconn is None or self._root is None:
            dconn = await self._statement_connection()
        self._before_execute(compiled.sql, args)
        return await self._call(dconn, dconn.execute(compiled, args))

    async def _execute_many(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> Result:
        if not rows:
            raise ArgumentError("execute() got an empty list of parameter sets")
        dialect = self.dialect
        # Its literals are read only if it runs as an executemany: a many-row
        # INSERT takes its values from the rows, and its Python-side defaults
        # must be called once per row, not once more for the statement.
        compiled = dialect.compile_only(statement)
        batches = dialect.compile_many(statement, compiled, rows)
        if batches is not None:
            dconn = await self._statement_connection()
            all_rows: list[tuple[Any, ...]] = []
            keys: Sequence[str] = ()
            processors = None
            returns_rows = False
            rowcount = 0
            for compiled, args in batches:
                self._before_execute(compiled.sql, args)
                outcome = await self._call(dconn, dconn.execute(compiled, args))
                all_rows.extend(outcome.rows)
                keys = compiled.result_keys if compiled.result_keys is not None else outcome.keys
                processors = compiled.result_processors
                returns_rows = outcome.returns_rows
                rowcount = add_counts(rowcount, outcome.rowcount)
            return Result(
                keys, all_rows, rowcount=rowcount, returns_rows=returns_rows, processors=processors
            )
        compiled, literals = dialect.compile(statement)
        args_list = compiled.bind_many(literals, rows)
        dconn = await self._statement_connection()
        if compiled.returns_rows:
            # Drivers drop the rows of executemany: run each set on its own.
            return await self._execute_each(dconn, compiled, args_list)
        self._before_execute(compiled.sql, args_list)
        rowcount = await self._call(dconn, dconn.executemany(compiled, args_list))
        return Result((), [], rowcount=rowcount, returns_rows=False)

    async def _execute_each(
        self, dconn: DialectConnection, compiled: Compiled, args_list: Sequence[Sequence[Any]]
    ) -> Result:
        all_rows: list[tuple[Any, ...]] = []
        keys: Sequence[str] = compiled.result_keys or ()
        rowcount = 0
        for args in args_list:
            self._before_execute(compiled.sql, args)
            outcome = await self._call(dconn, dconn.execute(compiled, args))
            all_rows.extend(outcome.rows)
            keys = compiled.result_keys if compiled.result_keys is not None else outcome.keys
            rowcount = add_counts(rowcount, outcome.rowcount)
        return Result(keys, all_rows, rowcount=rowcount, processors=compiled.result_processors)

    @overload
    async def scalar(
        self, statement: Select[tuple[_T0, *tuple[Any, ...]]], parameters: Any = None
    ) -> _T0 | None: ...

    @overload
    async def scalar(self, statement: _OtherStatement, parameters: Any = None) -> Any: ...

    async def scalar(self, statement: Any, parameters: Any = None) -> Any:
        """The first column of the first row of *statement*, or None."""
        return (await self.execute(statement, parameters)).scalar()

    @overload
    async def scalars(
        self, statement: Select[tuple[_T0, *tuple[Any, ...]]], parameters: Any = None
    ) -> ScalarResult[_T0]: ...

    @overload
    async def scalars(
        self, statement: _OtherStatement, parameters: Any = None
    ) -> ScalarResult[Any]: ...

    async def scalars(self, statement: Any, parameters: Any = None) -> ScalarResult[Any]:
        """The first column of every row of *statement*."""
        return (await self.execute(statement, parameters)).scalars()

    @overload
    async def stream(
        self,
        statement: Select[_RowT],
        parameters: Any = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> AsyncResult[_RowT]: ...

    @overload
    async def stream(
        self,
        statement: _OtherStatement,
        parameters: Any = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> AsyncResult[Any]: ...

    async def stream(
        self, statement: Any, parameters: Any = None, *, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> AsyncResult:
        """Run *statement* and read its rows *chunk_size* at a time as they are iterated.

        On PostgreSQL this is a server-side cursor in the connection's
        transaction (begun if none is open), so the rows must be read before
        that transaction ends; ending it closes the result.
        """
        if chunk_size < 1:
            raise ArgumentError(f"chunk_size must be at least 1, got {chunk_size!r}")
        async with self._operation():
            self._check_open()
            compiled, literals = self.dialect.compile(statement)
            args = compiled.bind(literals, single(parameters))
            dconn = await self._statement_connection()
            self._before_execute(compiled.sql, args)
            cursor = await self._call(dconn, dconn.open_cursor(compiled, args, chunk_size))
            keys = compiled.result_keys if compiled.result_keys is not None else cursor.keys
            result = AsyncResult(
                keys,
                lambda size: self._fetch_chunk(dconn, cursor, size),
                lambda: self._close_cursor(dconn, cursor),
                chunk_size=chunk_size,
                processors=compiled.result_processors,
            )
            self._streams.append(result)
            return result

    @overload
    async def stream_scalars(
        self,
        statement: Select[tuple[_T0, *tuple[Any, ...]]],
        parameters: Any = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> AsyncScalarResult[_T0]: ...

    @overload
    async def stream_scalars(
        self,
        statement: _OtherStatement,
        parameters: Any = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> AsyncScalarResult[Any]: ...

    async def stream_scalars(
        self, statement: Any, parameters: Any = None, *, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> AsyncScalarResult[Any]:
        """The first column of each streamed row (see :meth:`stream`)."""
        return (await self.stream(statement, parameters, chunk_size=chunk_size)).scalars()

    async def _fetch_chunk(
        self, dconn: DialectConnection, cursor: DialectCursor, size: int
    ) -> list[tuple[Any, ...]]:
        self._enter_operation()
        try:
            self._check_open()
            if dconn is not self._dconn:
                raise ResourceClosedError(
                    "the connection under this streamed result was lost; run the statement again"
                )
            return await self._call(dconn, cursor.fetchmany(size))
        finally:
            await self._leave_operation()

    async def _close_cursor(self, dconn: DialectConnection, cursor: DialectCursor) -> None:
        self._streams = [s for s in self._streams if not s.closed]
        if dconn is self._dconn and not dconn.broken:
            await self._call(dconn, cursor.close())
