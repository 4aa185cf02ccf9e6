"""``DynamicMapped[T]``: what type checkers see of a ``lazy="dynamic"`` relationship, and checks.

``mypy --strict`` checks this file (the ``assert_type`` calls); pytest runs it.
"""

from __future__ import annotations

from typing import Any, assert_type

import pytest

import aorm
from aorm.exc import MappingError
from aorm.orm import (
    DeclarativeBase,
    DynamicMapped,
    DynamicQuery,
    InstrumentedAttribute,
    Mapped,
    configure_mappers,
    mapped_column,
    relationship,
)
from aorm.session import AsyncSession
from aorm.session.dynamic import DynamicCollection
from aorm.sql.constraints import ForeignKey
from aorm.sql.select import Select
from tests.relationships.loading_models import Data, Library, Shelf


def _conforms(collection: DynamicCollection[Shelf]) -> DynamicQuery[Shelf]:
    # The session's query object is what the mapping layer's protocol describes.
    return collection


def test_dynamic_mapped_is_exported() -> None:
    assert aorm.DynamicMapped is DynamicMapped
    assert "DynamicMapped" in aorm.__all__
    assert "DynamicMapped" in aorm.orm.__all__


async def test_the_attribute_is_typed_as_the_query(
    session: AsyncSession, loading_data: Data
) -> None:
    assert_type(Library.shelves, InstrumentedAttribute[list[Shelf]])
    central = await session.get(Library, 1)
    assert central is not None
    shelves = central.shelves
    assert_type(shelves, DynamicQuery[Shelf])
    runtime: object = shelves  # (isinstance on ``shelves`` itself would narrow its type)
    assert isinstance(runtime, DynamicCollection)
    refined = shelves.filter(Shelf.label != "poetry").order_by(Shelf.label).limit(5)
    assert_type(refined, DynamicQuery[Shelf])
    assert_type(refined.statement, Select)
    everything = await refined.all()
    assert_type(everything, list[Shelf])
    assert [s.label for s in everything] == ["fiction", "history"]
    first = await shelves.first()
    assert_type(first, Shelf | None)
    assert first is not None
    assert first.label == "fiction"
    count = await shelves.count()
    assert_type(count, int)
    assert count == 3
    assert_type(await shelves.where(Shelf.label == "poetry").one(), Shelf)
    assert_type(await shelves.filter_by(label="none").one_or_none(), Shelf | None)
    extra = Shelf(id=50, label="atlas")
    shelves.append(extra)
    assert await shelves.count() == 4  # autoflushed
    shelves.remove(extra)
    shelves.extend([])
    assert await shelves.count() == 3


def test_dynamic_mapped_with_another_lazy_is_refused() -> None:
    class Base(DeclarativeBase):
        pass

    with pytest.raises(MappingError, match=r"Owner\.pets: a DynamicMapped.*lazy='select'"):

        class Owner(Base):
            __tablename__ = "owners"
            id: Mapped[int] = mapped_column(primary_key=True)
            pets: DynamicMapped[Pet] = relationship()  # type: ignore[assignment]

    class Pet(Base):
        __tablename__ = "pets"
        id: Mapped[int] = mapped_column(primary_key=True)
        owner_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id"))


def test_a_list_annotation_with_lazy_dynamic_is_refused() -> None:
    class Base(DeclarativeBase):
        pass

    with pytest.raises(MappingError, match=r"Keeper\.animals: .*DynamicMapped\[\.\.\.\]"):

        class Keeper(Base):
            __tablename__ = "keepers"
            id: Mapped[int] = mapped_column(primary_key=True)
            animals: Mapped[list[Animal]] = relationship(lazy="dynamic")

    class Animal(Base):
        __tablename__ = "animals"
        id: Mapped[int] = mapped_column(primary_key=True)
        keeper_id: Mapped[int | None] = mapped_column(ForeignKey("keepers.id"))


def test_dynamic_mapped_reads_as_a_collection_of_its_target() -> None:
    class Base(DeclarativeBase):
        pass

    class Zoo(Base):
        __tablename__ = "zoos"
        id: Mapped[int] = mapped_column(primary_key=True)
        # No target argument: the annotation names it, as a collection.
        cages: DynamicMapped[Cage] = relationship(lazy="dynamic", back_populates="zoo")

    class Cage(Base):
        __tablename__ = "cages"
        id: Mapped[int] = mapped_column(primary_key=True)
        zoo_id: Mapped[int | None] = mapped_column(ForeignKey("zoos.id"))
        zoo: Mapped[Zoo | None] = relationship(back_populates="cages")

    configure_mappers()
    prop: Any = Zoo.__mapper__.relationships["cages"]
    assert prop.uselist
    assert prop.mapper.class_ is Cage
    assert prop.lazy == "dynamic"
    zoo = Zoo()
    cage = Cage(zoo=zoo)
    assert cage.zoo is zoo
