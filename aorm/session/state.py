"""Per-object bookkeeping: :class:`InstanceState`, :class:`ObjectState` and :func:`inspect`.

Every object a session has seen keeps an :class:`InstanceState` in
``obj.__dict__["_aorm_state"]``. The mapping layer talks to it through the
:class:`~aorm.orm.instrumentation.StateEvents` protocol (a missing attribute
is read, an attribute is set, a collection changed); the session reads and
updates the rest.

The object's lifecycle state is *derived*, never stored twice, from a few
facts: its identity key (None until its row exists), the session it belongs
to, whether its DELETE was flushed, and which attributes are expired::

    transient --add--> pending --flush--> persistent --expunge/close--> detached
    persistent --expire / commit (expire_on_commit)--> expired --refresh--> persistent
    persistent --delete + flush--> deleted --commit--> detached
    detached --add--> persistent

Changes are tracked per attribute: the first change of a loaded attribute
keeps its original value (for the UPDATE, which sends changed columns only,
and to tell a change from setting the same value again). Objects without an
identity (transient, pending) track nothing: their whole row is inserted.
"""

from __future__ import annotations

import enum
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, final

from aorm.exc import ArgumentError, ExpiredAttributeError
from aorm.orm.collections import InstrumentedList
from aorm.orm.instrumentation import NO_VALUE, STATE_KEY
from aorm.orm.mapper import Mapper, mapper_of
from aorm.session.identity import public_key
from aorm.session.strategies import strategy_for

if TYPE_CHECKING:
    from aorm.session.identity import IdentityKey, MapKey
    from aorm.session.session import AsyncSession

__all__ = ["InstanceState", "ObjectState", "inspect", "instance_state_of"]


class ObjectState(enum.Enum):
    """Where a mapped object is in its lifecycle (``inspect(obj).state``)."""

    #: Not in a session and no row in the database: built by its constructor (or
    #: added in a transaction that was rolled back).
    TRANSIENT = "transient"
    #: Added to a session, not flushed yet: its INSERT is still to be sent.
    PENDING = "pending"
    #: In a session with a row in the database, every attribute loaded.
    PERSISTENT = "persistent"
    #: Persistent, but some attributes were expired (by ``expire()``, a commit with
    #: ``expire_on_commit=True``, or a rollback): reading them raises until refreshed.
    EXPIRED = "expired"
    #: Its DELETE was flushed; the transaction has not committed yet.
    DELETED = "deleted"
    #: Has a row (or had one) but belongs to no session: expunged, closed, or
    #: deleted and committed.
    DETACHED = "detached"


_EMPTY: Final[frozenset[str]] = frozenset()


#: Types whose == is a plain, never-failing truth value: compared directly.
_PLAIN_EQUALITY: Final = frozenset({str, int, float, bool, bytes, datetime, date, time})


def _same_value(old: Any, new: Any) -> bool:
    """True when assigning *new* over *old* is no change (same type and equal)."""
    if old is new:
        return True
    if type(old) is not type(new):
        return False
    try:
        return bool(old == new)
    except Exception:
        # Values whose == is not a plain truth value (arrays, expressions):
        # count the assignment as a change.
        return False


#: ``weakref.ref.__new__``: makes a state (a weak reference) without a Python ``__new__`` call.
_new_ref: Any = weakref.ref.__new__

#: What every field of a new state starts as, but the three its maker sets
#: from its arguments (``mapper``, ``key``, ``_session_ref``). ``__new__`` and
#: :meth:`InstanceState.loaded` write these out, and the generated hydration
#: loops (:mod:`aorm.session.hydration_code`) are written from this table: a
#: per-row call or loop over it would cost more than the stores themselves.
INITIAL_FIELDS: Final[Mapping[str, Any]] = MappingProxyType(
    {
        "changes": None,
        "collection_changes": None,
        "empty_relationships": (),
        "expired_attributes": _EMPTY,
        "marked_deleted": False,
        "flushed_deleted": False,
        "generated_keys": (),
    }
)


