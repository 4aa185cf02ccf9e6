"""Mapper: the precomputed lookups the session uses, and mapper_of()/is_mapped_class()."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from aorm.exc import MappingError
from aorm.orm import (
    STATE_KEY,
    Base,
    ColumnProperty,
    DeclarativeBase,
    Mapped,
    Mapper,
    RelationshipProperty,
    is_mapped_class,
    mapped_column,
    mapper_of,
    relationship,
)
from aorm.sql.constraints import ForeignKey
from aorm.sql.schema import Column
from aorm.sql.types import Integer, String


class LocalBase(DeclarativeBase):
    pass


class Author(LocalBase):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column("full_name", String(50))
    version: Mapped[int] = mapped_column(nullable=False, default=1)
    books: Mapped[list[Book]] = relationship(back_populates="author")
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class Book(LocalBase):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author | None] = relationship(back_populates="books")


def test_mapper_attributes() -> None:
    mapper = mapper_of(Author)
    table = Author.__table__
    assert isinstance(mapper, Mapper)
    assert Author.__mapper__ is mapper
    assert mapper.class_ is Author
    assert mapper.table is table
    assert mapper.registry is LocalBase.registry
    assert mapper.columns == {
        "id": table.c.id,
        "name": table.c.full_name,
        "version": table.c.version,
    }
    assert mapper.column_keys == ("id", "name", "version")
    assert mapper.column_to_key[table.c.full_name] == "name"
    assert mapper.primary_key == (table.c.id,)
    assert mapper.pk_keys == ("id",)
    assert mapper.pk_getter({"id": 3, "name": "x"}) == (3,)
    assert mapper.autoincrement_key == "id"
    assert mapper.version_id_col is table.c.version
    assert mapper.version_id_key == "version"
    assert list(mapper.relationships) == ["books"]
    assert list(mapper.attrs) == ["id", "name", "version", "books"]
    assert isinstance(mapper.attrs["name"], ColumnProperty)
    assert isinstance(mapper.attrs["books"], RelationshipProperty)
    assert mapper.attrs["books"].class_name == "Author.books"
    assert mapper.attrs["name"].attribute is vars(Author)["name"]
    assert mapper.insert_order < mapper_of(Book).insert_order
    assert repr(mapper) == "<Mapper Author -> 'authors'>"


def test_mapper_of_instances_and_errors() -> None:
    author = Author()
    assert mapper_of(author) is mapper_of(Author)
    with pytest.raises(MappingError, match="int is not a mapped class"):
        mapper_of(5)
    with pytest.raises(MappingError, match="Base is not a mapped class"):
        mapper_of(Base)
    assert is_mapped_class(Author)
    assert not is_mapped_class(author)
    assert not is_mapped_class(LocalBase)
    assert not is_mapped_class(int)


def test_new_instance_skips_init_and_hydrates_through_dict() -> None:
    mapper = mapper_of(Book)
    book = mapper.new_instance()
    assert type(book) is Book
    assert book.__dict__ == {}
    author = Author(id=1)
    book.__dict__.update({"id": 7, "author_id": 1})
    book.__dict__[STATE_KEY] = object()  # any state; loaded values never reach it
    assert book.id == 7
    assert book.author_id == 1
    del book.__dict__[STATE_KEY]
    book.author = author
    assert author.books == [book]


def test_setters_route_assignments() -> None:
    mapper = mapper_of(Author)
    setter = mapper.setter("name")
    assert setter is not None
    author = Author()
    setter(author, "ann")
    assert author.__dict__["name"] == "ann"
    assert mapper.setter("nope") is None


def test_composite_key_getter() -> None:
    class Base2(DeclarativeBase):
        pass

    class Pair(Base2):
        __tablename__ = "pairs"
        a = Column(Integer, primary_key=True)
        b = Column(String(5), primary_key=True)

    mapper = mapper_of(Pair)
    assert mapper.pk_keys == ("a", "b")
    assert mapper.pk_getter({"a": 1, "b": "x"}) == (1, "x")
    with pytest.raises(KeyError):
        mapper.pk_getter({"a": 1})
