"""Fixtures for the tests of ``aorm.testing``: pytester, and an engine per backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aorm.engine import Engine, create_engine
from tests.testing.models import Base

# Runs small test suites that use the plugin in a subprocess of their own.
pytest_plugins = ["pytester"]


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[Engine]:
    """An engine on the backend under test, with the test tables created; disposed after."""
    async with create_engine(db_url) as made:
        await Base.metadata.create_all(made)
        yield made
