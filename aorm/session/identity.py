"""The identity map: one object per ``(class, primary key)`` in a session.

Clean objects are held *weakly*: a long session whose caller drops the
objects it loaded does not grow. Objects with pending changes are held
*strongly* as well, so an unflushed change is never lost to the garbage
collector. ``len()`` counts the objects the map holds now.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias, cast, final

from aorm.exc import InvalidStateError
from aorm.orm.instrumentation import STATE_KEY

if TYPE_CHECKING:
    from aorm.session.state import InstanceState

__all__ = [
    "IdentityKey",
    "IdentityMap",
    "IdentityRef",
    "MapKey",
    "MapRef",
    "identity_key",
    "map_key",
    "public_key",
]

#: ``(mapped class, primary key values)``: the keys users see.
IdentityKey: TypeAlias = tuple[type[Any], tuple[Any, ...]]

#: ``(mapped class, *primary key values)``: the keys the map and the states
#: hold. One tuple per object, not an :data:`IdentityKey`'s two (for a
#: one-column key, ``(cls, value)``).
MapKey: TypeAlias = tuple[Any, ...]


def identity_key(cls: type[Any], ident: tuple[Any, ...]) -> IdentityKey:
    """The identity-map key of the *cls* row whose primary key is *ident*."""
    return (cls, ident)


def map_key(cls: type[Any], ident: tuple[Any, ...]) -> MapKey:
    """The :data:`MapKey` of the *cls* row whose primary key is *ident*."""
    return (cls, *ident)


def public_key(key: MapKey) -> IdentityKey:
    """The :data:`IdentityKey` of map key *key*."""
    return (key[0], key[1:])


def _from_public(key: object) -> MapKey | None:
    """The map key of an :data:`IdentityKey` a user gave, or None if it is not one."""
    if type(key) is tuple and len(key) == 2 and isinstance(key[1], tuple):
        return (key[0], *key[1])
    return None


class IdentityRef(weakref.ref[Any]):
    """A weak reference to an object of the map that knows its identity key.

    ``weakref.KeyedRef`` does the same with a ``__new__`` and an ``__init__``
    written in Python; this one is made in C (``IdentityRef(obj, callback)``)
    and given its :attr:`key` after, about four times cheaper: one is made
    per loaded object.
    """

    __slots__ = ("key",)

    key: MapKey


#: What the map holds per key: a weak reference to the object that knows its
#: key. For an object made from a row or inserted by a flush it is the
#: object's state itself, which drops its own entry when the object dies.
MapRef: TypeAlias = "IdentityRef | InstanceState"


def _remover(map_ref: weakref.ref[IdentityMap]) -> Callable[[MapRef], None]:
    # One callback per map, holding the map weakly: a dead object's entry
    # goes away as the object does (if the entry is still that object's).
    def remove(ref: MapRef) -> None:
        identity_map = map_ref()
        key = ref.key
        if identity_map is not None and key is not None:
            refs = identity_map._refs
            if refs.get(key) is ref:
                del refs[key]

    return remove


@final
class IdentityMap(Mapping[IdentityKey, Any]):
    """Identity key → object, for the objects of one session (see the module docstring).

    A read-only mapping for users, by :data:`IdentityKey`; the session adds
    and removes entries, and everything but the mapping methods takes
    :data:`MapKey` keys.
    """

    __slots__ = ("__weakref__", "_refs", "_remove", "_strong")

    def __init__(self) -> None:
        # key -> weak reference to the object (the object's state shares it).
        self._refs: dict[MapKey, MapRef] = {}
        self._remove = _remover(weakref.ref(self))
        # Objects with pending changes, by key: kept alive until flushed.
        self._strong: dict[MapKey, Any] = {}

    # -- Mapping -----------------------------------------------------------

    def __getitem__(self, key: IdentityKey) -> Any:
        mkey = _from_public(key)
        obj = None if mkey is None else self.lookup(mkey)
        if obj is None:
            raise KeyError(key)
        return obj

    def get(self, key: IdentityKey, default: Any = None) -> Any:
        """The object under identity key *key*, or *default*."""
        mkey = _from_public(key)
        obj = None if mkey is None else self.lookup(mkey)
        return default if obj is None else obj

    def __contains__(self, key: object) -> bool:
        mkey = _from_public(key)
        return mkey is not None and self.lookup(mkey) is not None

    def __iter__(self) -> Iterator[IdentityKey]:
        return iter([public_key(key) for key, ref in list(self._refs.items()) if ref() is not None])

    def lookup(self, key: MapKey) -> Any:
        """The object under map key *key*, or None."""
        ref = self._refs.get(key)
        return None if ref is None else ref()

    def __len__(self) -> int:
        return len(self._refs)

    def __repr__(self) -> str:
        return f"<IdentityMap of {len(self)} objects>"

    # -- what the session does ---------------------------------------------

    def reference(self, key: MapKey, obj: Any) -> IdentityRef:
        """A weak reference to *obj* that removes its entry when *obj* dies (not stored yet)."""
        ref = IdentityRef(obj, self._remove)
        ref.key = key
        return ref

    def get_state(self, key: MapKey) -> InstanceState | None:
        """The state of the object under *key*, or None."""
        obj = self.lookup(key)
        if obj is None:
            return None
        state: InstanceState = obj.__dict__[STATE_KEY]
        return state

    def add(self, key: MapKey, obj: Any) -> None:
        """Put *obj* under *key*; InvalidStateError if another object is already there."""
        current = self.lookup(key)
        if current is obj:
            return
        if current is not None:
            raise InvalidStateError(
                f"another {key[0].__name__} object with primary key {key[1:]!r} is already in "
                "this session; use session.merge(obj) to copy its state onto that one"
            )
        self._refs[key] = self.reference(key, obj)

    def replace(self, key: MapKey, obj: Any) -> None:
        """Put *obj* under *key*, taking the place of any other object there."""
        current = self.lookup(key)
        if current is obj:
            return
        if current is not None:
            self._strong.pop(key, None)
        self._refs[key] = self.reference(key, obj)

    def discard(self, key: MapKey, obj: Any) -> None:
        """Remove *obj* from under *key* (nothing if another object is there)."""
        if obj is None:
            return
        if self.lookup(key) is obj:
            del self._refs[key]
        if self._strong.get(key) is obj:
            del self._strong[key]

    def hold(self, key: MapKey, obj: Any) -> None:
        """Keep *obj* alive (it has pending changes)."""
        self._strong[key] = obj

    def hold_if_mapped(self, key: MapKey, obj: Any) -> bool:
        """:meth:`hold` *obj* if it is the object under *key*; whether it is."""
        ref = self._refs.get(key)
        if ref is None or ref() is not obj:
            return False
        self._strong[key] = obj
        return True

    def release(self, key: MapKey) -> None:
        """Hold the object under *key* weakly again."""
        self._strong.pop(key, None)

    def discard_states(self, states: Iterable[InstanceState]) -> None:
        """:meth:`discard` the object of each of *states* from under its key (a flush's deletes).

        States without a key are skipped. The entry of an object made from a
        row or inserted is its state itself: recognised without a call.
        """
        refs = self._refs
        strong = self._strong
        for state in states:
            key = state.key
            if key is None:
                continue
            ref = refs.get(key)
            if ref is not None and (ref is state or ref() is state() is not None):
                del refs[key]
            if strong:
                obj = state()
                if obj is not None and strong.get(key) is obj:
                    del strong[key]

    def release_all(self, keys: Iterable[MapKey]) -> None:
        """:meth:`release` each of *keys* (one call for a whole flush)."""
        pop = self._strong.pop
        for key in keys:
            pop(key, None)

    def objects(self) -> list[Any]:
        """Every object held now."""
        found = [ref() for ref in list(self._refs.values())]
        return [obj for obj in found if obj is not None]

    def states(self) -> list[InstanceState]:
        """The states of every object held now."""
        return [state for state in self.entry_states() if state() is not None]

    def entry_states(self) -> list[InstanceState]:
        """The state of every entry, its object alive or not (for dropping them all).

        Most entries are the states themselves (see :data:`MapRef`): those are
        picked in one C-level pass, the others looked up.
        """
        refs = list(self._refs.values())
        found = cast("list[InstanceState]", [ref for ref in refs if type(ref) is not IdentityRef])
        if len(found) != len(refs):
            for ref in refs:
                if type(ref) is IdentityRef:
                    obj = ref()
                    if obj is not None:
                        found.append(obj.__dict__[STATE_KEY])
        return found

    def has_held(self) -> bool:
        """True when some object is held for its pending changes."""
        return bool(self._strong)

    def held_strongly(self) -> list[Any]:
        """The objects held because they have pending changes."""
        return list(self._strong.values())

    def clear(self) -> None:
        """Forget every object."""
        self._refs.clear()
        self._strong.clear()
