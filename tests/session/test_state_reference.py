"""A loaded object's state is the identity map's weak reference to it.

It must still behave as bookkeeping: compared and hashed by identity (even
for models whose ``__eq__`` makes different objects equal, or makes them
unhashable), and its map entry goes away with the object.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator

import pytest

from aorm.engine import Engine, create_engine
from aorm.orm import DeclarativeBase, Mapped, mapped_column
from aorm.orm.mapper import mapper_of
from aorm.session import AsyncSession, identity_key, inspect
from aorm.session.identity import map_key
from aorm.session.state import INITIAL_FIELDS, InstanceState
from aorm.sql.select import select
from aorm.sql.types import String


class Base(DeclarativeBase):
    """The declarative base of these tests."""


class Point(Base):
    """A model equal by value: ``__eq__`` without ``__hash__`` makes it unhashable."""

    __tablename__ = "points"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and other.label == self.label


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[Engine]:
    """An engine with two equal-by-value rows."""
    async with create_engine(db_url) as made:
        await Base.metadata.create_all(made)
        async with AsyncSession(made) as setup:
            setup.add_all([Point(label="same"), Point(label="same")])
            await setup.commit()
        yield made


async def test_loaded_states_compare_and_hash_by_identity(engine: Engine) -> None:
    async with AsyncSession(engine) as session:
        first, second = (await session.scalars(select(Point).order_by(Point.id))).all()
        assert first == second  # the model says so
        a, b = inspect(first), inspect(second)
        assert a != b
        assert not a == b  # noqa: SIM201 - both operators are overridden
        assert a == a
        assert len({a, b}) == 2  # hashable although the objects are not
        assert a.object is first
        # The identity map holds the state itself as the object's reference.
        assert session.identity_map._refs[map_key(Point, (first.id,))] is a
        first.label = "changed"  # a change is tracked on a loaded object
        assert a.modified
        assert session.dirty == [first]
        await session.commit()


async def test_the_entry_goes_with_the_object(engine: Engine) -> None:
    async with AsyncSession(engine) as session:
        points = (await session.scalars(select(Point))).all()
        keys = [inspect(p).identity_key for p in points]
        assert all(k in session.identity_map for k in keys)
        del points
        gc.collect()
        assert len(session.identity_map) == 0
        # Loaded again: new objects, new states, in the map again.
        again = (await session.scalars(select(Point))).all()
        assert len(session.identity_map) == 2
        assert {inspect(p).identity_key for p in again} == set(keys)


async def test_new_objects_states_are_identity_compared_too(engine: Engine) -> None:
    async with AsyncSession(engine) as session:
        one, two = Point(label="x"), Point(label="x")
        session.add_all([one, two])
        assert inspect(one) != inspect(two)
        assert len({inspect(one), inspect(two)}) == 2
        await session.commit()
        assert inspect(one).object is one
        assert await session.get(Point, one.id) is one


async def test_an_inserted_objects_state_is_its_map_reference(engine: Engine) -> None:
    async with AsyncSession(engine) as session:
        point = Point(label="new")
        session.add(point)
        await session.flush()
        state = inspect(point)
        key = identity_key(Point, (point.id,))
        assert session.identity_map._refs[map_key(Point, (point.id,))] is state
        assert session.identity_map[key] is point
        await session.commit()
        assert await session.get(Point, point.id) is point
        del point
        gc.collect()
        # The object is clean after the commit: held weakly, its entry goes with it.
        assert key not in session.identity_map._refs
        again = await session.get(Point, key[1][0])
        assert again is not None
        assert again.label == "new"
        assert inspect(again) is not state


async def test_a_dead_objects_state_leaves_other_entries_alone(engine: Engine) -> None:
    # An object inserted and expunged, then its key taken by a loaded object:
    # the first object's death must not drop the second one's entry.
    async with AsyncSession(engine) as session:
        point = Point(label="moved")
        session.add(point)
        await session.commit()
        ident = point.id
        session.expunge(point)
        loaded = await session.get(Point, ident)
        assert loaded is not None
        assert loaded is not point
        del point
        gc.collect()
        assert session.identity_map[identity_key(Point, (ident,))] is loaded


async def test_states_of_objects_in_no_session_die_quietly(engine: Engine) -> None:
    async with AsyncSession(engine) as session:
        point = Point(label="gone")
        session.add(point)
        await session.commit()
        ident = point.id
    # The session closed: the state belongs to no session any more.
    del point
    gc.collect()
    async with AsyncSession(engine) as session:
        found = await session.get(Point, ident)
        assert found is not None
        assert found.label == "gone"


def _fields(state: InstanceState) -> dict[str, object]:
    return {name: getattr(state, name) for name in InstanceState.__slots__}


async def test_every_way_of_making_a_state_starts_its_fields_alike(engine: Engine) -> None:
    # __new__, loaded() and the generated hydration loops each write the fields
    # out; INITIAL_FIELDS is the table they must agree with.
    made_by_maker = {"mapper", "key", "_session_ref"}
    assert set(InstanceState.__slots__) == made_by_maker | set(INITIAL_FIELDS)
    new = Point(label="new")
    transient = inspect(new)
    assert _fields(transient) == {
        **INITIAL_FIELDS,
        "mapper": mapper_of(Point),
        "key": None,
        "_session_ref": None,
    }
    async with AsyncSession(engine) as session:
        many = (await session.scalars(select(Point).order_by(Point.id))).all()
        one = await session.get(Point, many[0].id)
        assert one is many[0]
        session.expunge(many[1])
        got = await session.get(Point, many[1].id)  # the single-row loader
        assert got is not None
        assert got is not many[1]
        for obj in (many[0], got):
            state = inspect(obj)
            assert _fields(state) == {
                **INITIAL_FIELDS,
                "mapper": mapper_of(Point),
                "key": map_key(Point, (obj.id,)),
                "_session_ref": session._ref,
            }
        by_hand = InstanceState.loaded(new, mapper_of(Point), map_key(Point, (99,)), session._ref)
        assert {k: v for k, v in _fields(by_hand).items() if k in INITIAL_FIELDS} == dict(
            INITIAL_FIELDS
        )
