"""Connection pools for the driver's own connections; knows nothing of SQL.

``Pool`` (bounded, reused, reset and replaced), ``NullPool`` (a connection
per checkout) and ``StaticPool`` (one shared connection) share the
``BasePool`` interface: ``async with pool.connection() as conn``,
``acquire()``/``release()``, ``invalidate()``, ``dispose()``, ``stats()``.
They pool any connection object; aiosqlite and asyncpg connections are
recognised and reset, pinged and closed properly without being told how.
"""

from __future__ import annotations

from aorm.pool._base import BasePool, ConnectFactory, ConnectionHook, PoolConnection
from aorm.pool.null import NullPool
from aorm.pool.pool import Pool
from aorm.pool.state import PoolState
from aorm.pool.static import StaticPool
from aorm.pool.stats import PoolStats

__all__ = [
    "BasePool",
    "ConnectFactory",
    "ConnectionHook",
    "NullPool",
    "Pool",
    "PoolConnection",
    "PoolState",
    "PoolStats",
    "StaticPool",
]
