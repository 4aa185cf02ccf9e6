"""The compiled form of a statement: what the dialect layer executes.

A statement is compiled once per *shape* (its cache key) and dialect; the
values it carries travel separately, as the statement's extracted literals,
so running the same shape with new values reuses the :class:`Compiled`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aorm.exc import ArgumentError

__all__ = ["BindSlot", "CompilableStatement", "Compiled", "DialectInfo", "Processor"]

#: Converts one Python value to what the driver wants (or a driver value to Python).
Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class BindSlot:
    """One placeholder of the compiled SQL, in the order the placeholders appear.

    ``name`` set: the value is looked up in the parameters given to
    ``execute()``; ``name`` None: it is ``literals[index]``, a value the
    statement itself carries.
    """

    name: str | None
    index: int = -1
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
    ) -> list[list[Any]]:
        """Positional driver arguments for one execution per row of *rows* (an executemany).

        The same as :meth:`bind` for each row, with the statement's own values
        processed once rather than once per row.
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
            return [fixed.copy() for _ in rows]
        out: list[list[Any]] = []
        append = out.append
        for row in rows:
            if type(row) is not dict:
                append(self.bind(literals, row))
                continue
            args = fixed.copy()
            for position, name, processor in named:
                try:
                    value = row[name]
                except KeyError:
                    raise ArgumentError(f"missing value for bind parameter {name!r}") from None
                args[position] = value if processor is None else processor(value)
            append(args)
        return out


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
