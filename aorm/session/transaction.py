"""``SessionTransaction``: a session's transaction or savepoint, and what it undoes.

A session has at most one root transaction at a time, begun on first use
(or by ``session.begin()``), and a stack of savepoints on top of it
(``session.begin_nested()``). The root holds the session's one
:class:`~aorm.engine.Connection`, checked out of the engine's pool when the
first statement needs it and given back when the transaction ends.

Each level remembers the objects its flushes inserted, updated and deleted,
so that rolling it back can put them in their proper states:

* objects inserted (and objects added but not flushed) become transient
  again, their database-generated keys cleared;
* objects deleted become persistent again;
* objects updated (and objects with unflushed changes) are expired, so the
  next read says they must be reloaded instead of showing values the
  database no longer has;
* objects the transaction never touched keep their state and values.

When a flush fails, the innermost level is rolled back in the database at
once (to its savepoint, or entirely) and marked *deactivated*: the session
then refuses every operation with :class:`~aorm.exc.PendingRollbackError`
until that level is rolled back (``session.rollback()``, or leaving the
``async with session.begin_nested()`` block).

A session bound to a :class:`~aorm.engine.Connection` (``AsyncSession(conn)``)
joins the transaction its owner opened on it (``join_transaction_mode=
"create_savepoint"``): the session's root transaction is a SAVEPOINT inside
it, ``commit()`` releases that savepoint, ``rollback()`` rolls back to it,
and the owner's transaction is never committed or closed by the session.
(On a connection with no transaction open, the session begins one there and
commits or rolls it back as its own.) This is how a test runs application
code that commits inside a transaction it then throws away.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Generator, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, final

from aorm._concurrency import shielded
from aorm.exc import ArgumentError, DisconnectionError, InvalidStateError
from aorm.orm.attributes import set_committed_value
from aorm.orm.instrumentation import STATE_KEY
from aorm.session.flush import flush_session

if TYPE_CHECKING:
    from aorm.engine.connection import Connection
    from aorm.engine.transaction import Transaction
    from aorm.session.session import AsyncSession
    from aorm.session.state import InstanceState

__all__ = [
    "JOIN_TRANSACTION_MODES",
    "JoinTransactionMode",
    "SessionTransaction",
    "SessionTransactionState",
    "begin_level",
    "check_join_transaction_mode",
    "commit_levels",
    "connection_of",
    "deactivate_after_failure",
    "release_connection",
    "rollback_levels",
]

# The ORM's documented logger (docs/logging.md), not the module's own name.
logger = logging.getLogger("aorm.orm")

#: How a session bound to a Connection joins the transaction open on it.
JoinTransactionMode: TypeAlias = Literal["create_savepoint"]

#: The ``join_transaction_mode`` values ``AsyncSession`` accepts.
JOIN_TRANSACTION_MODES: tuple[JoinTransactionMode, ...] = ("create_savepoint",)


def check_join_transaction_mode(mode: object) -> JoinTransactionMode:
    """*mode* if it is a supported ``join_transaction_mode``; ArgumentError otherwise."""
    for known in JOIN_TRANSACTION_MODES:
        if mode == known:
            return known
    raise ArgumentError(
        f"unknown join_transaction_mode {mode!r}; supported: "
        + ", ".join(repr(name) for name in JOIN_TRANSACTION_MODES)
    )


class SessionTransactionState(enum.Enum):
    """Where a :class:`SessionTransaction` is in its lifecycle."""

    #: Made by ``begin()`` / ``begin_nested()``; starts when awaited or entered.
    NEW = "new"
    #: Open: the session's statements run in it.
    ACTIVE = "active"
    #: A flush failed in it and the database rolled it back: only rollback() is allowed.
    DEACTIVATED = "deactivated"
    #: Committed (a savepoint: released into its parent).
    COMMITTED = "committed"
    #: Rolled back (also when the session was closed).
    ROLLED_BACK = "rolled_back"


@final
class SessionTransaction:
    """A session's root transaction (``nested=False``) or one of its savepoints.

    Use ``async with session.begin():`` / ``async with session.begin_nested():``
    (commits when the block ends normally, rolls back when it raises), or
    ``await`` it and call :meth:`commit` / :meth:`rollback`.
    """

    __slots__ = (
        "_savepoint",
        "autobegun",
        "connection",
        "deleted",
        "dropped_lists",
        "failure",
        "inserted",
        "nested",
        "parent",
        "session",
        "state",
        "updated",
    )

    def __init__(
        self,
        session: AsyncSession,
        parent: SessionTransaction | None,
        *,
        nested: bool,
        autobegun: bool = False,
    ) -> None:
        #: The session this transaction belongs to.
        self.session = session
        #: The enclosing level (None for the root).
        self.parent = parent
        #: True for a savepoint.
        self.nested = nested
        #: True when the session began it by itself on first use.
        self.autobegun = autobegun
        self.state = SessionTransactionState.NEW
        #: The root's connection (None until the first statement needs one).
        self.connection: Connection | None = None
        self._savepoint: Transaction | None = None
        #: The error of the flush that deactivated this level, if one did.
        self.failure: BaseException | None = None
        # States this level's flushes wrote, in order. Lists, not sets: a
        # state flushed twice is listed twice, and a rollback (the only
        # reader that cares) makes them sets; most levels just commit.
        self.inserted: list[InstanceState] = []
        self.updated: list[InstanceState] = []
        self.deleted: list[InstanceState] = []
        # Lists of appended objects a flush took off its new objects' dynamic
        # relationships (they read as queries once the row exists): a rollback
        # that makes those objects transient again gives the lists back.
        self.dropped_lists: dict[InstanceState, dict[str, list[Any]]] = {}

    # -- public ------------------------------------------------------------

    @property
    def is_active(self) -> bool:
        """True while the transaction is open and usable."""
        return self.state is SessionTransactionState.ACTIVE

    async def start(self) -> SessionTransaction:
        """Begin it (what ``await`` and ``async with`` do)."""
        if self.state is not SessionTransactionState.NEW:
            raise InvalidStateError(
                f"this session transaction was already started (it is {self.state.value})"
            )
        await self.session._start_transaction(self)
        return self

    def __await__(self) -> Generator[Any, None, SessionTransaction]:
        return self.start().__await__()

    async def __aenter__(self) -> SessionTransaction:
        if self.state is SessionTransactionState.NEW:
            await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.state is SessionTransactionState.ACTIVE and exc is None:
            try:
                await self.commit()
            except BaseException:
                # The block is over either way: a commit that failed (its flush,
                # say) leaves nothing half-done behind it.
                if self.state in (
                    SessionTransactionState.ACTIVE,
                    SessionTransactionState.DEACTIVATED,
                ):
                    await shielded(self.session._end_transaction(self, commit=False))
                raise
        elif self.state in (SessionTransactionState.ACTIVE, SessionTransactionState.DEACTIVATED):
            await shielded(self.session._end_transaction(self, commit=False))

    async def commit(self) -> None:
        """Flush and commit (a savepoint: flush and release it into its parent)."""
        await self.session._end_transaction(self, commit=True)

    async def rollback(self) -> None:
        """Roll back (a savepoint: to where it began); a no-op once it has ended."""
        if self.state in (SessionTransactionState.COMMITTED, SessionTransactionState.ROLLED_BACK):
            return
        await self.session._end_transaction(self, commit=False)

    def __repr__(self) -> str:
        kind = "savepoint" if self.nested else "transaction"
        return f"<SessionTransaction {kind} {self.state.value}>"

    # -- what the session uses -----------------------------------------------

    @property
    def root(self) -> SessionTransaction:
        """The root transaction of this level."""
        level = self
        while level.parent is not None:
            level = level.parent
        return level

    def levels(self) -> list[SessionTransaction]:
        """This level and its parents, innermost first."""
        found: list[SessionTransaction] = []
        level: SessionTransaction | None = self
        while level is not None:
            found.append(level)
            level = level.parent
        return found

    def levels_from(self, innermost: SessionTransaction | None) -> list[SessionTransaction]:
        """The levels from *innermost* down to and including this one, innermost first."""
        found: list[SessionTransaction] = []
        level = innermost
        while level is not None:
            found.append(level)
            if level is self:
                return found
            level = level.parent
        return [self]

    def record_inserted(self, state: InstanceState) -> None:
        """*state*'s INSERT was flushed in this level."""
        self.inserted.append(state)

    def record_updated(self, state: InstanceState) -> None:
        """*state*'s UPDATE was flushed in this level."""
        self.updated.append(state)

    def record_deleted(self, state: InstanceState) -> None:
        """*state*'s DELETE was flushed in this level."""
        self.deleted.append(state)

    def record_dropped_list(self, state: InstanceState, key: str, items: list[Any]) -> None:
        """The flush inserting *state* took *items* off its dynamic relationship *key*."""
        self.dropped_lists.setdefault(state, {})[key] = items

    def merge_into_parent(self) -> None:
        """Hand this (released) savepoint's records to its parent."""
        parent = self.parent
        assert parent is not None
        parent.inserted.extend(self.inserted)
        parent.updated.extend(self.updated)
        parent.deleted.extend(self.deleted)
        parent.dropped_lists.update(self.dropped_lists)

    def set_savepoint(self, savepoint: Transaction | None) -> None:
        """The engine savepoint behind this level."""
        self._savepoint = savepoint

    @property
    def savepoint(self) -> Transaction | None:
        """The engine savepoint behind this level.

        Nested levels have one; so has a root joined to the transaction of
        the connection the session is bound to.
        """
        return self._savepoint

    def undo_objects(self, levels: Iterable[SessionTransaction]) -> None:
        """Put the objects written in *levels* (and unflushed changes) in rolled-back states.

        See the module docstring. Only objects still in this session are
        touched.
        """
        session = self.session
        inserted: dict[InstanceState, None] = {}
        updated: dict[InstanceState, None] = {}
        deleted: dict[InstanceState, None] = {}
        dropped: dict[InstanceState, dict[str, list[Any]]] = {}
        for level in levels:
            inserted.update(dict.fromkeys(level.inserted))
            updated.update(dict.fromkeys(level.updated))
            deleted.update(dict.fromkeys(level.deleted))
            dropped.update(level.dropped_lists)
            level.inserted = []
            level.updated = []
            level.deleted = []
            level.dropped_lists = {}
        mine = session._ref
        identity_map = session._identity_map
        for state in inserted:
            if state._session_ref is not mine:
                continue
            obj = state.object
            if obj is not None and state.key is not None:
                identity_map.discard(state.key, obj)
                d = obj.__dict__
                for key in state.generated_keys:
                    d.pop(key, None)
                for key, items in dropped.get(state, {}).items():
                    set_committed_value(obj, key, items)
            state.key = None
            state.generated_keys = ()
            state.flushed_deleted = state.marked_deleted = False
            state.reset_changes()
            state.expired_attributes = frozenset()
            state.attach(None)
            session._deleted.pop(state, None)
        for state, _obj in list(session._new.items()):
            state.attach(None)
        session._new.clear()
        for state in deleted:
            if state._session_ref is not mine or state.key is None:
                continue
            obj = state.object
            state.flushed_deleted = False
            state.marked_deleted = False
            if obj is not None:
                identity_map.replace(state.key, obj)
        for state in list(session._deleted):
            state.marked_deleted = False
        session._deleted.clear()
        for obj in identity_map.held_strongly():
            updated[obj.__dict__[STATE_KEY]] = None
        for state in updated:
            if state._session_ref is not mine or state.key is None:
                continue
            if state.modified:
                identity_map.release(state.key)
            state.expire()


