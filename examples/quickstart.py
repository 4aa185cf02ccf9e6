"""Quickstart: the first five minutes with aorm, on SQLite.

Run it with ``python examples/quickstart.py``; its database lives in a
temporary directory removed at the end. It follows the story of the design
contract: map two classes, create their tables, add an object, flush to get
its generated key, commit, and query.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from aorm.engine import create_engine
from aorm.orm import Base
from aorm.session import AsyncSession, inspect
from aorm.sql import Column, ForeignKey, Integer, String, select


class Author(Base):
    """A writer."""

    __tablename__ = "authors"
    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False)


class Book(Base):
    """A book, which refers to its author by key."""

    __tablename__ = "books"
    id = Column(Integer, primary_key=True)
    title = Column(String(200))
    author_id = Column(Integer, ForeignKey("authors.id"))


async def main(directory: Path) -> None:
    """Create the library, add George Orwell and one of his books, and read them back."""
    engine = create_engine(f"sqlite:///{directory / 'library.db'}")  # or "postgresql://…"
    await Base.metadata.create_all(engine)
    async with AsyncSession(engine) as session:
        orwell = Author(name="George Orwell")  # transient
        print("new author:", inspect(orwell).state.value)
        session.add(orwell)  # pending
        print("added:", inspect(orwell).state.value)
        await session.flush()  # INSERT sent, not committed
        print("generated key after flush:", orwell.id)
        session.add(Book(title="1984", author_id=orwell.id))
        await session.commit()  # persistent, durable
        print("committed:", inspect(orwell).state.value)
        authors = (await session.scalars(select(Author).order_by(Author.name))).all()
        print("authors:", [author.name for author in authors])
        books = (await session.scalars(select(Book).where(Book.author_id == orwell.id))).all()
        print("books by", orwell.name + ":", [book.title for book in books])
    await engine.dispose()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as temporary:
        asyncio.run(main(Path(temporary)))
