"""The compiled form of a statement: what the dialect layer executes.

A statement is compiled once per *shape* (its cache key) and dialect; the
values it carries travel separately, as the statement's extracted literals,
so running the same shape with new values reuses the :class:`Compiled`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from operator import itemgetter
from typing import Any, NamedTuple, Protocol, TypeVar

from aorm.exc import ArgumentError
from aorm.sql.keyed_rows import KeyedRows

__all__ = [
    "BatchProcessor",
    "BindSlot",
    "CompilableStatement",
    "Compiled",
    "DialectInfo",
    "Processor",
    "batch_of",
    "process_all",
    "with_batch",
]

#: Converts one Python value to what the driver wants (or a driver value to Python).
Processor = Callable[[Any], Any]
#: A processor's column-wise form: a list of values in, their processed values out.
BatchProcessor = Callable[[list[Any]], list[Any]]

_P = TypeVar("_P", bound=Processor)

# Keyed weakly: processors are closures made per compiled statement, and the
# statement caches are bounded, so their batch forms must go when they do.
_batches: weakref.WeakKeyDictionary[Processor, BatchProcessor] = weakref.WeakKeyDictionary()


def with_batch(processor: _P, batch: BatchProcessor) -> _P:
    """Register *batch* as the column-wise form of *processor*, and return *processor*.

    *batch* must give what mapping *processor* over the list gives, and raise
    what the first failing value would raise (falling back to the per-value
    processor does both). It may return its argument itself when no value
    needs converting, so it must never change the list it is given.
    """
    _batches[processor] = batch
    return processor


def batch_of(processor: Processor) -> BatchProcessor | None:
    """The column-wise form registered for *processor* (:func:`with_batch`), if any."""
    try:
        return _batches.get(processor)
    except TypeError:  # not weakly referenceable (a builtin): never registered
        return None


def process_all(processor: Processor, values: list[Any]) -> list[Any]:
    """*processor* applied to each of *values*, in order, column-wise when it can be.

    The result may be *values* itself: pass a list that nothing changes afterwards.
    """
    batch = batch_of(processor)
    if batch is None:
        return list(map(processor, values))
    return batch(values)


class BindSlot(NamedTuple):
    """One placeholder of the compiled SQL, in the order the placeholders appear.

    ``name`` set: the value is looked up in the parameters given to
    ``execute()``; ``name`` None: it is ``literals[index]``, a value the
    statement itself carries. A named tuple: a many-row ``VALUES`` template
    holds one per value (thousands), and a tuple is several times cheaper
    to make than a frozen dataclass.
    """

    name: str | None
    # Shadows tuple.index(), which nothing calls on a slot.
    index: int = -1  # type: ignore[assignment]
    processor: Processor | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Compiled:
    """SQL text in the dialect's bind style, plus how to build its arguments."""

    sql: str
    slots: tuple[BindSlot, ...] = ()
    #: Keys of the result columns, when known at compile time (else the driver's).
    result_keys: tuple[str, ...] | None = None
    #: One processor (or None) per result column, parallel to ``result_keys``.
    result_processors: tuple[Processor | None, ...] | None = None
    #: True for SELECT, RETURNING and anything else that produces rows.
    returns_rows: bool = True
    #: True for INSERT/UPDATE/DELETE and DDL (they take the SQLite write lock).
    is_write: bool = False
    #: An INSERT without values: parameters given at execution are its row(s), which
    #: need ``SQLCompiler.compile_insert_batches``; binding them here is refused.
    params_as_rows: bool = False

    def bind(self, literals: Sequence[Any], params: Mapping[str, Any] | None) -> list[Any]:
        """Positional driver arguments for one execution."""
        if self.params_as_rows and params:
            raise ArgumentError(
                "the parameters of an INSERT without values() are its rows: pass a list of "
                "rows ([params]), or set the values with insert(...).values(...)"
            )
        args: list[Any] = []
        append = args.append
        for slot in self.slots:
            if slot.name is None:
                value = literals[slot.index]
            else:
                if params is None or slot.name not in params:
                    raise ArgumentError(f"missing value for bind parameter {slot.name!r}")
                value = params[slot.name]
            append(value if slot.processor is None else slot.processor(value))
        return args

    def bind_many(
        self, literals: Sequence[Any], rows: Sequence[Mapping[str, Any]]
    ) -> list[tuple[Any, ...]]:
        """Positional driver arguments for one execution per row of *rows* (an executemany).

        The same as :meth:`bind` for each row, as a tuple (what the drivers
        take), with the statement's own values processed once rather than
        once per row.
        """
        if self.params_as_rows and any(rows):
            self.bind(literals, rows[0])  # raises: such rows need INSERT batches
        fixed: list[Any] = []
        named: list[tuple[int, str, Processor | None]] = []
        for position, slot in enumerate(self.slots):
            if slot.name is None:
                value = literals[slot.index]
                fixed.append(value if slot.processor is None else slot.processor(value))
            else:
                fixed.append(None)
                named.append((position, slot.name, slot.processor))
        if not named:
            return [tuple(fixed) for _ in rows]
        if type(rows) is KeyedRows:
            if rows.values:
                # The rows' own tuples are the arguments when the slots take their
                # keys in order and no processor changes a value.
                as_is = (
                    len(named) == len(fixed)
                    and tuple(name for _, name, _ in named) == rows.keys
                    and type(rows.values[0]) is tuple
                )
                columns = _bind_columns(fixed, named, rows.column, rows.values if as_is else None)
                if columns is not None:
                    return columns
        elif len(set(map(type, rows))) == 1 and type(rows[0]) is dict:
            columns = _bind_columns(fixed, named, partial(_dict_column, rows))
            if columns is not None:
                return columns
        out: list[tuple[Any, ...]] = []
        append = out.append
        for row in rows:
            if type(row) is not dict:
                append(tuple(self.bind(literals, row)))
                continue
            args = fixed.copy()
            for position, name, processor in named:
                try:
                    value = row[name]
                except KeyError:
                    raise ArgumentError(f"missing value for bind parameter {name!r}") from None
                args[position] = value if processor is None else processor(value)
            append(tuple(args))
        return out


