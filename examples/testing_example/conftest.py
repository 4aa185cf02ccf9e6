"""Tell aorm's pytest plugin which tables the tests need: the app's metadata."""

from __future__ import annotations

import pytest

from aorm.sql import MetaData
from testing_example.app import Base


@pytest.fixture(scope="session")
def aorm_metadata() -> MetaData:
    """The app's tables, created once for the test session."""
    return Base.metadata
