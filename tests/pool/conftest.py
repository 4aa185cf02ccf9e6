"""Fixtures for the pool tests: a fake connector and pools disposed after each test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from aorm.pool import Pool
from tests.pool.fakes import FakeConnection, FakeConnector

MakePool = Callable[..., Pool[FakeConnection]]


@pytest.fixture
def connector() -> FakeConnector:
    """A fresh fake connect factory."""
    return FakeConnector()


@pytest.fixture
async def make_pool(connector: FakeConnector) -> AsyncIterator[MakePool]:
    """``make_pool(**options)``: a Pool over the fake connector, disposed after the test."""
    pools: list[Pool[FakeConnection]] = []

    def make(**options: Any) -> Pool[FakeConnection]:
        pool: Pool[FakeConnection] = Pool(connector, **options)
        pools.append(pool)
        return pool

    yield make
    loop = asyncio.get_running_loop()
    for pool in pools:
        if pool._loop is None or pool._loop is loop:
            await pool.dispose()
