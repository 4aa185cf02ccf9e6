"""relationship() in all its forms, every cascade, and every loading strategy, on SQLite.

Run it with ``python examples/relationships.py``; its databases live in a
temporary directory removed at the end. Each section maps the classic
``Parent``/``Child`` pair its own way (with its own declarative base and its
own database, so the table names can stay the same) and prints what it
shows:

1. one-to-many, many-to-one, one-to-one and many-to-many;
2. the cascades: save-update, merge, refresh-expire, expunge, delete,
   delete-orphan, ``all`` and ``none``; ``passive_deletes``; and what
   deleting a parent does without a delete cascade;
3. the loading strategies: select, joined, subquery, selectin, raise,
   noload and dynamic.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from aorm.engine import Engine, create_engine
from aorm.exc import LazyLoadError
from aorm.orm import DeclarativeBase, DynamicMapped, Mapped, mapped_column, relationship
from aorm.session import AsyncSession, inspect
from aorm.sql import Column, ForeignKey, String, Table, select

# -- 1. the four kinds of relationship ------------------------------------------------


class OneToMany(DeclarativeBase):
    """One-to-many: the child table refers to the parent; the parent holds a list."""


class Parent(OneToMany):
    __tablename__ = "parent_table"
    id: Mapped[int] = mapped_column(primary_key=True)
    children: Mapped[list[Child]] = relationship(back_populates="parent")


class Child(OneToMany):
    __tablename__ = "child_table"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("parent_table.id"))
    parent: Mapped[Parent | None] = relationship(back_populates="children")


class ManyToOne(DeclarativeBase):
    """Many-to-one: the parent table refers to the child; many parents may share one."""


class Owner(ManyToOne):
    __tablename__ = "parent_table"
    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("child_table.id"))
    child: Mapped[Pet | None] = relationship(back_populates="parents")


class Pet(ManyToOne):
    __tablename__ = "child_table"
    id: Mapped[int] = mapped_column(primary_key=True)
    parents: Mapped[list[Owner]] = relationship(back_populates="child")


class OneToOne(DeclarativeBase):
    """One-to-one: a one-to-many whose parent holds a single object (``uselist=False``)."""


class Person(OneToOne):
    __tablename__ = "parent_table"
    id: Mapped[int] = mapped_column(primary_key=True)
    child: Mapped[Passport | None] = relationship(back_populates="parent", uselist=False)


class Passport(OneToOne):
    __tablename__ = "child_table"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("parent_table.id"))
    parent: Mapped[Person | None] = relationship(back_populates="child")


class ManyToMany(DeclarativeBase):
    """Many-to-many: an association table refers to both sides."""


association_table = Table(
    "association_table",
    ManyToMany.metadata,
    Column("left_id", ForeignKey("left_table.id"), primary_key=True),
    Column("right_id", ForeignKey("right_table.id"), primary_key=True),
)


class Left(ManyToMany):
    __tablename__ = "left_table"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    children: Mapped[list[Right]] = relationship(
        secondary=association_table, back_populates="parents", order_by="Right.id"
    )


class Right(ManyToMany):
    __tablename__ = "right_table"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    parents: Mapped[list[Left]] = relationship(
        secondary=association_table, back_populates="children", order_by="Left.id"
    )


async def one_to_many(engine: Engine) -> None:
    """Appending sets the back reference at once; the flush writes the foreign key."""
    async with AsyncSession(engine) as session:
        parent = Parent()
        child = Child()
        parent.children.append(child)
        print("one-to-many: child.parent is parent, in memory:", child.parent is parent)
        session.add(parent)  # the child comes along (save-update)
        await session.commit()
        print("one-to-many: child.parent_id after the flush:", child.parent_id)


async def many_to_one(engine: Engine) -> None:
    """Many parents point at one child; the child's list of parents follows."""
    async with AsyncSession(engine) as session:
        pet = Pet()
        first, second = Owner(child=pet), Owner(child=pet)
        session.add_all([first, second])
        await session.commit()
        print("many-to-one: parents' child_id:", [first.child_id, second.child_id])
        print("many-to-one: the child's parents:", len(pet.parents))


