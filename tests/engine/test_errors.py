"""Driver errors reach the caller as the same aorm.exc class on both backends."""

from __future__ import annotations

import pytest

from aorm import exc
from aorm.engine import Engine
from aorm.sql.text import text

SCHEMA = [
    "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
    "CREATE TABLE child ("
    " id INTEGER PRIMARY KEY,"
    " email VARCHAR(50) NOT NULL CONSTRAINT child_email_key UNIQUE,"
    " parent_id INTEGER REFERENCES parent (id),"
    " age INTEGER CONSTRAINT child_age_positive CHECK (age > 0))",
    "INSERT INTO parent (id) VALUES (1)",
    "INSERT INTO child (id, email, parent_id, age) VALUES (1, 'a@x', 1, 30)",
]


@pytest.fixture
async def schema(engine: Engine) -> Engine:
    async with engine.begin() as conn:
        for statement in SCHEMA:
            await conn.execute(text(statement))
    return engine


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("INSERT INTO child (id, email) VALUES (2, 'a@x')", exc.IntegrityError),
        ("INSERT INTO child (id, email) VALUES (1, 'b@x')", exc.IntegrityError),
        ("INSERT INTO child (id, email) VALUES (2, NULL)", exc.IntegrityError),
        ("INSERT INTO child (id, email, parent_id) VALUES (2, 'b@x', 99)", exc.IntegrityError),
        ("INSERT INTO child (id, email, age) VALUES (2, 'b@x', -1)", exc.IntegrityError),
        ("SELEKT 1", exc.ProgrammingError),
        ("SELECT * FROM missing_table", exc.ProgrammingError),
        ("SELECT missing_column FROM child", exc.ProgrammingError),
        ("CREATE TABLE parent (id INTEGER)", exc.ProgrammingError),
    ],
    ids=[
        "unique",
        "primary-key",
        "not-null",
        "foreign-key",
        "check",
        "syntax",
        "unknown-table",
        "unknown-column",
        "table-exists",
    ],
)
async def test_same_mistake_same_class(schema: Engine, sql: str, error: type[Exception]) -> None:
    async with schema.connect() as conn:
        with pytest.raises(error) as caught:
            await conn.execute(text(sql))
    assert type(caught.value) is error
    cause = caught.value.__cause__
    assert cause is not None
    assert type(cause).__module__.split(".")[0] in {"sqlite3", "asyncpg"}
    assert schema.pool.stats().checked_out == 0
    assert schema.pool.stats().invalidated == 0


async def test_integrity_errors_name_the_table(schema: Engine) -> None:
    async with schema.connect() as conn:
        with pytest.raises(exc.IntegrityError) as caught:
            await conn.execute(text("INSERT INTO child (id, email) VALUES (2, 'a@x')"))
    assert caught.value.table == "child"
    assert "SQL: INSERT INTO child" in str(caught.value)


async def test_check_violations_name_the_constraint(schema: Engine) -> None:
    async with schema.connect() as conn:
        with pytest.raises(exc.IntegrityError) as caught:
            await conn.execute(text("INSERT INTO child (id, email, age) VALUES (2, 'b@x', 0)"))
    assert caught.value.constraint == "child_age_positive"


async def test_a_failed_statement_leaves_the_connection_usable(schema: Engine) -> None:
    async with schema.connect() as conn:
        with pytest.raises(exc.IntegrityError):
            await conn.execute(text("INSERT INTO child (id, email) VALUES (1, 'dup')"))
        await conn.rollback()
        assert await conn.scalar(text("SELECT count(*) FROM child")) == 1


async def test_an_error_inside_a_savepoint_can_be_undone(schema: Engine) -> None:
    async with schema.begin() as conn:
        savepoint = await conn.begin_nested()
        with pytest.raises(exc.IntegrityError):
            await conn.execute(text("INSERT INTO child (id, email) VALUES (1, 'dup')"))
        await savepoint.rollback()
        await conn.execute(text("INSERT INTO child (id, email) VALUES (2, 'ok@x')"))
    async with schema.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM child")) == 2


async def test_error_messages_state_the_detail_once(schema: Engine) -> None:
    async with schema.connect() as conn:
        with pytest.raises(exc.IntegrityError) as caught:
            await conn.execute(text("INSERT INTO child (id, email) VALUES (1, 'b@x')"))
    assert str(caught.value).count("DETAIL") <= 1
