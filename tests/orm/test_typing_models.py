"""What type checkers see of mapped classes (``mypy --strict`` checks it; pytest runs it)."""

from __future__ import annotations

import datetime
from typing import assert_type

import pytest

from aorm.orm import (
    DeclarativeBase,
    InstrumentedAttribute,
    Mapped,
    mapped_column,
    relationship,
)
from aorm.sql.constraints import ForeignKey
from aorm.sql.elements import ColumnElement
from aorm.sql.schema import Column, MetaData, Table
from aorm.sql.types import Integer, String


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    nickname: Mapped[str | None]
    joined: Mapped[datetime.date | None] = mapped_column(default=None)
    posts: Mapped[list[Post]] = relationship(back_populates="author")


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author: Mapped[User | None] = relationship(back_populates="posts")


class Legacy(Base):
    __tablename__ = "legacy"
    id = Column(Integer, primary_key=True)
    name = Column(String(20))


def test_constructor_takes_mapped_attributes_as_keywords() -> None:
    # For type checkers an attribute declared by annotation alone (nickname) is
    # a required argument; one assigned mapped_column()/relationship() is optional.
    user = User(name="x", nickname=None)
    assert_type(user, User)
    with pytest.raises(TypeError, match="unexpected keyword argument 'nmae'"):
        User(nmae="x", nickname=None)  # type: ignore[call-arg]
    # Wrong value types are for the type checker; at runtime the column type
    # checks the value when it is bound (at flush).
    loose = User(name=5, nickname=None)  # type: ignore[arg-type]
    assert loose.__dict__["name"] == 5
    post = Post(author=user)
    assert post.author is user
    legacy = Legacy(name="old style")  # plain Column classes keep __init__(**kw)
    assert legacy.__dict__["name"] == "old style"


def test_instance_attributes_have_value_types() -> None:
    user = User(name="x", nickname=None)
    assert_type(user.name, str)
    assert_type(user.nickname, str | None)
    assert_type(user.posts, list[Post])
    post = Post()
    assert_type(post.author, User | None)
    user.name = "y"
    post.author = user
    assert user.posts == [post]


def test_class_attributes_are_column_expressions() -> None:
    assert_type(User.name, InstrumentedAttribute[str])
    assert_type(User.nickname, InstrumentedAttribute[str | None])
    criterion = User.name == "x"
    assert_type(criterion, ColumnElement[bool])
    assert_type(User.id.in_([1, 2]), ColumnElement[bool])
    assert_type(User.posts, InstrumentedAttribute[list[Post]])


def test_metadata_and_table_are_typed() -> None:
    assert_type(Base.metadata, MetaData)
    assert_type(User.__table__, Table)
    assert User.__table__.c.nickname.nullable
