"""The flush's per-object passes: new states made in a batch, relationship work narrowed.

``add_all()`` makes the states of a run of new objects of one class itself;
a flush looks for foreign keys, orphans and association rows only among
the objects holding relationship values; updated objects are held strongly
until the flush has marked them. Each is checked against the behaviour it
must keep.
"""

from __future__ import annotations

import gc

import pytest

from aorm.engine import Engine
from aorm.exc import ArgumentError, IntegrityError
from aorm.session import AsyncSession, inspect
from aorm.sql.functions import func
from aorm.sql.select import select
from tests.session.models import Address, Author, Book, User


async def test_add_all_of_mixed_classes_makes_each_state_with_its_own_mapper(
    session: AsyncSession,
) -> None:
    known = User(name="known")
    session.add(known)
    await session.flush()
    objects: list[object] = []
    for i in range(4):
        objects += [User(name=f"u{i}"), Author(name=f"a{i}"), User(name=f"v{i}")]
    objects.append(known)  # already in the session: left as it is
    session.add_all(iter(objects))  # any iterable, consumed once
    for obj in objects[:-1]:
        state = inspect(obj)
        assert state.pending
        assert state.mapper.class_ is type(obj)
    assert inspect(known).persistent
    await session.commit()
    assert all(inspect(obj).persistent for obj in objects)
    names = sorted((await session.scalars(select(User.name))).all())
    assert names == sorted(["known"] + [f"u{i}" for i in range(4)] + [f"v{i}" for i in range(4)])
    assert len((await session.scalars(select(Author))).all()) == 4


async def test_foreign_keys_among_many_unrelated_changes(session: AsyncSession) -> None:
    # Only two of many changed objects touch a relationship: their foreign
    # keys are still written, and the others' plain changes too.
    authors = [Author(name=f"a{i}") for i in range(30)]
    first, second = authors[0], authors[1]
    book = Book(title="moved", author=first)
    session.add_all([*authors, book])
    await session.commit()
    for author in authors:
        author.name += "!"
    book.author = second
    newcomer = Book(title="new")
    second.books.append(newcomer)
    await session.commit()
    rows = (await session.execute(select(Book.title, Book.author_id).order_by(Book.title))).all()
    assert [tuple(r) for r in rows] == [("moved", second.id), ("new", second.id)]
    assert all(a.name.endswith("!") for a in (await session.scalars(select(Author))).all())


async def test_updated_objects_stay_alive_through_the_flush_marking(
    session: AsyncSession,
) -> None:
    # The caller keeps no reference: the session holds the changed objects
    # until the flush has marked them, then weakly.
    session.add_all([User(name=f"u{i}") for i in range(20)])
    await session.commit()
    for user in (await session.scalars(select(User))).all():
        user.age = 7
    del user
    gc.collect()
    assert len(session.identity_map) == 20  # held for their changes
    await session.commit()
    gc.collect()
    assert len(session.identity_map) == 0  # clean again: held weakly
    ages = (await session.scalars(select(User.age))).all()
    assert ages == [7] * 20


async def test_a_changed_key_moves_the_identity_entry(session: AsyncSession) -> None:
    session.add_all([User(name="a"), User(name="b")])
    await session.commit()
    a, b = (await session.scalars(select(User).order_by(User.name))).all()
    old = a.id
    a.id = b.id + 100
    b.name = "b2"
    await session.commit()
    assert inspect(a).identity == (b.id + 100,)
    assert await session.get(User, b.id + 100) is a
    assert session.identity_map.get((User, (old,))) is None
    del a, b
    gc.collect()
    assert len(session.identity_map) == 0


async def test_inserted_keys_are_put_back_when_the_batch_fails(session: AsyncSession) -> None:
    # A failed flush undoes the generated keys it wrote into the objects.
    users = [User(name=f"u{i}", email=f"{i}@x") for i in range(5)]
    session.add_all(users)
    await session.commit()
    again = [User(name=f"n{i}") for i in range(5)] + [User(name="dup", email="0@x")]
    session.add_all(again)
    with pytest.raises(IntegrityError):
        await session.flush()
    assert all("id" not in obj.__dict__ for obj in again)
    assert all(inspect(obj).pending for obj in again)
    await session.rollback()


