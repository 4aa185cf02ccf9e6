"""After the flush that inserts an object, its untouched relationships are loaded (no IO).

DESIGN §3: a new object's collections start empty and loaded, and stay so
once its row is inserted: they hold exactly the objects saved in that flush
that refer to it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from aorm.engine import Engine, create_engine
from aorm.exc import ExpiredAttributeError, LazyLoadError
from aorm.orm import DeclarativeBase, Mapped, mapped_column, relationship
from aorm.session import AsyncSession
from aorm.sql import desc, nulls_first
from aorm.sql.constraints import ForeignKey
from aorm.sql.schema import Column, Table
from aorm.sql.select import select
from aorm.sql.types import String


class Base(DeclarativeBase):
    """The declarative base of these tests."""


class Volume(Base):
    """A child pointing at its shelf with only a column."""

    __tablename__ = "volumes"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    rank: Mapped[int | None] = mapped_column()
    shelf_id: Mapped[int | None] = mapped_column(ForeignKey("shelves.id"))
    shelf: Mapped[Shelf | None] = relationship()


class Shelf(Base):
    """A parent whose collections have no other side (so nothing fills them in memory)."""

    __tablename__ = "shelves"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    # Highest rank first.
    volumes: Mapped[list[Volume]] = relationship(order_by=desc(Volume.rank))
    by_rank: Mapped[list[Volume]] = relationship(order_by=[nulls_first(Volume.rank), Volume.id])
    unordered: Mapped[list[Volume]] = relationship()
    first_volume: Mapped[Volume | None] = relationship(uselist=False)
    lazy_volumes: Mapped[list[Volume]] = relationship(lazy="noload")
    guarded: Mapped[list[Volume]] = relationship(lazy="raise")


label_links = Table(
    "label_links",
    Base.metadata,
    Column("volume_id", ForeignKey("volumes.id"), primary_key=True),
    Column("label_id", ForeignKey("labels.id"), primary_key=True),
)


class Label(Base):
    """The many-to-many side written only from the other class."""

    __tablename__ = "labels"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(50))
    volumes: Mapped[list[Volume]] = relationship(secondary=label_links, order_by="Volume.id")
    tagged: Mapped[list[Volume]] = relationship(secondary=label_links)


class Topic(Base):
    """A tree whose two sides are separate relationships (no back_populates)."""

    __tablename__ = "topics"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    parent: Mapped[Topic | None] = relationship(remote_side="Topic.id")
    subtopics: Mapped[list[Topic]] = relationship(order_by="Topic.name")


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


def _titles(items: list[Any]) -> list[str]:
    return [item.title for item in items]


async def test_a_new_parent_without_children_reads_empty_after_its_flush(
    session: AsyncSession,
) -> None:
    shelf = Shelf(name="empty")
    session.add(shelf)
    await session.flush()
    assert shelf.id is not None
    assert shelf.volumes == []
    assert shelf.unordered == []
    assert shelf.first_volume is None
    await session.commit()
    assert shelf.volumes == []


async def test_one_to_many_children_flushed_with_it_in_order_by(
    session: AsyncSession, engine: Engine, backend: str
) -> None:
    shelf = Shelf(name="s")
    session.add(shelf)
    await session.flush()  # the shelf's key is known; its children come in the next flush
    other = Shelf(name="new")
    volumes = [
        Volume(title="a", rank=1),
        Volume(title="b", rank=3),
        Volume(title="c", rank=None),
        Volume(title="d", rank=2),
    ]
    for volume in volumes:
        volume.shelf = other  # only the child's side: the shelf's collections are untouched
    session.add_all([*volumes, other])
    session.add(Volume(title="elsewhere", shelf=shelf))
    await session.flush()
    # rank DESC; the NULL rank where the database puts it (largest on PostgreSQL).
    expected = ["c", "b", "d", "a"] if backend == "postgresql" else ["b", "d", "a", "c"]
    assert _titles(other.volumes) == expected
    assert _titles(other.by_rank) == ["c", "a", "d", "b"]  # NULLS FIRST on both backends
    assert _titles(other.unordered) == ["a", "b", "c", "d"]  # flush order
    assert other.first_volume is volumes[0]
    assert "lazy_volumes" not in other.__dict__  # noload is left alone
    with pytest.raises(LazyLoadError):
        _ = other.guarded  # lazy="raise" is left alone
    # The same as the database says.
    await session.commit()
    async with AsyncSession(engine) as fresh:
        loaded = await fresh.get(Shelf, other.id)
        assert loaded is not None
        assert _titles(await loaded.awaitable_attrs.volumes) == expected
        assert _titles(await loaded.awaitable_attrs.by_rank) == ["c", "a", "d", "b"]


async def test_an_existing_parent_is_not_marked_loaded(session: AsyncSession) -> None:
    shelf = Shelf(name="old")
    session.add(shelf)
    await session.commit()
    session.expire(shelf, ["volumes"])
    session.add(Volume(title="new", shelf=shelf))
    await session.flush()
    # The shelf was only referred to, not inserted: its collection is still unloaded.
    with pytest.raises(LazyLoadError, match=r"Shelf\.volumes"):
        _ = shelf.volumes
    assert _titles(await shelf.awaitable_attrs.volumes) == ["new"]


async def test_a_child_set_to_the_new_parent_by_key(session: AsyncSession) -> None:
    shelf = Shelf(name="keyed", id=500)
    volume = Volume(title="by key", shelf_id=500)
    session.add_all([shelf, volume])
    await session.flush()
    assert shelf.volumes == [volume]
    assert volume.shelf is shelf  # found in the identity map


async def test_many_to_many_new_parent_and_children_in_one_flush(
    session: AsyncSession, engine: Engine
) -> None:
    red, blue = Label(text="red"), Label(text="blue")
    one, two = Volume(title="one"), Volume(title="two")
    # Written from one relationship only: the other one over the same table is untouched.
    red.volumes = [two, one]
    blue.volumes = [one]
    session.add_all([red, blue])
    await session.flush()
    assert _titles(red.tagged) == ["two", "one"]  # flush order (no order_by)
    assert _titles(blue.tagged) == ["one"]
    fresh_label = Label(text="none")
    session.add(fresh_label)
    await session.flush()
    assert fresh_label.tagged == []
    assert fresh_label.volumes == []
    await session.commit()
    async with AsyncSession(engine) as fresh:
        loaded = await fresh.get(Label, red.id)
        assert loaded is not None
        assert sorted(_titles(await loaded.awaitable_attrs.tagged)) == ["one", "two"]


async def test_self_referential_tree_in_one_flush(session: AsyncSession) -> None:
    root = Topic(name="root")
    kids = [Topic(name="b", parent=root), Topic(name="a", parent=root)]
    grandchild = Topic(name="x", parent=kids[0])
    session.add_all([grandchild, *kids, root])
    await session.flush()
    assert [t.name for t in root.subtopics] == ["a", "b"]
    assert kids[0].subtopics == [grandchild]
    assert kids[1].subtopics == []
    assert grandchild.subtopics == []
    assert root.parent is None


async def test_an_object_updated_in_the_flush_is_not_filled(session: AsyncSession) -> None:
    shelf = Shelf(name="s")
    session.add(shelf)
    await session.commit()
    session.expire(shelf, ["volumes"])
    shelf.name = "renamed"
    await session.flush()
    with pytest.raises(LazyLoadError):
        _ = shelf.volumes


async def test_expire_on_commit_still_expires_everything(engine: Engine) -> None:
    async with AsyncSession(engine, expire_on_commit=True) as session:
        shelf = Shelf(name="s", volumes=[])
        session.add(shelf)
        await session.flush()
        assert shelf.unordered == []
        await session.commit()
        with pytest.raises(ExpiredAttributeError):
            _ = shelf.name
        with pytest.raises(LazyLoadError):
            _ = shelf.unordered
        assert await shelf.awaitable_attrs.unordered == []
        rows = await session.scalars(select(Shelf))
        assert [s.name for s in rows.all()] == ["s"]
