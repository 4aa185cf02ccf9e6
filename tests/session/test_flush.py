"""The unit of work: dependency order, batching, keys, defaults, partial updates, versions."""

from __future__ import annotations

from typing import Any

import pytest

from aorm.engine import Engine
from aorm.exc import ExpiredAttributeError, StaleDataError
from aorm.session import AsyncSession, inspect
from aorm.session.unit_of_work import build_flush_plan, sort_mappers
from aorm.sql.dml import update
from aorm.sql.select import select
from aorm.sql.text import text
from tests.session.conftest import StatementLog, loaded
from tests.session.models import Address, Document, Event, Node, User


async def test_ten_thousand_objects_get_their_own_keys_in_order(
    session: AsyncSession, statements: StatementLog
) -> None:
    users = [User(name=f"user {i}") for i in range(10_000)]
    session.add_all(users)
    await session.flush()
    ids = [u.id for u in users]
    assert ids == sorted(ids)
    assert len(set(ids)) == 10_000
    inserts = statements.count("INSERT")
    assert 1 <= inserts <= 10  # multi-row batches under the bind-parameter limit
    rows = (await session.execute(select(User.id, User.name).order_by(User.id))).all()
    assert [tuple(r) for r in rows] == [(u.id, u.name) for u in users]


async def test_parents_are_inserted_before_children(session: AsyncSession) -> None:
    session.add(Address(id=1, user_id=10, street="Main St"))
    session.add(User(id=10, name="ada"))
    await session.commit()
    assert (await session.get(Address, 1)) is not None


async def test_children_are_deleted_before_parents(session: AsyncSession) -> None:
    user = User(id=10, name="ada")
    address = Address(id=1, user_id=10, street="Main St")
    session.add_all([user, address])
    await session.commit()
    await session.delete(user)
    await session.delete(address)
    await session.commit()
    assert (await session.scalars(select(User))).all() == []


def test_mapper_order_follows_foreign_keys() -> None:
    order = sort_mappers([Address.__mapper__, User.__mapper__])
    assert order == [User.__mapper__, Address.__mapper__]


async def test_self_referencing_rows_are_ordered_per_row(
    engine: Engine, session: AsyncSession
) -> None:
    sent: list[Any] = []
    engine.add_listener("before_execute", lambda sql, params: sent.append((sql, params)))
    leaf = Node(id=3, parent_id=2, label="leaf")
    middle = Node(id=2, parent_id=1, label="middle")
    root = Node(id=1, parent_id=None, label="root")
    session.add_all([leaf, middle, root])
    plan = build_flush_plan([inspect(leaf), inspect(middle), inspect(root)], [], [])
    assert [s.object for s in plan.saves[0].inserts] == [root, middle, leaf]
    await session.commit()
    insert_sql, insert_params = next((sql, p) for sql, p in sent if sql.startswith("INSERT INTO"))
    if "unnest(" in insert_sql:  # PostgreSQL sends one array per column: back to rows
        insert_params = [value for row in zip(*insert_params, strict=True) for value in row]
    assert insert_params[:3] == [1, None, "root"]
    deletes = build_flush_plan([], [], [inspect(root), inspect(middle), inspect(leaf)])
    assert [s.object for s in deletes.deletes[0].deletes] == [leaf, middle, root]
    for node in (root, middle, leaf):
        await session.delete(node)
    await session.commit()


async def test_defaults_and_server_defaults_are_there_after_flush(
    session: AsyncSession, statements: StatementLog
) -> None:
    event = Event(title="launch")
    session.add(event)
    await session.flush()
    statements.clear()
    assert event.status == "new"
    assert event.priority == 5
    assert event.created is not None
    assert event.weight == 1  # a Python callable default
    assert event.kind == "plain"
    assert statements.count() == 0  # fetched back with RETURNING: no IO now
    given = Event(title="given", status="done", weight=9)
    session.add(given)
    await session.commit()
    assert given.status == "done"
    assert given.weight == 9
    assert given.priority == 5


async def test_onupdate_values(session: AsyncSession) -> None:
    event = Event(title="launch")
    session.add(event)
    await session.commit()
    assert loaded(event, "touched") is None  # onupdate= applies to UPDATEs only
    event.title = "relaunch"
    await session.commit()
    assert event.touched == 1  # a Python onupdate: computed, so known
    with pytest.raises(ExpiredAttributeError, match=r"Event\.changed_at"):
        _ = event.changed_at  # a SQL onupdate: the database's value is not loaded
    assert await event.awaitable_attrs.changed_at is not None


