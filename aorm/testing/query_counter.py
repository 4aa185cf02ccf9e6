"""Counting the statements an engine sends: ``count_queries()`` and ``assert_queries()``.

For tests that pin how many round trips a piece of code makes, so an N+1
(a query per object in a loop) shows up as a failing test::

    with assert_queries(session, 2):
        authors = (await session.scalars(select(Author).options(selectinload(Author.books)))).all()

What is counted: every statement sent through the engine's ``before_execute``
event while the block runs, from any connection or session of that engine
(so keep other tasks quiet meanwhile). An ``executemany`` counts once, and
so does each batch of a multi-row INSERT. Transaction control (``BEGIN``,
``COMMIT``, ``ROLLBACK``, ``SAVEPOINT``) is not counted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeAlias, final

from aorm.engine.connection import Connection
from aorm.engine.engine import Engine
from aorm.exc import ArgumentError
from aorm.session.session import AsyncSession

__all__ = ["CapturedStatement", "CountTarget", "QueryCounter", "assert_queries", "count_queries"]

CountTarget: TypeAlias = Engine | Connection | AsyncSession
"""What a counter listens on: an engine, or the engine of a connection or session."""


@dataclass(frozen=True)
class CapturedStatement:
    """One statement sent to the database, as the driver got it."""

    sql: str
    """The SQL, in the dialect's bind style (``?`` or ``$1``)."""
    parameters: Any
    """The driver parameters: a list (a list of lists for an ``executemany``)."""

    def __str__(self) -> str:
        return f"{self.sql}  [parameters: {self.parameters!r}]"


@final
class QueryCounter:
    """Records the statements an engine sends while it is entered (``with counter:``).

    Made by :func:`count_queries`. The record stays readable after the
    block: :attr:`count`, :attr:`statements`, :meth:`report`. One counter
    counts one block at a time; entering it again while it counts raises
    :class:`~aorm.exc.ArgumentError`.
    """

    __slots__ = ("_active", "captured", "engine")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        """The engine listened to."""
        self.captured: list[CapturedStatement] = []
        """Every statement sent while entered, in order."""
        self._active = False

    @property
    def count(self) -> int:
        """How many statements were sent."""
        return len(self.captured)

    @property
    def statements(self) -> list[str]:
        """The SQL of every statement sent, in order."""
        return [statement.sql for statement in self.captured]

    def report(self) -> str:
        """The statements, numbered, one per line (for failure messages)."""
        if not self.captured:
            return "  (none)"
        return "\n".join(f"  {number}. {stmt}" for number, stmt in enumerate(self.captured, 1))

    def _record(self, sql: str, parameters: Any) -> None:
        self.captured.append(CapturedStatement(sql, parameters))

    def __enter__(self) -> QueryCounter:
        if self._active:
            raise ArgumentError("this QueryCounter is already counting; make another one")
        self._active = True
        self.engine.add_listener("before_execute", self._record)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._active = False
        self.engine.remove_listener("before_execute", self._record)

    def __repr__(self) -> str:
        return f"<QueryCounter {self.count} statement(s) on {self.engine!r}>"


def count_queries(target: CountTarget) -> QueryCounter:
    """Count the statements *target*'s engine sends: ``with count_queries(session) as q:``.

    *target* is an :class:`~aorm.engine.Engine`, or a
    :class:`~aorm.engine.Connection` or :class:`~aorm.session.AsyncSession`
    whose engine is meant. Read ``q.count`` and ``q.statements`` afterwards.
    """
    return QueryCounter(_engine_of(target))


@contextlib.contextmanager
def assert_queries(target: CountTarget, expected: int) -> Iterator[QueryCounter]:
    """Fail unless the block sends exactly *expected* statements through *target*'s engine.

    ``with assert_queries(session, 1): ...``. The ``AssertionError`` lists
    every statement sent, numbered, with its parameters. A block that
    raises passes its own error on unchecked.
    """
    if isinstance(expected, bool) or not isinstance(expected, int) or expected < 0:
        raise ArgumentError(f"assert_queries() expects a count of 0 or more, got {expected!r}")
    with count_queries(target) as counter:
        yield counter
    if counter.count != expected:
        raise AssertionError(
            f"expected {_statements(expected)}, {counter.count} "
            f"{'was' if counter.count == 1 else 'were'} sent:\n{counter.report()}"
        )


def _statements(count: int) -> str:
    return f"{count} statement" + ("" if count == 1 else "s")


def _engine_of(target: object) -> Engine:
    if isinstance(target, Engine):
        return target
    if isinstance(target, Connection):
        return target.engine
    if isinstance(target, AsyncSession):
        return target.bind
    raise ArgumentError(
        f"count queries on an Engine, a Connection or an AsyncSession, not {target!r}"
    )
