"""The mapped classes of the loading tests (their own declarative base), and their data.

Every cardinality is here: one-to-many (``Author.books``), many-to-one
(``Book.author``), one-to-one (``Author.profile`` / ``Profile.author``),
many-to-many through a ``secondary`` table (``Book.tags`` / ``Tag.books``),
and a self-referential tree (``Node.children`` / ``Node.parent``, with
``remote_side``). Their ``order_by`` puts rows in an order other than
insertion order, so a strategy that ignored it would be caught.

``Library`` carries a relationship per ``lazy=`` strategy (to ``Shelf``);
``Copy`` has eager many-to-ones by default.
"""

from __future__ import annotations

from dataclasses import dataclass

from aorm.engine import Engine
from aorm.orm import DeclarativeBase, DynamicMapped, Mapped, mapped_column, relationship
from aorm.sql.constraints import ForeignKey, ForeignKeyConstraint
from aorm.sql.dml import insert
from aorm.sql.schema import Column, Table
from aorm.sql.types import String

__all__ = [
    "Author",
    "Base",
    "Book",
    "Copy",
    "Library",
    "Edition",
    "Node",
    "Person",
    "Printing",
    "Profile",
    "Review",
    "Shelf",
    "Tag",
    "book_tags",
    "follows",
    "Data",
    "create_tables",
    "seed",
    "seed_libraries",
]


class Base(DeclarativeBase):
    """The declarative base of the loading tests."""


book_tags = Table(
    "loading_book_tags",
    Base.metadata,
    Column("book_id", ForeignKey("loading_books.id"), primary_key=True),
    Column("tag_id", ForeignKey("loading_tags.id"), primary_key=True),
)


class Author(Base):
    """A parent: books (one-to-many), a profile (one-to-one)."""

    __tablename__ = "loading_authors"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100))
    books: Mapped[list[Book]] = relationship(back_populates="author", order_by="Book.title")
    profile: Mapped[Profile | None] = relationship(back_populates="author", uselist=False)


class Profile(Base):
    """The other side of a one-to-one."""

    __tablename__ = "loading_profiles"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    bio: Mapped[str] = mapped_column(String(100))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("loading_authors.id"), unique=True)
    author: Mapped[Author | None] = relationship(back_populates="profile")


class Book(Base):
    """A child of Author (many-to-one), with tags (many-to-many) and reviews."""

    __tablename__ = "loading_books"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(100))
    # Indexed, as a foreign key that relationships load by should be: without
    # it PostgreSQL scans the table for every select-IN chunk.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("loading_authors.id"), index=True)
    author: Mapped[Author | None] = relationship(back_populates="books")
    tags: Mapped[list[Tag]] = relationship(
        secondary=book_tags, back_populates="books", order_by="Tag.name"
    )
    reviews: Mapped[list[Review]] = relationship(back_populates="book", order_by="Review.id")


class Tag(Base):
    """The other side of the many-to-many."""

    __tablename__ = "loading_tags"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(50))
    books: Mapped[list[Book]] = relationship(
        secondary=book_tags, back_populates="tags", order_by=lambda: Book.title.desc()
    )


class Review(Base):
    """A grandchild of Author, for nested options."""

    __tablename__ = "loading_reviews"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    stars: Mapped[int] = mapped_column()
    book_id: Mapped[int | None] = mapped_column(ForeignKey("loading_books.id"))
    book: Mapped[Book | None] = relationship(back_populates="reviews")


class Node(Base):
    """A self-referential tree."""

    __tablename__ = "loading_nodes"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(50))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("loading_nodes.id"))
    children: Mapped[list[Node]] = relationship(back_populates="parent", order_by="Node.name")
    parent: Mapped[Node | None] = relationship(back_populates="children", remote_side=[id])


follows = Table(
    "loading_follows",
    Base.metadata,
    Column("follower_id", ForeignKey("loading_people.id"), primary_key=True),
    Column("followed_id", ForeignKey("loading_people.id"), primary_key=True),
)


class Person(Base):
    """A self-referential many-to-many (two foreign keys to the same table)."""

    __tablename__ = "loading_people"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(50))
    following: Mapped[list[Person]] = relationship(
        secondary=follows,
        primaryjoin=lambda: Person.id == follows.c.follower_id,
        secondaryjoin=lambda: Person.id == follows.c.followed_id,
        back_populates="followers",
        order_by="Person.name",
    )
    followers: Mapped[list[Person]] = relationship(
        secondary=follows,
        primaryjoin=lambda: Person.id == follows.c.followed_id,
        secondaryjoin=lambda: Person.id == follows.c.follower_id,
        back_populates="following",
        order_by="Person.name",
    )