async def one_to_one(engine: Engine) -> None:
    """A scalar on both sides; replacing the child takes the old one's reference away."""
    async with AsyncSession(engine) as session:
        old, new = Passport(), Passport()
        person = Person(child=old)
        session.add(person)
        await session.commit()
        person.child = new
        await session.commit()
        print("one-to-one: old child's parent_id:", old.parent_id, "new:", new.parent_id)


async def many_to_many(engine: Engine) -> None:
    """Association rows are inserted and deleted as either side's list changes."""
    async with AsyncSession(engine) as session:
        a, b = Right(name="a"), Right(name="b")
        left = Left(name="left", children=[a, b])
        session.add(left)
        await session.commit()
        b.parents.remove(left)  # from the other side
        await session.commit()
        rows = await session.execute(select(*association_table.c))
        print("many-to-many: association rows:", [tuple(row) for row in rows.all()])
        print("many-to-many: left.children:", [child.name for child in left.children])


# -- 2. cascades --------------------------------------------------------------------


class Cascades(DeclarativeBase):
    """Parents that own their children, one that only refers to them, and one that owns nothing."""


class Author(Cascades):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    books: Mapped[list[Book]] = relationship(
        back_populates="author", cascade="all, delete-orphan", order_by="Book.id"
    )


class Book(Cascades):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author | None] = relationship(back_populates="books")


class Publisher(Cascades):
    __tablename__ = "publishers"
    id: Mapped[int] = mapped_column(primary_key=True)
    magazines: Mapped[list[Magazine]] = relationship(back_populates="publisher")  # the default


class Magazine(Cascades):
    __tablename__ = "magazines"
    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int | None] = mapped_column(ForeignKey("publishers.id"))
    publisher: Mapped[Publisher | None] = relationship(back_populates="magazines")


class Forum(Cascades):
    __tablename__ = "forums"
    id: Mapped[int] = mapped_column(primary_key=True)
    posts: Mapped[list[Post]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Post(Cascades):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))


class Draft(Cascades):
    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    notes: Mapped[list[Note]] = relationship(cascade="none")


class Note(Cascades):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"))


async def count(session: AsyncSession, model: type[Cascades]) -> int:
    return len((await session.scalars(select(model))).all())


async def cascades(engine: Engine) -> None:
    """Each cascade, as the session operations follow the relationships."""
    async with AsyncSession(engine) as session:
        orwell = Author(name="George Orwell")
        session.add(orwell)
        book = Book(title="1984")
        orwell.books.append(book)
        print("save-update: the appended book is", inspect(book).state.value)
        await session.commit()

        session.expire(orwell)
        print("refresh-expire: after expire(author) the book is", inspect(book).state.value)
        await session.refresh(orwell)
        await orwell.awaitable_attrs.books  # expiring unloaded the collection: load it again
        await session.refresh(book)

        session.expunge(orwell)
        print("expunge: after expunge(author) the book is", inspect(book).state.value)

    # merge: a detached graph, changed, copied into a new session.
    book.title = "Nineteen Eighty-Four"
    orwell.books.append(Book(title="Animal Farm"))
    async with AsyncSession(engine) as session:
        merged = await session.merge(orwell)
        print("merge: the merged author's books:", [b.title for b in merged.books])
        await session.commit()

    async with AsyncSession(engine) as session:
        author = (await session.scalars(select(Author))).one()
        books = await author.awaitable_attrs.books
        books.remove(books[0])  # an orphan now: deleted at the flush
        await session.commit()
        print("delete-orphan: books left in the table:", await count(session, Book))

        await session.delete(author)  # the delete cascade takes the last book too
        await session.commit()
        print("delete: books left after deleting the author:", await count(session, Book))

        publisher = Publisher(magazines=[Magazine()])
        session.add(publisher)
        await session.commit()
        magazine = publisher.magazines[0]
        await session.delete(publisher)
        await session.commit()
        print("no delete cascade: the magazine stays, its publisher_id is", magazine.publisher_id)

        forum = Forum(posts=[Post(), Post()])
        session.add(forum)
        await session.commit()
    async with AsyncSession(engine) as session:
        forum = (await session.scalars(select(Forum))).one()
        await session.delete(forum)  # the posts are not loaded: ON DELETE CASCADE removes them
        await session.commit()
        print("passive_deletes: posts left:", await count(session, Post))

        draft = Draft()
        note = Note()
        draft.notes.append(note)
        session.add(draft)
        print("none: the note stays", inspect(note).state.value)
        await session.commit()
        print("none: notes in the table:", await count(session, Note))


