"""Quickstart: the first five minutes with aorm, on SQLite.

Run it with ``python examples/quickstart.py``; its database lives in a
temporary directory removed at the end. It follows the story of the design
contract: map two related classes, create their tables, add an author,
append a book to the author (the book joins the session by the save-update
cascade), flush to get the generated keys, commit, then read the books back
two ways: eager-loaded with the query, and loaded by an awaited attribute.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from aorm import (
    AsyncSession,
    Base,
    Column,
    ForeignKey,
    Integer,
    String,
    create_engine,
    inspect,
    relationship,
    select,
    selectinload,
)


class Author(Base):
    """A writer, who owns their books: they are saved and deleted with the author."""

    __tablename__ = "authors"
    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False)
    books = relationship("Book", back_populates="author", cascade="all, delete-orphan")


class Book(Base):
    """A book, which refers to its author."""

    __tablename__ = "books"
    id = Column(Integer, primary_key=True)
    title = Column(String(200))
    author_id = Column(Integer, ForeignKey("authors.id"))
    author = relationship("Author", back_populates="books")


async def main(directory: Path) -> None:
    """Create the library, add George Orwell and one of his books, and read them back."""
    engine = create_engine(f"sqlite:///{directory / 'library.db'}")  # or "postgresql://…"
    await Base.metadata.create_all(engine)
    async with AsyncSession(engine) as session:
        orwell = Author(name="George Orwell")  # transient
        print("new author:", inspect(orwell).state.value)
        session.add(orwell)  # pending
        print("added:", inspect(orwell).state.value)
        nineteen_eighty_four = Book(title="1984")
        orwell.books.append(nineteen_eighty_four)  # cascades save-update
        print("appended book:", inspect(nineteen_eighty_four).state.value)
        print("the book's author, in memory:", nineteen_eighty_four.author.name)
        await session.flush()  # INSERTs sent, not committed
        print("generated key after flush:", orwell.id)  # generated key is there
        print("the book's author_id, set by the flush:", nineteen_eighty_four.author_id)
        await session.commit()  # persistent, durable
        print("committed:", inspect(orwell).state.value)
        authors = (await session.scalars(select(Author).options(selectinload(Author.books)))).all()
        for author in authors:
            print("books by", author.name + ":", [book.title for book in author.books])
    async with AsyncSession(engine) as session:
        orwell = (await session.scalars(select(Author))).one()
        books = await orwell.awaitable_attrs.books  # awaited relationship load
        print("awaited books:", [book.title for book in books])
    await engine.dispose()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as temporary:
        asyncio.run(main(Path(temporary)))
