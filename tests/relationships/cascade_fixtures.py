"""Fixtures of the cascade and relationship-flush tests: an engine with their tables, a session.

Imported by the test modules that use them (``from tests.relationships.cascade_fixtures
import ...``), so they do not depend on any ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from aorm.engine import Engine, create_engine
from aorm.session import AsyncSession
from tests.relationships.cascade_models import Base

__all__ = ["StatementLog", "cascade_engine", "cascade_session", "sql_log"]


class StatementLog:
    """The SQL statements an engine sent, as its ``before_execute`` listener."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, sql: str, params: Any) -> None:
        self.statements.append(sql)

    def clear(self) -> None:
        """Forget what was logged."""
        self.statements.clear()

    def count(self, verb: str, table: str | None = None) -> int:
        """How many statements starting with *verb* were sent (naming *table*, if given)."""
        return sum(
            1
            for s in self.statements
            if s.lstrip().upper().startswith(verb.upper()) and (table is None or table in s)
        )


@pytest.fixture
async def cascade_engine(db_url: str) -> AsyncIterator[Engine]:
    """An engine on the backend under test with these tests' tables; disposed after."""
    async with create_engine(db_url) as made:
        await Base.metadata.create_all(made)
        yield made


@pytest.fixture
def sql_log(cascade_engine: Engine) -> StatementLog:
    """Every statement the engine sends from now on."""
    log = StatementLog()
    cascade_engine.add_listener("before_execute", log)
    return log


@pytest.fixture
async def cascade_session(cascade_engine: Engine) -> AsyncIterator[AsyncSession]:
    """A session on the engine, closed afterwards."""
    async with AsyncSession(cascade_engine) as made:
        yield made
