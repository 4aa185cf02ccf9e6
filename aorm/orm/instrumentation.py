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
* back-reference sync reports to the *other* object's state with the same
  calls. When the other side is a collection that is not loaded (its key is
  absent from ``__dict__`` and the state cannot provide it without IO),
  ``collection_changed`` is still called on that object's state, with the key
  missing from ``__dict__``: a pending change to apply when it loads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Protocol, runtime_checkable

__all__ = ["NO_VALUE", "STATE_KEY", "StateEvents", "instance_state"]

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


def instance_state(obj: object) -> StateEvents | None:
    """The session state of *obj*, or ``None`` for an object no session has seen."""
    state: StateEvents | None = obj.__dict__.get(STATE_KEY)
    return state
