"""Which dialect serves which URL scheme."""

from __future__ import annotations

import importlib

from aorm.dialects.base import Dialect
from aorm.exc import ArgumentError

__all__ = ["SCHEMES", "dialect_class_for", "supported_schemes"]

#: URL scheme (``backend`` or ``backend+driver``) → the module and class of its
#: dialect. A dialect is imported when a URL first asks for it: a program on
#: one backend never loads the other's code.
SCHEMES: dict[str, tuple[str, str]] = {
    "sqlite": ("aorm.dialects.sqlite", "SQLiteDialect"),
    "sqlite+aiosqlite": ("aorm.dialects.sqlite", "SQLiteDialect"),
    "postgresql": ("aorm.dialects.postgresql", "PGDialect"),
    "postgresql+asyncpg": ("aorm.dialects.postgresql", "PGDialect"),
    "postgres": ("aorm.dialects.postgresql", "PGDialect"),
}


def supported_schemes() -> tuple[str, ...]:
    """Every URL scheme aorm can connect to, sorted."""
    return tuple(sorted(SCHEMES))


def dialect_class_for(scheme: str) -> type[Dialect]:
    """The dialect class for *scheme*; :class:`~aorm.exc.ArgumentError` names unknown ones."""
    try:
        module, name = SCHEMES[scheme.lower()]
    except KeyError:
        raise ArgumentError(
            f"unknown database URL scheme {scheme!r}; supported schemes: "
            f"{', '.join(supported_schemes())}"
        ) from None
    found: type[Dialect] = getattr(importlib.import_module(module), name)
    return found