# -- how the session's levels begin, commit and roll back ----------------------------
#
# These run inside a session operation (the caller holds its concurrent-use
# guard and has checked for a pending rollback where that applies).

_ACTIVE = SessionTransactionState.ACTIVE
_DEACTIVATED = SessionTransactionState.DEACTIVATED


async def connection_of(session: AsyncSession, root: SessionTransaction) -> Connection:
    """*root*'s connection: checked out, with a transaction begun, on first need.

    A session bound to a connection uses that one (see :func:`_join`).
    """
    conn = root.connection
    if conn is not None:
        return conn
    joined = session.joined_connection
    if joined is not None:
        await _join(root, joined)
        return joined
    conn = root.connection = session.bind.connect()
    try:
        await conn.start()
        await conn.begin()
    except BaseException:
        root.connection = None
        await shielded(conn.close())
        raise
    return conn


async def _join(root: SessionTransaction, conn: Connection) -> None:
    """Run *root* on the session's bound *conn*: a savepoint in its open transaction.

    On a connection with no transaction open, *root* begins one there and is
    its owner (commits and rolls it back like any root).
    """
    if conn.in_transaction():
        # The transaction belongs to whoever opened it (a test fixture, say):
        # the session only ever commits or rolls back its own savepoint in it.
        root.set_savepoint(await conn.begin_nested())
    else:
        await conn.begin()
    root.connection = conn


