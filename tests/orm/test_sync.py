"""In-memory sync of both sides of a relationship pair, and what the session state is told."""

from __future__ import annotations

import pytest

from aorm.exc import LazyLoadError
from aorm.orm import (
    NO_VALUE,
    DeclarativeBase,
    InstrumentedList,
    Mapped,
    backref,
    mapped_column,
    relationship,
    set_committed_value,
)
from aorm.sql.constraints import ForeignKey
from aorm.sql.schema import Column, Table
from aorm.sql.types import String
from tests.orm.fake_state import RecordingState, attach_state


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(50))
    books: Mapped[list[Book]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str | None] = mapped_column(String(50))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author | None] = relationship(back_populates="books")


class Node(Base):
    __tablename__ = "nodes"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id"))
    parent: Mapped[Node | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Node]] = relationship(back_populates="parent")


article_tags = Table(
    "article_tags",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True),
)


class Article(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, back_populates="articles")


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    articles: Mapped[list[Article]] = relationship(secondary=article_tags, back_populates="tags")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    profile: Mapped[Profile | None] = relationship(back_populates="user")


class Profile(Base):
    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    user: Mapped[User | None] = relationship(back_populates="profile")


class Folder(Base):
    __tablename__ = "folders"
    id: Mapped[int] = mapped_column(primary_key=True)
    files = relationship("File", backref=backref("folder"))
    notes = relationship("Note")  # one way: no other side to sync


class File(Base):
    __tablename__ = "files"
    id: Mapped[int] = mapped_column(primary_key=True)
    folder_id: Mapped[int | None] = mapped_column(ForeignKey("folders.id"))


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    folder_id: Mapped[int | None] = mapped_column(ForeignKey("folders.id"))


def author_of(book: Book) -> Author | None:
    """``book.author``, read through a call so type checkers do not narrow it between steps."""
    return book.author


def user_of(profile: Profile) -> User | None:
    """``profile.user``, read through a call (see :func:`author_of`)."""
    return profile.user


# -- one-to-many / many-to-one ----------------------------------------------------------


def test_new_objects_start_with_empty_loaded_collections_and_none_scalars() -> None:
    author, book = Author(), Book()
    assert author.books == []
    assert isinstance(author.books, InstrumentedList)
    assert "books" in author.__dict__
    assert book.author is None
    assert author.name is None
    assert "name" not in author.__dict__


def test_append_sets_the_many_to_one_side() -> None:
    author, book = Author(), Book()
    author.books.append(book)
    assert book.author is author
    assert author.books == [book]


def test_setting_the_many_to_one_appends_to_the_collection() -> None:
    author, book = Author(), Book()
    book.author = author
    assert author.books == [book]
    book.author = author  # again: no duplicate
    assert author.books == [book]


def test_constructor_keywords_sync_too() -> None:
    author = Author(name="ann")
    book = Book(title="t", author=author)
    assert author.books == [book]
    other = Author(books=[Book(title="u")])
    assert other.books[0].author is other


def test_moving_a_child_removes_it_from_the_old_parent() -> None:
    first, second, book = Author(), Author(), Book()
    book.author = first
    book.author = second
    assert first.books == []
    assert second.books == [book]
    third = Author()
    third.books.append(book)
    assert book.author is third
    assert second.books == []


def test_clearing_the_many_to_one_removes_from_the_collection() -> None:
    author, book = Author(), Book()
    book.author = author
    book.author = None
    assert author.books == []


def test_collection_removals_clear_the_many_to_one() -> None:
    author = Author()
    b1, b2, b3, b4 = Book(), Book(), Book(), Book()
    author.books.extend([b1, b2, b3, b4])
    author.books.remove(b1)
    author.books.pop()
    del author.books[0]
    assert b1.author is None
    assert b4.author is None
    assert b2.author is None
    assert b3.author is author
    author.books.clear()
    assert b3.author is None


def test_slice_assignment_and_list_assignment() -> None:
    author = Author()
    b1, b2, b3 = Book(), Book(), Book()
    author.books = [b1, b2]
    assert isinstance(author.books, InstrumentedList)
    assert b1.author is author
    assert b2.author is author
    author.books[0:1] = [b3]
    assert author_of(b1) is None
    assert author_of(b3) is author
    old_list = author.books
    author.books = [b2]
    assert author_of(b3) is None
    assert author_of(b2) is author
    old_list.append(b1)  # the replaced list is no longer the collection
    assert b1.author is None


def test_iadd_reports_once() -> None:
    author = Author()
    state = attach_state(author, RecordingState(values={"books": []}))
    book = Book()
    author.books += [book]
    assert state.events == [("collection", "books", [book], [])]
    assert book.author is author


def test_duplicate_append_keeps_the_other_side() -> None:
    author, book = Author(), Book()
    author.books.append(book)
    author.books.append(book)
    author.books.remove(book)
    assert book.author is author  # one copy is still in the list
    author.books.remove(book)
    assert book.author is None


def test_wrong_types_are_refused() -> None:
    author, book = Author(), Book()
    with pytest.raises(TypeError, match=r"Author\.books takes Book objects, not Author"):
        author.books.append(Author())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Book\.author takes Author objects, not Book"):
        book.author = Book()  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"Author\.books is a collection; assign a list"):
        author.books = None  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"Author\.books takes Book objects, not str"):
        author.books = ["x"]  # type: ignore[list-item]


# -- self-referential ----------------------------------------------------------------------