class Edition(Base):
    """A composite primary key, referred to by a composite foreign key."""

    __tablename__ = "loading_editions"
    book_id: Mapped[int] = mapped_column(
        ForeignKey("loading_books.id"), primary_key=True, autoincrement=False
    )
    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    printings: Mapped[list[Printing]] = relationship(
        back_populates="edition", order_by="Printing.id"
    )


class Printing(Base):
    """A child of Edition through a two-column foreign key."""

    __tablename__ = "loading_printings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["book_id", "number"], ["loading_editions.book_id", "loading_editions.number"]
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    book_id: Mapped[int | None] = mapped_column()
    number: Mapped[int | None] = mapped_column()
    edition: Mapped[Edition | None] = relationship(back_populates="printings")


class Library(Base):
    """A relationship to Shelf per ``lazy=`` strategy (each sees the same shelves)."""

    __tablename__ = "loading_libraries"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(50))
    shelves_selectin: Mapped[list[Shelf]] = relationship(
        lazy="selectin", viewonly=True, order_by="Shelf.label"
    )
    shelves_joined: Mapped[list[Shelf]] = relationship(
        lazy="joined", viewonly=True, order_by="Shelf.label"
    )
    shelves_subquery: Mapped[list[Shelf]] = relationship(
        lazy="subquery", viewonly=True, order_by="Shelf.label"
    )
    shelves_raise: Mapped[list[Shelf]] = relationship(lazy="raise", viewonly=True)
    shelves_noload: Mapped[list[Shelf]] = relationship(lazy="noload", viewonly=True)
    shelves: DynamicMapped[Shelf] = relationship(
        lazy="dynamic", back_populates="library", order_by="Shelf.label"
    )


class Shelf(Base):
    """The target of Library's relationships."""

    __tablename__ = "loading_shelves"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    label: Mapped[str] = mapped_column(String(50))
    library_id: Mapped[int | None] = mapped_column(ForeignKey("loading_libraries.id"))
    library: Mapped[Library | None] = relationship(back_populates="shelves")


class Copy(Base):
    """Many-to-ones that load eagerly by default (joined and selectin)."""

    __tablename__ = "loading_copies"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    shelf_id: Mapped[int | None] = mapped_column(ForeignKey("loading_shelves.id"))
    book_id: Mapped[int | None] = mapped_column(ForeignKey("loading_books.id"))
    shelf: Mapped[Shelf | None] = relationship(lazy="joined")
    book: Mapped[Book | None] = relationship(lazy="selectin")


async def create_tables(engine: Engine) -> None:
    """Create the tables of these models on *engine*."""
    await Base.metadata.create_all(engine)


@dataclass(frozen=True)
class Data:
    """What :func:`seed` inserted: each relationship's expected value, by primary keys."""

    #: author id -> book ids in ``Author.books`` order (by title).
    author_books: dict[int, list[int]]
    #: book id -> author id.
    book_author: dict[int, int | None]
    #: author id -> profile id.
    author_profile: dict[int, int | None]
    #: profile id -> author id.
    profile_author: dict[int, int | None]
    #: book id -> tag ids by name.
    book_tags: dict[int, list[int]]
    #: tag id -> book ids by title, descending.
    tag_books: dict[int, list[int]]
    #: node id -> child ids by name.
    node_children: dict[int, list[int]]
    #: node id -> parent id.
    node_parent: dict[int, int | None]
    #: person id -> ids of the people they follow, by name.
    following: dict[int, list[int]]
    #: person id -> ids of their followers, by name.
    followers: dict[int, list[int]]


