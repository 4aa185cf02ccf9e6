"""Mapped objects keep the compact ``__dict__`` CPython gives a class's instances.

CPython shares one table of attribute names among the instances of a class,
each instance keeping only its values; an instance whose dict was filled by
``dict.update()``, or with names the shared table does not hold, gets a full
dict of its own (and may spoil the table for later ones). Mapped classes put
every column name in the table when they are mapped, and the constructor sets
attributes one by one, so objects made by the constructor and objects made
from rows (in any order) stay as small as a plain class's.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

from aorm.orm import DeclarativeBase, Mapped, mapped_column
from aorm.orm.instrumentation import STATE_KEY
from aorm.sql.types import String

COUNT = 2000


class Base(DeclarativeBase):
    """The declarative base of these tests."""


class Plain:
    """The yardstick: a plain class setting the same four attributes in ``__init__``."""

    def __init__(self, ident: int, name: str, email: str) -> None:
        self.id = ident
        self.name = name
        self.email = email
        self.state = None


def _bytes_each(make: Callable[[int], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        objects = [make(i) for i in range(COUNT)]
        used = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(objects) == COUNT
    return used / COUNT


def _plain(i: int) -> Plain:
    made = Plain(i, "name", "email")
    made.__dict__  # noqa: B018 - mapped objects always have their dict made
    return made


def test_constructed_then_loaded_objects_are_as_small_as_plain_ones() -> None:
    class Person(Base):
        __tablename__ = "people_dicts"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
        email: Mapped[str] = mapped_column(String(50))

    def construct(i: int) -> Person:
        made = Person(name="name", email="email")
        # What add() and the flush then put in: the state, then the new key.
        made.__dict__[STATE_KEY] = None
        made.__dict__["id"] = i
        return made

    def from_row(i: int) -> Person:
        # What the hydration loop does: a blank instance, the columns in row order.
        made = Person.__new__(Person)
        d = made.__dict__
        d["id"] = i
        d["name"] = "name"
        d["email"] = "email"
        d[STATE_KEY] = None
        return made

    yardstick = _bytes_each(_plain)
    # Constructed objects first: before, they spoiled the shared names for every later one.
    assert _bytes_each(construct) <= yardstick + 16
    assert _bytes_each(from_row) <= yardstick + 16


def test_the_constructor_still_sets_exactly_what_it_is_given() -> None:
    class Note(Base):
        __tablename__ = "notes_dicts"
        id: Mapped[int] = mapped_column(primary_key=True)
        text: Mapped[str | None] = mapped_column(String(50))

    note = Note(text="hello")
    assert note.__dict__ == {"text": "hello"}
    assert note.text == "hello"
    assert note.id is None  # unset columns read as None


def test_a_class_with_a_finalizer_is_never_instantiated_when_mapped() -> None:
    finalized: list[object] = []

    class Guarded(Base):
        __tablename__ = "guarded_dicts"
        id: Mapped[int] = mapped_column(primary_key=True)

        def __del__(self) -> None:
            finalized.append(self)

    gc.collect()
    assert finalized == []
    Guarded(id=1)
    gc.collect()
    assert len(finalized) == 1
