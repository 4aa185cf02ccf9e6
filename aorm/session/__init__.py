"""Sessions: object states, the identity map, loading, the unit of work, ``AsyncSession``.

``AsyncSession(engine)`` (or an :class:`async_sessionmaker`) tracks objects
through their lifecycle (:class:`ObjectState`, read with :func:`inspect`),
keeps one object per row in its :class:`IdentityMap`, turns rows into
objects without per-attribute overhead, loads relationships by their
loader strategies and the loader options of a query (:func:`selectinload`
and its siblings), and sends changes in dependency order in batched
statements when it flushes.
"""

from __future__ import annotations

from aorm.session.awaitable_attrs import AsyncAttrs, AwaitableAttrs
from aorm.session.dynamic import DynamicCollection
from aorm.session.events import SESSION_EVENTS
from aorm.session.identity import IdentityKey, IdentityMap, identity_key
from aorm.session.lazy_load_guard import LazyLoadWarning
from aorm.session.loader_options import (
    LoaderOption,
    defaultload,
    joinedload,
    lazyload,
    noload,
    raiseload,
    selectinload,
    subqueryload,
)
from aorm.session.query import Query
from aorm.session.session import AsyncSession
from aorm.session.sessionmaker import async_sessionmaker
from aorm.session.state import InstanceState, ObjectState, inspect
from aorm.session.strategies import LoaderStrategy, register_strategy
from aorm.session.transaction import SessionTransaction, SessionTransactionState

__all__ = [
    "SESSION_EVENTS",
    "AsyncAttrs",
    "AsyncSession",
    "AwaitableAttrs",
    "DynamicCollection",
    "IdentityKey",
    "IdentityMap",
    "InstanceState",
    "LazyLoadWarning",
    "LoaderOption",
    "LoaderStrategy",
    "ObjectState",
    "Query",
    "SessionTransaction",
    "SessionTransactionState",
    "async_sessionmaker",
    "defaultload",
    "identity_key",
    "inspect",
    "joinedload",
    "lazyload",
    "noload",
    "raiseload",
    "register_strategy",
    "selectinload",
    "subqueryload",
]
