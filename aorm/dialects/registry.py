"""Which dialect serves which URL scheme."""

from __future__ import annotations

from aorm.dialects.base import Dialect
from aorm.dialects.postgresql import PGDialect
from aorm.dialects.sqlite import SQLiteDialect
from aorm.exc import ArgumentError

__all__ = ["SCHEMES", "dialect_class_for", "supported_schemes"]

#: URL scheme (``backend`` or ``backend+driver``) → dialect class.
SCHEMES: dict[str, type[Dialect]] = {
    "sqlite": SQLiteDialect,
    "sqlite+aiosqlite": SQLiteDialect,
    "postgresql": PGDialect,
    "postgresql+asyncpg": PGDialect,
    "postgres": PGDialect,
}


def supported_schemes() -> tuple[str, ...]:
    """Every URL scheme aorm can connect to, sorted."""
    return tuple(sorted(SCHEMES))


def dialect_class_for(scheme: str) -> type[Dialect]:
    """The dialect class for *scheme*; :class:`~aorm.exc.ArgumentError` names unknown ones."""
    try:
        return SCHEMES[scheme.lower()]
    except KeyError:
        raise ArgumentError(
            f"unknown database URL scheme {scheme!r}; supported schemes: "
            f"{', '.join(supported_schemes())}"
        ) from None
