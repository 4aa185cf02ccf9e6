"""aorm: an async-first ORM and connection pool for SQLite and PostgreSQL.

Layers, bottom up; a layer imports only those below it (checked by
import-linter, see ``pyproject.toml``):

0. ``aorm.exc``, ``aorm._typing``, ``aorm._concurrency``: errors, type aliases,
   cancellation-safe cleanup.
1. ``aorm.pool`` (connections, no SQL) | ``aorm.sql`` (schema, types,
   expressions and compiler, no IO).
2. ``aorm.dialects``: SQLite over aiosqlite, PostgreSQL over asyncpg.
3. ``aorm.engine``: ``create_engine``, ``Engine``, ``Connection``, ``Result``.
4. ``aorm.orm``: declarative mapping, no IO.
5. ``aorm.session``: object states, identity map, unit of work, ``AsyncSession``.
6. ``aorm.testing``, ``aorm.ext``: the pytest plugin and integrations.
"""

from __future__ import annotations

from aorm import exc
from aorm.sql.text import text

__all__ = [
    "exc",
    "text",
]

__version__ = "0.1.0"
