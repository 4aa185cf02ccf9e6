"""User mistakes raise an aorm.exc error that names what was wrong and the fix."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from aorm import exc
from aorm.engine import Engine, create_engine
from aorm.session import AsyncSession
from aorm.sql import select, text
from tests.session.models import Author, Base, Book, User


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[Engine]:
    async with create_engine(db_url) as made:
        await Base.metadata.create_all(made)
        yield made


async def test_a_plain_sql_string_is_refused_with_the_fix(engine: Engine) -> None:
    # Typed code is told by the type checker; untyped code by the error.
    sql: Any = "SELECT 1"
    number: Any = 42
    async with engine.connect() as conn:
        with pytest.raises(exc.ArgumentError, match=r"not str 'SELECT 1'.*text\('SELECT 1'\)"):
            await conn.execute(sql)
        with pytest.raises(exc.ArgumentError, match=r"expected a statement .* not int 42"):
            await conn.execute(number)
        assert await conn.scalar(text("SELECT 1")) == 1  # the connection is still usable
    async with AsyncSession(engine) as session:
        for run in (session.execute, session.scalars, session.stream):
            with pytest.raises(exc.ArgumentError, match=r"wrap SQL strings in text\(\)"):
                await run(sql)


async def test_an_unmapped_object_is_named(engine: Engine) -> None:
    class Plain:
        pass

    async with AsyncSession(engine) as session:
        with pytest.raises(exc.ArgumentError, match=r"Plain is not mapped .*aorm\.Base"):
            session.add(Plain())


async def test_scalars_with_a_column_the_rows_do_not_have(engine: Engine) -> None:
    async with AsyncSession(engine) as session:
        result = await session.execute(select(User.name, User.email))
        with pytest.raises(exc.ArgumentError, match=r"scalars\(2\): .* 2 column\(s\): name, email"):
            result.scalars(2)
        assert result.scalars(1).all() == []


def test_joining_a_relationship_attribute_says_how() -> None:
    with pytest.raises(exc.ArgumentError, match=r"\.join\(Target, Parent\.relationship\)"):
        select(Book).join(Author.books)
