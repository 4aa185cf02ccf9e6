"""IntegrityError names what was violated: constraint, table, columns, on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aorm import exc
from aorm.engine import Engine, create_engine
from aorm.sql import text

SCHEMA = (
    "CREATE TABLE owners (id INTEGER PRIMARY KEY)",
    "CREATE TABLE pets ("
    " id INTEGER PRIMARY KEY,"
    " name VARCHAR(20) NOT NULL,"
    " tag VARCHAR(20),"
    " kind VARCHAR(20),"
    " owner_id INTEGER CONSTRAINT fk_pets_owner REFERENCES owners (id),"
    " legs INTEGER CONSTRAINT ck_pets_legs CHECK (legs >= 0),"
    " CONSTRAINT uq_pets_tag_kind UNIQUE (tag, kind))",
    "INSERT INTO pets (id, name, tag, kind) VALUES (1, 'rex', 't1', 'dog')",
)


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[Engine]:
    async with create_engine(db_url) as made:
        async with made.begin() as conn:
            for statement in SCHEMA:
                await conn.execute(text(statement))
        yield made


async def violate(engine: Engine, sql: str) -> exc.IntegrityError:
    with pytest.raises(exc.IntegrityError) as caught:
        async with engine.begin() as conn:
            await conn.execute(text(sql))
    error = caught.value
    assert error.statement is not None
    assert sql.split(" (")[0] in error.statement
    return error


async def test_a_unique_violation_names_table_and_columns(engine: Engine, backend: str) -> None:
    error = await violate(
        engine, "INSERT INTO pets (id, name, tag, kind) VALUES (2, 'a', 't1', 'dog')"
    )
    assert error.table == error.table_name == "pets"
    assert error.columns == ("tag", "kind")
    if backend == "postgresql":
        assert error.constraint == error.constraint_name == "uq_pets_tag_kind"
        assert "uq_pets_tag_kind" in str(error)
    else:
        assert "pets.tag, pets.kind" in str(error)


async def test_a_primary_key_violation_names_the_key(engine: Engine) -> None:
    error = await violate(engine, "INSERT INTO pets (id, name) VALUES (1, 'again')")
    assert error.table == "pets"
    assert error.columns == ("id",)


async def test_a_not_null_violation_names_the_column(engine: Engine) -> None:
    error = await violate(engine, "INSERT INTO pets (id) VALUES (3)")
    assert error.table == "pets"
    assert error.columns == ("name",)
    assert "name" in str(error)


async def test_a_check_violation_names_the_constraint(engine: Engine) -> None:
    error = await violate(engine, "INSERT INTO pets (id, name, legs) VALUES (4, 'x', -1)")
    assert error.constraint == "ck_pets_legs"
    assert "ck_pets_legs" in str(error)


async def test_a_foreign_key_violation_is_an_integrity_error(engine: Engine, backend: str) -> None:
    error = await violate(engine, "INSERT INTO pets (id, name, owner_id) VALUES (5, 'x', 99)")
    if backend == "postgresql":
        # SQLite's message names neither the table nor the constraint.
        assert error.constraint == "fk_pets_owner"
        assert error.table == "pets"
    assert "FOREIGN KEY" in str(error).upper()
