"""``InstrumentedList``: the list that holds a one-to-many or many-to-many collection.

Every mutating list method reports what it added and removed to the
collection's attribute, which tells the owner's session state and keeps the
other side of a ``back_populates``/``backref`` pair in sync at once. A list
that is no longer its owner's collection (replaced by assigning a new list)
is *detached*: it keeps working as a plain list and reports nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NoReturn, Protocol, SupportsIndex, TypeVar, overload

from aorm.exc import InvalidStateError, MultipleResultsFound, NoResultFound

__all__ = ["CollectionEvents", "InstrumentedList", "PendingDynamicList", "contains_identity"]

T = TypeVar("T")


class CollectionEvents(Protocol):
    """What an :class:`InstrumentedList` needs of its attribute."""

    def check_item(self, item: object) -> None:
        """Raise ``TypeError`` unless *item* may be put in this collection."""
        ...

    def fire_collection_change(
        self, owner: object, added: Sequence[Any], removed: Sequence[Any]
    ) -> None:
        """Report a change of *owner*'s collection and sync the other side."""
        ...


def contains_identity(items: Iterable[object], item: object) -> bool:
    """True when *item* itself (not an equal object) is among *items*."""
    return any(x is item for x in items)


def _net_change(old: Sequence[T], new: Sequence[T]) -> tuple[list[T], list[T]]:
    """``(added, removed)`` between two lists, by identity."""
    old_ids = {id(x) for x in old}
    new_ids = {id(x) for x in new}
    added = [x for x in new if id(x) not in old_ids]
    removed = [x for x in old if id(x) not in new_ids]
    return added, removed


class InstrumentedList(list[T]):
    """A list that reports additions and removals to its owner's attribute.

    Create one through the attribute (reading ``obj.books``, or
    :func:`aorm.orm.attributes.set_committed_value`); a list built directly
    has no owner and reports nothing. ``sort()`` and ``reverse()`` change the
    order only and report nothing.
    """

    __slots__ = ("_attr", "_owner")

    def __init__(
        self,
        items: Iterable[T] = (),
        owner: object | None = None,
        attr: CollectionEvents | None = None,
    ) -> None:
        super().__init__(items)
        self._owner = owner
        self._attr = attr

    # -- bookkeeping -------------------------------------------------------

    @property
    def owner(self) -> object | None:
        """The object whose collection this is (``None`` once detached)."""
        return self._owner if self._attr is not None else None

    def detach(self) -> None:
        """Stop reporting: this list is no longer its owner's collection.

        Loaders call it on a collection they replace, so that changes made
        through a reference the caller still holds are not reported.
        """
        self._attr = None
        self._owner = None

    #: The former name of :meth:`detach`.
    _detach = detach

    def _check(self, items: Iterable[T]) -> list[T]:
        values = list(items)
        if self._attr is not None:
            for item in values:
                self._attr.check_item(item)
        return values

    def _fire(self, added: Sequence[T], removed: Sequence[T]) -> None:
        if self._attr is not None and (added or removed):
            self._attr.fire_collection_change(self._owner, added, removed)

    # -- additions ---------------------------------------------------------

    def append(self, item: T) -> None:
        """Add *item* at the end."""
        self._check((item,))
        super().append(item)
        self._fire([item], [])

    def extend(self, items: Iterable[T]) -> None:
        """Add every item of *items* at the end."""
        values = self._check(items)
        super().extend(values)
        self._fire(values, [])

    def insert(self, index: SupportsIndex, item: T) -> None:
        """Add *item* before position *index*."""
        self._check((item,))
        super().insert(index, item)
        self._fire([item], [])

    def __iadd__(self, items: Iterable[T]) -> InstrumentedList[T]:  # type: ignore[override,misc]
        self.extend(items)
        return self

    def __imul__(self, count: SupportsIndex) -> InstrumentedList[T]:
        before = list(self)
        super().__imul__(count)
        added, removed = ([], before) if not self else (list(self)[len(before) :], [])
        self._fire(added, removed)
        return self

    # -- removals ----------------------------------------------------------

    def remove(self, item: T) -> None:
        """Remove the first occurrence of *item* (``ValueError`` when absent)."""
        super().remove(item)
        self._fire([], [item])

    def pop(self, index: SupportsIndex = -1) -> T:
        """Remove and return the item at *index* (the last by default)."""
        item = super().pop(index)
        self._fire([], [item])
        return item

    def clear(self) -> None:
        """Remove every item."""
        removed = list(self)
        super().clear()
        self._fire([], removed)

    # -- item and slice assignment -----------------------------------------

    @overload
    def __setitem__(self, index: SupportsIndex, value: T) -> None: ...

    @overload
    def __setitem__(self, index: slice, value: Iterable[T]) -> None: ...

    def __setitem__(self, index: SupportsIndex | slice, value: Any) -> None:
        if isinstance(index, slice):
            new = self._check(value)
            old = self[index]
            super().__setitem__(index, new)
        else:
            new = self._check((value,))
            old = [self[index]]
            super().__setitem__(index, value)
        added, removed = _net_change(old, new)
        self._fire(added, removed)

    def __delitem__(self, index: SupportsIndex | slice) -> None:
        removed = self[index] if isinstance(index, slice) else [self[index]]
        super().__delitem__(index)
        self._fire([], removed)

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        # Copies and pickles are plain lists: they are nobody's collection.
        return (list, (list(self),))


