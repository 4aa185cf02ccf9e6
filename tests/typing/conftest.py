"""Fixtures of the typing tests: an engine per backend with the models' tables and rows."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aorm.engine import Engine, create_engine
from aorm.session import AsyncSession
from tests.typing.models import Base, seed


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[Engine]:
    """An engine on the backend under test with two users and their addresses; disposed after."""
    async with create_engine(db_url) as made:
        await Base.metadata.create_all(made)
        async with AsyncSession(made) as session:
            await seed(session)
        yield made


@pytest.fixture
async def session(engine: Engine) -> AsyncIterator[AsyncSession]:
    """A fresh session on *engine*, closed after the test."""
    async with AsyncSession(engine) as made:
        yield made
