"""``AsyncResult``: the rows of ``Connection.stream()``, fetched in chunks as they are read.

On PostgreSQL the rows come from a server-side cursor in the open
transaction; on SQLite from a chunked fetch. Iterate with ``async for``, or
await the same methods ``Result`` has. The cursor is closed when the rows run
out, when :meth:`AsyncResult.close` is called, and when the transaction or
connection ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from operator import itemgetter
from typing import Any, Generic, Literal, Self, TypeVar, overload

from aorm._typing import RowT, ValueT
from aorm.engine.result import UniqueKey
from aorm.engine.row import Row, RowKeys, RowMapping, row_keys
from aorm.engine.row_processing import apply_processors
from aorm.exc import MultipleResultsFound, NoResultFound, ResourceClosedError
from aorm.sql.compiled import Processor

__all__ = ["AsyncMappingResult", "AsyncResult", "AsyncScalarResult", "AsyncTupleResult"]

# Covariant: an AsyncScalarResult[User] is an AsyncScalarResult[object].
OutT = TypeVar("OutT", covariant=True)
#: The first column's type, read from a result's row shape.
_T0 = TypeVar("_T0")

#: Fetches up to n more raw rows from the cursor (an empty list at the end).
FetchChunk = Callable[[int], Awaitable[list[tuple[Any, ...]]]]
#: Closes the cursor.
CloseCursor = Callable[[], Awaitable[None]]


class _Stream:
    """The cursor of one streamed execution and the rows read ahead of the caller."""

    __slots__ = (
        "_close_cursor",
        "_fetch",
        "_pending",
        "_processors",
        "chunk_size",
        "closed",
        "exhausted",
        "meta",
    )

    def __init__(
        self,
        meta: RowKeys,
        fetch: FetchChunk,
        close: CloseCursor,
        chunk_size: int,
        processors: Sequence[Processor | None] | None,
    ) -> None:
        self.meta = meta
        self._fetch = fetch
        self._close_cursor = close
        self.chunk_size = chunk_size
        self._processors = processors
        self._pending: list[tuple[Any, ...]] = []
        self.exhausted = False
        self.closed = False

    async def take(self, count: int | None) -> list[tuple[Any, ...]]:
        if self.closed:
            raise ResourceClosedError("this streamed result is closed")
        while not self.exhausted and (count is None or len(self._pending) < count):
            chunk = await self._fetch(self.chunk_size)
            self._pending.extend(apply_processors(chunk, self._processors))
            if len(chunk) < self.chunk_size:
                # A short chunk is the last: free the cursor at once.
                await self.release()
        if count is None:
            rows, self._pending = self._pending, []
        else:
            rows, self._pending = self._pending[:count], self._pending[count:]
        return rows

    async def release(self) -> None:
        """Close the cursor (once) but keep what was read ahead."""
        close, self._close_cursor = self._close_cursor, _noop
        self.exhausted = True
        await close()

    async def close(self) -> None:
        self._pending = []
        self.closed = True
        await self.release()


async def _noop() -> None:
    return None


class _AsyncView(Generic[OutT]):
    """Fetching methods shared by the streamed results."""

    __slots__ = ("_seen", "_stream", "_unique_key")

    def __init__(self, stream: _Stream) -> None:
        self._stream = stream
        self._unique_key: UniqueKey | None = None
        self._seen: set[Hashable] = set()

    def __repr__(self) -> str:
        stream, name = self._stream, type(self).__name__
        columns = ", ".join(stream.meta.keys)
        if stream.closed:
            return f"<{name} ({columns}) closed>"
        if stream.exhausted:
            return f"<{name} ({columns}) cursor done, {len(stream._pending)} row(s) not read>"
        return f"<{name} ({columns}) streaming, chunks of {stream.chunk_size}>"

    def _make(self, raw: tuple[Any, ...]) -> OutT:
        raise NotImplementedError

    async def _take(self, count: int | None) -> list[OutT]:
        if self._unique_key is None:
            return [self._make(raw) for raw in await self._stream.take(count)]
        out: list[OutT] = []
        while count is None or len(out) < count:
            batch = await self._stream.take(None if count is None else count - len(out))
            if not batch:
                break
            for raw in batch:
                item = self._make(raw)
                key = self._unique_key(item)
                if key not in self._seen:
                    self._seen.add(key)
                    out.append(item)
        return out

    def unique(self, strategy: UniqueKey | None = None) -> Self:
        """Skip rows equal to one already returned (or with an equal ``strategy(row)``)."""
        self._unique_key = strategy if strategy is not None else _hashable
        return self

    async def all(self) -> Sequence[OutT]:
        """Every remaining row (fetches them all; a list, typed as a ``Sequence``)."""
        return await self._take(None)

    async def fetchall(self) -> Sequence[OutT]:
        """Every remaining row (same as :meth:`all`)."""
        return await self._take(None)

    async def fetchmany(self, size: int) -> Sequence[OutT]:
        """Up to *size* more rows."""
        return await self._take(size)

    async def fetchone(self) -> OutT | None:
        """The next row, or None when there are no more."""
        rows = await self._take(1)
        return rows[0] if rows else None

    async def partitions(self, size: int | None = None) -> AsyncIterator[Sequence[OutT]]:
        """The remaining rows in lists of up to *size* (default: the chunk size)."""
        step = size or self._stream.chunk_size
        while chunk := await self._take(step):
            yield chunk

    def __aiter__(self) -> AsyncIterator[OutT]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[OutT]:
        while True:
            rows = await self._take(self._stream.chunk_size)
            if not rows:
                return
            for row in rows:
                yield row

    async def first(self) -> OutT | None:
        """The first row or None; closes the result."""
        try:
            rows = await self._take(1)
        finally:
            await self._stream.close()
        return rows[0] if rows else None

    async def one_or_none(self) -> OutT | None:
        """The only row, or None; MultipleResultsFound if several. Closes the result."""
        try:
            rows = await self._take(2)
        finally:
            await self._stream.close()
        if len(rows) > 1:
            raise MultipleResultsFound("one_or_none() found more than one row")
        return rows[0] if rows else None

    async def one(self) -> OutT:
        """The only row; raises NoResultFound if none, MultipleResultsFound if several."""
        row = await self.one_or_none()
        if row is None:
            raise NoResultFound("one() found no row")
        return row

    async def close(self) -> None:
        """Close the cursor and discard what was not read."""
        await self._stream.close()

    @property
    def closed(self) -> bool:
        """True once the result was closed."""
        return self._stream.closed


def _hashable(item: Any) -> Hashable:
    return item if isinstance(item, Hashable) else repr(item)


class AsyncResult(_AsyncView[Row[RowT]]):
    """Streamed rows as :class:`Row` objects (typed by row shape, like ``Result``)."""

    __slots__ = ()

    def __init__(
        self,
        keys: Sequence[str],
        fetch: FetchChunk,
        close: CloseCursor,
        *,
        chunk_size: int,
        processors: Sequence[Processor | None] | None = None,
    ) -> None:
        super().__init__(_Stream(row_keys(keys), fetch, close, chunk_size, processors))

    def _make(self, raw: tuple[Any, ...]) -> Row[RowT]:
        return Row(self._stream.meta, raw)

    async def _take(self, count: int | None) -> list[Row[RowT]]:
        if self._unique_key is not None:
            return await super()._take(count)
        meta = self._stream.meta
        return [Row(meta, raw) for raw in await self._stream.take(count)]

    def keys(self) -> list[str]:
        """The column names."""
        return list(self._stream.meta.keys)

    @overload
    def scalars(
        self: AsyncResult[tuple[_T0, *tuple[Any, ...]]], index: Literal[0] = ...
    ) -> AsyncScalarResult[_T0]: ...

    @overload
    def scalars(self, index: int = ...) -> AsyncScalarResult[Any]: ...

    def scalars(self, index: int = 0) -> AsyncScalarResult[Any]:
        """A view yielding column *index* of each row."""
        return AsyncScalarResult(self._stream, index)

    def mappings(self) -> AsyncMappingResult:
        """A view yielding each row as a read-only mapping."""
        return AsyncMappingResult(self._stream)

    def tuples(self) -> AsyncTupleResult[RowT]:
        """A view yielding each row as a plain tuple (no :class:`Row` is built)."""
        return AsyncTupleResult(self._stream)

    @overload
    async def scalar(self: AsyncResult[tuple[_T0, *tuple[Any, ...]]]) -> _T0 | None: ...

    @overload
    async def scalar(self) -> Any: ...

    async def scalar(self) -> Any:
        """The first column of the first row, or None; closes the result."""
        row = await self.first()
        return None if row is None else row[0]

    @overload
    async def scalar_one(self: AsyncResult[tuple[_T0, *tuple[Any, ...]]]) -> _T0: ...

    @overload
    async def scalar_one(self) -> Any: ...

    async def scalar_one(self) -> Any:
        """The first column of the only row; raises like :meth:`one`."""
        return (await self.one())[0]

    @overload
    async def scalar_one_or_none(
        self: AsyncResult[tuple[_T0, *tuple[Any, ...]]],
    ) -> _T0 | None: ...

    @overload
    async def scalar_one_or_none(self) -> Any: ...

    async def scalar_one_or_none(self) -> Any:
        """The first column of the only row, or None; raises like :meth:`one_or_none`."""
        row = await self.one_or_none()
        return None if row is None else row[0]


class AsyncScalarResult(_AsyncView[ValueT]):
    """One column of each streamed row (``AsyncScalarResult[User]`` for type checkers)."""

    __slots__ = ("_index",)

    def __init__(self, stream: _Stream, index: int) -> None:
        super().__init__(stream)
        self._index = index

    def _make(self, raw: tuple[Any, ...]) -> ValueT:
        value: ValueT = raw[self._index]
        return value

    async def _take(self, count: int | None) -> list[ValueT]:
        if self._unique_key is not None:
            return await super()._take(count)
        return list(map(itemgetter(self._index), await self._stream.take(count)))


class AsyncTupleResult(_AsyncView[RowT]):
    """Each streamed row as the plain tuple it holds (result processors applied)."""

    __slots__ = ()

    # The rows are the statement's shape (RowT); the stream holds them untyped.
    def _make(self, raw: tuple[Any, ...]) -> RowT:
        return raw  # type: ignore[return-value]

    async def _take(self, count: int | None) -> list[RowT]:
        if self._unique_key is not None:
            return await super()._take(count)
        return await self._stream.take(count)  # type: ignore[return-value]

    def keys(self) -> list[str]:
        """The column names."""
        return list(self._stream.meta.keys)


class AsyncMappingResult(_AsyncView[RowMapping]):
    """Each streamed row as a read-only mapping."""

    __slots__ = ()

    def _make(self, raw: tuple[Any, ...]) -> RowMapping:
        return RowMapping(self._stream.meta, raw)

    def keys(self) -> list[str]:
        """The column names."""
        return list(self._stream.meta.keys)
