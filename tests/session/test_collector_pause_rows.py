"""The per-row stretches of reading, updating and deleting pause the collector only while they run.

Converting a driver's rows, applying result processors, building UPDATE
parameters and collecting the keys of rows deleted with ``passive_deletes``
run with the cyclic garbage collector paused. Whatever happens (success, bad
input raised inside the pause), the collector is back on afterwards, the
results are right, and an application that turned it off keeps it off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import datetime

import pytest

from aorm.engine import Engine
from aorm.exc import ArgumentError
from aorm.orm import DeclarativeBase, Mapped, mapped_column, relationship
from aorm.session import AsyncSession
from aorm.sql.constraints import ForeignKey
from aorm.sql.functions import func
from aorm.sql.select import select
from aorm.sql.types import DateTime, String


class _PauseBase(DeclarativeBase):
    """Its own base: the tables are made by the tests that use them."""


class Rack(_PauseBase):
    """A parent whose hooks the database deletes (``passive_deletes``)."""

    __tablename__ = "pause_racks"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    made: Mapped[datetime] = mapped_column(DateTime)
    hooks: Mapped[list[Hook]] = relationship(
        back_populates="rack", cascade="all, delete-orphan", passive_deletes=True
    )


class Hook(_PauseBase):
    """The child of :class:`Rack`."""

    __tablename__ = "pause_hooks"
    id: Mapped[int] = mapped_column(primary_key=True)
    rack_id: Mapped[int] = mapped_column(ForeignKey("pause_racks.id", ondelete="CASCADE"))
    rack: Mapped[Rack] = relationship(back_populates="hooks")


MADE = datetime(2024, 5, 6, 7, 8, 9, 123456)


@pytest.fixture
def collector_off() -> Iterator[None]:
    """The collector disabled for the test (as an application may), restored after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


async def _racks(engine: Engine, count: int) -> None:
    await _PauseBase.metadata.drop_all(engine)
    await _PauseBase.metadata.create_all(engine)
    async with AsyncSession(engine) as session:
        session.add_all(Rack(name=f"r{i}", made=MADE, hooks=[Hook(), Hook()]) for i in range(count))
        await session.commit()


async def _read_update_delete(engine: Engine) -> bool:
    """Read, update and delete 300 racks; whether the collector was on after each step."""
    await _racks(engine, 300)
    enabled: list[bool] = []
    try:
        async with AsyncSession(engine) as session:
            racks = (await session.scalars(select(Rack).order_by(Rack.id))).all()
            enabled.append(gc.isenabled())
            assert len(racks) == 300
            assert all(rack.made == MADE for rack in racks)
            for rack in racks:
                rack.name = f"{rack.name}!"
            await session.commit()
            enabled.append(gc.isenabled())
        async with AsyncSession(engine) as session:
            names = (await session.scalars(select(Rack.name).order_by(Rack.id))).all()
            assert names == [f"r{i}!" for i in range(300)]
            racks = (await session.scalars(select(Rack))).all()
            for rack in racks:
                await session.delete(rack)
            await session.commit()
            enabled.append(gc.isenabled())
        async with AsyncSession(engine) as session:
            assert (await session.scalars(select(Hook))).all() == []
            assert (await session.scalars(select(Rack))).all() == []
        return all(enabled) if gc.isenabled() else not any(enabled)
    finally:
        await _PauseBase.metadata.drop_all(engine)


@pytest.mark.usefixtures("collector_on")
async def test_enabled_after_reading_updating_and_deleting_many_rows(engine: Engine) -> None:
    assert await _read_update_delete(engine)
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_off")
async def test_left_off_when_the_application_turned_it_off(engine: Engine) -> None:
    assert await _read_update_delete(engine)
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector_on")
async def test_enabled_after_bad_input_raised_while_building_update_parameters(
    engine: Engine,
) -> None:
    await _racks(engine, 3)
    try:
        async with AsyncSession(engine) as session:
            racks = (await session.scalars(select(Rack).order_by(Rack.id))).all()
            racks[0].name = "fine"
            racks[2].name = func.lower("NOT A VALUE")  # type: ignore[assignment]
            with pytest.raises(ArgumentError, match=r"Rack\.name holds a SQL expression"):
                await session.flush()
            assert gc.isenabled()
            await session.rollback()
        async with AsyncSession(engine) as session:
            names = (await session.scalars(select(Rack.name).order_by(Rack.id))).all()
            assert names == ["r0", "r1", "r2"]
    finally:
        await _PauseBase.metadata.drop_all(engine)
