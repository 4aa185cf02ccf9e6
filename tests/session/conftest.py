"""Fixtures for session tests: an engine per backend with the test tables created."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from aorm.engine import Engine, create_engine
from aorm.session import AsyncSession
from tests.session.models import Base


class StatementLog:
    """The SQL statements an engine sent, as its ``before_execute`` listener."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, sql: str, params: Any) -> None:
        self.statements.append(sql)

    def clear(self) -> None:
        """Forget what was logged."""
        self.statements.clear()

    def count(self, verb: str | None = None) -> int:
        """How many statements were sent (starting with *verb*, if given)."""
        if verb is None:
            return len(self.statements)
        return sum(1 for s in self.statements if s.lstrip().upper().startswith(verb.upper()))


def loaded(obj: object, key: str) -> Any:
    """*obj*'s value of *key* without going through the attribute (None when absent).

    For asserting that a key was cleared: typed models say ``id`` is an ``int``.
    """
    return obj.__dict__.get(key)


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[Engine]:
    """An engine on the backend under test, with the test tables created; disposed after."""
    async with create_engine(db_url) as made:
        await Base.metadata.create_all(made)
        yield made


@pytest.fixture
def statements(engine: Engine) -> StatementLog:
    """Every statement *engine* sends from now on."""
    log = StatementLog()
    engine.add_listener("before_execute", log)
    return log


@pytest.fixture
async def session(engine: Engine) -> AsyncIterator[AsyncSession]:
    """A session on *engine*, closed afterwards."""
    async with AsyncSession(engine) as made:
        yield made


@pytest.fixture
def collector_on() -> Iterator[None]:
    """The collector enabled for the test, restored to what it was after."""
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was:
            gc.disable()
