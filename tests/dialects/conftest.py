"""Fixtures for dialect tests: a dialect and one of its connections, per backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aorm.dialects.base import Dialect, DialectConnection
from aorm.dialects.registry import dialect_class_for
from aorm.engine.url import make_url


@pytest.fixture
def dialect(db_url: str) -> Dialect:
    """The dialect for the backend under test."""
    url = make_url(db_url)
    return dialect_class_for(url.drivername)(url)


@pytest.fixture
async def dconn(dialect: Dialect) -> AsyncIterator[DialectConnection]:
    """A fresh driver connection of the backend under test, wrapped; closed afterwards."""
    raw = await dialect.connect()
    connection = dialect.wrap(raw)
    try:
        yield connection
    finally:
        if connection.broken:
            await connection.discard()
        else:
            await connection.finish()
            await dialect.close(raw)