def _dict_column(rows: Sequence[Mapping[str, Any]], name: str) -> list[Any]:
    return list(map(itemgetter(name), rows))


def _bind_columns(
    fixed: list[Any],
    named: list[tuple[int, str, Processor | None]],
    column_of: Callable[[str], list[Any]],
    rows_as_is: list[tuple[Any, ...]] | None = None,
) -> list[tuple[Any, ...]] | None:
    """:meth:`Compiled.bind_many` column by column; None if any row is missing a key
    or any value is refused (the row-by-row loop then raises the first error).

    *column_of* gives the rows' values of one parameter name. Only for
    processors with batch forms (pure, and run again by that loop on an
    error): others, a TypeDecorator's ``process_bind``, see rows in order.
    *rows_as_is*, when given, are the arguments already (in slot order): they
    are returned if every processor checks its column without changing it.
    """
    if any(p is not None and p not in _batches for _, _, p in named):
        return None
    columns: list[Any] = [repeat(value) for value in fixed]
    unchanged = True
    try:
        # The processed columns first: they decide whether *rows_as_is* will do.
        for position, name, processor in named:
            if processor is not None:
                values = column_of(name)
                columns[position] = process_all(processor, values)
                unchanged = unchanged and columns[position] is values
        if rows_as_is is not None and unchanged:
            return rows_as_is
        for position, name, processor in named:
            if processor is None:
                columns[position] = column_of(name)
    except Exception:
        return None
    # Not strict: the statement's own values are endless repeats beside the rows' lists.
    return list(zip(*columns, strict=False))


class DialectInfo(Protocol):
    """What a compiler needs to know of the dialect it compiles for."""

    #: ``"sqlite"`` or ``"postgresql"``.
    name: str

    def placeholder(self, position: int) -> str:
        """The bind placeholder for the 1-based *position* (``?`` or ``$1``)."""
        ...

    def quote_identifier(self, name: str) -> str:
        """*name* quoted as an identifier."""
        ...


class CompilableStatement(Protocol):
    """What the dialect layer needs of a statement to compile and run it."""

    def _cache_key(self) -> tuple[Hashable, Sequence[Any]]:
        """The statement's shape (hashable, values left out) and its values in slot order."""
        ...
