"""Fixtures of the relationship tests: an engine per backend, a session, a statement log.

The engine has no tables: each group of tests creates its own models' tables
(``loading_data`` creates and fills those of ``loading_models``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from aorm.engine import Engine, create_engine
from aorm.session import AsyncSession, loading
from tests.relationships.loading_models import Data, create_tables, seed, seed_libraries


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


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[Engine]:
    """An engine on the backend under test (no tables); disposed after the test."""
    async with create_engine(db_url) as made:
        yield made


@pytest.fixture
async def session(engine: Engine) -> AsyncIterator[AsyncSession]:
    """A session on *engine*, closed after the test."""
    async with AsyncSession(engine) as made:
        yield made


@pytest.fixture
def statements(engine: Engine) -> StatementLog:
    """Every statement *engine* sends from now on."""
    log = StatementLog()
    engine.add_listener("before_execute", log)
    return log


@pytest.fixture
async def loading_data(engine: Engine) -> Data:
    """The loading tests' tables on *engine*, with their data (see ``loading_models``)."""
    await create_tables(engine)
    data = await seed(engine)
    await seed_libraries(engine)
    return data


@pytest.fixture(params=[None, 2], ids=["rows in one chunk", "rows in chunks of two"])
def hydration_chunks(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading (plain and select-IN) hydrates its rows as they come, or two rows at a time.

    Small chunks put objects met before (repeated rows, objects made by an
    earlier chunk) in chunks after ones that made only new objects.
    """
    if request.param is not None:
        monkeypatch.setattr(loading, "HYDRATION_CHUNK_ROWS", request.param)
