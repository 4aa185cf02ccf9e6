"""A new object's relationships that its flush left empty read as loaded without a stored list.

When nothing in a flush can refer to an inserted object through a
relationship (no object of the target class saved, no association row
added), the flush marks the state (``empty_relationships``) instead of
building an empty collection per object. These tests pin what that must
look like from outside: the same as a stored empty collection, until the
attribute or the object is expired.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aorm.engine import Engine, create_engine
from aorm.exc import LazyLoadError
from aorm.orm import DeclarativeBase, Mapped, mapped_column, relationship
from aorm.orm.collections import InstrumentedList
from aorm.session import AsyncSession, inspect
from aorm.sql.constraints import ForeignKey
from aorm.sql.schema import Column, Table
from aorm.sql.types import String


class Base(DeclarativeBase):
    """The declarative base of these tests."""


class Rack(Base):
    """A parent with a collection, a one-to-one and a many-to-many."""

    __tablename__ = "racks"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    bottles: Mapped[list[Bottle]] = relationship(back_populates="rack", order_by="Bottle.id")
    first_bottle: Mapped[Bottle | None] = relationship(uselist=False)
    tags: Mapped[list[Tag]] = relationship(secondary="rack_tags", order_by="Tag.id")


class Bottle(Base):
    """A child of a rack."""

    __tablename__ = "bottles"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(50))
    rack_id: Mapped[int | None] = mapped_column(ForeignKey("racks.id", ondelete="CASCADE"))
    rack: Mapped[Rack | None] = relationship(back_populates="bottles")


rack_tags = Table(
    "rack_tags",
    Base.metadata,
    Column("rack_id", ForeignKey("racks.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True),
)


class Tag(Base):
    """The other side of the many-to-many."""

    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(50))


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[Engine]:
    """An engine with these tests' tables."""
    async with create_engine(db_url) as made:
        await Base.metadata.create_all(made)
        yield made


@pytest.fixture
async def session(engine: Engine) -> AsyncIterator[AsyncSession]:
    """A session with the default ``expire_on_commit=False``."""
    async with AsyncSession(engine) as made:
        yield made


async def _add_bottle_elsewhere(engine: Engine, rack_id: int, label: str) -> None:
    """A bottle of *rack_id* committed by another session (the first one cannot know)."""
    async with AsyncSession(engine) as other:
        other.add(Bottle(label=label, rack_id=rack_id))
        await other.commit()


async def test_marked_instead_of_stored_and_reads_as_loaded_empty(session: AsyncSession) -> None:
    racks = [Rack(name=f"r{i}") for i in range(3)]
    session.add_all(racks)
    await session.flush()
    first = inspect(racks[0])
    assert set(first.empty_relationships) == {"bottles", "first_bottle", "tags"}
    # One tuple shared by every object of the flush, no list per object.
    assert inspect(racks[1]).empty_relationships is first.empty_relationships
    assert "bottles" not in racks[0].__dict__
    assert racks[0].bottles == []
    assert racks[0].first_bottle is None
    assert racks[0].tags == []
    # Read once, the collection is stored as a committed, unchanged value.
    assert isinstance(racks[0].__dict__["bottles"], InstrumentedList)
    assert not first.modified
    assert not session.dirty
    assert await racks[1].awaitable_attrs.bottles == []


async def test_reads_without_io_like_a_loaded_collection(
    session: AsyncSession, engine: Engine
) -> None:
    rack = Rack(name="r")
    session.add(rack)
    await session.commit()  # expire_on_commit=False: still marked
    await _add_bottle_elsewhere(engine, rack.id, "foreign")
    # Loaded (empty) as of the flush: neither a read nor an await queries.
    assert rack.bottles == []
    assert await rack.awaitable_attrs.tags == []


async def test_appending_after_the_flush_is_a_tracked_change(session: AsyncSession) -> None:
    rack = Rack(name="r")
    session.add(rack)
    await session.flush()
    rack.bottles.append(Bottle(label="b"))
    assert inspect(rack).modified
    await session.commit()
    assert [b.label for b in rack.bottles] == ["b"]
    assert rack.bottles[0].rack_id == rack.id


