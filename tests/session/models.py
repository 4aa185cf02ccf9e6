"""The mapped classes the session tests use (their own declarative base)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from aorm.orm import DeclarativeBase, Mapped, mapped_column, relationship
from aorm.session import AsyncAttrs
from aorm.sql.constraints import ForeignKey, UniqueConstraint
from aorm.sql.functions import func
from aorm.sql.schema import Column
from aorm.sql.text import text
from aorm.sql.types import DateTime, Integer, String


class Base(AsyncAttrs, DeclarativeBase):
    """The declarative base of the session tests."""


class User(Base):
    """A plain table with a generated key and a unique column."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(100), unique=True)
    age: Mapped[int | None] = mapped_column()


class Address(Base):
    """A child of User (foreign key)."""

    __tablename__ = "addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    street: Mapped[str] = mapped_column(String(100))


class Node(Base):
    """A self-referencing table (a tree)."""

    __tablename__ = "nodes"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id"))
    label: Mapped[str] = mapped_column(String(20))


class Document(Base):
    """Optimistic locking through a version counter."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column()
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class Setting(Base):
    """A composite primary key."""

    __tablename__ = "settings"
    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str | None] = mapped_column(String(50))


def _one() -> int:
    return 1


class Event(Base):
    """Server defaults and Python defaults."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), server_default="new")
    priority: Mapped[int] = mapped_column(server_default=text("5"))
    created: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("CURRENT_TIMESTAMP")
    )
    weight: Mapped[int] = mapped_column(default=_one)
    kind = Column(String(10), default="plain")
    touched: Mapped[int | None] = mapped_column(onupdate=_one)
    changed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), onupdate=func.now()
    )


class Pair(Base):
    """A table with a multi-column unique constraint (named, for error messages)."""

    __tablename__ = "pairs"
    __table_args__ = (UniqueConstraint("left", "right", name="uq_pairs_left_right"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    left: Mapped[int] = mapped_column(Integer)
    right: Mapped[int] = mapped_column(Integer)


class Author(Base):
    """One side of a one-to-many relationship."""

    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    books: Mapped[list[Book]] = relationship(back_populates="author")
    reviews: Mapped[list[Review]] = relationship(lazy="raise")


class Book(Base):
    """The many side: ``Book.author`` is a many-to-one."""

    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author | None] = relationship(back_populates="books")


class Review(Base):
    """A collection that is never loaded on access (``lazy="raise"``) and one never loaded."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(lazy="noload")