def test_self_referential_tree() -> None:
    root, child, grandchild = Node(), Node(), Node()
    root.children.append(child)
    grandchild.parent = child
    assert child.parent is root
    assert child.children == [grandchild]
    grandchild.parent = root
    assert child.children == []
    assert root.children == [child, grandchild]


# -- many-to-many ----------------------------------------------------------------------------


def test_many_to_many_keeps_both_lists() -> None:
    article, tag1, tag2 = Article(), Tag(), Tag()
    article.tags.append(tag1)
    tag2.articles.append(article)
    assert article.tags == [tag1, tag2]
    assert tag1.articles == [article]
    assert tag2.articles == [article]
    article.tags.remove(tag2)
    assert tag2.articles == []
    tag1.articles = []
    assert article.tags == []


# -- one-to-one ------------------------------------------------------------------------------


def test_one_to_one_assigning_a_second_child_replaces_the_first() -> None:
    user, first, second = User(), Profile(), Profile()
    user.profile = first
    assert first.user is user
    user.profile = second
    assert user_of(first) is None
    assert user_of(second) is user
    user.profile = None
    assert user_of(second) is None


def test_one_to_one_from_the_child_side_clears_the_previous_owner() -> None:
    u1, u2, profile = User(), User(), Profile()
    profile.user = u1
    assert u1.profile is profile
    u2.profile = profile
    assert profile.user is u2
    assert u1.profile is None


# -- backref and one-way relationships ------------------------------------------------------------


def test_backref_attribute_is_created_and_synced() -> None:
    folder = Folder()
    file = File()
    folder.files.append(file)
    assert file.folder is folder  # type: ignore[attr-defined]
    file.folder = None  # type: ignore[attr-defined]
    assert folder.files == []
    assert File(folder=folder).folder is folder  # type: ignore[call-arg,attr-defined]


def test_one_way_relationship_changes_only_its_side() -> None:
    folder, note = Folder(), Note()
    folder.notes.append(note)
    assert folder.notes == [note]
    assert "folder" not in note.__dict__


# -- what the session state is told ----------------------------------------------------------------


def test_column_sets_are_reported_with_old_values() -> None:
    author = Author()
    state = attach_state(author)
    author.name = "ann"
    author.name = "ann"
    author.name = "bob"
    assert state.events == [
        ("set", "name", NO_VALUE, "ann"),
        ("set", "name", "ann", "ann"),
        ("set", "name", "ann", "bob"),
    ]
    assert author.__dict__["name"] == "bob"


def test_both_sides_are_reported() -> None:
    author, book = Author(), Book()
    author_state = attach_state(author, RecordingState(values={"books": []}))
    book_state = attach_state(book)
    author.books.append(book)
    assert author_state.events == [("collection", "books", [book], [])]
    assert book_state.events == [("set", "author", None, author)]
    author.books.remove(book)
    assert author_state.events[-1] == ("collection", "books", [], [book])
    assert book_state.events[-1] == ("set", "author", author, None)


def test_moving_a_child_reports_to_both_parents() -> None:
    first, second, book = Author(), Author(), Book()
    first_state = attach_state(first, RecordingState(values={"books": []}))
    second_state = attach_state(second, RecordingState(values={"books": []}))
    book_state = attach_state(book)
    book.author = first
    book.author = second
    assert book_state.events == [
        ("set", "author", None, first),
        ("set", "author", first, second),
    ]
    assert first_state.events == [
        ("collection", "books", [book], []),
        ("collection", "books", [], [book]),
    ]
    assert second_state.events == [("collection", "books", [book], [])]


def test_unloaded_collection_gets_a_pending_change() -> None:
    author, book = Author(), Book()
    author_state = attach_state(author, RecordingState(unloaded={"books"}))
    book.author = author
    assert "books" not in author.__dict__
    assert author_state.events == [("collection", "books", [book], [])]
    with pytest.raises(LazyLoadError):
        _ = author.books


def test_unknown_old_many_to_one_is_reported_as_no_value() -> None:
    book, author = Book(), Author()
    book_state = attach_state(book, RecordingState(unloaded={"author"}))
    book.author = author
    assert book_state.events == [("set", "author", NO_VALUE, author)]
    assert author.books == [book]


def test_many_to_one_resolved_by_the_state_is_used_as_old_value() -> None:
    old, new = Author(), Author()
    assert old.books == []
    book = Book()
    set_committed_value(old, "books", [book])
    state = attach_state(book, RecordingState(values={"author": old}))
    book.author = new
    assert state.events == [("set", "author", old, new)]
    assert old.books == []
    assert new.books == [book]


def test_assigning_over_an_unloaded_collection_raises() -> None:
    author = Author()
    attach_state(author, RecordingState(unloaded={"books"}))
    with pytest.raises(LazyLoadError):
        author.books = [Book()]


def test_missing_attributes_are_asked_of_the_state() -> None:
    author = Author()
    attach_state(author, RecordingState(values={"name": "from state", "books": [Book()]}))
    assert author.name == "from state"
    assert "name" not in author.__dict__  # scalars are not stored
    books = author.books
    assert isinstance(books, InstrumentedList)
    assert author.__dict__["books"] is books
    new = Book()
    books.append(new)
    assert new.author is author


def test_set_committed_value_stores_without_events() -> None:
    author, book = Author(), Book()
    state = attach_state(author)
    set_committed_value(author, "books", [book])
    set_committed_value(author, "name", "ann")
    assert isinstance(author.__dict__["books"], InstrumentedList)
    assert author.books == [book]
    assert author.name == "ann"
    assert state.events == []
    assert "author" not in book.__dict__  # no sync either
