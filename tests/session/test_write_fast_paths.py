"""The write path's shortcuts keep the general path's behaviour.

Constructors that set only columns, ``add_all()`` of new objects, deletes
with nothing to cascade, and INSERTs and UPDATEs sent in chunks each take a shortcut;
these tests pin what the long way did (cascades, back-references, identity
map, undo of a failed flush), on both backends.
"""

from __future__ import annotations

import pytest

from aorm.engine import Engine, create_engine
from aorm.exc import (
    ConcurrentUseError,
    IntegrityError,
    InvalidStateError,
    PendingRollbackError,
    StaleDataError,
)
from aorm.orm import DeclarativeBase, Mapped, mapped_column, relationship
from aorm.orm.instrumentation import STATE_KEY
from aorm.session import AsyncSession, ObjectState, inserting, inspect, persistence
from aorm.sql.constraints import ForeignKey
from aorm.sql.select import select
from aorm.sql.text import text
from aorm.sql.types import String
from tests.session.conftest import StatementLog, loaded
from tests.session.models import Author, Book, User


class _CascadeBase(DeclarativeBase):
    """Its own base: the tables are made by the tests that use them."""


class Shelf(_CascadeBase):
    """A parent whose items go with it: ``passive_deletes`` leaves them to the database."""

    __tablename__ = "shelves"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    items: Mapped[list[Item]] = relationship(
        back_populates="shelf", cascade="all, delete-orphan", passive_deletes=True
    )


