"""create_all / drop_all against real databases, cycles included."""

from __future__ import annotations

import pytest

from aorm.engine import Engine
from aorm.exc import ArgumentError, IntegrityError
from aorm.sql import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
    text,
    update,
)


def _cyclic_schema() -> tuple[MetaData, Table, Table, Table]:
    metadata = MetaData(naming_convention={"fk": "fk_%(table_name)s_%(column_0_name)s"})
    employees = Table(
        "employees",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("manager_id", ForeignKey("employees.id")),
        Column("dept_id", ForeignKey("departments.id", ondelete="SET NULL")),
        Column("name", String(30), nullable=False, index=True),
    )
    departments = Table(
        "departments",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("head_id", ForeignKey("employees.id")),
        Column("title", String(30), unique=True),
    )
    projects = Table(
        "projects",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("dept_id", ForeignKey("departments.id", ondelete="CASCADE"), nullable=False),
    )
    return metadata, employees, departments, projects


async def _table_names(engine: Engine) -> set[str]:
    if engine.dialect.name == "sqlite":
        query = text("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        query = text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    async with engine.connect() as conn:
        return set((await conn.execute(query)).scalars().all())


async def test_create_all_and_drop_all_with_self_and_mutual_references(engine: Engine) -> None:
    metadata, employees, departments, projects = _cyclic_schema()
    await metadata.create_all(engine)
    await metadata.create_all(engine)  # checkfirst: existing tables are left alone
    assert await _table_names(engine) >= {"employees", "departments", "projects"}
    async with engine.begin() as conn:
        await conn.execute(insert(employees).values(id=1, name="boss"))
        await conn.execute(insert(departments).values(id=1, head_id=1, title="R&D"))
        await conn.execute(update(employees).values(dept_id=1))
        await conn.execute(insert(employees).values(id=2, name="dev", manager_id=1, dept_id=1))
        await conn.execute(insert(projects).values(dept_id=1))
    # Both foreign keys of the cycle are enforced.
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(departments).values(id=2, head_id=99))
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(employees).values(id=3, name="x", dept_id=99))
    async with engine.connect() as conn:
        team = await conn.execute(select(employees.c.name).where(employees.c.manager_id == 1))
        assert team.scalars().all() == ["dev"]
    await metadata.drop_all(engine)  # with rows in the cycle
    assert not (await _table_names(engine)) & {"employees", "departments", "projects"}
    await metadata.drop_all(engine)  # nothing left: IF EXISTS


async def test_create_all_on_a_connection_inside_a_transaction(engine: Engine) -> None:
    metadata, *_ = _cyclic_schema()
    async with engine.begin() as conn:
        await metadata.create_all(conn)
        count = await conn.execute(select(func.count()).select_from(metadata.tables["projects"]))
        assert count.scalar_one() == 0
        await metadata.drop_all(conn)
    assert not (await _table_names(engine)) & {"employees", "departments", "projects"}


async def test_create_all_names_both_ends_of_an_unknown_foreign_key(engine: Engine) -> None:
    metadata = MetaData()
    Table("orphans", metadata, Column("id", Integer), Column("p", ForeignKey("ghosts.id")))
    with pytest.raises(ArgumentError, match=r"orphans\.p refers to unknown table 'ghosts'"):
        await metadata.create_all(engine)
    assert "orphans" not in await _table_names(engine)


async def test_create_all_of_selected_tables(engine: Engine) -> None:
    metadata, employees, departments, projects = _cyclic_schema()
    await metadata.create_all(engine, tables=[employees, departments])
    names = await _table_names(engine)
    assert {"employees", "departments"} <= names
    assert "projects" not in names
    await metadata.create_all(engine)
    assert "projects" in await _table_names(engine)
    with pytest.raises(ArgumentError, match="belongs to another MetaData"):
        await MetaData().create_all(engine, tables=[projects])


async def test_comments_reach_the_catalog_on_postgresql(engine: Engine, backend: str) -> None:
    metadata = MetaData()
    Table(
        "notes",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("body", String(50), comment="what the user wrote, it's free text"),
        comment="one row per note",
    )
    await metadata.create_all(engine)
    async with engine.connect() as conn:
        if backend == "postgresql":
            table_comment = await conn.scalar(text("SELECT obj_description('notes'::regclass)"))
            column_comment = await conn.scalar(text("SELECT col_description('notes'::regclass, 2)"))
            assert table_comment == "one row per note"
            assert column_comment == "what the user wrote, it's free text"
        else:
            # SQLite keeps no comments; the table is created all the same.
            assert await conn.scalar(text("SELECT count(*) FROM notes")) == 0
