"""The mapped classes of the cascade and relationship-flush tests (their own declarative base)."""

from __future__ import annotations

from aorm.orm import DeclarativeBase, DynamicMapped, Mapped, mapped_column, relationship
from aorm.sql.constraints import ForeignKey
from aorm.sql.schema import Column, Table
from aorm.sql.types import String


class Base(DeclarativeBase):
    """The declarative base of these tests."""


class Author(Base):
    """A parent whose books cascade everything, orphans included."""

    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    books: Mapped[list[Book]] = relationship(
        back_populates="author", cascade="all, delete-orphan", order_by="Book.id"
    )


class Book(Base):
    """A child of Author, and the parent of its chapters."""

    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author | None] = relationship(back_populates="books")
    chapters: Mapped[list[Chapter]] = relationship(
        back_populates="book", cascade="all, delete-orphan", order_by="Chapter.id"
    )


class Chapter(Base):
    """A grandchild of Author."""

    __tablename__ = "chapters"
    id: Mapped[int] = mapped_column(primary_key=True)
    heading: Mapped[str] = mapped_column(String(100))
    book_id: Mapped[int | None] = mapped_column(ForeignKey("books.id"))
    book: Mapped[Book | None] = relationship(back_populates="chapters")


class Publisher(Base):
    """A parent with the default cascade: deleting it leaves its magazines, unreferenced."""

    __tablename__ = "publishers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    magazines: Mapped[list[Magazine]] = relationship(back_populates="publisher")


class Magazine(Base):
    """A child whose foreign key may be NULL."""

    __tablename__ = "magazines"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    publisher_id: Mapped[int | None] = mapped_column(ForeignKey("publishers.id"))
    publisher: Mapped[Publisher | None] = relationship(back_populates="magazines")


class Shelf(Base):
    """A parent with the default cascade whose children's foreign key is NOT NULL."""

    __tablename__ = "shelves"
    id: Mapped[int] = mapped_column(primary_key=True)
    items: Mapped[list[Item]] = relationship(back_populates="shelf")


class Item(Base):
    """A child that cannot lose its shelf."""

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("shelves.id"), nullable=False)
    shelf: Mapped[Shelf | None] = relationship(back_populates="items")


class Forum(Base):
    """A parent that leaves deleting its posts to the database (ON DELETE CASCADE)."""

    __tablename__ = "forums"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    posts: Mapped[list[Post]] = relationship(
        back_populates="forum", cascade="all, delete-orphan", passive_deletes=True
    )


class Post(Base):
    """A child deleted by the database with its forum; the parent of replies."""

    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(100))
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    forum: Mapped[Forum | None] = relationship(back_populates="posts")
    replies: Mapped[list[Reply]] = relationship(
        back_populates="post", cascade="all, delete-orphan", passive_deletes=True
    )


class Reply(Base):
    """A grandchild deleted by the database with its post."""

    __tablename__ = "replies"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(100))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    post: Mapped[Post | None] = relationship(back_populates="replies")


# The many-to-many of the relationship patterns: two tables and an association table.
association_table = Table(
    "association_table",
    Base.metadata,
    Column("left_id", ForeignKey("left_table.id"), primary_key=True),
    Column("right_id", ForeignKey("right_table.id"), primary_key=True),
)


class Parent(Base):
    """The left side of the many-to-many."""

    __tablename__ = "left_table"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    children: Mapped[list[Child]] = relationship(
        secondary=association_table, back_populates="parents", order_by="Child.id"
    )


class Child(Base):
    """The right side of the many-to-many."""

    __tablename__ = "right_table"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    parents: Mapped[list[Parent]] = relationship(
        secondary=association_table, back_populates="children", order_by="Parent.id"
    )


article_tags = Table(
    "article_tags",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True),
)


class Article(Base):
    """A many-to-many declared on one side only."""

    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags)


class Tag(Base):
    """The side of a many-to-many that has no attribute for it."""

    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(50))


class Node(Base):
    """A tree, whose nodes may point at a favourite node (written after both rows exist)."""

    __tablename__ = "nodes"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(50))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id"))
    favorite_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id"))
    children: Mapped[list[Node]] = relationship(
        back_populates="parent",
        cascade="all, delete-orphan",
        foreign_keys="Node.parent_id",
        order_by="Node.id",
    )
    parent: Mapped[Node | None] = relationship(
        back_populates="children", remote_side="Node.id", foreign_keys="Node.parent_id"
    )
    favorite: Mapped[Node | None] = relationship(
        remote_side="Node.id", foreign_keys="Node.favorite_id", post_update=True
    )


class Person(Base):
    """Two people may be each other's best friend: a cycle between two rows."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    best_friend_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    best_friend: Mapped[Person | None] = relationship(remote_side="Person.id", post_update=True)


class Playlist(Base):
    """A parent whose collection is a query (``lazy="dynamic"``), with a delete cascade."""

    __tablename__ = "playlists"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    tracks: DynamicMapped[Track] = relationship(
        back_populates="playlist", cascade="all, delete-orphan", lazy="dynamic"
    )


class Track(Base):
    """A child of a dynamic collection; its playlist may not be loaded lazily."""

    __tablename__ = "tracks"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    playlist_id: Mapped[int | None] = mapped_column(ForeignKey("playlists.id"))
    playlist: Mapped[Playlist | None] = relationship(back_populates="tracks", lazy="raise")
    cover: Mapped[Cover | None] = relationship(
        cascade="all, delete-orphan", single_parent=True, lazy="raise"
    )
    cover_id: Mapped[int | None] = mapped_column(ForeignKey("covers.id"))


class Cover(Base):
    """The target of a many-to-one with a delete cascade (one cover per track)."""

    __tablename__ = "covers"
    id: Mapped[int] = mapped_column(primary_key=True)
    image: Mapped[str] = mapped_column(String(50))


gallery_pictures = Table(
    "gallery_pictures",
    Base.metadata,
    Column("gallery_id", ForeignKey("galleries.id"), primary_key=True),
    Column("picture_id", ForeignKey("pictures.id"), primary_key=True),
)


class Gallery(Base):
    """A many-to-many with a delete cascade, never loaded lazily."""

    __tablename__ = "galleries"
    id: Mapped[int] = mapped_column(primary_key=True)
    pictures: Mapped[list[Picture]] = relationship(
        secondary=gallery_pictures, cascade="all", lazy="raise"
    )


class Picture(Base):
    """The target of Gallery.pictures."""

    __tablename__ = "pictures"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