async def test_addresses_keep_their_owner_key(session: AsyncSession) -> None:
    user = User(name="owner")
    session.add(user)
    await session.flush()
    session.add_all([Address(user_id=user.id, street=f"s{i}") for i in range(3)])
    await session.commit()
    streets = (
        await session.scalars(select(Address.street).where(Address.user_id == user.id))
    ).all()
    assert sorted(streets) == ["s0", "s1", "s2"]


async def test_changed_keys_and_plain_changes_in_one_flush(session: AsyncSession) -> None:
    # Rows keeping their key go as tuples; a row changing its key goes the
    # general way; both kinds set the same column in the same flush.
    session.add_all([User(name=f"u{i}", age=i) for i in range(6)])
    await session.commit()
    users = (await session.scalars(select(User).order_by(User.id))).all()
    top = max(u.id for u in users)
    mover = users[2]
    mover.id = top + 50
    for user in users:
        user.age = (user.age or 0) + 10
    users[4].name = "renamed"
    await session.commit()
    rows = (await session.execute(select(User.id, User.name, User.age).order_by(User.age))).all()
    assert [r[2] for r in rows] == [10, 11, 12, 13, 14, 15]
    assert rows[2][0] == top + 50
    assert rows[4][1] == "renamed"
    assert await session.get(User, top + 50) is mover


async def test_a_sql_expression_among_many_changed_rows_is_refused(
    session: AsyncSession,
) -> None:
    session.add_all([User(name=f"u{i}") for i in range(4)])
    await session.commit()
    users = (await session.scalars(select(User).order_by(User.id))).all()
    for user in users:
        user.name += "!"
    users[3].age = func.abs(-3)  # type: ignore[assignment]
    with pytest.raises(ArgumentError, match=r"User\.age holds a SQL expression"):
        await session.flush()
    await session.rollback()
    names = (await session.scalars(select(User.name).order_by(User.id))).all()
    assert names == ["u0", "u1", "u2", "u3"]


async def test_deleted_objects_leave_the_identity_map_however_they_joined(
    engine: Engine,
) -> None:
    async with AsyncSession(engine) as first:
        first.add_all([User(name=f"u{i}") for i in range(3)])
        await first.commit()
        detached = (await first.scalars(select(User).where(User.name == "u0"))).one()
    async with AsyncSession(engine) as session:
        session.add(detached)  # joined by add(): its map entry is not its state
        loaded_users = (await session.scalars(select(User).where(User.name != "u0"))).all()
        changed = loaded_users[0]
        changed.age = 5  # held strongly for its change, then deleted
        for user in (detached, *loaded_users):
            await session.delete(user)
        await session.flush()
        assert len(session.identity_map) == 0
        assert not session.identity_map._strong
        assert all(inspect(u).deleted for u in (detached, *loaded_users))
        await session.rollback()
        # Rolled back: they are back, under their keys.
        assert await session.get(User, detached.id) is detached
        assert await session.get(User, changed.id) is changed


async def test_close_detaches_loaded_added_and_deleted_objects(engine: Engine) -> None:
    async with AsyncSession(engine) as first:
        first.add_all([User(name=f"u{i}") for i in range(4)])
        await first.commit()
        detached = (await first.scalars(select(User).where(User.name == "u0"))).one()
    session = AsyncSession(engine)
    session.add(detached)  # an entry that is not its state
    loaded_users = (await session.scalars(select(User).where(User.name != "u0"))).all()
    await session.delete(loaded_users[0])
    new = User(name="new")
    session.add(new)
    await session.close()
    assert all(inspect(u).detached for u in (detached, *loaded_users))
    assert not inspect(loaded_users[0]).deleted
    assert inspect(new).transient
    assert len(session.identity_map) == 0
    # Usable again, and the objects can join another session.
    async with AsyncSession(engine) as other:
        other.add(loaded_users[0])
        await other.delete(loaded_users[0])
        await other.commit()
        assert len((await other.scalars(select(User))).all()) == 3
