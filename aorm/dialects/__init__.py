"""Backends: SQLite over aiosqlite, PostgreSQL over asyncpg.

Each backend is a :class:`~aorm.dialects.base.Dialect` (connecting, SQL
flavour, :class:`~aorm.dialects.base.Capabilities`, error translation) whose
:class:`~aorm.dialects.base.DialectConnection` runs compiled SQL on a driver
connection. :func:`~aorm.dialects.registry.dialect_class_for` picks one by
URL scheme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aorm.dialects.base import (
    Capabilities,
    Dialect,
    DialectConnection,
    DialectCursor,
    ExecResult,
    URLLike,
)
from aorm.dialects.cache import CacheStats, CompiledCache
from aorm.dialects.registry import dialect_class_for, supported_schemes

if TYPE_CHECKING:
    from aorm.dialects.postgresql import PGDialect
    from aorm.dialects.sqlite import SQLiteDialect

__all__ = [
    "URLLike",
    "CacheStats",
    "Capabilities",
    "CompiledCache",
    "Dialect",
    "DialectConnection",
    "DialectCursor",
    "ExecResult",
    "PGDialect",
    "SQLiteDialect",
    "dialect_class_for",
    "supported_schemes",
]


def __getattr__(name: str) -> Any:
    # The dialect classes load on first use (see registry.SCHEMES).
    if name == "PGDialect":
        return dialect_class_for("postgresql")
    if name == "SQLiteDialect":
        return dialect_class_for("sqlite")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
