"""``create_engine()``: a URL and options in, an :class:`~aorm.engine.engine.Engine` out."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from aorm.dialects.registry import dialect_class_for
from aorm.engine.engine import Engine
from aorm.engine.url import URL, make_url
from aorm.exc import ArgumentError
from aorm.pool import BasePool, Pool, StaticPool

__all__ = ["create_engine"]

#: Rows of the compiled-statement cache kept per engine, by default.
DEFAULT_STATEMENT_CACHE_SIZE = 500


def create_engine(
    url: str | URL,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout: float | None = 30.0,
    pool_recycle: float | None = None,
    pool_pre_ping: bool = False,
    echo: bool = False,
    poolclass: Callable[..., BasePool[Any]] | None = None,
    connect_args: Mapping[str, Any] | None = None,
    isolation_level: str | None = None,
    statement_cache_size: int = DEFAULT_STATEMENT_CACHE_SIZE,
    prepared_statements: bool = True,
    **options: Any,
) -> Engine:
    """An engine for *url* (``sqlite:///app.db``, ``postgresql://user:pw@host/db``, …).

    Nothing connects yet: the pool opens connections on first use. Pool
    options: ``pool_size``, ``max_overflow``, ``pool_timeout``,
    ``pool_recycle``, ``pool_pre_ping`` and any other ``pool_<name>`` option
    of the pool class (``pool_min_size=2``, ``pool_max_waiting=100``, …).
    ``poolclass`` picks ``Pool`` (default), ``NullPool`` or ``StaticPool``
    (the default for ``sqlite:///:memory:``, whose database lives in its one
    connection). ``connect_args`` go to the driver's connect call as they
    are; ``isolation_level`` is ``"READ COMMITTED"``, ``"REPEATABLE READ"``,
    ``"SERIALIZABLE"`` or ``"AUTOCOMMIT"`` as the backend allows;
    ``statement_cache_size`` bounds the compiled-statement cache (0: off);
    ``prepared_statements=False`` turns asyncpg's prepared-statement cache
    off (pgbouncer in transaction mode).

    An unknown scheme, option or value raises :class:`~aorm.exc.ArgumentError`
    at once, naming it.
    """
    parsed = make_url(url)
    dialect_class = dialect_class_for(parsed.drivername)
    extra_pool: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in options.items():
        if key.startswith("pool_") and len(key) > len("pool_"):
            extra_pool[key[len("pool_") :]] = value
        else:
            unknown.append(key)
    if unknown:
        raise ArgumentError(
            f"unknown create_engine() option(s): {', '.join(sorted(unknown))} "
            "(pool options are spelled pool_<name>)"
        )
    dialect = dialect_class(
        parsed,
        connect_args=connect_args,
        isolation_level=isolation_level,
        statement_cache_size=statement_cache_size,
        prepared_statements=prepared_statements,
    )
    chosen: Callable[..., BasePool[Any]] = poolclass or (
        StaticPool if dialect.single_connection else Pool
    )
    # Options with their documented defaults go only to pool classes that
    # take them; one set to anything else must be taken, or it is an error.
    defaults = {
        "size": (pool_size, 5, "pool_size"),
        "max_overflow": (max_overflow, 10, "max_overflow"),
        "timeout": (pool_timeout, 30.0, "pool_timeout"),
        "recycle": (pool_recycle, None, "pool_recycle"),
        "pre_ping": (pool_pre_ping, False, "pool_pre_ping"),
        "ping": (dialect.ping, None, ""),
        "reset": (dialect.reset, None, ""),
        "close": (dialect.close, None, ""),
        "name": (str(parsed), None, ""),
    }
    accepted = _parameters(chosen)
    pool_kwargs: dict[str, Any] = {}
    for name, (value, default, option) in defaults.items():
        if name in accepted:
            pool_kwargs[name] = value
        elif option and value != default:
            raise ArgumentError(f"{option}={value!r} is not an option of {_name(chosen)}")
    for name, value in extra_pool.items():
        if name not in accepted or name == "connect":
            raise ArgumentError(
                f"unknown pool option pool_{name} for {_name(chosen)}; it accepts: "
                + ", ".join(f"pool_{p}" for p in sorted(accepted) if p != "connect")
            )
        pool_kwargs[name] = value

    def make_pool() -> BasePool[Any]:
        try:
            return chosen(dialect.connect, **pool_kwargs)
        except ArgumentError as error:
            raise ArgumentError(_as_engine_option(str(error))) from None

    return Engine(parsed, dialect, make_pool, echo=echo)


def _parameters(pool_class: Callable[..., BasePool[Any]]) -> frozenset[str]:
    """The keyword parameters *pool_class*'s constructor takes."""
    try:
        signature = inspect.signature(pool_class)
    except (TypeError, ValueError):
        return frozenset()
    return frozenset(
        name
        for name, parameter in signature.parameters.items()
        if parameter.kind in (parameter.KEYWORD_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    )


# The pool's parameter names, as create_engine() spells them.
_ENGINE_OPTION_NAMES = {
    "size": "pool_size",
    "max_overflow": "max_overflow",
    "timeout": "pool_timeout",
    "recycle": "pool_recycle",
    "pre_ping": "pool_pre_ping",
}


def _as_engine_option(message: str) -> str:
    """A pool's message about its parameter, naming the create_engine() option instead."""
    name, _, rest = message.partition(" ")
    option = _ENGINE_OPTION_NAMES.get(name)
    if option is None:
        return message
    return f"create_engine(): {option} {rest}"


def _name(pool_class: Callable[..., BasePool[Any]]) -> str:
    return getattr(pool_class, "__name__", repr(pool_class))