async def release_connection(root: SessionTransaction) -> None:
    """Give *root*'s connection back to the pool (rolling back what is open on it).

    A connection the session is bound to stays open with its owner: only
    what *root* began on it is rolled back (a no-op once committed).
    """
    conn, root.connection = root.connection, None
    if conn is None:
        return
    if conn is not root.session.joined_connection:
        await conn.close()
        return
    savepoint = root.savepoint
    root.set_savepoint(None)
    try:
        if savepoint is not None:
            await savepoint.rollback()
        else:
            await conn.rollback()
    except Exception:
        # The owner's next statement finds the connection's trouble (and the
        # error that caused it was already raised): the session moves on.
        logger.warning("could not roll back a session's part of %r", conn, exc_info=True)


async def begin_level(session: AsyncSession, tx: SessionTransaction) -> None:
    """Start *tx*: the root (none may be begun), or a savepoint on top of the current level."""
    if not tx.nested:
        current = session._transaction
        if current is not None:
            raise InvalidStateError(
                "a transaction is already begun"
                + (" (by an earlier call)" if current.root.autobegun else "")
                + "; commit() or rollback() it first, or use begin_nested()"
            )
        tx.state = _ACTIVE
        session._transaction = tx
        return
    parent = session._ensure_transaction()
    await flush_session(session)
    conn = await connection_of(session, parent.root)
    savepoint = await conn.begin_nested()
    tx.parent = parent
    tx.set_savepoint(savepoint)
    tx.state = _ACTIVE
    session._transaction = tx


