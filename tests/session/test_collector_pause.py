"""The flush and ``add_all`` pause the garbage collector only while they run synchronously.

Whatever happens (success, a failing statement, bad input), the collector is
back on afterwards, and an application that turned it off keeps it off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from aorm._collector import PausedCollector
from aorm.exc import ArgumentError, IntegrityError
from aorm.session import AsyncSession
from tests.session.models import User


def _users(count: int, email: str | None = None) -> list[User]:
    return [User(name=f"u{i}", email=email) for i in range(count)]


@pytest.mark.usefixtures("collector_on")
async def test_enabled_after_add_all_and_a_flush(session: AsyncSession) -> None:
    session.add_all(_users(50))
    assert gc.isenabled()
    await session.flush()
    assert gc.isenabled()
    await session.commit()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
async def test_enabled_after_a_failing_flush(session: AsyncSession) -> None:
    session.add_all(_users(2, email="same@example.com"))  # the unique email clashes
    with pytest.raises(IntegrityError):
        await session.flush()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
async def test_enabled_after_add_all_raises(session: AsyncSession) -> None:
    def objects() -> Iterator[object]:
        yield User(name="fine")
        yield object()  # not mapped: add_all raises here

    with pytest.raises(ArgumentError):
        session.add_all(objects())
    assert gc.isenabled()


async def test_left_off_when_the_application_turned_it_off(session: AsyncSession) -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        session.add_all(_users(20))
        await session.commit()
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


@pytest.mark.usefixtures("collector_on")
def test_paused_inside_and_restored_on_error() -> None:
    seen: list[bool] = []

    def fail() -> None:
        with PausedCollector():
            seen.append(gc.isenabled())
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    assert seen == [False]
    assert gc.isenabled()
