"""Cascades through relationships that are never loaded lazily (dynamic, raise)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aorm.engine import Engine
from aorm.session import AsyncSession, inspect
from aorm.sql.select import select
from tests.relationships.cascade_models import Cover, Gallery, Picture, Playlist, Track

if TYPE_CHECKING:
    from tests.relationships.cascade_fixtures import StatementLog

pytest_plugins = ["tests.relationships.cascade_fixtures"]


async def test_dynamic_collection_changes_are_flushed(cascade_session: AsyncSession) -> None:
    session = cascade_session
    playlist = Playlist(name="road trip", tracks=[Track(title="one")])
    session.add(playlist)
    await session.commit()
    two = Track(title="two")
    playlist.tracks.append(two)  # no load: a pending change of the collection
    assert inspect(two).pending
    await session.commit()
    rows = await session.execute(select(Track.title, Track.playlist_id).order_by(Track.id))
    assert [tuple(r) for r in rows.all()] == [("one", playlist.id), ("two", playlist.id)]


async def test_delete_cascades_through_a_dynamic_collection(
    cascade_engine: Engine, cascade_session: AsyncSession, sql_log: StatementLog
) -> None:
    async with AsyncSession(cascade_engine) as setup:
        setup.add(
            Playlist(
                name="road trip",
                tracks=[Track(title="one", cover=Cover(image="sun")), Track(title="two")],
            )
        )
        await setup.commit()
    session = cascade_session
    playlist = (await session.scalars(select(Playlist))).one()
    sql_log.clear()
    await session.delete(playlist)
    # The tracks are queried (the collection is never loaded), then the cover of
    # each (a many-to-one that may not load lazily).
    assert sql_log.count("SELECT", "tracks") == 1
    assert sql_log.count("SELECT", "covers") == 1
    assert len(session.deleted) == 4
    await session.commit()
    for model in (Playlist, Track, Cover):
        assert (await session.scalars(select(model))).all() == []


async def test_delete_cascades_through_a_many_to_many(
    cascade_engine: Engine, cascade_session: AsyncSession
) -> None:
    async with AsyncSession(cascade_engine) as setup:
        shared = Picture(title="shared")
        setup.add_all(
            [
                Gallery(pictures=[Picture(title="mine"), shared]),
                Gallery(pictures=[Picture(title="theirs")]),
            ]
        )
        await setup.commit()
    session = cascade_session
    first = (await session.scalars(select(Gallery).order_by(Gallery.id))).first()
    assert first is not None
    await session.delete(first)
    assert sorted(p.title for p in session.deleted if isinstance(p, Picture)) == [
        "mine",
        "shared",
    ]
    await session.commit()
    assert (await session.scalars(select(Picture.title))).all() == ["theirs"]
