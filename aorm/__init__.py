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
from aorm.engine import (
    Connection,
    Engine,
    Result,
    Row,
    ScalarResult,
    Transaction,
    create_engine,
    make_url,
)
from aorm.orm import (
    Base,
    DeclarativeBase,
    Mapped,
    backref,
    configure_mappers,
    declarative_base,
    mapped_column,
    relationship,
)
from aorm.pool import NullPool, Pool, PoolStats, StaticPool
from aorm.session import (
    AsyncSession,
    InstanceState,
    ObjectState,
    async_sessionmaker,
    inspect,
)
from aorm.sql import (
    JSON,
    UUID,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    aliased,
    and_,
    asc,
    bindparam,
    case,
    cast,
    delete,
    desc,
    distinct,
    exists,
    false,
    func,
    insert,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
    text,
    true,
    tuple_,
    union,
    union_all,
    update,
)

__all__ = [
    # engine
    "Connection",
    "Engine",
    "Result",
    "Row",
    "ScalarResult",
    "Transaction",
    "create_engine",
    "make_url",
    # pool
    "NullPool",
    "Pool",
    "PoolStats",
    "StaticPool",
    # schema
    "CheckConstraint",
    "Column",
    "ForeignKey",
    "ForeignKeyConstraint",
    "Index",
    "MetaData",
    "PrimaryKeyConstraint",
    "Table",
    "UniqueConstraint",
    # types
    "JSON",
    "UUID",
    "BigInteger",
    "Boolean",
    "Date",
    "DateTime",
    "Enum",
    "Float",
    "Integer",
    "Interval",
    "LargeBinary",
    "Numeric",
    "SmallInteger",
    "String",
    "Text",
    "Time",
    "TypeDecorator",
    # expressions
    "aliased",
    "and_",
    "asc",
    "bindparam",
    "case",
    "cast",
    "delete",
    "desc",
    "distinct",
    "exists",
    "false",
    "func",
    "insert",
    "literal",
    "literal_column",
    "not_",
    "null",
    "or_",
    "select",
    "text",
    "true",
    "tuple_",
    "union",
    "union_all",
    "update",
    # mapping
    "Base",
    "DeclarativeBase",
    "Mapped",
    "backref",
    "configure_mappers",
    "declarative_base",
    "mapped_column",
    "relationship",
    # session
    "AsyncSession",
    "InstanceState",
    "ObjectState",
    "async_sessionmaker",
    "inspect",
    # errors
    "exc",
]

__version__ = "0.1.0"