async def test_update_sends_changed_columns_only(
    engine: Engine, session: AsyncSession, statements: StatementLog
) -> None:
    user = User(name="ada", age=36)
    session.add(user)
    await session.commit()
    async with AsyncSession(engine) as other:
        await other.execute(update(User).where(User.id == user.id).values(age=99))
        await other.commit()
    statements.clear()
    user.name = "grace"
    await session.commit()
    (sql,) = [s for s in statements.statements if s.startswith("UPDATE")]
    assert "name" in sql
    assert "age" not in sql
    row = (await session.execute(text("SELECT name, age FROM users"))).one()
    assert tuple(row) == ("grace", 99)  # the other session's change survives


async def test_updates_and_deletes_are_batched(
    session: AsyncSession, statements: StatementLog
) -> None:
    users = [User(name=f"u{i}") for i in range(5)]
    session.add_all(users)
    await session.commit()
    for user in users:
        user.name = user.name.upper()
    users[0].age = 1  # another column set: its own statement
    statements.clear()
    await session.flush()
    assert statements.count("UPDATE") == 2
    for user in users:
        await session.delete(user)
    statements.clear()
    await session.flush()
    assert statements.count("DELETE") == 1
    assert (await session.scalars(select(User))).all() == []


async def test_update_of_a_vanished_row_is_stale(engine: Engine, session: AsyncSession) -> None:
    user = User(name="ada")
    session.add(user)
    await session.commit()
    async with AsyncSession(engine) as other:
        await other.execute(text("DELETE FROM users"))
        await other.commit()
    user.name = "grace"
    with pytest.raises(StaleDataError, match="users"):
        await session.flush()
    await session.rollback()


async def test_delete_of_a_vanished_row_is_stale(engine: Engine, session: AsyncSession) -> None:
    users = [User(name="ada"), User(name="grace")]
    session.add_all(users)
    await session.commit()
    async with AsyncSession(engine) as other:
        await other.execute(text("DELETE FROM users WHERE name = 'ada'"))
        await other.commit()
    for user in users:
        await session.delete(user)
    with pytest.raises(StaleDataError, match="expected to match 2"):
        await session.flush()
    await session.rollback()


async def test_version_counter(engine: Engine, session: AsyncSession) -> None:
    doc = Document(body="draft")
    session.add(doc)
    await session.commit()
    assert doc.version == 1
    doc.body = "second"
    await session.commit()
    assert doc.version == 2
    async with AsyncSession(engine) as other:
        theirs = await other.get(Document, doc.id)
        assert theirs is not None
        theirs.body = "theirs"
        await other.commit()
        assert theirs.version == 3
    doc.body = "mine"
    with pytest.raises(StaleDataError, match="version"):
        await session.flush()
    await session.rollback()
    await session.refresh(doc)
    assert doc.body == "theirs"
    assert doc.version == 3
    await session.delete(doc)
    await session.commit()


async def test_versioned_delete_is_stale_when_the_row_changed(
    engine: Engine, session: AsyncSession
) -> None:
    docs = [Document(body="a"), Document(body="b")]
    session.add_all(docs)
    await session.commit()
    async with AsyncSession(engine) as other:
        theirs = await other.get(Document, docs[1].id)
        assert theirs is not None
        theirs.body = "changed"
        await other.commit()
    for doc in docs:
        await session.delete(doc)
    with pytest.raises(StaleDataError):
        await session.flush()
    await session.rollback()


async def test_versioned_updates_of_many_rows(session: AsyncSession) -> None:
    docs = [Document(body=str(i)) for i in range(3)]
    session.add_all(docs)
    await session.commit()
    for doc in docs:
        doc.body += "!"
    await session.commit()
    assert [d.version for d in docs] == [2, 2, 2]


async def test_changing_the_primary_key_rekeys_the_identity_map(session: AsyncSession) -> None:
    user = User(id=1, name="ada")
    session.add(user)
    await session.commit()
    user.id = 2
    await session.commit()
    assert await session.get(User, 2) is user
    assert (User, (1,)) not in session.identity_map