class Item(_CascadeBase):
    """The child of :class:`Shelf`."""

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("shelves.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(20))
    shelf: Mapped[Shelf] = relationship(back_populates="items")


def test_a_constructor_of_columns_only_fills_the_dict_and_reports_nothing() -> None:
    user = User(name="ada", age=3)
    assert user.__dict__ == {"name": "ada", "age": 3}
    assert STATE_KEY not in user.__dict__
    assert inspect(user).state is ObjectState.TRANSIENT


def test_a_constructor_with_relationships_keeps_both_sides_in_sync() -> None:
    author = Author(name="le guin")
    book = Book(title="earthsea", author=author)
    assert author.books == [book]
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        User(name="x", nope=1)  # type: ignore[call-arg]


async def test_add_all_makes_new_objects_pending_and_follows_cascades(
    session: AsyncSession, engine: Engine
) -> None:
    author = Author(name="a")
    book = Book(title="t")
    author.books.append(book)
    loose = Book(title="loose", author=Author(name="b"))  # reached from the many side
    plain = User(name="u")
    session.add_all(iter([author, plain, loose, plain]))  # any iterable; repeats are fine
    other = loose.author
    assert other is not None
    everything = (author, book, plain, loose, other)
    assert set(map(id, session.new)) == set(map(id, everything))
    assert all(inspect(o).pending for o in everything)
    await session.commit()
    assert all(inspect(o).persistent for o in everything)
    assert book.author_id == author.id
    assert loose.author_id == other.id
    # A persistent object and a detached one go through the same call.
    session.expunge(plain)
    assert inspect(plain).detached
    session.add_all([plain, author])
    assert inspect(plain).persistent
    assert session.identity_map.get((User, (plain.id,))) is plain


async def test_add_all_refuses_objects_of_another_session(
    session: AsyncSession, engine: Engine
) -> None:
    user = User(name="mine")
    async with AsyncSession(engine) as other:
        other.add(user)
        with pytest.raises(InvalidStateError, match="belongs to another session"):
            session.add_all([User(name="fine"), user])


async def test_inserts_sent_in_chunks_get_their_keys_in_order(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inserting, "INSERT_CHUNK_ROWS", 3)
    users = [User(name=f"u{i}") for i in range(10)]
    session.add_all(users)
    await session.commit()
    ids = [u.id for u in users]
    assert ids == sorted(ids)
    assert len(set(ids)) == 10
    names = (await session.scalars(select(User.name).order_by(User.id))).all()
    assert names == [f"u{i}" for i in range(10)]


async def test_a_failing_chunk_undoes_the_keys_of_the_chunks_before_it(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inserting, "INSERT_CHUNK_ROWS", 2)
    users = [User(name=f"u{i}", email=f"{i}@x") for i in range(5)]
    users[4].email = "0@x"  # the last chunk breaks the unique constraint
    session.add_all(users)
    with pytest.raises(IntegrityError):
        await session.flush()
    for user in users:
        assert inspect(user).pending
        assert loaded(user, "id") is None
    await session.rollback()
    users[4].email = "4@x"
    session.add_all(users)
    await session.commit()
    assert sorted(u.email or "" for u in users) == ["0@x", "1@x", "2@x", "3@x", "4@x"]


@pytest.fixture
async def ten_users_updated_three_at_a_time(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> list[User]:
    """Ten committed users ``u0`` to ``u9``; the flush sends UPDATE groups in chunks of three."""
    monkeypatch.setattr(persistence, "UPDATE_CHUNK_ROWS", 3)
    users = [User(name=f"u{i}") for i in range(10)]
    session.add_all(users)
    await session.commit()
    return users


async def test_updates_sent_in_chunks_reach_every_row(
    session: AsyncSession, statements: StatementLog, ten_users_updated_three_at_a_time: list[User]
) -> None:
    users = ten_users_updated_three_at_a_time
    statements.clear()
    for user in users:
        user.name = user.name + "!"
    await session.commit()
    # Four statements (SQLite: executemany calls) of at most three rows each.
    assert statements.count("UPDATE") == 4
    assert not any(inspect(u).modified for u in users)
    names = (await session.scalars(select(User.name).order_by(User.id))).all()
    assert names == [f"u{i}!" for i in range(10)]


async def test_a_stale_row_in_a_later_update_chunk_fails_the_whole_flush(
    session: AsyncSession, ten_users_updated_three_at_a_time: list[User]
) -> None:
    users = ten_users_updated_three_at_a_time
    # The row of the ninth object goes behind the session's back.
    await session.execute(text("DELETE FROM users WHERE name = 'u8'"))
    for user in users:
        user.name = user.name + "!"
    with pytest.raises(StaleDataError, match="users"):
        await session.flush()
    # Nothing was marked flushed: every object still holds its change.
    assert all(inspect(u).modified for u in users)
    await session.rollback()
    names = (await session.scalars(select(User.name).order_by(User.id))).all()
    assert names == [f"u{i}" for i in range(10)]


async def test_delete_with_nothing_to_cascade_marks_only_the_object(
    session: AsyncSession, engine: Engine
) -> None:
    users = [User(name=f"u{i}") for i in range(3)]
    session.add_all(users)
    await session.commit()
    for user in users:
        await session.delete(user)
        await session.delete(user)  # a second time does nothing
    assert set(map(id, session.deleted)) == set(map(id, users))
    await session.commit()
    assert all(inspect(u).detached for u in users)
    assert (await session.scalars(select(User))).all() == []


async def test_passive_delete_cascade_shortcut_and_loaded_children(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        await _CascadeBase.metadata.create_all(engine)
        if engine.dialect.name == "sqlite":
            async with engine.connect() as conn:
                assert await conn.scalar(text("PRAGMA foreign_keys")) == 1
        async with AsyncSession(engine) as session:
            full = Shelf(name="full", items=[Item(label="a"), Item(label="b")])
            other = Shelf(name="other", items=[Item(label="c")])
            session.add_all([full, other])
            await session.commit()
        async with AsyncSession(engine) as session:
            # Children not loaded: the database deletes them (ON DELETE CASCADE).
            shelf = await session.get(Shelf, full.id)
            assert shelf is not None
            await session.delete(shelf)
            assert session.deleted == [shelf]
            # Children loaded: they are deleted by the session too.
            loaded_shelf = await session.get(Shelf, other.id)
            assert loaded_shelf is not None
            children = await loaded_shelf.awaitable_attrs.items
            await session.delete(loaded_shelf)
            # (The get() autoflushed the first DELETE.)
            assert inspect(shelf).deleted
            assert set(map(id, session.deleted)) == {id(loaded_shelf), id(children[0])}
            await session.commit()
        async with AsyncSession(engine) as session:
            assert (await session.scalars(select(Item))).all() == []
            assert (await session.scalars(select(Shelf))).all() == []
    finally:
        await engine.dispose()


async def test_the_operation_guard_after_a_failed_check(
    session: AsyncSession, engine: Engine
) -> None:
    session.add_all([User(name="a", email="same"), User(name="b", email="same")])
    with pytest.raises(IntegrityError):
        await session.flush()
    # The pending-rollback check fails inside the guard; the guard is free after it.
    with pytest.raises(PendingRollbackError):
        await session.execute(select(User))
    with pytest.raises(PendingRollbackError):
        await session.execute(select(User))
    await session.rollback()
    assert (await session.scalars(select(User))).all() == []


async def test_the_operation_guard_still_refuses_a_second_call(session: AsyncSession) -> None:
    guard = session._guard
    with (
        guard.operation("first"),
        pytest.raises(ConcurrentUseError, match=r"execute\(\) was called while"),
    ):
        await session.execute(select(User))
    assert not guard.busy
    assert (await session.scalars(select(User))).all() == []


async def test_a_delete_without_cascades_is_refused_while_an_operation_runs(
    session: AsyncSession,
) -> None:
    # The short path of delete() awaits nothing, so it only checks the guard.
    user = User(name="ada")
    session.add(user)
    await session.commit()
    guard = session._guard
    with (
        guard.operation("commit"),
        pytest.raises(ConcurrentUseError, match=r"delete\(\) was called while .*commit\(\)"),
    ):
        await session.delete(user)
    assert not guard.busy
    assert not inspect(user).deleted
    assert user not in session.deleted
    await session.delete(user)
    await session.commit()
    assert await session.get(User, user.id) is None


async def test_a_delete_without_cascades_is_refused_after_a_failed_flush(
    session: AsyncSession,
) -> None:
    ada = User(name="ada")
    session.add_all([ada, User(name="grace")])
    await session.commit()
    session.add(User(id=ada.id, name="twin"))  # the same key: the flush fails
    with pytest.raises(IntegrityError):
        await session.flush()
    with pytest.raises(PendingRollbackError):
        await session.delete(ada)
    assert not session._guard.busy
    await session.rollback()
    await session.delete(ada)
    await session.commit()
    assert (await session.scalars(select(User.name))).all() == ["grace"]
