"""The backend matrix: every test that asks for ``db_url`` runs on SQLite and PostgreSQL.

PostgreSQL tests run in a scratch database created for this test session off
``AORM_TEST_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``),
so concurrent runs never see each other's tables; its ``public`` schema is
emptied before each test.
"""

from __future__ import annotations

import asyncio
import gc
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", "postgresql"]


def _base_pg_url() -> str:
    return os.environ.get("AORM_TEST_PG_URL", DEFAULT_PG_URL)


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _driver_url(url: str) -> str:
    # asyncpg accepts only the plain postgresql:// scheme.
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _admin(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(_driver_url(url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a PostgreSQL database created for this test session, dropped after it."""
    base = _base_pg_url()
    name = f"aorm_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(base, name)
    finally:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend under test: ``"sqlite"`` or ``"postgresql"``."""
    name: str = request.param
    return name


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A URL to an empty database on the backend under test."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    url: str = request.getfixturevalue("pg_url")
    asyncio.run(_admin(url, "DROP SCHEMA IF EXISTS public CASCADE", "CREATE SCHEMA public"))
    return url


@pytest.fixture(autouse=True)
def _collector_thresholds_kept() -> Iterator[None]:
    """Each test leaves the collector's thresholds as it found them.

    mypy's API, which the typing tests run in this process, raises them for
    good (to 200,000 new objects a young collection), and every later test
    would run under them.
    """
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)