# -- 3. loading strategies ------------------------------------------------------------


class Loading(DeclarativeBase):
    """One collection loaded by each strategy."""


class Shelf(Loading):
    __tablename__ = "shelves"
    id: Mapped[int] = mapped_column(primary_key=True)
    select_books: Mapped[list[Volume]] = relationship(lazy="select", order_by="Volume.id")
    joined_books: Mapped[list[Volume]] = relationship(
        lazy="joined", viewonly=True, order_by="Volume.id"
    )
    subquery_books: Mapped[list[Volume]] = relationship(
        lazy="subquery", viewonly=True, order_by="Volume.id"
    )
    selectin_books: Mapped[list[Volume]] = relationship(
        lazy="selectin", viewonly=True, order_by="Volume.id"
    )
    raise_books: Mapped[list[Volume]] = relationship(lazy="raise", viewonly=True)
    noload_books: Mapped[list[Volume]] = relationship(lazy="noload", viewonly=True)
    dynamic_books: DynamicMapped[Volume] = relationship(
        lazy="dynamic", viewonly=True, order_by="Volume.id"
    )


class Volume(Loading):
    __tablename__ = "volumes"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    shelf_id: Mapped[int | None] = mapped_column(ForeignKey("shelves.id"))


def titles(volumes: list[Volume]) -> list[str]:
    return [volume.title for volume in volumes]


async def loading(engine: Engine) -> None:
    """What reading each strategy's collection gives on a shelf just queried."""
    async with AsyncSession(engine) as session:
        session.add(Shelf(select_books=[Volume(title="Dune"), Volume(title="Emma")]))
        await session.commit()
    async with AsyncSession(engine) as session:
        shelf = (await session.scalars(select(Shelf))).unique().one()
        try:
            shelf.select_books  # noqa: B018 - reading it is the point
        except LazyLoadError:
            print("select: reading it raises LazyLoadError (no hidden IO)")
        print("select: awaited:", titles(await shelf.awaitable_attrs.select_books))
        print("joined: loaded by the query's JOIN:", titles(shelf.joined_books))
        print("subquery: loaded by a second query:", titles(shelf.subquery_books))
        print("selectin: loaded by an IN query:", titles(shelf.selectin_books))
        try:
            shelf.raise_books  # noqa: B018
        except LazyLoadError:
            print("raise: reading it raises LazyLoadError")
        print("noload: never loaded:", titles(shelf.noload_books))
        dynamic = shelf.dynamic_books
        print("dynamic: a query:", titles(await dynamic.filter(Volume.title > "D").all()))
        print("dynamic: count:", await dynamic.count())


async def main(directory: Path) -> None:
    """Run every section on a database of its own."""
    sections = [
        (OneToMany, one_to_many),
        (ManyToOne, many_to_one),
        (OneToOne, one_to_one),
        (ManyToMany, many_to_many),
        (Cascades, cascades),
        (Loading, loading),
    ]
    for base, section in sections:
        engine = create_engine(f"sqlite:///{directory / (section.__name__ + '.db')}")
        try:
            await base.metadata.create_all(engine)
            await section(engine)
        finally:
            await engine.dispose()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as temporary:
        asyncio.run(main(Path(temporary)))
