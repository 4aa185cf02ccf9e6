"""The five object states, step by step: ``python examples/states.py`` (SQLite).

Each step prints ``inspect(obj).state``: transient → pending (add) →
persistent (flush, commit) → expired (expire) → persistent (refresh) →
detached (expunge) → persistent (add again) → deleted (delete + flush) →
detached (commit). Then a rollback: an object added in the rolled-back
transaction is transient again, and an object changed in it is expired.
The database lives in a temporary directory removed at the end.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from aorm.engine import create_engine
from aorm.exc import ExpiredAttributeError
from aorm.orm import DeclarativeBase, Mapped, mapped_column
from aorm.session import AsyncSession, inspect
from aorm.sql import String


class Base(DeclarativeBase):
    """This example's declarative base."""


class Note(Base):
    """A note with a generated key."""

    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(100))


def show(step: str, note: Note) -> None:
    """Print the note's state after *step*."""
    print(f"{step:<28} {inspect(note).state.value}")


async def main(directory: Path) -> None:
    """Walk a note through its lifecycle."""
    engine = create_engine(f"sqlite:///{directory / 'states.db'}")
    await Base.metadata.create_all(engine)
    async with AsyncSession(engine) as session:
        note = Note(text="hello")
        show("Note(...)", note)
        session.add(note)
        show("session.add(note)", note)
        await session.flush()
        show("await session.flush()", note)
        await session.commit()
        show("await session.commit()", note)
        session.expire(note)
        show("session.expire(note)", note)
        try:
            print(note.text)
        except ExpiredAttributeError as error:
            print("  reading it raises:", type(error).__name__)
        await session.refresh(note)
        show("await session.refresh(note)", note)
        session.expunge(note)
        show("session.expunge(note)", note)
        session.add(note)
        show("session.add(note) again", note)
        await session.delete(note)
        await session.flush()
        show("delete + flush", note)
        await session.commit()
        show("await session.commit()", note)

        kept = Note(text="kept")
        session.add(kept)
        await session.commit()
        added = Note(text="added")
        session.add(added)
        kept.text = "changed"
        await session.flush()
        await session.rollback()
        print("after a rollback:")
        show("  added in it", added)
        show("  changed in it", kept)
        await session.refresh(kept)
        print(f"  refreshed, its text is {kept.text!r} again")
    await engine.dispose()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as temporary:
        asyncio.run(main(Path(temporary)))