async def commit_levels(session: AsyncSession, tx: SessionTransaction) -> None:
    """Flush and commit the innermost levels down to and including *tx*."""
    if tx.state is not _ACTIVE:
        raise InvalidStateError(f"cannot commit a transaction that is {tx.state.value}")
    current = session._transaction
    if current is None or tx not in current.levels():
        raise InvalidStateError("this transaction is no longer the session's")
    while True:
        level = session._transaction
        assert level is not None
        await flush_session(session)
        if level.nested:
            savepoint = level.savepoint
            if savepoint is not None:
                await savepoint.commit()
            level.merge_into_parent()
            level.state = SessionTransactionState.COMMITTED
            session._transaction = level.parent
        else:
            await _commit_root(session, level)
        if level is tx:
            return


async def _commit_root(session: AsyncSession, root: SessionTransaction) -> None:
    conn = root.connection
    try:
        await session._events.fire("before_commit", session)
        if conn is not None:
            savepoint = root.savepoint
            if savepoint is not None:
                # A root joined to its bound connection's transaction.
                await savepoint.commit()
            else:
                await conn.commit()
    except BaseException:
        # Not committed (or not known to be): the database discards the
        # transaction with its connection; the objects follow.
        await shielded(_abandon(session, root))
        raise
    session_ref = session._ref
    for state in root.deleted:
        if state._session_ref is session_ref:
            # Detached (state.attach(None), once per deleted row); flushed_deleted
            # stays set, which makes it was_deleted.
            state._session_ref = None
    root.deleted, root.inserted, root.updated = [], [], []
    root.dropped_lists = {}
    if session.expire_on_commit:
        for state in session._identity_map.states():
            state.expire()
    root.state = SessionTransactionState.COMMITTED
    session._transaction = None
    await shielded(release_connection(root))
    await session._events.fire("after_commit", session)


async def _abandon(session: AsyncSession, root: SessionTransaction) -> None:
    """The root transaction is lost: undo its objects and throw its connection back."""
    root.undo_objects(root.levels_from(session._transaction))
    root.state = SessionTransactionState.ROLLED_BACK
    session._transaction = None
    await release_connection(root)


async def rollback_levels(session: AsyncSession, tx: SessionTransaction) -> None:
    """Roll back the innermost levels down to and including *tx*."""
    levels = tx.levels_from(session._transaction)
    if tx.nested:
        savepoint = tx.savepoint
        if savepoint is not None:
            try:
                await shielded(savepoint.rollback())
            except Exception:
                # The connection is gone: the whole transaction is lost.
                await rollback_levels(session, tx.root)
                return
        session._transaction = tx.parent
    else:
        await shielded(release_connection(tx))
        session._transaction = None
    tx.undo_objects(levels)
    for level in levels:
        level.state = SessionTransactionState.ROLLED_BACK
    await session._events.fire("after_rollback", session)


async def deactivate_after_failure(session: AsyncSession, error: BaseException) -> None:
    """After a failed flush: roll back its level in the database and mark it deactivated.

    A savepoint is rolled back to (the enclosing transaction lives on);
    otherwise, or when the connection is gone or the task was cancelled, the
    whole transaction is rolled back and its connection given back.
    """
    tx = session._transaction
    assert tx is not None
    savepoint = tx.savepoint
    if (
        tx.nested
        and savepoint is not None
        and isinstance(error, Exception)
        and not isinstance(error, DisconnectionError)
    ):
        try:
            await shielded(savepoint.rollback())
        except Exception:
            logger.debug("rolling back to a savepoint failed; rolling back all", exc_info=True)
        else:
            tx.state = _DEACTIVATED
            tx.failure = error
            return
    await shielded(release_connection(tx.root))
    for level in tx.levels():
        level.state = _DEACTIVATED
        level.failure = error
