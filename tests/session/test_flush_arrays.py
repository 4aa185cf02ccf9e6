"""Many-row UPDATEs and DELETEs of a flush: one statement of arrays on PostgreSQL, checked.

On SQLite the rows go as one executemany; on PostgreSQL as one
``UPDATE … FROM unnest(…)`` / ``DELETE … USING unnest(…)`` taking an array
per column, whose row count is checked, so a row that vanished (or whose
version moved on) raises :class:`~aorm.exc.StaleDataError` on both
backends, versioned or not.
"""

from __future__ import annotations

from typing import Any

import pytest

from aorm.engine import Engine, create_engine
from aorm.exc import ArgumentError, CompileError, StaleDataError
from aorm.orm import DeclarativeBase, Mapped, mapped_column
from aorm.session import AsyncSession, inspect
from aorm.sql.array_dml import DeleteFromArrays, UpdateFromArrays
from aorm.sql.schema import Column, MetaData, Table
from aorm.sql.select import select
from aorm.sql.text import text
from aorm.sql.types import JSON, Integer, String
from tests.session.conftest import StatementLog
from tests.session.models import Document, Event, Setting, User


class _JsonBase(DeclarativeBase):
    """A base of its own: its table is created by the test that uses it."""


class Profile(_JsonBase):
    """A JSON column: not sent as a plain array, so its UPDATEs stay an executemany."""

    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[Any] = mapped_column(JSON)
    label: Mapped[str] = mapped_column(String(20))


async def _users(session: AsyncSession, count: int) -> list[User]:
    users = [User(name=f"u{i}", age=i) for i in range(count)]
    session.add_all(users)
    await session.commit()
    return users


