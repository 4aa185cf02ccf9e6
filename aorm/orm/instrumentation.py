"""How mapped objects talk to their session state: the :class:`StateEvents` protocol.

A mapped object keeps its loaded values in its ``__dict__`` under the
attribute keys, and its session bookkeeping (an ``InstanceState`` owned by
``aorm.session``) in ``obj.__dict__["_aorm_state"]`` (:data:`STATE_KEY`).
The mapping layer never imports the session: it calls the three methods of
:class:`StateEvents` on whatever object sits under that key.

An object without state (built with its constructor and never given to a
session) is *transient*: unset columns read as ``None``, collections start as
empty lists, scalar relationships as ``None``, and nothing is reported.

When the calls happen (``state`` below is ``obj.__dict__["_aorm_state"]``):

* reading an attribute whose key is missing from ``__dict__`` calls
  ``state.missing_attribute(key)`` and returns what it returns (for a
  collection, the returned list is wrapped in an instrumented list and stored
  in ``__dict__``; other values are not stored);
* ``obj.column = value`` stores the value in ``__dict__`` and then calls
  ``state.attribute_set(key, old, value)``, also when *value* equals *old*
  (the state decides whether that is a change); *old* is :data:`NO_VALUE`
  when the key was not in ``__dict__``;
* ``obj.scalar_relationship = other`` does the same; *old* is the previous
  target (:data:`NO_VALUE` when unknown without IO);
* changing a collection (``append``, ``remove``, slice assignment, assigning
  a new list, …) calls ``state.collection_changed(key, added, removed)`` once
  per operation, after the list changed;
* ``await obj.awaitable_attrs.key`` (:class:`AwaitableAttrs`) awaits
  ``state.load_attribute(key)``, the one call that may do IO: it returns
  the value, loading it through the object's session first when needed;
* back-reference sync reports to the *other* object's state with the same
  calls. When the other side is a collection that is not loaded (its key is
  absent from ``__dict__`` and the state cannot provide it without IO),
  ``collection_changed`` is still called on that object's state, with the key
  missing from ``__dict__``: a pending change to apply when it loads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any, Final, Protocol, final, runtime_checkable

from aorm.exc import ArgumentError

__all__ = ["NO_VALUE", "STATE_KEY", "AwaitableAttrs", "StateEvents", "instance_state"]

#: The ``__dict__`` key under which a mapped object keeps its session state.
STATE_KEY: Final = "_aorm_state"


class _NoValue:
    """The type of :data:`NO_VALUE`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "NO_VALUE"


#: Stands for "no value known" (an attribute that was never loaded or set).
NO_VALUE: Final[Any] = _NoValue()


@runtime_checkable
class StateEvents(Protocol):
    """What the mapping layer asks of, and tells, an object's session state."""

    def missing_attribute(self, key: str) -> Any:
        """The value of attribute *key*, which is not in the object's ``__dict__``.

        A default for a new object (``None``, or an empty list for a
        collection), a many-to-one target found in the identity map, or an
        :class:`~aorm.exc.ExpiredAttributeError` /
        :class:`~aorm.exc.LazyLoadError` naming ``Class.attr``. Never does IO.
        """
        ...

    def attribute_set(self, key: str, old: Any, new: Any) -> None:
        """A column or scalar relationship was assigned (*new* is already in ``__dict__``)."""
        ...

    def collection_changed(self, key: str, added: Sequence[Any], removed: Sequence[Any]) -> None:
        """Objects were added to and/or removed from collection *key*."""
        ...

    async def load_attribute(self, key: str) -> Any:
        """The value of attribute *key*, loaded through the object's session first if needed.

        What ``await obj.awaitable_attrs.key`` does. A value in ``__dict__``
        is returned with no IO; otherwise an expired column is reloaded and a
        relationship loaded by its loader strategy. Raises
        :class:`~aorm.exc.ArgumentError` for a name that is not mapped.
        """
        ...


def instance_state(obj: object) -> StateEvents | None:
    """The session state of *obj*, or ``None`` for an object no session has seen."""
    state: StateEvents | None = obj.__dict__.get(STATE_KEY)
    return state


async def _plain_value(obj: object, key: str) -> Any:
    """The value of *key* for an object no session has seen (never IO)."""
    if key in obj.__dict__:
        return obj.__dict__[key]
    mapper = getattr(type(obj), "__mapper__", None)
    attrs = getattr(mapper, "attrs", None)
    if attrs is None or key not in attrs:
        raise ArgumentError(f"{type(obj).__name__} has no mapped attribute {key!r}")
    return getattr(obj, key)


@final
class AwaitableAttrs:
    """``await obj.awaitable_attrs.name``: an attribute's value, loaded first if it needs IO.

    Reading an unloaded relationship or an expired column raises (attribute
    access never does IO); awaiting it through this object loads it through
    the object's session (its state's ``load_attribute``) and returns it. A
    value already loaded is returned with no IO, and so is anything of an
    object no session has seen (its transient defaults). Every mapped class
    has it as ``obj.awaitable_attrs``; ``AwaitableAttrs(obj)`` is the same.
    """

    __slots__ = ("_obj",)

    def __init__(self, obj: object) -> None:
        self._obj = obj

    def __getattr__(self, key: str) -> Awaitable[Any]:
        if key.startswith("__"):
            raise AttributeError(key)
        obj = self._obj
        state = instance_state(obj)
        if state is None:
            return _plain_value(obj, key)
        return state.load_attribute(key)

    def __repr__(self) -> str:
        return f"<AwaitableAttrs of {self._obj!r}>"
