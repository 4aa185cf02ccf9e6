"""Select-IN loading over a foreign key with no index: a semi-join on PostgreSQL.

``col = ANY($1)`` in a generic plan tests each row against the whole array;
over an unindexed key column the loader sends ``col IN (SELECT unnest($1))``
instead (a hash semi-join in any plan). Indexed columns keep ``= ANY``.
SQLite renders both as its usual ``IN``. The rows are the same everywhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aorm.engine import Engine, create_engine
from aorm.orm import DeclarativeBase, Mapped, mapped_column, relationship
from aorm.session import AsyncSession, selectinload
from aorm.session.relationship_sql import is_indexed
from aorm.sql.constraints import ForeignKey
from aorm.sql.select import select
from aorm.sql.text import text
from aorm.sql.types import String
from tests.relationships.conftest import StatementLog


class Base(DeclarativeBase):
    """The declarative base of these tests."""


class Owner(Base):
    """A parent with three kinds of children."""

    __tablename__ = "owners"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    loose: Mapped[list[Loose]] = relationship(order_by="Loose.id")
    indexed: Mapped[list[Indexed]] = relationship(order_by="Indexed.id")
    by_code: Mapped[list[Coded]] = relationship(order_by="Coded.id")


class Loose(Base):
    """A child whose foreign key has no index."""

    __tablename__ = "loose"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id"))


class Indexed(Base):
    """A child whose foreign key is indexed."""

    __tablename__ = "indexed"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id"), index=True)


class Coded(Base):
    """A child referring to its owner's string code (no index)."""

    __tablename__ = "coded"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_code: Mapped[str | None] = mapped_column(ForeignKey("owners.code"))


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[Engine]:
    """An engine with these tables: 30 owners, each with a few children of each kind."""
    async with create_engine(db_url) as made:
        await Base.metadata.create_all(made)
        async with AsyncSession(made) as session:
            for i in range(1, 31):
                owner = Owner(id=i, code=f"c{i}")
                session.add(owner)
                session.add_all(Loose(id=i * 10 + j, owner_id=i) for j in range(i % 4))
                session.add_all(Indexed(id=i * 10 + j, owner_id=i) for j in range(i % 3))
                session.add_all(Coded(id=i * 10 + j, owner_code=f"c{i}") for j in range(i % 2 + 1))
            await session.commit()
        yield made


def test_which_columns_count_as_indexed() -> None:
    assert not is_indexed(Loose.__table__.c.owner_id)
    assert is_indexed(Indexed.__table__.c.owner_id)
    assert is_indexed(Owner.__table__.c.id)
    assert is_indexed(Owner.__table__.c.code)
    assert not is_indexed(Coded.__table__.c.owner_code)


async def _load(engine: Engine) -> dict[int, tuple[list[int], list[int], list[int]]]:
    async with AsyncSession(engine) as session:
        owners = await session.scalars(
            select(Owner)
            .options(
                selectinload(Owner.loose),
                selectinload(Owner.indexed),
                selectinload(Owner.by_code),
            )
            .order_by(Owner.id)
        )
        return {
            o.id: ([c.id for c in o.loose], [c.id for c in o.indexed], [c.id for c in o.by_code])
            for o in owners
        }


def _expected() -> dict[int, tuple[list[int], list[int], list[int]]]:
    return {
        i: (
            [i * 10 + j for j in range(i % 4)],
            [i * 10 + j for j in range(i % 3)],
            [i * 10 + j for j in range(i % 2 + 1)],
        )
        for i in range(1, 31)
    }


async def test_the_statement_form_and_the_rows(
    engine: Engine, statements: StatementLog, backend: str
) -> None:
    statements.clear()
    assert await _load(engine) == _expected()
    loose = next(s for s in statements.statements if 'FROM "loose"' in s)
    indexed = next(s for s in statements.statements if 'FROM "indexed"' in s)
    coded = next(s for s in statements.statements if 'FROM "coded"' in s)
    if backend == "postgresql":
        assert '"loose"."owner_id" IN (SELECT unnest($1::INTEGER[]))' in loose
        assert '"coded"."owner_code" IN (SELECT unnest($1::VARCHAR(20)[]))' in coded
        assert '"indexed"."owner_id" = ANY($1)' in indexed
    else:
        assert "unnest" not in loose
        assert "ANY" not in indexed


async def test_the_rows_under_a_generic_plan(engine: Engine, db_url: str, backend: str) -> None:
    if backend == "sqlite":
        assert await _load(engine) == _expected()
        return
    database = engine.url.database
    async with engine.begin() as conn:
        # Every prepared statement planned once, for any parameter values.
        await conn.execute(
            text(f'ALTER DATABASE "{database}" SET plan_cache_mode = force_generic_plan')
        )
    generic = create_engine(db_url)  # new connections take the database's setting
    try:
        async with generic.connect() as conn:
            mode = await conn.scalar(text("SHOW plan_cache_mode"))
        assert mode == "force_generic_plan"
        for _ in range(7):
            assert await _load(generic) == _expected()
    finally:
        await generic.dispose()
        async with engine.begin() as conn:
            await conn.execute(text(f'ALTER DATABASE "{database}" RESET plan_cache_mode'))
