"""Annotations evaluated at class creation (no ``from __future__ import annotations``)."""

from typing import Optional

from aorm.orm import (
    DeclarativeBase,
    Mapped,
    RelationshipDirection,
    declarative_base,
    mapped_column,
    mapper_of,
    relationship,
)
from aorm.sql.constraints import ForeignKey
from aorm.sql.schema import Column
from aorm.sql.types import Integer, String


class Base(DeclarativeBase):
    pass


class Shelf(Base):
    __tablename__ = "shelves"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[Optional[str]] = mapped_column(String(20))  # noqa: UP045
    items: Mapped[list["Item"]] = relationship(back_populates="shelf")


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[Optional[int]] = mapped_column(ForeignKey("shelves.id"))  # noqa: UP045
    shelf: Mapped[Optional["Shelf"]] = relationship(back_populates="items")


class OwnedMixin:
    """A plain mixin carrying a relationship (copied into every class using it)."""

    shelf_id = Column(Integer, ForeignKey("shelves.id"))
    shelf = relationship("Shelf")


def test_forward_references_and_optional() -> None:
    mapper_of(Shelf).configure()
    assert Shelf.__table__.c.label.nullable
    assert mapper_of(Shelf).relationships["items"].uselist
    item_shelf = mapper_of(Item).relationships["shelf"]
    assert item_shelf.direction is RelationshipDirection.MANYTOONE
    assert not item_shelf.uselist
    shelf = Shelf(label="top")
    item = Item(shelf=shelf)
    assert shelf.items == [item]


def test_plain_mixin_relationships_are_copied() -> None:
    class Box(OwnedMixin, Base):
        __tablename__ = "boxes"
        id = Column(Integer, primary_key=True)

    class Bag(OwnedMixin, Base):
        __tablename__ = "bags"
        id = Column(Integer, primary_key=True)

    box_rel = mapper_of(Box).relationships["shelf"]
    bag_rel = mapper_of(Bag).relationships["shelf"]
    assert box_rel is not bag_rel
    shelf = Shelf()
    box = Box(shelf=shelf)
    assert box.__dict__["shelf"] is shelf
    assert box_rel.local_remote_pairs == ((Box.__table__.c.shelf_id, Shelf.__table__.c.id),)


def test_declarative_base_function_makes_a_usable_base() -> None:
    Made = declarative_base(name="Made")

    class Thing(Made):  # type: ignore[valid-type,misc]  # a variable base: fine at runtime
        __tablename__ = "things"
        id = Column(Integer, primary_key=True)
        name = Column(String(10))

    assert Made.__name__ == "Made"
    assert Made.metadata.tables["things"] is Thing.__table__
    assert Thing(name="x").__dict__ == {"name": "x"}
