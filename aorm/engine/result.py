"""``Result``: the rows of one execution, fetched in full, consumed once.

``Result`` hands out :class:`~aorm.engine.row.Row` objects; ``scalars()``,
``mappings()`` and ``tuples()`` are views on the same rows (consuming one
consumes the other). ``tuples()`` hands out the plain tuples the rows are made
of, without building a ``Row`` per row: what code reading many rows by
position (the ORM's loading) uses.
``first()``, ``one()``, ``one_or_none()``, ``scalar()``, ``scalar_one()`` and
``scalar_one_or_none()`` close the result; ``all()`` and iteration exhaust it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from operator import itemgetter
from typing import Any, Generic, Literal, Self, TypeVar, overload

from aorm._typing import RowT, ValueT
from aorm.engine.row import Row, RowKeys, RowMapping, row_keys
from aorm.engine.row_processing import apply_processors
from aorm.exc import ArgumentError, MultipleResultsFound, NoResultFound, ResourceClosedError
from aorm.sql.compiled import Processor

__all__ = [
    "MappingResult",
    "Result",
    "ScalarResult",
    "TupleResult",
    "no_rows_message",
]

# Covariant: a ScalarResult[User] is a ScalarResult[object].
OutT = TypeVar("OutT", covariant=True)
#: The first column's type, read from a result's row shape.
_T0 = TypeVar("_T0")

#: Turns one output (row, scalar or mapping) into what ``unique()`` compares.
UniqueKey = Callable[[Any], Hashable]


def no_rows_message(rowcount: int) -> str:
    """The error text for asking rows of a statement that returns none."""
    return (
        "this result does not return rows (the statement was not a query and had no "
        f"RETURNING); its rowcount is {rowcount}"
    )


class _Buffer:
    """The fetched rows of one execution and how far they have been read.

    With *single*, ``rows`` holds the one value of each row rather than a
    1-tuple (the ORM's results of one entity): the tuples are made only if
    rows are asked for, never for ``scalars()``.
    """

    __slots__ = ("closed", "meta", "pos", "returns_rows", "rowcount", "rows", "single")

    def __init__(
        self,
        meta: RowKeys,
        rows: list[Any],
        rowcount: int,
        returns_rows: bool,
        *,
        single: bool = False,
    ) -> None:
        self.meta = meta
        self.rows = rows
        self.pos = 0
        self.rowcount = rowcount
        self.returns_rows = returns_rows
        self.closed = False
        self.single = single

    def check(self) -> None:
        if not self.returns_rows:
            raise ResourceClosedError(no_rows_message(self.rowcount))
        if self.closed:
            raise ResourceClosedError(
                "this result is closed (first(), one(), scalar() and friends close it); "
                "fetch from a new execution"
            )

    def take(self, count: int | None) -> list[tuple[Any, ...]]:
        taken = self.take_values(count)
        return [(value,) for value in taken] if self.single else taken

    def take_values(self, count: int | None) -> list[Any]:
        """The next rows as stored: tuples, or bare values with ``single``."""
        self.check()
        start = self.pos
        stop = len(self.rows) if count is None else min(len(self.rows), start + count)
        self.pos = stop
        return self.rows[start:stop]

    def close(self) -> None:
        self.closed = True
        self.rows = []
        self.pos = 0


class _View(Generic[OutT]):
    """Fetching methods shared by ``Result``, ``ScalarResult`` and ``MappingResult``."""

    __slots__ = ("_buffer", "_seen", "_unique_key")

    def __init__(self, buffer: _Buffer) -> None:
        self._buffer = buffer
        self._unique_key: UniqueKey | None = None
        self._seen: set[Hashable] = set()

    def _make(self, raw: tuple[Any, ...]) -> OutT:
        raise NotImplementedError

    def __repr__(self) -> str:
        buffer, name = self._buffer, type(self).__name__
        if not buffer.returns_rows:
            return f"<{name} returns no rows, rowcount={buffer.rowcount}>"
        columns = ", ".join(buffer.meta.keys)
        if buffer.closed:
            return f"<{name} ({columns}) closed>"
        return f"<{name} ({columns}) {len(buffer.rows) - buffer.pos} row(s) not read>"

    def _default_unique_key(self, item: object) -> Hashable:
        return item if isinstance(item, Hashable) else repr(item)

    def _take(self, count: int | None) -> list[OutT]:
        if self._unique_key is None:
            return [self._make(raw) for raw in self._buffer.take(count)]
        out: list[OutT] = []
        while count is None or len(out) < count:
            batch = self._buffer.take(None if count is None else count - len(out))
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
        self._unique_key = strategy if strategy is not None else self._default_unique_key
        return self

    def all(self) -> Sequence[OutT]:
        """Every remaining row (a list; typed as a ``Sequence``, like SQLAlchemy's)."""
        return self._take(None)

    def fetchall(self) -> Sequence[OutT]:
        """Every remaining row (same as :meth:`all`)."""
        return self._take(None)

    def fetchmany(self, size: int) -> Sequence[OutT]:
        """Up to *size* more rows."""
        return self._take(size)

    def fetchone(self) -> OutT | None:
        """The next row, or None when there are no more."""
        rows = self._take(1)
        return rows[0] if rows else None

    def partitions(self, size: int) -> Iterator[Sequence[OutT]]:
        """The remaining rows in lists of up to *size*."""
        while chunk := self._take(size):
            yield chunk

    def __iter__(self) -> Iterator[OutT]:
        while (rows := self._take(1)) != []:
            yield rows[0]

    def first(self) -> OutT | None:
        """The first row or None; closes the result."""
        rows = self._take(1)
        self._buffer.close()
        return rows[0] if rows else None

    def one_or_none(self) -> OutT | None:
        """The only row, or None; :class:`~aorm.exc.MultipleResultsFound` if several. Closes."""
        rows = self._take(2)
        self._buffer.close()
        if len(rows) > 1:
            raise MultipleResultsFound("one_or_none() found more than one row")
        return rows[0] if rows else None

    def one(self) -> OutT:
        """The only row; raises NoResultFound if none, MultipleResultsFound if several."""
        rows = self._take(2)
        self._buffer.close()
        if not rows:
            raise NoResultFound("one() found no row")
        if len(rows) > 1:
            raise MultipleResultsFound("one() found more than one row")
        return rows[0]


class Result(_View[Row[RowT]]):
    """The rows of one execution as :class:`Row` objects, plus ``rowcount``.

    For type checkers a result is generic over its row shape, taken from
    the statement: ``await session.execute(select(User.id, User.name))`` is a
    ``Result[tuple[int, str]]``, its ``scalars()`` a ``ScalarResult[int]``,
    its ``tuples()`` a ``TupleResult[tuple[int, str]]``. Raw SQL (and any
    statement but a SELECT) gives ``Result[Any]``.
    """

    __slots__ = ()

    def __init__(
        self,
        keys: Sequence[str],
        rows: list[tuple[Any, ...]],
        *,
        rowcount: int = -1,
        returns_rows: bool = True,
        processors: Sequence[Processor | None] | None = None,
    ) -> None:
        super().__init__(
            _Buffer(row_keys(keys), apply_processors(rows, processors), rowcount, returns_rows)
        )

    @classmethod
    def of_values(cls, key: str, values: list[Any], *, rowcount: int = -1) -> Self:
        """A result of one column named *key* whose rows hold *values* (taken over, not copied).

        What the session returns for a query of one entity: ``scalars()``
        hands out *values* itself, with no tuple made per row.
        """
        result = cls.__new__(cls)
        _View.__init__(result, _Buffer(row_keys([key]), values, rowcount, True, single=True))
        return result

    def _make(self, raw: tuple[Any, ...]) -> Row[RowT]:
        return Row(self._buffer.meta, raw)

    def _take(self, count: int | None) -> list[Row[RowT]]:
        if self._unique_key is not None:
            return super()._take(count)
        meta = self._buffer.meta
        return [Row(meta, raw) for raw in self._buffer.take(count)]

    @property
    def rowcount(self) -> int:
        """Rows affected by an INSERT/UPDATE/DELETE (returned by one with RETURNING); else -1."""
        return self._buffer.rowcount

    @property
    def returns_rows(self) -> bool:
        """False for statements that produce no rows (fetching from them raises)."""
        return self._buffer.returns_rows

    @property
    def closed(self) -> bool:
        """True once the result was closed."""
        return self._buffer.closed

    def keys(self) -> list[str]:
        """The column names."""
        return list(self._buffer.meta.keys)

    def close(self) -> None:
        """Discard the remaining rows; fetching afterwards raises ResourceClosedError."""
        self._buffer.close()

    @overload
    def scalars(
        self: Result[tuple[_T0, *tuple[Any, ...]]], index: Literal[0] = ...
    ) -> ScalarResult[_T0]: ...

    @overload
    def scalars(self, index: int = ...) -> ScalarResult[Any]: ...

    def scalars(self, index: int = 0) -> ScalarResult[Any]:
        """A view yielding column *index* of each row instead of rows."""
        if index:
            keys = self._buffer.meta.keys
            if not -len(keys) <= index < len(keys):
                raise ArgumentError(
                    f"scalars({index}): the rows have {len(keys)} column(s): {', '.join(keys)}"
                )
        return ScalarResult(self._buffer, index)

    def mappings(self) -> MappingResult:
        """A view yielding each row as a read-only mapping."""
        return MappingResult(self._buffer)

    def tuples(self) -> TupleResult[RowT]:
        """A view yielding each row as a plain tuple (no :class:`Row` is built)."""
        return TupleResult(self._buffer)

    @overload
    def scalar(self: Result[tuple[_T0, *tuple[Any, ...]]]) -> _T0 | None: ...

    @overload
    def scalar(self) -> Any: ...

    def scalar(self) -> Any:
        """The first column of the first row, or None if there is no row; closes the result."""
        row = self.first()
        return None if row is None else row[0]

    @overload
    def scalar_one(self: Result[tuple[_T0, *tuple[Any, ...]]]) -> _T0: ...

    @overload
    def scalar_one(self) -> Any: ...

    def scalar_one(self) -> Any:
        """The first column of the only row; raises like :meth:`one`."""
        return self.one()[0]

    @overload
    def scalar_one_or_none(self: Result[tuple[_T0, *tuple[Any, ...]]]) -> _T0 | None: ...

    @overload
    def scalar_one_or_none(self) -> Any: ...

    def scalar_one_or_none(self) -> Any:
        """The first column of the only row, or None; raises like :meth:`one_or_none`."""
        row = self.one_or_none()
        return None if row is None else row[0]


class ScalarResult(_View[ValueT]):
    """One column of each row of a :class:`Result` (``ScalarResult[User]`` for type checkers)."""

    __slots__ = ("_index",)

    def __init__(self, buffer: _Buffer, index: int) -> None:
        super().__init__(buffer)
        self._index = index

    def _make(self, raw: tuple[Any, ...]) -> ValueT:
        value: ValueT = raw[self._index]
        return value

    def _take(self, count: int | None) -> list[ValueT]:
        if self._unique_key is not None:
            return super()._take(count)
        buffer = self._buffer
        if buffer.single and self._index == 0:
            return buffer.take_values(count)
        return list(map(itemgetter(self._index), buffer.take(count)))


class TupleResult(_View[RowT]):
    """Each row of a :class:`Result` as the plain tuple it holds (result processors applied).

    The cheapest way to read many rows by position: no :class:`Row` object
    is made per row.
    """

    __slots__ = ()

    # The rows are the statement's shape (RowT); the buffer holds them untyped.
    def _make(self, raw: tuple[Any, ...]) -> RowT:
        return raw  # type: ignore[return-value]

    def _take(self, count: int | None) -> list[RowT]:
        if self._unique_key is not None:
            return super()._take(count)
        return self._buffer.take(count)  # type: ignore[return-value]

    def keys(self) -> list[str]:
        """The column names."""
        return list(self._buffer.meta.keys)


class MappingResult(_View[RowMapping]):
    """Each row of a :class:`Result` as a read-only mapping of column name → value."""

    __slots__ = ()

    def _make(self, raw: tuple[Any, ...]) -> RowMapping:
        return RowMapping(self._buffer.meta, raw)

    def keys(self) -> list[str]:
        """The column names."""
        return list(self._buffer.meta.keys)
