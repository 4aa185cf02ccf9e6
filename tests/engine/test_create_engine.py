"""create_engine(): schemes, options, pools; Engine basics, dispose and reuse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aorm import exc
from aorm.dialects.postgresql import PGDialect
from aorm.dialects.sqlite import SQLiteDialect
from aorm.engine import Engine, create_engine
from aorm.pool import NullPool, Pool, StaticPool
from aorm.sql.text import text


@pytest.mark.parametrize(
    ("url", "dialect"),
    [
        ("sqlite:///x.db", SQLiteDialect),
        ("sqlite+aiosqlite:///x.db", SQLiteDialect),
        ("postgresql://h/d", PGDialect),
        ("postgresql+asyncpg://h/d", PGDialect),
        ("postgres://h/d", PGDialect),
    ],
)
def test_schemes_choose_the_dialect(url: str, dialect: type[object]) -> None:
    assert type(create_engine(url).dialect) is dialect


def test_an_unknown_scheme_fails_at_once_naming_the_supported_ones() -> None:
    with pytest.raises(exc.ArgumentError) as caught:
        create_engine("mysql://h/d")
    message = str(caught.value)
    assert "'mysql'" in message
    for scheme in ("sqlite", "sqlite+aiosqlite", "postgresql", "postgresql+asyncpg", "postgres"):
        assert scheme in message
    with pytest.raises(exc.ArgumentError, match="'postgresql\\+psycopg'"):
        create_engine("postgresql+psycopg://h/d")


def test_an_unknown_option_is_named() -> None:
    with pytest.raises(
        exc.ArgumentError, match="unknown create_engine\\(\\) option\\(s\\): colour"
    ):
        create_engine("sqlite://", colour="blue")


def test_an_unknown_pool_option_is_named() -> None:
    with pytest.raises(exc.ArgumentError, match="unknown pool option pool_colour for Pool"):
        create_engine("postgresql://h/d", pool_colour="blue")


def test_pool_options_reach_the_pool() -> None:
    engine = create_engine(
        "postgresql://h/d",
        pool_size=3,
        max_overflow=2,
        pool_timeout=4.0,
        pool_min_size=1,
        pool_max_waiting=7,
    )
    assert isinstance(engine.pool, Pool)
    stats = engine.pool.stats()
    assert (stats.size, stats.max_overflow, stats.min_size) == (3, 2, 1)
    assert engine.pool.name == "postgresql://h/d"


def test_a_memory_database_gets_a_static_pool() -> None:
    assert isinstance(create_engine("sqlite:///:memory:").pool, StaticPool)
    assert isinstance(create_engine("sqlite://").pool, StaticPool)
    assert isinstance(create_engine("sqlite:///file.db").pool, Pool)


def test_poolclass_is_honoured_and_options_it_lacks_are_refused() -> None:
    assert isinstance(create_engine("sqlite:///x.db", poolclass=NullPool).pool, NullPool)
    with pytest.raises(exc.ArgumentError, match="pool_pre_ping=True is not an option of NullPool"):
        create_engine("sqlite:///x.db", poolclass=NullPool, pool_pre_ping=True)


def test_bad_option_values_are_refused() -> None:
    with pytest.raises(exc.ArgumentError, match="isolation_level"):
        create_engine("sqlite:///x.db", isolation_level="READ COMMITTED")
    with pytest.raises(exc.ArgumentError, match="statement_cache_size"):
        create_engine("sqlite:///x.db", statement_cache_size=-5)


@pytest.mark.parametrize(
    ("option", "value"),
    [("pool_size", "a"), ("max_overflow", -1), ("pool_timeout", -1), ("pool_recycle", "q")],
)
async def test_a_bad_pool_value_is_named_as_create_engine_spells_it(
    db_url: str, option: str, value: object
) -> None:
    kwargs: dict[str, Any] = {option: value}
    with pytest.raises(exc.ArgumentError, match=rf"^create_engine\(\): {option} must be "):
        create_engine(db_url, **kwargs)


def test_repr_hides_the_password() -> None:
    engine = create_engine("postgresql://user:hunter2@host/db")
    assert repr(engine) == (
        "<Engine postgresql://user:***@host/db dialect=postgresql "
        "Pool size=5 max_overflow=10 checked_out=0>"
    )
    assert "hunter2" not in repr(engine.pool)
    assert engine.url.password == "hunter2"
    assert engine.name == "postgresql"


async def test_dispose_closes_connections_and_the_engine_can_be_used_again(
    engine: Engine,
) -> None:
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT 1")) == 1
    first_pool = engine.pool
    assert first_pool.stats().idle == 1
    await engine.dispose()
    assert first_pool.closed
    assert first_pool.stats().idle == 0
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT 2")) == 2
    assert engine.pool is not first_pool
    await engine.dispose()
    await engine.dispose()


async def test_engine_as_a_context_manager_disposes(db_url: str) -> None:
    async with create_engine(db_url) as engine:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        pool = engine.pool
    assert pool.closed


async def test_statement_cache_counts_hits(engine: Engine) -> None:
    async with engine.connect() as conn:
        for _ in range(3):
            await conn.execute(text("SELECT CAST(:x AS INTEGER)"), {"x": 1})
    stats = engine.dialect.compiled_cache.stats()
    assert (stats.misses, stats.hits) == (1, 2)


async def test_a_relative_sqlite_path_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with create_engine("sqlite:///relative.db") as engine, engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (v INTEGER)"))
    assert (tmp_path / "relative.db").exists()