async def seed(engine: Engine) -> Data:
    """Insert the test data (with plain statements, not through a session)."""
    async with engine.begin() as conn:
        await conn.execute(
            insert(Author.__table__),
            [
                {"id": 1, "name": "Orwell"},
                {"id": 2, "name": "Huxley"},
                {"id": 3, "name": "Nobody"},  # no books, no profile
            ],
        )
        await conn.execute(
            insert(Profile.__table__),
            [
                {"id": 10, "bio": "Eric Blair", "author_id": 1},
                {"id": 11, "bio": "Aldous", "author_id": 2},
                {"id": 12, "bio": "orphan", "author_id": None},
            ],
        )
        await conn.execute(
            insert(Book.__table__),
            [
                {"id": 1, "title": "Nineteen Eighty-Four", "author_id": 1},
                {"id": 2, "title": "Animal Farm", "author_id": 1},
                {"id": 3, "title": "Brave New World", "author_id": 2},
                {"id": 4, "title": "Anonymous", "author_id": None},
                {"id": 5, "title": "Homage to Catalonia", "author_id": 1},
            ],
        )
        await conn.execute(
            insert(Tag.__table__),
            [
                {"id": 1, "name": "satire"},
                {"id": 2, "name": "dystopia"},
                {"id": 3, "name": "classic"},
                {"id": 4, "name": "unused"},
            ],
        )
        await conn.execute(
            insert(book_tags),
            [
                {"book_id": 1, "tag_id": 2},
                {"book_id": 1, "tag_id": 3},
                {"book_id": 2, "tag_id": 1},
                {"book_id": 2, "tag_id": 3},
                {"book_id": 3, "tag_id": 2},
            ],
        )
        await conn.execute(
            insert(Review.__table__),
            [
                {"id": 1, "stars": 5, "book_id": 1},
                {"id": 2, "stars": 4, "book_id": 1},
                {"id": 3, "stars": 3, "book_id": 3},
            ],
        )
        await conn.execute(
            insert(Node.__table__),
            [
                {"id": 1, "name": "root", "parent_id": None},
                {"id": 2, "name": "b-child", "parent_id": 1},
                {"id": 3, "name": "a-child", "parent_id": 1},
                {"id": 4, "name": "grandchild", "parent_id": 2},
                {"id": 5, "name": "great-grandchild", "parent_id": 4},
            ],
        )
        await conn.execute(
            insert(Person.__table__),
            [
                {"id": 1, "name": "dora"},
                {"id": 2, "name": "carl"},
                {"id": 3, "name": "bea"},
                {"id": 4, "name": "abe"},
            ],
        )
        await conn.execute(
            insert(follows),
            [
                {"follower_id": 1, "followed_id": 2},
                {"follower_id": 1, "followed_id": 3},
                {"follower_id": 2, "followed_id": 1},
                {"follower_id": 3, "followed_id": 1},
                {"follower_id": 3, "followed_id": 2},
            ],
        )
        await conn.execute(
            insert(Edition.__table__),
            [
                {"book_id": 1, "number": 1},
                {"book_id": 1, "number": 2},
                {"book_id": 2, "number": 1},
                {"book_id": 3, "number": 1},
            ],
        )
        await conn.execute(
            insert(Printing.__table__),
            [
                {"id": 1, "book_id": 1, "number": 1},
                {"id": 2, "book_id": 1, "number": 2},
                {"id": 3, "book_id": 1, "number": 1},
                {"id": 4, "book_id": 3, "number": 1},
                {"id": 5, "book_id": None, "number": None},
            ],
        )
    return Data(
        author_books={1: [2, 5, 1], 2: [3], 3: []},
        book_author={1: 1, 2: 1, 3: 2, 4: None, 5: 1},
        author_profile={1: 10, 2: 11, 3: None},
        profile_author={10: 1, 11: 2, 12: None},
        book_tags={1: [3, 2], 2: [3, 1], 3: [2], 4: [], 5: []},
        tag_books={1: [2], 2: [1, 3], 3: [1, 2], 4: []},
        node_children={1: [3, 2], 2: [4], 3: [], 4: [5], 5: []},
        node_parent={1: None, 2: 1, 3: 1, 4: 2, 5: 4},
        following={1: [3, 2], 2: [1], 3: [2, 1], 4: []},
        followers={1: [3, 2], 2: [3, 1], 3: [1], 4: []},
    )


async def seed_libraries(engine: Engine) -> None:
    """Insert libraries, shelves and copies."""
    async with engine.begin() as conn:
        await conn.execute(
            insert(Library.__table__), [{"id": 1, "name": "central"}, {"id": 2, "name": "empty"}]
        )
        await conn.execute(
            insert(Shelf.__table__),
            [
                {"id": 1, "label": "poetry", "library_id": 1},
                {"id": 2, "label": "fiction", "library_id": 1},
                {"id": 3, "label": "history", "library_id": 1},
                {"id": 4, "label": "loose", "library_id": None},
            ],
        )
        await conn.execute(
            insert(Copy.__table__),
            [
                {"id": 1, "shelf_id": 2, "book_id": 1},
                {"id": 2, "shelf_id": 2, "book_id": 3},
                {"id": 3, "shelf_id": None, "book_id": None},
            ],
        )