async def test_many_rows_go_in_one_update(
    session: AsyncSession, statements: StatementLog, backend: str
) -> None:
    users = await _users(session, 5)
    for user in users:
        user.name = user.name.upper()
    statements.clear()
    await session.commit()
    updates = [s for s in statements.statements if s.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 1
    assert ("unnest(" in updates[0]) is (backend == "postgresql")
    names = (await session.scalars(select(User.name).order_by(User.id))).all()
    assert names == ["U0", "U1", "U2", "U3", "U4"]


async def test_rows_setting_different_columns_get_their_own_statement(
    session: AsyncSession, engine: Engine
) -> None:
    users = await _users(session, 4)
    users[0].name = "first"
    users[1].name = "second"
    users[2].age = 20
    users[3].age = 30
    await session.commit()
    async with AsyncSession(engine) as other:
        rows = (await other.execute(select(User.name, User.age).order_by(User.id))).all()
    assert [tuple(r) for r in rows] == [("first", 0), ("second", 1), ("u2", 20), ("u3", 30)]


async def test_none_values_and_key_changes_are_sent(session: AsyncSession, engine: Engine) -> None:
    users = await _users(session, 3)
    for user in users:
        user.age = None
        user.id = user.id + 100
    await session.commit()
    async with AsyncSession(engine) as other:
        rows = (await other.execute(select(User.id, User.age).order_by(User.id))).all()
    assert [tuple(r) for r in rows] == [(u.id, None) for u in users]
    assert all(u.id > 100 for u in users)
    assert await session.get(User, users[0].id) is users[0]


async def test_composite_keys(session: AsyncSession, engine: Engine) -> None:
    settings = [Setting(scope="app", name=f"s{i}", value="old") for i in range(3)]
    session.add_all(settings)
    await session.commit()
    for setting in settings:
        setting.value = "new"
    await session.commit()
    async with AsyncSession(engine) as other:
        values = (await other.scalars(select(Setting.value))).all()
    assert values == ["new", "new", "new"]


async def test_unversioned_rows_that_vanished_are_stale(
    session: AsyncSession, engine: Engine
) -> None:
    users = await _users(session, 4)
    async with AsyncSession(engine) as other:
        await other.execute(text("DELETE FROM users WHERE name = 'u2'"))
        await other.commit()
    for user in users:
        user.name = user.name + "!"
    with pytest.raises(StaleDataError, match=r"'users' expected to match 4 row\(s\) but matched 3"):
        await session.flush()
    # The failed flush left the objects as they were: their changes are still pending.
    assert [u.name for u in users] == ["u0!", "u1!", "u2!", "u3!"]
    await session.rollback()


async def test_versioned_rows_are_checked_and_counted_up(
    session: AsyncSession, engine: Engine
) -> None:
    docs = [Document(body=f"d{i}") for i in range(3)]
    session.add_all(docs)
    await session.commit()
    for doc in docs:
        doc.body = doc.body + "+"
    await session.commit()
    assert [d.version for d in docs] == [2, 2, 2]
    async with AsyncSession(engine) as other:
        theirs = await other.get(Document, docs[1].id)
        assert theirs is not None
        theirs.body = "theirs"
        await other.commit()
    for doc in docs:
        doc.body = "mine"
    with pytest.raises(StaleDataError, match="version"):
        await session.flush()
    # The version counters the failed flush set were put back.
    assert [d.version for d in docs] == [2, 2, 2]
    await session.rollback()
    async with AsyncSession(engine) as other:
        bodies = (await other.scalars(select(Document.body).order_by(Document.id))).all()
    assert bodies == ["d0+", "theirs", "d2+"]


async def test_python_onupdate_values_go_in_the_arrays(
    session: AsyncSession, engine: Engine
) -> None:
    events = [Event(title=f"e{i}") for i in range(3)]
    session.add_all(events)
    await session.commit()
    for event in events:
        event.title = event.title.upper()
    await session.commit()
    # ``touched`` has a Python onupdate; ``changed_at`` a SQL one (an executemany then).
    assert [e.touched for e in events] == [1, 1, 1]
    async with AsyncSession(engine) as other:
        rows = (await other.execute(select(Event.title, Event.touched).order_by(Event.id))).all()
        stamped = (await other.scalars(select(Event.changed_at))).all()
    assert [tuple(r) for r in rows] == [("E0", 1), ("E1", 1), ("E2", 1)]
    assert all(value is not None for value in stamped)


async def test_columns_not_sent_as_arrays_fall_back_to_one_update_per_row(
    db_url: str, backend: str
) -> None:
    engine = create_engine(db_url)
    log = StatementLog()
    engine.add_listener("before_execute", log)
    try:
        await _JsonBase.metadata.create_all(engine)
        async with AsyncSession(engine) as session:
            profiles = [Profile(data={"n": i}, label=f"p{i}") for i in range(3)]
            session.add_all(profiles)
            await session.commit()
            for profile in profiles:
                profile.data = {"n": profile.id, "tags": ["a", "b"]}
            log.clear()
            await session.commit()
            assert not any("unnest(" in s for s in log.statements)
            for profile in profiles:
                profile.label = profile.label.upper()
            log.clear()
            await session.commit()
            assert any("unnest(" in s for s in log.statements) is (backend == "postgresql")
        async with AsyncSession(engine) as session:
            rows = (await session.execute(select(Profile.data, Profile.label))).all()
        assert sorted((r[0]["n"], r[0]["tags"], r[1]) for r in rows) == [
            (p.id, ["a", "b"], p.label) for p in sorted(profiles, key=lambda p: p.id)
        ]
    finally:
        await engine.dispose()


async def test_versioned_and_composite_key_deletes_go_in_one_statement(
    session: AsyncSession, statements: StatementLog, backend: str
) -> None:
    docs = [Document(body=f"d{i}") for i in range(3)]
    settings = [Setting(scope="app", name=f"s{i}") for i in range(3)]
    session.add_all([*docs, *settings])
    await session.commit()
    for obj in (*docs, *settings):
        await session.delete(obj)
    statements.clear()
    await session.commit()
    deletes = [s for s in statements.statements if s.lstrip().upper().startswith("DELETE")]
    assert len(deletes) == 2  # one per table (on SQLite an executemany each)
    assert all(("USING unnest(" in s) is (backend == "postgresql") for s in deletes)
    assert (await session.scalars(select(Document))).all() == []
    assert (await session.scalars(select(Setting))).all() == []


async def test_versioned_deletes_of_changed_rows_are_stale(
    session: AsyncSession, engine: Engine
) -> None:
    docs = [Document(body=f"d{i}") for i in range(3)]
    session.add_all(docs)
    await session.commit()
    async with AsyncSession(engine) as other:
        theirs = await other.get(Document, docs[2].id)
        assert theirs is not None
        theirs.body = "theirs"
        await other.commit()
    for doc in docs:
        await session.delete(doc)
    with pytest.raises(StaleDataError, match=r"DELETE of 'documents' expected to match 3"):
        await session.flush()
    assert all(inspect(d).persistent for d in docs)
    await session.rollback()
    async with AsyncSession(engine) as other:
        assert len((await other.scalars(select(Document))).all()) == 3


async def test_composite_key_deletes_of_vanished_rows_are_stale(
    session: AsyncSession, engine: Engine
) -> None:
    settings = [Setting(scope="app", name=f"s{i}") for i in range(3)]
    session.add_all(settings)
    await session.commit()
    async with AsyncSession(engine) as other:
        await other.execute(text("DELETE FROM settings WHERE name = 's1'"))
        await other.commit()
    for setting in settings:
        await session.delete(setting)
    with pytest.raises(StaleDataError, match="expected to match 3 row"):
        await session.flush()
    await session.rollback()


# -- the statements themselves ------------------------------------------------------

_metadata = MetaData()
_table = Table(
    "t",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
    Column("version", Integer),
)


def test_statement_sql_on_postgresql() -> None:
    dialect = create_engine("postgresql://u@localhost/db").dialect
    stmt = UpdateFromArrays(
        _table,
        [("new:name", _table.c.name)],
        [("old:id", _table.c.id), ("old:version", _table.c.version)],
    )
    compiled, literals = dialect.compile(stmt)
    assert compiled.sql == (
        'UPDATE "t" SET "name" = "aorm_rows"."c0" FROM unnest($1::VARCHAR(20)[], '
        '$2::INTEGER[], $3::INTEGER[]) AS "aorm_rows"("c0", "c1", "c2") '
        'WHERE "t"."id" = "aorm_rows"."c1" AND "t"."version" = "aorm_rows"."c2"'
    )
    assert compiled.is_write
    assert not compiled.returns_rows
    args = compiled.bind(
        literals, {"new:name": ["a", None], "old:id": [1, 2], "old:version": [1, 1]}
    )
    assert args == [["a", None], [1, 2], [1, 1]]


def test_statement_values_are_checked_like_the_column_type() -> None:
    dialect = create_engine("postgresql://u@localhost/db").dialect
    stmt = UpdateFromArrays(_table, [("n", _table.c.name)], [("k", _table.c.id)])
    compiled, literals = dialect.compile(stmt)
    with pytest.raises(Exception, match="does not fit"):
        compiled.bind(literals, {"n": ["x" * 21], "k": [1]})


def test_sqlite_has_no_such_statement(tmp_path: Any) -> None:
    dialect = create_engine(f"sqlite:///{tmp_path / 'x.db'}").dialect
    stmt = UpdateFromArrays(_table, [("n", _table.c.name)], [("k", _table.c.id)])
    assert not dialect.compiler.can_use_arrays(stmt.columns)
    with pytest.raises(CompileError, match="cannot UPDATE rows of 't' from arrays"):
        dialect.compile(stmt)


def test_bad_statements_are_refused() -> None:
    other = Table("o", MetaData(), Column("id", Integer, primary_key=True))
    with pytest.raises(ArgumentError, match="needs columns"):
        UpdateFromArrays(_table, [], [("k", _table.c.id)])
    with pytest.raises(ArgumentError, match="repeats a parameter name"):
        UpdateFromArrays(_table, [("k", _table.c.name)], [("k", _table.c.id)])
    with pytest.raises(ArgumentError, match="is not a column of 't'"):
        UpdateFromArrays(_table, [("n", _table.c.name)], [("k", other.c.id)])


def test_delete_statement_sql_on_postgresql(tmp_path: Any) -> None:
    dialect = create_engine("postgresql://u@localhost/db").dialect
    stmt = DeleteFromArrays(_table, [("old:id", _table.c.id), ("old:version", _table.c.version)])
    compiled, literals = dialect.compile(stmt)
    assert compiled.sql == (
        'DELETE FROM "t" USING unnest($1::INTEGER[], $2::INTEGER[]) AS "aorm_rows"("c0", "c1") '
        'WHERE "t"."id" = "aorm_rows"."c0" AND "t"."version" = "aorm_rows"."c1"'
    )
    assert compiled.bind(literals, {"old:id": [1, 2], "old:version": [3, 4]}) == [[1, 2], [3, 4]]
    sqlite = create_engine(f"sqlite:///{tmp_path / 'x.db'}").dialect
    with pytest.raises(CompileError, match="cannot DELETE rows of 't' by arrays"):
        sqlite.compile(stmt)
    with pytest.raises(ArgumentError, match="needs columns to match"):
        DeleteFromArrays(_table, [])
