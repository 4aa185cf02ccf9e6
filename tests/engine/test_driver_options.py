"""Driver options through create_engine: connect_args, URL options, statements, isolation."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from aorm import exc
from aorm.dialects.sqlite import SQLiteDialect
from aorm.engine import create_engine
from aorm.sql.text import text


@pytest.fixture
async def pg_clean_url(pg_url: str) -> str:
    """The session's PostgreSQL database with an empty public schema."""
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()
    return pg_url


@pytest.mark.postgresql_only
async def test_connect_args_server_settings_set_application_name(pg_clean_url: str) -> None:
    async with (
        create_engine(
            pg_clean_url, connect_args={"server_settings": {"application_name": "aorm-args"}}
        ) as engine,
        engine.connect() as conn,
    ):
        assert await conn.scalar(text("SHOW application_name")) == "aorm-args"


@pytest.mark.postgresql_only
async def test_url_options_pass_through_to_asyncpg(pg_clean_url: str) -> None:
    engine = create_engine(f"{pg_clean_url}?application_name=aorm-url")
    async with engine, engine.connect() as conn:
        assert await conn.scalar(text("SHOW application_name")) == "aorm-url"


@pytest.mark.postgresql_only
async def test_prepared_statements_false_works_without_named_statements(
    pg_clean_url: str,
) -> None:
    engine = create_engine(pg_clean_url, prepared_statements=False)
    async with engine, engine.begin() as conn:
        assert conn.driver_connection._stmt_cache.get_max_size() == 0
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"))
        await conn.execute(
            text("INSERT INTO t (id, name) VALUES (:id, :name)"),
            [{"id": i, "name": f"n{i}"} for i in range(20)],
        )
        for _ in range(3):
            name = await conn.scalar(text("SELECT name FROM t WHERE id = :id"), {"id": 4})
            assert name == "n4"
        stream = await conn.stream(text("SELECT id FROM t ORDER BY id"), chunk_size=6)
        assert [i async for i in stream.scalars()] == list(range(20))
        async with conn.begin_nested():
            await conn.execute(text("UPDATE t SET name = 'x' WHERE id < :id"), {"id": 5})
        prepared = await conn.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
        assert prepared == 0


@pytest.mark.postgresql_only
@pytest.mark.parametrize(
    ("level", "shown"),
    [
        ("READ COMMITTED", "read committed"),
        ("REPEATABLE READ", "repeatable read"),
        ("SERIALIZABLE", "serializable"),
    ],
)
async def test_postgresql_isolation_levels(pg_clean_url: str, level: str, shown: str) -> None:
    engine = create_engine(pg_clean_url, isolation_level=level)
    async with engine, engine.connect() as conn:
        assert await conn.scalar(text("SHOW transaction_isolation")) == shown


async def test_autocommit_commits_every_statement_on_its_own(db_url: str) -> None:
    async with create_engine(db_url, isolation_level="AUTOCOMMIT") as engine:
        async with engine.connect() as conn:
            await conn.execute(text("CREATE TABLE t (v INTEGER)"))
            await conn.execute(text("INSERT INTO t (v) VALUES (1)"))
            await conn.rollback()
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM t")) == 1


@pytest.mark.sqlite_only
def test_sqlite_refuses_levels_it_cannot_honour(tmp_path: Path) -> None:
    for level in ("READ COMMITTED", "REPEATABLE READ"):
        with pytest.raises(exc.ArgumentError, match="not supported by sqlite"):
            create_engine(f"sqlite:///{tmp_path}/x.db", isolation_level=level)


@pytest.mark.sqlite_only
async def test_sqlite_serializable_takes_the_write_lock_for_every_transaction(
    tmp_path: Path,
) -> None:
    async with create_engine(
        f"sqlite:///{tmp_path}/s.db", isolation_level="SERIALIZABLE"
    ) as engine:
        dialect = engine.dialect
        assert isinstance(dialect, SQLiteDialect)
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            assert dialect.writer_lock.locked()
        assert not dialect.writer_lock.locked()


@pytest.mark.sqlite_only
async def test_sqlite_foreign_keys_are_enforced(tmp_path: Path) -> None:
    async with create_engine(f"sqlite:///{tmp_path}/fk.db") as engine:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE p (id INTEGER PRIMARY KEY)"))
            await conn.execute(text("CREATE TABLE c (p INTEGER REFERENCES p (id))"))
        with pytest.raises(exc.IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO c (p) VALUES (42)"))
