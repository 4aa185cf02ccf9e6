"""Engines, connections, transactions and results: running SQL on a pooled connection.

``create_engine(url, **options)`` makes an :class:`Engine` (a dialect and a
pool); ``async with engine.connect() as conn`` checks a :class:`Connection`
out; ``await conn.execute(statement, params)`` returns a :class:`Result`.
"""

from __future__ import annotations

from aorm.engine.async_result import AsyncMappingResult, AsyncResult, AsyncScalarResult
from aorm.engine.connection import Connection, ConnectionState
from aorm.engine.create import create_engine
from aorm.engine.engine import Engine, EngineTransaction, ExecuteListener
from aorm.engine.result import MappingResult, Result, ScalarResult
from aorm.engine.row import Row, RowMapping
from aorm.engine.transaction import Transaction, TransactionState
from aorm.engine.url import URL, make_url

__all__ = [
    "URL",
    "AsyncMappingResult",
    "AsyncResult",
    "AsyncScalarResult",
    "Connection",
    "ConnectionState",
    "Engine",
    "EngineTransaction",
    "ExecuteListener",
    "MappingResult",
    "Result",
    "Row",
    "RowMapping",
    "ScalarResult",
    "Transaction",
    "TransactionState",
    "create_engine",
    "make_url",
]
