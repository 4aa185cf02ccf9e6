"""What the end of a collector pause does with the objects that piled up during it.

Many new objects go to the oldest generation without a walk; a full
collection follows once enough have gone that way; an application's frozen
objects stay frozen; a few objects are left to the collector's own pace.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from aorm import _collector
from aorm._collector import PausedCollector


class _Node:
    """A tracked object that can be part of a reference cycle."""

    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture
def collections_started(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The generation of every collection started during the test (collector on).

    The count of objects moved since the last forced full collection starts at
    zero and the thresholds at CPython's defaults: earlier tests of the process
    (mypy's API raises the thresholds) would otherwise change what happens.
    """
    monkeypatch.setattr(_collector, "_moved_since_full", 0)
    # CPython's default thresholds, whatever ran before, and no young objects yet.
    thresholds = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    gc.collect()
    started: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    was = gc.isenabled()
    gc.enable()
    gc.callbacks.append(watch)
    try:
        yield started
    finally:
        gc.callbacks.remove(watch)
        gc.set_threshold(*thresholds)
        if was:
            gc.enable()
        else:
            gc.disable()


def _many() -> int:
    return 20 * gc.get_threshold()[0]


def test_many_new_objects_go_to_the_oldest_generation_without_a_walk(
    collections_started: list[int],
) -> None:
    with PausedCollector():
        kept = [_Node() for _ in range(_many())]
        assert not gc.isenabled()
    assert gc.isenabled()
    assert collections_started == []
    assert gc.get_freeze_count() == 0
    oldest = {id(obj) for obj in gc.get_objects(generation=2)}
    assert all(id(obj) in oldest for obj in kept[:: len(kept) // 10])
    assert gc.get_count()[0] < gc.get_threshold()[0]


def test_a_few_objects_are_left_to_the_collector(collections_started: list[int]) -> None:
    with PausedCollector():
        few = [_Node() for _ in range(10)]
    assert collections_started == []
    young = {id(obj) for obj in gc.get_objects(generation=0)}
    assert all(id(obj) in young for obj in few)


def test_a_full_collection_follows_once_enough_went_that_way(
    collections_started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_collector, "FULL_COLLECTION_AFTER", _many() * 3 // 2)
    with PausedCollector():
        first = [_Node() for _ in range(_many())]
    assert collections_started == []
    with PausedCollector():
        # Cyclic garbage made in the stretch: only a collection frees it.
        cycle = _Node()
        cycle.other = _Node()
        cycle.other.other = cycle
        gone = weakref.ref(cycle)
        del cycle
        second = [_Node() for _ in range(_many())]
    assert collections_started == [2]
    assert gone() is None
    assert _collector._moved_since_full == 0
    assert len(first) == len(second) == _many()


def test_objects_the_application_froze_stay_frozen(collections_started: list[int]) -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with PausedCollector():
            kept = [_Node() for _ in range(_many())]
        # The new objects were walked once by a collection of the younger generations.
        assert collections_started == [1]
        assert gc.get_freeze_count() == frozen
        assert len(kept) == _many()
    finally:
        gc.unfreeze()


def test_left_alone_when_the_application_turned_the_collector_off(
    collections_started: list[int],
) -> None:
    gc.disable()
    with PausedCollector():
        kept = [_Node() for _ in range(_many())]
    assert not gc.isenabled()
    assert collections_started == []
    assert len(kept) == _many()


def test_a_free_threaded_build_collects_the_younger_generations(
    collections_started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # There gc.freeze() visits every object of the process: a collection of
    # the two younger generations walks only the new ones.
    monkeypatch.setattr(_collector, "FREEZE_MOVES_LISTS", False)
    with PausedCollector():
        kept = [_Node() for _ in range(_many())]
    assert collections_started == [1]
    assert gc.get_freeze_count() == 0
    assert len(kept) == _many()


def test_the_build_is_told_from_its_abi_flags_as_sysconfig_tells_it() -> None:
    # The flags stand in for sysconfig's build variable (whose import the package avoids).
    import sysconfig

    assert _collector.FREEZE_MOVES_LISTS is (not sysconfig.get_config_var("Py_GIL_DISABLED"))
