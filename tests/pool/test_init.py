"""The declared surface of ``aorm.pool``."""

from __future__ import annotations

import inspect

import aorm.pool
from aorm.pool import BasePool, NullPool, Pool, StaticPool


def test_public_names_are_exactly_these() -> None:
    assert sorted(aorm.pool.__all__) == [
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


def test_every_public_class_and_method_has_a_docstring() -> None:
    for name in aorm.pool.__all__:
        value = getattr(aorm.pool, name)
        if not inspect.isclass(value):
            continue
        assert inspect.getdoc(value), name
        for attribute, member in vars(value).items():
            if attribute.startswith("_") or not callable(member):
                continue
            assert inspect.getdoc(member), f"{name}.{attribute}"


def test_every_pool_shares_the_base_interface() -> None:
    for pool_class in (Pool, NullPool, StaticPool):
        assert issubclass(pool_class, BasePool)
        for method in ("open", "acquire", "release", "invalidate", "dispose", "stats"):
            assert not getattr(getattr(pool_class, method), "__isabstractmethod__", False)