async def test_expiring_the_attribute_unloads_it(session: AsyncSession, engine: Engine) -> None:
    rack = Rack(name="r")
    session.add(rack)
    await session.commit()
    await _add_bottle_elsewhere(engine, rack.id, "foreign")
    session.expire(rack, ["bottles"])
    assert "bottles" not in inspect(rack).empty_relationships
    assert "tags" in inspect(rack).empty_relationships  # the others stay loaded
    with pytest.raises(LazyLoadError):
        _ = rack.bottles
    assert rack.tags == []
    assert [b.label for b in await rack.awaitable_attrs.bottles] == ["foreign"]


async def test_expiring_the_object_unloads_every_relationship(
    session: AsyncSession, engine: Engine
) -> None:
    rack = Rack(name="r")
    session.add(rack)
    await session.commit()
    await _add_bottle_elsewhere(engine, rack.id, "foreign")
    session.expire(rack)
    assert inspect(rack).empty_relationships == ()
    with pytest.raises(LazyLoadError):
        _ = rack.bottles
    await session.refresh(rack)
    assert [b.label for b in await rack.awaitable_attrs.bottles] == ["foreign"]
    assert (await rack.awaitable_attrs.first_bottle).label == "foreign"


async def test_expire_on_commit_clears_the_mark(engine: Engine) -> None:
    async with AsyncSession(engine, expire_on_commit=True) as session:
        rack = Rack(name="r")
        session.add(rack)
        await session.commit()
        assert inspect(rack).empty_relationships == ()
        await session.refresh(rack)
        await _add_bottle_elsewhere(engine, rack.id, "foreign")
        with pytest.raises(LazyLoadError):
            _ = rack.bottles
        assert [b.label for b in await rack.awaitable_attrs.bottles] == ["foreign"]


async def test_refreshing_the_relationship_loads_it(session: AsyncSession, engine: Engine) -> None:
    rack = Rack(name="r")
    session.add(rack)
    await session.commit()
    await _add_bottle_elsewhere(engine, rack.id, "foreign")
    await session.refresh(rack, ["bottles"])
    assert [b.label for b in rack.bottles] == ["foreign"]
    assert rack.bottles[0].rack is rack


async def test_a_relationship_something_refers_to_is_filled_per_object(
    session: AsyncSession,
) -> None:
    with_bottle, alone = Rack(name="with"), Rack(name="alone")
    bottle = Bottle(label="b")
    bottle.rack = with_bottle
    session.add_all([with_bottle, alone, bottle])
    await session.flush()
    # A bottle was saved: the collection is filled for each rack, not marked.
    assert "bottles" not in inspect(alone).empty_relationships
    assert alone.__dict__["bottles"] == []
    assert with_bottle.bottles == [bottle]
    # No association row was added: the tags still read empty through the mark.
    assert "tags" in inspect(alone).empty_relationships
    assert alone.tags == []


async def test_many_to_many_links_added_in_the_flush_are_filled(session: AsyncSession) -> None:
    tagged, plain = Rack(name="tagged"), Rack(name="plain")
    tag = Tag(text="t")
    tagged.tags.append(tag)
    session.add_all([tagged, plain])
    await session.flush()
    assert "tags" not in inspect(plain).empty_relationships
    assert plain.tags == []
    assert tagged.tags == [tag]


async def test_deleting_a_marked_parent_and_rolling_back(session: AsyncSession) -> None:
    rack = Rack(name="r")
    session.add(rack)
    await session.commit()
    await session.delete(rack)
    await session.flush()
    assert inspect(rack).deleted
    await session.rollback()
    assert inspect(rack).persistent
    assert rack.name == "r"


async def test_deleting_a_marked_parent_needs_no_query_for_its_children(
    session: AsyncSession, engine: Engine
) -> None:
    rack = Rack(name="r")
    session.add(rack)
    await session.flush()
    sent: list[str] = []
    engine.add_listener("before_execute", lambda sql, params: sent.append(sql))
    await session.delete(rack)
    await session.flush()
    # The empty collections are known: the flush only deletes (the rack's
    # association rows, then its row), it loads nothing.
    assert sent
    assert all(s.lstrip().upper().startswith("DELETE") for s in sent), sent
    await session.commit()
