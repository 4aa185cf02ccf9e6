"""The constructor a mapped class gets for its columns, and when it keeps the default one.

A class without a constructor of its own gets ``__init__`` written for its
columns (keyword-only parameters); calls that are not only columns go to the
default constructor, which gives the same results and errors as before.
"""

from __future__ import annotations

import inspect
from typing import Any, cast

import pytest

from aorm.orm import DeclarativeBase, Mapped, mapped_column, relationship
from aorm.orm.instrumentation import STATE_KEY
from aorm.sql.constraints import ForeignKey
from aorm.sql.schema import Column, Table
from aorm.sql.types import Integer, String


class Base(DeclarativeBase):
    """The declarative base of these tests."""


class Shelf(Base):
    __tablename__ = "ctor_shelves"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))
    books: Mapped[list[Volume]] = relationship(back_populates="shelf")


class Volume(Base):
    __tablename__ = "ctor_volumes"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    shelf_id: Mapped[int | None] = mapped_column(ForeignKey("ctor_shelves.id"))
    shelf: Mapped[Shelf | None] = relationship(back_populates="books")

    @property
    def loud_title(self) -> str:
        return self.title.upper()

    @loud_title.setter
    def loud_title(self, value: str) -> None:
        self.title = value.lower()


def test_a_class_without_its_own_constructor_gets_one_for_its_columns() -> None:
    assert Volume.__init__ is not DeclarativeBase.__init__
    params = inspect.signature(Volume).parameters
    assert list(params) == ["id", "title", "shelf_id", "_aorm_more"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in list(params.values())[:3])
    assert Volume.__init__.__qualname__ == "Volume.__init__"
    assert Volume.__init__.__doc__ == DeclarativeBase.__init__.__doc__


def test_columns_only_fill_the_dict_and_unset_columns_read_none() -> None:
    volume = Volume(title="Dune", shelf_id=3)
    assert volume.__dict__ == {"title": "Dune", "shelf_id": 3}
    assert STATE_KEY not in volume.__dict__
    assert cast(Any, volume).id is None  # unset: reads None
    assert Volume().__dict__ == {}


def test_relationships_and_properties_go_through_the_default_constructor() -> None:
    shelf = Shelf(label="top")
    volume = Volume(title="x", shelf=shelf, loud_title="HELLO")  # type: ignore[call-arg]
    assert volume.shelf is shelf
    assert shelf.books == [volume]  # the back-reference was kept in sync
    assert volume.title == "hello"  # the property setter ran
    other = Shelf(label="low", books=[Volume(title="a"), Volume(title="b")])
    assert [b.shelf for b in other.books] == [other, other]


def test_bad_arguments_raise_as_before() -> None:
    with pytest.raises(TypeError, match=r"Volume\(\) got an unexpected keyword argument 'titel'"):
        Volume(title="x", titel="y")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        cast(Any, Volume)("positional")


def test_a_constructor_of_its_own_a_mixins_or_the_bases_is_kept() -> None:
    seen: list[str] = []

    class Own(Base):
        __tablename__ = "ctor_own"
        id: Mapped[int] = mapped_column(primary_key=True)

        def __init__(self, **kwargs: Any) -> None:
            seen.append("own")
            super().__init__(**kwargs)

    class Greeting:
        def __init__(self, **kwargs: Any) -> None:
            seen.append("mixin")
            super().__init__(**kwargs)

    class Mixed(Greeting, Base):
        __tablename__ = "ctor_mixed"
        id: Mapped[int] = mapped_column(primary_key=True)

    class CustomBase(DeclarativeBase):
        def __init__(self, **kwargs: Any) -> None:
            seen.append("base")
            super().__init__(**kwargs)

    class FromBase(CustomBase):
        __tablename__ = "ctor_from_base"
        id: Mapped[int] = mapped_column(primary_key=True)

    assert Own(id=1).id == 1
    assert Mixed(id=2).id == 2
    assert FromBase(id=3).id == 3
    assert seen == ["own", "mixin", "base"]


def test_column_keys_that_cannot_be_parameters_keep_the_default_constructor() -> None:
    class Odd(Base):
        __table__ = Table(
            "ctor_odd",
            Base.metadata,
            Column("id", Integer, primary_key=True),
            Column("from", String(10)),
        )

    assert Odd.__init__ is DeclarativeBase.__init__
    odd = Odd(**{"from": "here", "id": 1})
    assert odd.__dict__["from"] == "here"


def test_an_unconfigured_registry_is_configured_on_the_first_construction() -> None:
    class Fresh(DeclarativeBase):
        pass

    class Parent(Fresh):
        __tablename__ = "ctor_parents"
        id: Mapped[int] = mapped_column(primary_key=True)
        children: Mapped[list[Child]] = relationship()

    class Child(Fresh):
        __tablename__ = "ctor_children"
        id: Mapped[int] = mapped_column(primary_key=True)
        parent_id: Mapped[int] = mapped_column(ForeignKey("ctor_parents.id"))

    configured_before = Fresh.registry.configured
    parent = Parent(id=1)
    assert (configured_before, Fresh.registry.configured) == (False, True)
    assert parent.__dict__ == {"id": 1}
    assert parent.children == []
