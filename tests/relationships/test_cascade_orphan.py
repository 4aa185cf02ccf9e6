"""delete-orphan: a child that loses its parent is deleted at the next flush."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aorm.engine import Engine
from aorm.session import AsyncSession, ObjectState, inspect
from aorm.sql.select import select
from tests.relationships.cascade_models import Author, Book, Chapter, Magazine, Publisher

if TYPE_CHECKING:
    from tests.relationships.cascade_fixtures import StatementLog

pytest_plugins = ["tests.relationships.cascade_fixtures"]


async def _titles(session: AsyncSession) -> list[str]:
    return list((await session.scalars(select(Book.title).order_by(Book.id))).all())


async def _orwell(session: AsyncSession) -> tuple[Author, Book, Book]:
    first = Book(title="1984", chapters=[Chapter(heading="Part One")])
    second = Book(title="Animal Farm")
    orwell = Author(name="George Orwell", books=[first, second])
    session.add(orwell)
    await session.commit()
    return orwell, first, second


async def test_removed_from_the_collection(cascade_session: AsyncSession) -> None:
    session = cascade_session
    orwell, first, second = await _orwell(session)
    chapter = first.chapters[0]
    orwell.books.remove(first)
    assert first.author is None  # back_populates, in memory
    await session.flush()
    assert inspect(first).state is ObjectState.DELETED
    assert inspect(chapter).state is ObjectState.DELETED  # its own delete cascade
    assert inspect(second).persistent
    await session.commit()
    assert await _titles(session) == ["Animal Farm"]
    assert (await session.scalars(select(Chapter))).all() == []


async def test_scalar_cleared(cascade_session: AsyncSession) -> None:
    session = cascade_session
    orwell, first, _ = await _orwell(session)
    first.author = None
    assert orwell.books == [_]
    await session.commit()
    assert inspect(first).detached
    assert await _titles(session) == ["Animal Farm"]


async def test_scalar_cleared_with_the_parent_not_loaded(
    cascade_engine: Engine, cascade_session: AsyncSession
) -> None:
    async with AsyncSession(cascade_engine) as setup:
        await _orwell(setup)
    session = cascade_session
    book = (await session.scalars(select(Book).where(Book.title == "1984"))).one()
    book.author = None  # its author was never loaded in this session
    await session.commit()
    assert await _titles(session) == ["Animal Farm"]


async def test_moved_to_another_parent_is_no_orphan(
    cascade_session: AsyncSession, sql_log: StatementLog
) -> None:
    session = cascade_session
    orwell, first, second = await _orwell(session)
    huxley = Author(name="Aldous Huxley", books=[])
    session.add(huxley)
    await session.flush()
    sql_log.clear()
    huxley.books.append(first)  # taken from orwell's books by back_populates
    second.author = huxley  # the other way round
    assert orwell.books == []
    await session.commit()
    assert sql_log.count("DELETE") == 0
    assert sql_log.count("UPDATE", "books") == 1  # both rows in one batch
    assert first.author_id == second.author_id == huxley.id
    rows = (await session.execute(select(Book.title, Book.author_id).order_by(Book.id))).all()
    assert [tuple(r) for r in rows] == [("1984", huxley.id), ("Animal Farm", huxley.id)]


async def test_a_pending_orphan_is_expunged(cascade_session: AsyncSession) -> None:
    session = cascade_session
    orwell, _, _ = await _orwell(session)
    draft = Book(title="draft")
    orwell.books.append(draft)
    assert inspect(draft).pending
    orwell.books.remove(draft)
    await session.commit()
    assert inspect(draft).transient
    assert await _titles(session) == ["1984", "Animal Farm"]


async def test_replacing_the_collection(cascade_session: AsyncSession) -> None:
    session = cascade_session
    orwell, first, second = await _orwell(session)
    orwell.books = [second, Book(title="Burmese Days")]
    await session.commit()
    assert inspect(first).detached
    assert await _titles(session) == ["Animal Farm", "Burmese Days"]


async def test_without_delete_orphan_a_removed_child_keeps_its_row(
    cascade_session: AsyncSession,
) -> None:
    session = cascade_session
    granta = Magazine(title="Granta")
    penguin = Publisher(name="Penguin", magazines=[granta])
    session.add(penguin)
    await session.commit()
    penguin.magazines.remove(granta)
    await session.commit()
    assert inspect(granta).persistent
    assert granta.publisher_id is None
    assert (await session.scalars(select(Magazine.publisher_id))).all() == [None]
