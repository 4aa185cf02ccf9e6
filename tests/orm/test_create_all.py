"""Declared models create their tables on both backends, and their attributes query them."""

from __future__ import annotations

import enum
from decimal import Decimal

import pytest

from aorm.engine import create_engine
from aorm.exc import IntegrityError
from aorm.orm import DeclarativeBase, Mapped, mapped_column, relationship
from aorm.sql.constraints import CheckConstraint, ForeignKey, UniqueConstraint
from aorm.sql.dml import insert
from aorm.sql.schema import Column, Table
from aorm.sql.select import select
from aorm.sql.types import Integer, Numeric, String


class Genre(enum.Enum):
    FICTION = "fiction"
    ESSAY = "essay"


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False)
    books = relationship("Book", back_populates="author", cascade="all, delete-orphan")


class Book(Base):
    __tablename__ = "books"
    __table_args__ = (
        UniqueConstraint("author_id", "book_title", name="uq_book_title"),
        CheckConstraint("pages > 0", name="ck_book_pages"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column("book_title", String(200))
    pages: Mapped[int | None]
    price: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    genre: Mapped[Genre | None]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id", ondelete="CASCADE"))
    author: Mapped[Author | None] = relationship(back_populates="books")
    tags: Mapped[list[Tag]] = relationship(secondary="book_tags", back_populates="books")


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(30), unique=True)
    books: Mapped[list[Book]] = relationship(secondary="book_tags", back_populates="tags")


book_tags = Table(
    "book_tags",
    Base.metadata,
    Column("book_id", ForeignKey("books.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True),
)


class Node(Base):
    __tablename__ = "nodes"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id"))
    parent: Mapped[Node | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Node]] = relationship(back_populates="parent")


async def test_create_all_creates_every_mapped_table(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        await Base.metadata.create_all(engine)
        async with engine.begin() as conn:
            for table in Base.metadata.sorted_tables:
                result = await conn.execute(select(table))
                assert result.all() == []
            await conn.execute(insert(Author.__table__).values(id=1, name="Orwell"))
            await conn.execute(
                insert(Book.__table__).values(
                    id=1,
                    book_title="1984",
                    pages=328,
                    price=Decimal("9.99"),
                    genre=Genre.FICTION,
                    author_id=1,
                )
            )
            await conn.execute(insert(Node.__table__).values(id=1, parent_id=None))
            await conn.execute(insert(Node.__table__).values(id=2, parent_id=1))
            rows = (
                await conn.execute(
                    select(Book.title, Book.price, Book.genre, Author.name)
                    .join(Author.__table__, Book.author_id == Author.id)
                    .where(Book.title == "1984")
                )
            ).all()
            assert [tuple(row) for row in rows] == [
                ("1984", Decimal("9.99"), Genre.FICTION, "Orwell")
            ]
            children = await conn.execute(select(Node.id).where(Node.parent_id == 1))
            assert children.scalars().all() == [2]
        await Base.metadata.drop_all(engine)
    finally:
        await engine.dispose()


async def test_table_args_constraints_are_enforced(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        await Base.metadata.create_all(engine)
        async with engine.begin() as conn:
            await conn.execute(insert(Author.__table__).values(id=1, name="A"))
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(
                    insert(Book.__table__).values(id=1, book_title="x", pages=0, author_id=1)
                )
        async with engine.begin() as conn:
            await conn.execute(insert(Book.__table__).values(id=1, book_title="x", author_id=1))
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(insert(Book.__table__).values(id=2, book_title="x", author_id=1))
        await Base.metadata.drop_all(engine)
    finally:
        await engine.dispose()
