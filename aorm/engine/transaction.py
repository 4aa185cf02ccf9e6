"""``Transaction``: a database transaction or savepoint on a ``Connection``.

``conn.begin()`` and ``conn.begin_nested()`` return one. It is started by
``await`` or ``async with``; ``async with`` commits when the block ends
normally and rolls back when it raises. Its lifecycle is a
:class:`TransactionState`; committing or rolling back a transaction that is
not active raises :class:`~aorm.exc.InvalidStateError`.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any, final

from aorm._concurrency import shielded
from aorm.exc import InvalidStateError

if TYPE_CHECKING:
    from aorm.engine.connection import Connection

__all__ = ["Transaction", "TransactionState"]

logger = logging.getLogger("aorm.engine")


class TransactionState(enum.Enum):
    """Where a :class:`Transaction` is in its lifecycle."""

    #: Made by ``begin()`` / ``begin_nested()``; not started until awaited or entered.
    NEW = "new"
    #: Open: statements on the connection run inside it.
    ACTIVE = "active"
    #: The connection under it was lost (or its commit failed): only ``rollback()`` is allowed.
    INACTIVE = "inactive"
    #: Committed (a savepoint: released into its parent).
    COMMITTED = "committed"
    #: Rolled back (also when its connection closed without committing it).
    ROLLED_BACK = "rolled_back"


@final
class Transaction:
    """A transaction (``nested=False``) or a savepoint (``nested=True``) on one connection."""

    __slots__ = ("_immediate", "autobegun", "connection", "nested", "savepoint", "state")

    def __init__(
        self,
        connection: Connection,
        *,
        nested: bool,
        immediate: bool = False,
        autobegun: bool = False,
    ) -> None:
        #: The connection this transaction runs on.
        self.connection = connection
        #: True for a savepoint made by ``begin_nested()``.
        self.nested = nested
        #: True when the first statement began it ("commit as you go").
        self.autobegun = autobegun
        #: The savepoint name (nested transactions, once started).
        self.savepoint: str | None = None
        self.state = TransactionState.NEW
        self._immediate = immediate

    @property
    def is_active(self) -> bool:
        """True while the transaction is open and usable."""
        return self.state is TransactionState.ACTIVE

    async def start(self) -> Transaction:
        """Begin it on the connection (what ``await`` and ``async with`` do)."""
        if self.state is not TransactionState.NEW:
            raise InvalidStateError(f"this transaction was already started (it is {self._what})")
        await self.connection._start_transaction(self, immediate=self._immediate)
        return self

    def __await__(self) -> Generator[Any, None, Transaction]:
        return self.start().__await__()

    async def __aenter__(self) -> Transaction:
        if self.state is TransactionState.NEW:
            await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.state is TransactionState.ACTIVE and exc is None:
            await self.commit()
            return
        if self.state not in (TransactionState.ACTIVE, TransactionState.INACTIVE):
            return
        lost = self.state is TransactionState.INACTIVE
        try:
            # Leaving by an error (or a cancellation): undo, and let nothing
            # interrupt the undo half-way.
            await shielded(self.rollback())
        except Exception:
            if exc is None:
                raise
            # The error that ended the block matters more than this one.
            logger.warning("rollback after %r failed", exc, exc_info=True)
        if exc is None and lost:
            raise InvalidStateError(
                "the transaction could not be committed: its connection was lost inside the "
                "block (the error was caught there), so it was rolled back"
            )

    async def commit(self) -> None:
        """Commit (a savepoint: release it); the transaction must be active."""
        if self.state is not TransactionState.ACTIVE:
            raise InvalidStateError(f"cannot commit a transaction that is {self._what}")
        await self.connection._end_transaction(self, commit=True)

    async def rollback(self) -> None:
        """Roll back (a savepoint: to where it began); a no-op once it has ended."""
        if self.state in (TransactionState.COMMITTED, TransactionState.ROLLED_BACK):
            return
        if self.state is TransactionState.NEW:
            raise InvalidStateError("cannot roll back a transaction that was never started")
        await self.connection._end_transaction(self, commit=False)

    async def close(self) -> None:
        """Roll back if still open; a no-op otherwise."""
        if self.state in (TransactionState.ACTIVE, TransactionState.INACTIVE):
            await self.rollback()

    @property
    def _what(self) -> str:
        return {
            TransactionState.NEW: "not started (await it or use async with)",
            TransactionState.ACTIVE: "active",
            TransactionState.INACTIVE: (
                "inactive: its connection was lost or its commit failed; call rollback()"
            ),
            TransactionState.COMMITTED: "already committed",
            TransactionState.ROLLED_BACK: "already rolled back",
        }[self.state]

    def __repr__(self) -> str:
        kind = f"savepoint {self.savepoint}" if self.nested else "transaction"
        return f"<Transaction {kind} {self.state.value}>"
