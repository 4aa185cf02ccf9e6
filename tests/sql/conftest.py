"""Shared schema and engine fixtures for the SQL layer's tests."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator

import pytest

from aorm.engine import Engine, create_engine
from aorm.sql import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)


class Status(enum.Enum):
    """A small enum for Enum columns."""

    ACTIVE = "active"
    BLOCKED = "blocked"


class Schema:
    """users / addresses / tags: the tables most compile tests use."""

    def __init__(self) -> None:
        self.metadata = MetaData()
        self.users = Table(
            "users",
            self.metadata,
            Column("id", Integer, primary_key=True),
            Column("name", String(50), nullable=False),
            Column("bio", Text),
            Column("active", Boolean, default=True),
            Column("status", Enum(Status)),
            Column("data", JSON),
            Column("avatar", LargeBinary),
            Column("created", DateTime(timezone=True)),
        )
        self.addresses = Table(
            "addresses",
            self.metadata,
            Column("id", Integer, primary_key=True),
            Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
            Column("email", String(100), nullable=False, unique=True),
        )


@pytest.fixture
def schema() -> Schema:
    """A fresh users/addresses schema."""
    return Schema()


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[Engine]:
    """An engine on the backend under test, disposed afterwards."""
    created = create_engine(db_url)
    try:
        yield created
    finally:
        await created.dispose()
