"""InstrumentedList: every mutation reports what was added and removed, once."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Sequence
from typing import Any

import pytest

from aorm.orm import InstrumentedList


class Item:
    """Something to put in a collection."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


class Recorder:
    """A stand-in for the collection's attribute: records the reports, rejects strings."""

    def __init__(self) -> None:
        self.reports: list[tuple[list[Any], list[Any]]] = []

    def check_item(self, item: object) -> None:
        if not isinstance(item, Item):
            raise TypeError(f"takes Item objects, not {type(item).__name__}")

    def fire_collection_change(
        self, owner: object, added: Sequence[Any], removed: Sequence[Any]
    ) -> None:
        assert owner == "owner"
        self.reports.append((list(added), list(removed)))


a, b, c, d = Item("a"), Item("b"), Item("c"), Item("d")


def make(*items: Item) -> tuple[InstrumentedList[Item], Recorder]:
    recorder = Recorder()
    return InstrumentedList(items, "owner", recorder), recorder


def test_append_extend_insert_and_iadd() -> None:
    items, rec = make()
    items.append(a)
    items.extend([b, c])
    items.insert(0, d)
    items += [a]
    assert items == [d, a, b, c, a]
    assert rec.reports == [([a], []), ([b, c], []), ([d], []), ([a], [])]


def test_extend_takes_any_iterable_once() -> None:
    items, rec = make()
    items.extend(x for x in (a, b))
    assert items == [a, b]
    assert rec.reports == [([a, b], [])]


def test_remove_pop_clear() -> None:
    items, rec = make(a, b, c, d)
    items.remove(b)
    assert items.pop() is d
    assert items.pop(0) is a
    items.clear()
    assert items == []
    assert rec.reports == [([], [b]), ([], [d]), ([], [a]), ([], [c])]


def test_remove_of_a_missing_item_reports_nothing() -> None:
    items, rec = make(a)
    with pytest.raises(ValueError, match="not in list"):
        items.remove(b)
    assert rec.reports == []


def test_item_and_slice_assignment_report_the_net_change() -> None:
    items, rec = make(a, b, c)
    items[0] = d
    assert rec.reports == [([d], [a])]
    items[1:] = [b, a]  # b stays, c leaves, a comes back
    assert items == [d, b, a]
    assert rec.reports[-1] == ([a], [c])
    items[0] = items[0]
    assert rec.reports[-1] == ([a], [c])  # no change, no report


def test_delitem_and_slices() -> None:
    items, rec = make(a, b, c, d)
    del items[0]
    del items[1:]
    assert items == [b]
    assert rec.reports == [([], [a]), ([], [c, d])]


def test_imul() -> None:
    items, rec = make(a, b)
    items *= 0
    assert items == []
    assert rec.reports == [([], [a, b])]


def test_sort_and_reverse_report_nothing() -> None:
    items, rec = make(b, a)
    items.sort(key=lambda item: item.name)
    items.reverse()
    assert items == [b, a]
    assert rec.reports == []


def test_wrong_items_are_refused_before_any_change() -> None:
    items, rec = make(a)
    with pytest.raises(TypeError, match="takes Item objects, not str"):
        items.append("x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not int"):
        items.extend([b, 5])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        items[0:1] = ["x"]  # type: ignore[list-item]
    assert items == [a]
    assert rec.reports == []


def test_detached_list_reports_nothing() -> None:
    items, rec = make(a)
    items._detach()
    items.append(b)
    items.remove(a)
    assert items.owner is None
    assert rec.reports == []


def test_a_list_without_owner_is_plain() -> None:
    items: InstrumentedList[Item] = InstrumentedList([a])
    items.append(b)
    assert items == [a, b]
    assert items.owner is None


def test_copies_and_pickles_are_plain_lists() -> None:
    items, rec = make(a, b)
    assert type(copy.copy(items)) is list
    assert type(items.copy()) is list
    assert items[:] == [a, b]
    assert type(items[:]) is list
    restored = pickle.loads(pickle.dumps(InstrumentedList([1, 2])))
    assert restored == [1, 2]
    assert type(restored) is list
    assert rec.reports == []