def _object_collected(state: InstanceState) -> None:
    """Weak-reference callback of a state: its object died; drop its identity-map entry.

    The identity map holds the states of the objects a query made or a flush
    inserted as its weak references (no second reference per object); this
    removes the entry of the session the state belongs to, if it is still
    this state's.
    """
    session_ref = state._session_ref
    key = state.key
    if session_ref is None or key is None:
        return
    session = session_ref()
    if session is not None:
        # The entry goes only if it is still this state's. Inline: this runs for
        # every object that dies in a session (a committed add_all() nobody holds).
        refs = session._identity_map._refs
        if refs.get(key) is state:
            del refs[key]


@final
class InstanceState(weakref.ref[Any]):
    """The session bookkeeping of one mapped object; see the module docstring.

    It is itself a weak reference to its object: for an object made from a
    row, the identity map holds the state as the object's weak reference
    (one allocation per row instead of two). It compares and hashes by
    identity, unlike a plain weak reference.

    Read it through :func:`inspect`. Public read-only facts: :attr:`state`
    and the flags :attr:`transient`, :attr:`pending`, :attr:`persistent`,
    :attr:`expired`, :attr:`deleted`, :attr:`detached`, plus
    :attr:`identity`, :attr:`identity_key`, :attr:`session`,
    :attr:`modified`, :attr:`expired_attributes` and :attr:`object`.
    """

    __slots__ = (
        "_session_ref",
        "changes",
        "collection_changes",
        "empty_relationships",
        "expired_attributes",
        "flushed_deleted",
        "generated_keys",
        "key",
        "mapper",
        "marked_deleted",
    )

    _session_ref: weakref.ref[AsyncSession] | None
    #: Original values of changed attributes (``NO_VALUE`` when not known), or None.
    changes: dict[str, Any] | None
    #: Collection changes not yet flushed: key -> (added, removed), or None.
    collection_changes: dict[str, tuple[list[Any], list[Any]]] | None
    #: Relationship keys that read as loaded and empty (``[]`` or None) while
    #: absent from ``__dict__``: those of a new object that nothing referred to
    #: in the flush that inserted it (see :mod:`aorm.session.new_collections`).
    #: A tuple shared by many states; expiring a key removes it.
    empty_relationships: tuple[str, ...]
    #: Column attribute keys whose values are expired.
    expired_attributes: frozenset[str]
    #: True once the object's DELETE was sent: until rollback, and after a
    #: commit, which detaches the object (:attr:`was_deleted`).
    flushed_deleted: bool
    #: Keys the INSERT filled in from the database (cleared if it is rolled back).
    generated_keys: tuple[str, ...]
    #: The identity-map key ``(class, *primary key values)``, None before the row
    #: exists (:attr:`identity_key` is the ``(class, primary key tuple)`` form).
    key: MapKey | None
    mapper: Mapper[Any]
    #: ``session.delete()`` was called; the DELETE is sent at the next flush.
    marked_deleted: bool

    # A weak reference compares and hashes its referent; a state is its own identity.
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    def __new__(cls, obj: object, mapper: Mapper[Any]) -> InstanceState:
        # Everything is set here, with no __init__ of our own: one Python call
        # per new object instead of two (weakref's own __init__ ignores the
        # arguments).
        state: InstanceState = _new_ref(cls, obj, _object_collected)
        state.mapper = mapper
        state.key = None
        state._session_ref = None
        state.changes = None
        state.collection_changes = None
        state.empty_relationships = ()
        state.expired_attributes = _EMPTY
        state.marked_deleted = False
        state.flushed_deleted = False
        state.generated_keys = ()
        return state

    @classmethod
    def loaded(
        cls,
        obj: object,
        mapper: Mapper[Any],
        key: MapKey,
        session_ref: weakref.ref[Any],
    ) -> InstanceState:
        """The state of *obj*, just made from a row (persistent in that session).

        The state is the identity map's weak reference to *obj*; like every
        state, it drops its own entry when *obj* dies (:func:`_object_collected`).
        It sets every field as ``__new__`` does, written out rather than
        shared: a shared helper would be a second call each time. A field
        added to one goes in both, and in :data:`INITIAL_FIELDS`.
        """
        state: InstanceState = _new_ref(cls, obj, _object_collected)
        state.mapper = mapper
        state.key = key
        state._session_ref = session_ref
        state.changes = None
        state.collection_changes = None
        state.empty_relationships = ()
        state.expired_attributes = _EMPTY
        state.marked_deleted = False
        state.flushed_deleted = False
        state.generated_keys = ()
        return state

    # -- facts -------------------------------------------------------------

    @property
    def object(self) -> Any:
        """The mapped object (None once it was garbage collected)."""
        return self()

    @property
    def class_(self) -> type[Any]:
        """The mapped class."""
        return self.mapper.class_

    @property
    def session(self) -> AsyncSession | None:
        """The session the object belongs to, or None."""
        ref = self._session_ref
        return None if ref is None else ref()

    @property
    def identity(self) -> tuple[Any, ...] | None:
        """The primary key values, or None before the object's row exists."""
        return None if self.key is None else self.key[1:]

    @property
    def identity_key(self) -> IdentityKey | None:
        """``(class, primary key tuple)``, the key of the identity map, or None."""
        return None if self.key is None else public_key(self.key)

    @property
    def state(self) -> ObjectState:
        """The lifecycle state (see :class:`ObjectState`)."""
        in_session = self.session is not None
        if self.key is None:
            return ObjectState.PENDING if in_session else ObjectState.TRANSIENT
        if not in_session:
            return ObjectState.DETACHED
        if self.flushed_deleted:
            return ObjectState.DELETED
        if self.expired_attributes:
            return ObjectState.EXPIRED
        return ObjectState.PERSISTENT

    @property
    def transient(self) -> bool:
        """True for an object that has no row and no session."""
        return self.state is ObjectState.TRANSIENT

    @property
    def pending(self) -> bool:
        """True for an object added to a session and not flushed yet."""
        return self.state is ObjectState.PENDING

    @property
    def persistent(self) -> bool:
        """True for an object with a row in its session (also when expired)."""
        return self.state in (ObjectState.PERSISTENT, ObjectState.EXPIRED)

    @property
    def expired(self) -> bool:
        """True while some of the object's attributes are expired."""
        return bool(self.expired_attributes)

    @property
    def deleted(self) -> bool:
        """True once the object's DELETE was flushed, until the transaction ends."""
        return self.state is ObjectState.DELETED

    @property
    def was_deleted(self) -> bool:
        """True once a committed transaction deleted the object's row (it is then detached)."""
        return self.flushed_deleted and self._session_ref is None

    @property
    def detached(self) -> bool:
        """True for an object that has (or had) a row but belongs to no session."""
        return self.state is ObjectState.DETACHED

    @property
    def modified(self) -> bool:
        """True when the object has attribute changes not flushed yet."""
        return bool(self.changes) or bool(self.collection_changes)

    @property
    def has_identity(self) -> bool:
        """True once the object's row exists (it has an identity key)."""
        return self.key is not None

    def __repr__(self) -> str:
        identity = "" if self.key is None else f" {self.key[1:]!r}"
        return f"<InstanceState {self.mapper.class_.__name__}{identity} {self.state.value}>"

    # -- StateEvents: what the mapping layer calls ---------------------------

    def missing_attribute(self, key: str) -> Any:
        """The value of an attribute absent from ``__dict__``; never does IO.

        Expired columns raise :class:`~aorm.exc.ExpiredAttributeError`; an
        object without a row reads unset columns as None and collections as
        empty, as does a new object's relationship that its flush left empty
        (:attr:`empty_relationships`); other relationships are answered by
        their loader strategy.
        """
        if key in self.expired_attributes:
            raise self.expired_error(key)
        prop = self.mapper.relationships.get(key)
        if prop is None:
            if self.key is None:
                return None
            raise self.expired_error(key)
        if self.key is None or key in self.empty_relationships:
            return [] if prop.uselist else None
        return strategy_for(prop).missing(self, prop)

    def attribute_set(self, key: str, old: Any, new: Any) -> None:
        """Record that attribute *key* went from *old* to *new* (already in ``__dict__``).

        A relationship change is told to the session first (its cascades).
        """
        # The hot path of ``obj.column = value``: the relationship test is made once.
        relationship = key in self.mapper.relationships
        if relationship:
            self._relationship_changed(key, (new,), (old,))
        if self.key is None:
            return
        changes = self.changes
        if changes is not None and key in changes:
            original = changes[key]
            if original is not NO_VALUE and (
                original is new if relationship else _same_value(original, new)
            ):
                # Set back to what it was: no longer a change.
                del changes[key]
                if not changes and not self.collection_changes:
                    self._now_clean()
            return
        if old is NO_VALUE:
            if key in self.expired_attributes:
                self.expired_attributes = self.expired_attributes - {key}
        elif old is new:
            return
        elif not relationship:
            kind = type(old)
            if kind is type(new) and (
                old == new if kind in _PLAIN_EQUALITY else _same_value(old, new)
            ):
                return
        was_clean = not changes and not self.collection_changes
        if changes is None:
            changes = self.changes = {}
        changes[key] = old
        if was_clean:
            # _now_dirty(), written out: the first change of each loaded object.
            ref = self._session_ref
            session = ref() if ref is not None else None
            if session is not None:
                session._state_dirty(self)

    def collection_changed(self, key: str, added: Sequence[Any], removed: Sequence[Any]) -> None:
        """Record objects added to / removed from collection *key*.

        The session is told first (its cascades). A pending object records
        nothing for a collection it holds in memory (all of it is inserted),
        only for one it never holds (``lazy="dynamic"``).
        """
        self._relationship_changed(key, added, removed)
        if self.key is None:
            obj = self.object
            if obj is None or key in obj.__dict__:
                return
        was_clean = not self.modified
        history = self.collection_changes
        if history is None:
            history = self.collection_changes = {}
        entry = history.get(key)
        if entry is None:
            entry = history[key] = ([], [])
        now_added, now_removed = entry
        for item in removed:
            if any(x is item for x in now_added):
                now_added[:] = [x for x in now_added if x is not item]
            else:
                now_removed.append(item)
        for item in added:
            if any(x is item for x in now_removed):
                now_removed[:] = [x for x in now_removed if x is not item]
            else:
                now_added.append(item)
        if not now_added and not now_removed:
            del history[key]
        if was_clean and self.modified:
            self._now_dirty()
        elif not was_clean and not self.modified:
            self._now_clean()

    def _relationship_changed(self, key: str, added: Sequence[Any], removed: Sequence[Any]) -> None:
        session = self.session
        if session is not None:
            session._relationship_changed(self, self.mapper.relationships[key], added, removed)

    async def load_attribute(self, key: str) -> Any:
        """The value of attribute *key*, loaded through the session first if needed.

        What ``await obj.awaitable_attrs.<key>`` does: a loaded value is
        returned with no IO; an expired column is reloaded (with every other
        expired column); a relationship is loaded by its loader strategy. An
        object outside a session answers without IO, or raises as a plain
        read would.
        """
        obj = self.object
        d = obj.__dict__
        if key in d:
            return d[key]
        if key not in self.mapper.attrs:
            raise ArgumentError(f"{self.mapper.class_.__name__} has no mapped attribute {key!r}")
        session = self.session
        if session is None or self.key is None:
            return getattr(obj, key)
        return await session._load_attribute(self, key)

    def _now_dirty(self) -> None:
        # The first change of a loaded object (once per object in a bulk update).
        ref = self._session_ref
        if ref is not None:
            session = ref()
            if session is not None:
                session._state_dirty(self)

    def _now_clean(self) -> None:
        session = self.session
        if session is not None:
            session._state_clean(self)

    # -- errors ------------------------------------------------------------

    def expired_error(self, key: str) -> ExpiredAttributeError:
        """The error for reading expired (or never loaded) column *key*."""
        where = f"{self.mapper.class_.__name__}.{key}"
        if self.session is None:
            return ExpiredAttributeError(
                f"{where} is expired and the object is detached from any session, so it "
                "cannot be loaded; add it to a session, then "
                f"`await session.refresh(obj, [{key!r}])` or `await obj.awaitable_attrs.{key}`"
            )
        return ExpiredAttributeError(
            f"{where} is expired (attribute access never does IO); load it with "
            f"`await obj.awaitable_attrs.{key}` or `await session.refresh(obj, [{key!r}])`"
        )

    # -- changes made by the session ----------------------------------------

    def attach(self, session_ref: weakref.ref[Any] | None) -> None:
        """Belong to the session behind *session_ref* (None: to no session)."""
        self._session_ref = session_ref

    def reset_changes(self) -> None:
        """Forget pending changes (after a flush sent them, or a reload replaced them)."""
        self.changes = None
        self.collection_changes = None

    def discard_changes(self, keys: Iterable[str]) -> None:
        """Forget pending changes of *keys* only."""
        changes = self.changes
        if changes:
            for key in keys:
                changes.pop(key, None)
        history = self.collection_changes
        if history:
            for key in keys:
                history.pop(key, None)

    def expire(self, keys: Iterable[str] | None = None) -> None:
        """Drop the values (and pending changes) of *keys*, or of every attribute.

        Columns become expired (reading them raises until refreshed), except
        the primary key, which the identity key keeps known; relationships
        become unloaded.
        """
        obj = self.object
        mapper = self.mapper
        # The primary key is the object's identity: it stays known.
        keep = mapper.pk_keys if self.key is not None else ()
        if keys is None:
            column_keys: Iterable[str] = [k for k in mapper.column_keys if k not in keep]
            relationship_keys: Iterable[str] = mapper.relationships
            self.reset_changes()
            self.empty_relationships = ()
        else:
            wanted = list(keys)
            column_keys = [k for k in wanted if k in mapper.columns and k not in keep]
            relationship_keys = [k for k in wanted if k in mapper.relationships]
            self.discard_changes(wanted)
            if self.empty_relationships and relationship_keys:
                self.empty_relationships = tuple(
                    k for k in self.empty_relationships if k not in relationship_keys
                )
        if obj is not None:
            d = obj.__dict__
            for key in relationship_keys:
                value = d.pop(key, None)
                if isinstance(value, InstrumentedList):
                    value._detach()
            for key in column_keys:
                d.pop(key, None)
        self.expired_attributes = self.expired_attributes | frozenset(column_keys)

    def loaded_keys(self, keys: Iterable[str]) -> None:
        """*keys* were just loaded: they are no longer expired."""
        if self.expired_attributes:
            self.expired_attributes = self.expired_attributes - frozenset(keys)