class PendingDynamicList(InstrumentedList[T]):
    """A ``lazy="dynamic"`` collection of an object that has no row yet.

    There is nothing to query before the owner is flushed, so it holds the
    objects appended so far, and answers the dynamic query's awaited
    terminals (``all``, ``first``, ``one``, ``one_or_none``, ``count``) from
    them: code written against the query works on a new object too. The
    refining methods (``filter``, ``order_by``, ...) would need SQL and raise
    :class:`~aorm.exc.InvalidStateError`. After the flush that inserts the
    owner, the attribute reads as the query again.
    """

    __slots__ = ()

    def _name(self) -> str:
        key = getattr(self._attr, "key", "?")
        return f"{type(self._owner).__name__}.{key}"

    async def all(self) -> list[T]:
        """The objects appended so far."""
        return list(self)

    async def first(self) -> T | None:
        """The first object appended, or None."""
        return self[0] if self else None

    async def one(self) -> T:
        """The only object appended (NoResultFound / MultipleResultsFound otherwise)."""
        if len(self) != 1:
            raise (NoResultFound if not self else MultipleResultsFound)(
                f"one(): {self._name()} holds {len(self)} objects"
            )
        return self[0]

    async def one_or_none(self) -> T | None:
        """The only object appended, or None (MultipleResultsFound if there are more)."""
        if len(self) > 1:
            raise MultipleResultsFound(f"one_or_none(): {self._name()} holds {len(self)} objects")
        return self[0] if self else None

    # The dynamic query's count() (awaited, no argument) wins over list.count(x).
    async def count(self) -> int:  # type: ignore[override]
        """How many objects were appended."""
        return len(self)

    def _no_query(self, method: str) -> NoReturn:
        raise InvalidStateError(
            f"{self._name()}.{method}(): {self._name()} is a dynamic relationship of an "
            "object that has no row yet, so there is nothing to query; it holds the "
            "objects appended so far (await .all() / .count()). Flush the session "
            "first to query it."
        )

    def where(self, *criteria: Any) -> NoReturn:
        """Not before a flush: raises :class:`~aorm.exc.InvalidStateError`."""
        self._no_query("where")

    def filter(self, *criteria: Any) -> NoReturn:
        """Not before a flush: raises :class:`~aorm.exc.InvalidStateError`."""
        self._no_query("filter")

    def filter_by(self, **values: Any) -> NoReturn:
        """Not before a flush: raises :class:`~aorm.exc.InvalidStateError`."""
        self._no_query("filter_by")

    def order_by(self, *clauses: Any) -> NoReturn:
        """Not before a flush: raises :class:`~aorm.exc.InvalidStateError`."""
        self._no_query("order_by")

    def limit(self, limit: int | None) -> NoReturn:
        """Not before a flush: raises :class:`~aorm.exc.InvalidStateError`."""
        self._no_query("limit")

    def offset(self, offset: int | None) -> NoReturn:
        """Not before a flush: raises :class:`~aorm.exc.InvalidStateError`."""
        self._no_query("offset")

    @property
    def statement(self) -> NoReturn:
        """Not before a flush: raises :class:`~aorm.exc.InvalidStateError`."""
        self._no_query("statement")
