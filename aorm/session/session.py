"""``AsyncSession``: the unit of work, identity map and transaction of one task.

A session tracks the objects it loads and the ones added to it, sends
their changes in one flush (before queries, at ``commit()``, or when asked),
and runs everything in one transaction on one connection, checked out of the
engine's pool on first need and returned when the transaction ends.

One task at a time: an awaited call while another is in flight raises
:class:`~aorm.exc.ConcurrentUseError` at once. Attribute access never does
IO: expired attributes and unloaded relationships raise, naming the awaited
way to load them.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any, final

from aorm._collector import PausedCollector
from aorm._concurrency import shielded
from aorm.engine.connection import Connection
from aorm.engine.engine import Engine
from aorm.exc import (
    ArgumentError,
    InvalidStateError,
    PendingRollbackError,
)
from aorm.orm.instrumentation import STATE_KEY
from aorm.orm.relationships import RelationshipProperty
from aorm.session import cascades, transaction
from aorm.session._guard import OperationGuard
from aorm.session.events import SessionEvents, SessionListener
from aorm.session.flush import flush_session, has_changes
from aorm.session.identity import IdentityMap
from aorm.session.lazy_load_guard import DEFAULT_LAZY_LOAD_THRESHOLD, LazyLoadGuard, LazyLoadMode
from aorm.session.loading import Hydrator
from aorm.session.session_queries import SessionQueries, check_attribute_names
from aorm.session.state import InstanceState, instance_state_of
from aorm.session.transaction import (
    JoinTransactionMode,
    SessionTransaction,
    SessionTransactionState,
    check_join_transaction_mode,
)

__all__ = ["AsyncSession"]

_ACTIVE = SessionTransactionState.ACTIVE
_DEACTIVATED = SessionTransactionState.DEACTIVATED


@final
class AsyncSession(SessionQueries):
    """The session: ``async with AsyncSession(engine) as session: ...``.

    *autoflush* flushes pending changes before every query and before a
    ``get()`` that misses the identity map (suspend it with ``with
    session.no_autoflush:``). *expire_on_commit* expires every object at
    commit (off by default: async code cannot reload on attribute access).
    *lazy_loads* is the N+1 guard: ``"warn"`` or ``"raise"`` when one
    relationship is awaited object by object for more than
    *lazy_load_threshold* objects (see :mod:`aorm.session.lazy_load_guard`).

    Leaving ``async with`` closes the session: what was not committed is
    rolled back. A closed session is empty and may be used again.

    *bind* may also be a :class:`~aorm.engine.Connection` with a transaction
    open on it: the session then joins that transaction
    (*join_transaction_mode* ``"create_savepoint"``, the one mode): its own
    transactions are SAVEPOINTs inside it, ``commit()`` releases the
    savepoint, ``rollback()`` rolls back to it, and the connection's
    transaction is never committed or closed by the session. See
    :mod:`aorm.session.transaction`.
    """

    def __init__(
        self,
        bind: Engine | Connection,
        *,
        autoflush: bool = True,
        expire_on_commit: bool = False,
        join_transaction_mode: JoinTransactionMode = "create_savepoint",
        lazy_loads: LazyLoadMode = "allow",
        lazy_load_threshold: int = DEFAULT_LAZY_LOAD_THRESHOLD,
    ) -> None:
        check_join_transaction_mode(join_transaction_mode)
        # The N+1 guard (see aorm.session.lazy_load_guard); checks its arguments.
        self._lazy_load_guard = LazyLoadGuard(lazy_loads, lazy_load_threshold)
        joined: Connection | None = None
        if isinstance(bind, Connection):
            joined, engine = bind, bind.engine
        elif isinstance(bind, Engine):
            engine = bind
        else:
            raise ArgumentError(
                "AsyncSession() takes an Engine (from create_engine()) or a Connection, "
                f"not {bind!r}"
            )
        #: The engine whose pool gives this session its connection (a bound
        #: connection's engine).
        self.bind: Engine = engine
        #: The connection given as *bind*, whose transaction the session joins
        #: (None when the session checks its own connections out of the engine).
        self.joined_connection = joined
        #: How the session joins :attr:`joined_connection`'s transaction.
        self.join_transaction_mode = join_transaction_mode
        #: Flush before queries and get() misses.
        self.autoflush = autoflush
        #: Expire every object when a transaction commits.
        self.expire_on_commit = expire_on_commit
        self._identity_map = IdentityMap()
        # Pending objects (added, not flushed) and objects marked for deletion,
        # in the order they were added: held strongly.
        self._new: dict[InstanceState, Any] = {}
        self._deleted: dict[InstanceState, Any] = {}
        self._transaction: SessionTransaction | None = None
        self._guard = OperationGuard("AsyncSession")
        self._events = SessionEvents()
        self._flushing = False
        self._autoflush_suspended = 0
        # Every state of this session points at this one weak reference.
        self._ref: weakref.ref[AsyncSession] = weakref.ref(self)
        # The hydrator of get() without populate_existing, made on first use and
        # kept: it caches its per-mapper row loaders.
        self._get_hydrator: Hydrator | None = None

    # -- lifecycle -----------------------------------------------------------

    async def __aenter__(self) -> AsyncSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await shielded(self.close())

    async def close(self) -> None:
        """Roll back what is not committed, give the connection back, forget every object.

        Objects added in the open transaction become transient, the others
        detached. The session may be used again afterwards.
        """
        with self._guard.operation("close"):
            if self._transaction is not None:
                await transaction.rollback_levels(self, self._transaction.root)
            self._expunge_everything()

    def __repr__(self) -> str:
        # Counts only: no IO, and no object's repr (those may be many).
        if self._transaction is None:
            tx = "no transaction"
        else:
            tx = "in a nested transaction" if self.in_nested_transaction() else "in a transaction"
        return (
            f"<AsyncSession {self.bind.url.render(hide_password=True)} {tx} "
            f"new={len(self._new)} dirty={len(self.dirty)} deleted={len(self._deleted)} "
            f"identity_map={len(self._identity_map)}>"
        )

    # -- facts ---------------------------------------------------------------

    @property
    def identity_map(self) -> IdentityMap:
        """``(class, primary key)`` → object, for the persistent objects of this session."""
        return self._identity_map

    @property
    def new(self) -> list[Any]:
        """Objects added and not flushed yet, in the order they were added."""
        return list(self._new.values())

    @property
    def dirty(self) -> list[Any]:
        """Persistent objects with attribute changes not flushed yet."""
        return [
            obj
            for obj in self._identity_map.held_strongly()
            if not obj.__dict__[STATE_KEY].marked_deleted
        ]

    @property
    def deleted(self) -> list[Any]:
        """Objects marked for deletion whose DELETE is not flushed yet."""
        return list(self._deleted.values())

    def __contains__(self, obj: object) -> bool:
        state = getattr(obj, "__dict__", {}).get(STATE_KEY)
        return isinstance(state, InstanceState) and state._session_ref is self._ref

    def __iter__(self) -> Iterator[Any]:
        """The pending objects, then the persistent ones."""
        yield from list(self._new.values())
        yield from self._identity_map.objects()

    def in_transaction(self) -> bool:
        """True while a transaction is begun (explicitly or by first use)."""
        return self._transaction is not None

    def in_nested_transaction(self) -> bool:
        """True while a savepoint (``begin_nested()``) is open."""
        return self._transaction is not None and self._transaction.nested

    def get_transaction(self) -> SessionTransaction | None:
        """The root transaction, if one is begun."""
        return None if self._transaction is None else self._transaction.root

    def get_nested_transaction(self) -> SessionTransaction | None:
        """The innermost savepoint, if one is open."""
        tx = self._transaction
        return tx if tx is not None and tx.nested else None

    @property
    def no_autoflush(self) -> contextlib.AbstractContextManager[AsyncSession]:
        """``with session.no_autoflush:`` — no autoflush inside the block."""
        return self._suspend_autoflush()

    @contextlib.contextmanager
    def _suspend_autoflush(self) -> Iterator[AsyncSession]:
        self._autoflush_suspended += 1
        try:
            yield self
        finally:
            self._autoflush_suspended -= 1

    # -- events ----------------------------------------------------------------

    def add_listener(self, event: str, listener: SessionListener) -> None:
        """Call ``listener(session)`` on *event* (see :mod:`aorm.session.events`)."""
        self._events.add(event, listener)

    def remove_listener(self, event: str, listener: SessionListener) -> None:
        """Stop calling *listener* on *event*."""
        self._events.remove(event, listener)

    # -- objects: add, delete, expunge, expire ------------------------------------

    def add(self, obj: object) -> None:
        """Put *obj* in the session: transient → pending, detached → persistent.

        Objects reachable from it along ``save-update`` cascades join too.
        """
        self._check_sync("add")
        cascades.save_update(self, obj)

    def add_all(self, objects: Iterable[object]) -> None:
        """:meth:`add` every object."""
        self._check_sync("add_all")
        # Synchronous (no other task runs): thousands of new objects would
        # otherwise set off full collections over every object of the process.
        with PausedCollector():
            cascades.save_update_all(self, objects)

    def _add_state(self, state: InstanceState, obj: object) -> None:
        owner = state.session
        if owner is self:
            return
        name = type(obj).__name__
        if owner is not None:
            raise InvalidStateError(
                f"this {name} object belongs to another session; expunge() it from that "
                "session first, or merge() it into this one"
            )
        self._ensure_transaction()
        if state.key is None:
            state.attach(self._ref)
            self._new[state] = obj
            return
        if state.flushed_deleted:
            raise InvalidStateError(
                f"this {name} object's row was deleted; make a new object to insert it again"
            )
        self._identity_map.add(state.key, obj)
        state.attach(self._ref)
        if state.modified:
            self._identity_map.hold(state.key, obj)

    async def delete(self, obj: object) -> None:
        """Mark persistent *obj* for deletion; its DELETE is sent at the next flush.

        Objects it reaches along ``delete`` cascades are marked too (pending
        ones are expunged); a collection that is not loaded is loaded first,
        unless the relationship has ``passive_deletes``.
        """
        # Up to the cascade walk nothing is awaited, so nothing can interleave:
        # the guard is only checked, and entered for the walk.
        self._guard.check_idle("delete")
        tx = self._transaction
        d = getattr(obj, "__dict__", None)
        state = d.get(STATE_KEY) if d is not None else None
        if (
            type(state) is InstanceState
            # A root transaction in use: _check_usable() would pass, and none is to begin.
            and tx is not None
            and tx.parent is None
            and tx.state is _ACTIVE
            and state._session_ref is self._ref
            and state.key is not None
            and not (state.marked_deleted or state.flushed_deleted)
            and cascades.deletes_only_itself(state)
        ):
            # A delete in a loop over this session's objects: what the steps
            # below come to for it, in one test.
            state.marked_deleted = True
            self._deleted[state] = obj
            return
        self._check_usable()
        state = instance_state_of(obj)
        if state.key is None:
            raise InvalidStateError(
                f"this {type(obj).__name__} object is not persisted (it is "
                f"{state.state.value}); expunge() a pending object instead of deleting it"
            )
        if state._session_ref is not self._ref:
            self._add_state(state, obj)
        if state.flushed_deleted or state.marked_deleted:
            return
        if cascades.deletes_only_itself(state):
            # The common case (a delete in a loop), without the cascade walk.
            self._ensure_transaction()
            state.marked_deleted = True
            self._deleted[state] = obj
            return
        with self._operation("delete"):
            # The cascade's loads run before anything is marked, so an autoflush
            # they cause sends nothing of this delete.
            doomed, dropped = await cascades.collect_deletes(self, [state])
            # A deletion belongs to a transaction: begin one if none is.
            self._ensure_transaction()
            for target, target_obj in doomed:
                target.marked_deleted = True
                self._deleted[target] = target_obj
            for target, target_obj in dropped:
                self._forget(target, target_obj)

    def expunge(self, obj: object) -> None:
        """Take *obj* out of the session: pending → transient, persistent → detached.

        Objects it reaches along ``expunge`` cascades are taken out too.
        """
        self._check_sync("expunge")
        state = self._own_state(obj, "expunge")
        related = cascades.cascade_targets(self, state, "expunge")
        self._forget(state, obj)
        for target, target_obj in related:
            self._forget(target, target_obj)

    def expunge_all(self) -> None:
        """Take every object out of the session (the transaction stays open)."""
        self._check_sync("expunge_all")
        self._expunge_everything()

    def _forget(self, state: InstanceState, obj: object) -> None:
        if self._new.pop(state, None) is None and state.key is not None:
            self._identity_map.discard(state.key, obj)
        self._deleted.pop(state, None)
        state.marked_deleted = False
        state.attach(None)

    def _expunge_everything(self) -> None:
        # state.attach(None), inlined: this runs for every object of the session.
        for state in self._new:
            state._session_ref = None
        for state in self._identity_map.entry_states():
            state._session_ref = None
            state.marked_deleted = False
        for state in self._deleted:
            state._session_ref = None
            state.marked_deleted = False
        self._new.clear()
        self._deleted.clear()
        self._identity_map.clear()

    def expire(self, obj: object, attribute_names: Iterable[str] | None = None) -> None:
        """Expire *obj*'s attributes (all, or *attribute_names*); pending changes to them are lost.

        Reading an expired attribute raises until it is loaded again
        (``await session.refresh(obj)``, ``await obj.awaitable_attrs.name``,
        or a query returning its row). Expiring every attribute also expires
        the objects reached along ``refresh-expire`` cascades.
        """
        self._check_sync("expire")
        state = self._own_state(obj, "expire")
        if state.key is None:
            raise InvalidStateError(
                f"this {type(obj).__name__} object is pending; only persistent objects expire"
            )
        names = None if attribute_names is None else list(attribute_names)
        if names is not None:
            check_attribute_names(state, names)
        # Gathered first: expiring drops the loaded relationships it follows.
        related = cascades.cascade_targets(self, state, "refresh-expire") if names is None else []
        was_modified = state.modified
        state.expire(names)
        if was_modified and not state.modified:
            self._state_clean(state)
        cascades.expire_states(self, related)

    def expire_all(self) -> None:
        """Expire every persistent object of the session."""
        self._check_sync("expire_all")
        for state in self._identity_map.states():
            if state.modified and state.key is not None:
                self._identity_map.release(state.key)
            state.expire()

    # -- flush and transactions ------------------------------------------------

    async def flush(self) -> None:
        """Send pending changes (INSERT, UPDATE, DELETE) in the open transaction.

        If it fails, the transaction is rolled back, the objects stay as they
        were, and the session needs :meth:`rollback` before anything else.
        """
        with self._operation("flush"):
            await flush_session(self)

    async def commit(self) -> None:
        """Flush, then commit the transaction (savepoints included)."""
        with self._operation("commit"):
            if self._transaction is not None:
                await transaction.commit_levels(self, self._transaction.root)

    async def rollback(self) -> None:
        """Roll back the transaction (savepoints included); see :mod:`.transaction`."""
        with self._guard.operation("rollback"):
            if self._transaction is not None:
                await transaction.rollback_levels(self, self._transaction.root)

    def begin(self) -> SessionTransaction:
        """A transaction: ``async with session.begin():`` commits or rolls back at the end.

        Raises :class:`~aorm.exc.InvalidStateError` (when started) if one is
        already begun, also one begun by first use.
        """
        return SessionTransaction(self, None, nested=False)

    def begin_nested(self) -> SessionTransaction:
        """A savepoint: ``async with session.begin_nested():`` (flushes pending changes first)."""
        return SessionTransaction(self, None, nested=True)

    async def _start_transaction(self, tx: SessionTransaction) -> None:
        with self._operation("begin_nested" if tx.nested else "begin"):
            await transaction.begin_level(self, tx)

    async def _end_transaction(self, tx: SessionTransaction, *, commit: bool) -> None:
        if commit:
            with self._operation("commit"):
                await transaction.commit_levels(self, tx)
            return
        with self._guard.operation("rollback"):
            if tx.state not in (_ACTIVE, _DEACTIVATED):
                raise InvalidStateError(f"cannot roll back a transaction that is {tx.state.value}")
            await transaction.rollback_levels(self, tx)

    async def _flush_failed(self, error: BaseException) -> None:
        """Roll the failed flush's transaction back in the database and deactivate it."""
        await transaction.deactivate_after_failure(self, error)

    # -- internals -------------------------------------------------------------

    def _ensure_transaction(self) -> SessionTransaction:
        """The innermost transaction level, beginning the root if none is."""
        tx = self._transaction
        if tx is None:
            tx = self._transaction = SessionTransaction(self, None, nested=False, autobegun=True)
            tx.state = _ACTIVE
        return tx

    async def _connection(self) -> Connection:
        """The transaction's connection, checked out (and a transaction begun) on first need."""
        return await transaction.connection_of(self, self._ensure_transaction().root)

    async def connection(self) -> Connection:
        """The connection of the session's transaction (checked out now if needed)."""
        with self._operation("connection"):
            return await self._connection()

    def _autoflush_due(self) -> bool:
        """Whether an operation about to read should flush first (:meth:`_autoflush`)."""
        return (
            self.autoflush
            and not self._autoflush_suspended
            and not self._flushing
            and has_changes(self)
        )

    async def _autoflush(self) -> None:
        if self._autoflush_due():
            await flush_session(self)

    def _operation(self, name: str) -> contextlib.AbstractContextManager[None]:
        """One awaited operation: the concurrent-use guard, then the pending-rollback check."""
        return self._guard.operation(name, self._check_usable)

    def _check_sync(self, name: str) -> None:
        self._guard.check_sync(name)
        self._check_usable()

    def _check_usable(self) -> None:
        tx = self._transaction
        while tx is not None:
            if tx.state is _DEACTIVATED:
                failure = tx.failure
                where = (
                    "call `await session.rollback()`, or leave the `async with "
                    "session.begin_nested()` block"
                    if tx.nested
                    else "call `await session.rollback()`"
                )
                raise PendingRollbackError(
                    "this session's transaction was rolled back because a flush failed "
                    f"({type(failure).__name__}: {failure}); {where} before using the session "
                    "again"
                ) from failure
            tx = tx.parent

    def _own_state(self, obj: object, what: str) -> InstanceState:
        state = instance_state_of(obj)
        if state._session_ref is not self._ref:
            raise InvalidStateError(
                f"{what}(): this {type(obj).__name__} object is not in this session "
                f"(it is {state.state.value})"
            )
        return state

    # -- SessionLink: what object states call --------------------------------------

    def _state_dirty(self, state: InstanceState) -> None:
        key = state.key
        obj = state()
        if key is None or obj is None:
            return
        identity_map = self._identity_map
        if identity_map._refs.get(key) is state:
            # The usual entry (an object made from a row, or inserted): the state
            # itself. Held without hold_if_mapped()'s call: this runs once per
            # changed object of a bulk update.
            identity_map._strong[key] = obj
        elif not identity_map.hold_if_mapped(key, obj):
            return
        if self._transaction is None:
            # A change belongs to a transaction: begin one if none is.
            self._ensure_transaction()

    def _state_clean(self, state: InstanceState) -> None:
        if state.key is not None:
            self._identity_map.release(state.key)

    def _relationship_changed(
        self,
        state: InstanceState,
        prop: RelationshipProperty[Any],
        added: Sequence[Any],
        removed: Sequence[Any],
    ) -> None:
        # Cascades what the change brings into the session (save-update).
        cascades.relationship_changed(self, state, prop, added, removed)
