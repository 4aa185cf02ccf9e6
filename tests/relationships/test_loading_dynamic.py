"""``lazy="dynamic"``: a query object with awaitable terminals; appends become pending changes."""

from __future__ import annotations

import pytest

from aorm.engine import Engine
from aorm.exc import ArgumentError, InvalidStateError, MultipleResultsFound
from aorm.session import AsyncSession, DynamicCollection, inspect, selectinload
from aorm.sql.select import select
from tests.relationships.conftest import StatementLog
from tests.relationships.loading_models import Data, Library, Shelf


async def _central(session: AsyncSession) -> Library:
    central = await session.get(Library, 1)
    assert central is not None
    return central


def shelves_of(library: Library) -> DynamicCollection[Shelf]:
    """``library.shelves``, which is a query object once the library has a row."""
    shelves: object = library.shelves
    assert isinstance(shelves, DynamicCollection)
    return shelves


async def test_dynamic_reads_as_a_query(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    central = await _central(session)
    statements.clear()
    shelves = shelves_of(central)
    assert statements.count() == 0  # nothing loaded by reading it
    assert [s.label for s in await shelves.all()] == ["fiction", "history", "poetry"]
    assert "shelves" not in central.__dict__


async def test_dynamic_refines_and_counts(session: AsyncSession, loading_data: Data) -> None:
    central = await _central(session)
    shelves = shelves_of(central)
    assert await shelves.count() == 3
    assert await shelves.where(Shelf.label != "poetry").count() == 2
    assert [s.label for s in await shelves.filter(Shelf.label.startswith("h")).all()] == ["history"]
    first = await shelves.order_by(Shelf.label.desc()).first()
    assert first is not None
    assert first.label == "poetry"
    assert [s.label for s in await shelves.offset(1).limit(1).all()] == ["history"]
    one = await shelves.filter_by(label="fiction").one()
    assert one.id == 2
    assert await shelves.filter_by(label="none").one_or_none() is None
    with pytest.raises(MultipleResultsFound):
        await shelves.one()
    empty = await session.get(Library, 2)
    assert empty is not None
    assert await shelves_of(empty).count() == 0


async def test_dynamic_returns_session_objects(session: AsyncSession, loading_data: Data) -> None:
    central = await _central(session)
    fiction = await session.get(Shelf, 2)
    found = await shelves_of(central).filter_by(label="fiction").one()
    assert found is fiction


async def test_dynamic_append_and_remove_are_pending_changes(
    session: AsyncSession, loading_data: Data
) -> None:
    central = await _central(session)
    loose = await session.get(Shelf, 4)
    poetry = await session.get(Shelf, 1)
    assert loose is not None
    assert poetry is not None
    shelves_of(central).append(loose)
    shelves_of(central).remove(poetry)
    state = inspect(central)
    assert state.collection_changes == {"shelves": ([loose], [poetry])}
    assert state.modified
    # The other side is in step at once, in memory.
    assert loose.library is central
    assert poetry.library is None
    assert "shelves" not in central.__dict__


async def test_dynamic_changes_are_written_at_flush(
    session: AsyncSession, loading_data: Data
) -> None:
    central = await _central(session)
    loose = await session.get(Shelf, 4)
    poetry = await session.get(Shelf, 1)
    assert loose is not None
    assert poetry is not None
    shelves_of(central).append(loose)
    shelves_of(central).remove(poetry)
    labels = [s.label for s in await shelves_of(central).all()]
    assert labels == ["fiction", "history", "loose"]  # the query autoflushed first
    await session.commit()
    session.expunge_all()
    rows = (await session.execute(select(Shelf.label, Shelf.library_id).order_by(Shelf.id))).all()
    assert [tuple(r) for r in rows] == [
        ("poetry", None),
        ("fiction", 1),
        ("history", 1),
        ("loose", 1),
    ]


async def test_dynamic_of_a_new_object_answers_from_memory(
    session: AsyncSession, statements: StatementLog, loading_data: Data
) -> None:
    library = Library(id=9, name="new")
    assert await library.shelves.count() == 0
    library.shelves.append(Shelf(id=9, label="new"))
    pending = Library(id=10, name="pending")
    session.add(pending)
    pending.shelves.append(Shelf(id=10, label="also new"))
    pending.shelves.append(Shelf(id=11, label="another"))
    statements.clear()
    # No row yet: the terminals answer from what was appended, with no query.
    assert [s.label for s in await library.shelves.all()] == ["new"]
    assert (await library.shelves.one()).label == "new"
    assert await pending.shelves.count() == 2
    first = await pending.shelves.first()
    assert first is not None
    assert first.label == "also new"
    with pytest.raises(MultipleResultsFound, match=r"Library\.shelves holds 2"):
        await pending.shelves.one_or_none()
    assert statements.count() == 0
    with pytest.raises(InvalidStateError, match=r"Library\.shelves\.filter\(\).*no row yet"):
        pending.shelves.filter(Shelf.label == "x")


async def test_dynamic_of_a_new_object_is_a_query_after_its_flush(
    session: AsyncSession, loading_data: Data
) -> None:
    library = Library(id=11, name="new", shelves=[Shelf(id=12, label="b"), Shelf(id=13, label="a")])
    session.add(library)
    await session.flush()
    shelves = shelves_of(library)  # the query now, not the list it held
    assert [s.label for s in await shelves.all()] == ["a", "b"]
    assert await shelves.filter(Shelf.label == "a").count() == 1
    shelves.append(Shelf(id=14, label="c"))
    assert await shelves.count() == 3  # the query flushed the append first
    await session.commit()
    assert await shelves_of(library).count() == 3


async def test_dynamic_of_a_detached_object(engine: Engine, loading_data: Data) -> None:
    async with AsyncSession(engine) as session:
        central = await _central(session)
    with pytest.raises(InvalidStateError, match=r"Library\.shelves.*in no session"):
        await shelves_of(central).all()


async def test_dynamic_cannot_be_eager_loaded(session: AsyncSession, loading_data: Data) -> None:
    with pytest.raises(ArgumentError, match=r"Library\.shelves is lazy='dynamic'"):
        await session.scalars(select(Library).options(selectinload(Library.shelves)))


async def test_a_rollback_gives_a_new_object_its_appended_objects_back(
    engine: Engine, loading_data: Data
) -> None:
    async with AsyncSession(engine) as session:
        library = Library(id=12, name="new")
        library.shelves.append(Shelf(id=15, label="kept"))
        session.add(library)
        await session.flush()
        assert isinstance(library.shelves, DynamicCollection)
        await session.rollback()
        # New again: the list it held is back, so adding it again saves its shelves too.
        assert inspect(library).transient
        assert [s.label for s in await library.shelves.all()] == ["kept"]
        session.add(library)
        await session.commit()
        assert [s.label for s in await shelves_of(library).all()] == ["kept"]


async def test_a_savepoint_rollback_gives_the_list_back_and_a_release_keeps_the_query(
    session: AsyncSession, loading_data: Data
) -> None:
    library = Library(id=13, name="in a savepoint")
    library.shelves.append(Shelf(id=16, label="first"))
    async with session.begin_nested() as savepoint:
        session.add(library)
        await session.flush()
        await savepoint.rollback()
    assert [s.label for s in await library.shelves.all()] == ["first"]
    async with session.begin_nested():
        session.add(library)
    # Released: the row stays, and the attribute is the query.
    assert await shelves_of(library).count() == 1
    await session.commit()