def instance_state_of(obj: object) -> InstanceState:
    """*obj*'s state, made (transient) if it has none; ArgumentError for unmapped objects."""
    state = obj.__dict__.get(STATE_KEY) if hasattr(obj, "__dict__") else None
    if type(state) is InstanceState:
        return state
    mapper = type(obj).__dict__.get("__mapper__")
    if type(mapper) is Mapper and mapper.registry.configured:
        # The common case (a new object of a configured class), without the checks below.
        state = InstanceState(obj, mapper)
        obj.__dict__[STATE_KEY] = state
        return state
    if isinstance(obj, type):
        raise ArgumentError(f"expected a mapped object, not the class {obj.__name__}")
    try:
        mapper = mapper_of(obj)
    except Exception:
        raise ArgumentError(
            f"expected an instance of a mapped class; {type(obj).__qualname__} is not "
            "mapped (map a class by subclassing a declarative base such as aorm.Base, "
            "with a __tablename__)"
        ) from None
    mapper.configure()
    state = InstanceState(obj, mapper)
    obj.__dict__[STATE_KEY] = state
    return state


def inspect(obj: object) -> InstanceState:
    """The :class:`InstanceState` of mapped object *obj* (its state, identity, session, …).

    Raises :class:`~aorm.exc.ArgumentError` for an object that is not mapped.
    """
    return instance_state_of(obj)


def bare_state_maker() -> tuple[Callable[..., InstanceState], type[InstanceState], Any]:
    """``(make, InstanceState, on_collected)`` for code that sets a new state's fields itself.

    ``make(InstanceState, obj, on_collected)`` is a state of *obj* with no
    field set yet: the caller sets ``mapper``, ``key``, ``_session_ref`` and
    every field of :data:`INITIAL_FIELDS`, as :meth:`InstanceState.loaded` does.
    """
    return _new_ref, InstanceState, _object_collected
