"""Fixtures for engine tests: an engine per backend, and ways to break its connections."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aorm.engine import Engine, create_engine
from tests.engine.support import Backend


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[Engine]:
    """An engine on the backend under test; disposed afterwards."""
    async with create_engine(db_url) as made:
        yield made


@pytest.fixture
def backend_tools(backend: str, db_url: str) -> Backend:
    """Backend-specific fault injection for the backend under test."""
    return Backend(backend, db_url)
