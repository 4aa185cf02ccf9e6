"""relationship() configuration: targets, directions, column pairs, backrefs, and mistakes."""

from __future__ import annotations

import contextlib
import gc
from typing import Any

import pytest

from aorm.exc import MappingError
from aorm.orm import (
    DeclarativeBase,
    Mapped,
    RelationshipDirection,
    RelationshipProperty,
    backref,
    configure_mappers,
    mapped_column,
    mapper_of,
    relationship,
)
from aorm.sql.constraints import ForeignKey
from aorm.sql.schema import Column, Table
from aorm.sql.types import Integer, String
from tests.orm.sql_helpers import order_sql, sql_of

ONETOMANY = RelationshipDirection.ONETOMANY
MANYTOONE = RelationshipDirection.MANYTOONE
MANYTOMANY = RelationshipDirection.MANYTOMANY


def rel(cls: type[Any], key: str) -> RelationshipProperty[Any]:
    """The configured relationship *key* of *cls*."""
    mapper = mapper_of(cls)
    mapper.configure()
    return mapper.relationships[key]


def test_one_to_many_and_many_to_one_from_the_design_story() -> None:
    class Base(DeclarativeBase):
        pass

    class Author(Base):
        __tablename__ = "authors"
        id = Column(Integer, primary_key=True)
        name = Column(String(100), nullable=False)
        books = relationship("Book", back_populates="author", cascade="all, delete-orphan")

    class Book(Base):
        __tablename__ = "books"
        id = Column(Integer, primary_key=True)
        title = Column(String(200))
        author_id = Column(Integer, ForeignKey("authors.id"))
        author = relationship("Author", back_populates="books")

    authors, books = Author.__table__, Book.__table__
    one_to_many = rel(Author, "books")
    assert one_to_many.direction is ONETOMANY
    assert one_to_many.mapper is mapper_of(Book)
    assert one_to_many.uselist is True
    assert one_to_many.local_remote_pairs == ((authors.c.id, books.c.author_id),)
    assert one_to_many.synchronize_pairs == ((authors.c.id, books.c.author_id),)
    assert one_to_many.local_keys == ("id",)
    assert one_to_many.remote_keys == ("author_id",)
    assert one_to_many.foreign_columns == (books.c.author_id,)
    assert one_to_many.cascade.delete_orphan
    assert one_to_many.cascade.delete
    assert one_to_many.reverse_property is rel(Book, "author")

    many_to_one = rel(Book, "author")
    assert many_to_one.direction is MANYTOONE
    assert many_to_one.uselist is False
    assert many_to_one.local_remote_pairs == ((books.c.author_id, authors.c.id),)
    assert many_to_one.synchronize_pairs == ((authors.c.id, books.c.author_id),)
    assert many_to_one.local_keys == ("author_id",)
    assert many_to_one.remote_keys == ("id",)
    assert many_to_one.cascade == frozenset({"save-update", "merge"})
    assert many_to_one.lazy == "select"
    assert many_to_one.reverse_attribute is vars(Author)["books"]
    assert sql_of(many_to_one.primaryjoin) == '"books"."author_id" = "authors"."id"'


def test_targets_from_annotations_class_objects_and_callables() -> None:
    class Base(DeclarativeBase):
        pass

    class Parent(Base):
        __tablename__ = "parents"
        id: Mapped[int] = mapped_column(primary_key=True)
        children: Mapped[list[Child]] = relationship(
            back_populates="parent", foreign_keys="Child.parent_id"
        )
        favourite_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"))
        favourite: Mapped[Child | None] = relationship(foreign_keys=[favourite_id])

    class Child(Base):
        __tablename__ = "children"
        id: Mapped[int] = mapped_column(primary_key=True)
        parent_id: Mapped[int | None] = mapped_column(ForeignKey("parents.id"))
        parent: Mapped[Parent] = relationship(back_populates="children", foreign_keys=[parent_id])
        also_parent: Mapped[Any] = relationship(
            lambda: Parent, foreign_keys=lambda: [Child.parent_id], viewonly=True
        )

    assert rel(Parent, "children").uselist is True
    assert rel(Parent, "children").direction is ONETOMANY
    assert rel(Parent, "favourite").direction is MANYTOONE
    assert rel(Parent, "favourite").uselist is False
    assert rel(Child, "parent").mapper is mapper_of(Parent)
    assert rel(Child, "also_parent").mapper is mapper_of(Parent)
    assert rel(Child, "also_parent").cascade == frozenset()


def test_self_referential_adjacency_list() -> None:
    class Base(DeclarativeBase):
        pass

    class Node(Base):
        __tablename__ = "nodes"
        id = Column(Integer, primary_key=True)
        parent_id = Column(Integer, ForeignKey("nodes.id"))
        children = relationship("Node", back_populates="parent")
        parent = relationship("Node", remote_side=[id], back_populates="children")

    nodes = Node.__table__
    children, parent = rel(Node, "children"), rel(Node, "parent")
    assert children.direction is ONETOMANY
    assert children.local_remote_pairs == ((nodes.c.id, nodes.c.parent_id),)
    assert parent.direction is MANYTOONE
    assert parent.local_remote_pairs == ((nodes.c.parent_id, nodes.c.id),)
    assert parent.uselist is False
    assert children.reverse_property is parent


def test_self_referential_with_typed_columns_and_string_remote_side() -> None:
    class Base(DeclarativeBase):
        pass

    class Node(Base):
        __tablename__ = "nodes"
        id: Mapped[int] = mapped_column(primary_key=True)
        parent_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id"))
        parent: Mapped[Node | None] = relationship(remote_side=[id], back_populates="children")
        children: Mapped[list[Node]] = relationship(back_populates="parent")

    class Category(Base):
        __tablename__ = "categories"
        id: Mapped[int] = mapped_column(primary_key=True)
        up_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
        up: Mapped[Category | None] = relationship(remote_side="Category.id")
        down: Mapped[list[Category]] = relationship(remote_side="Category.up_id")

    assert rel(Node, "parent").direction is MANYTOONE
    assert rel(Category, "up").direction is MANYTOONE
    assert rel(Category, "down").direction is ONETOMANY


def test_self_referential_backref_gets_the_opposite_direction() -> None:
    class Base(DeclarativeBase):
        pass

    class Node(Base):
        __tablename__ = "nodes"
        id = Column(Integer, primary_key=True)
        parent_id = Column(Integer, ForeignKey("nodes.id"))
        children = relationship("Node", backref="parent")

    parent = rel(Node, "parent")
    assert parent.direction is MANYTOONE
    assert parent.uselist is False
    assert parent.local_remote_pairs == ((Node.__table__.c.parent_id, Node.__table__.c.id),)


def test_two_relationships_between_the_same_classes_need_foreign_keys() -> None:
    class Base(DeclarativeBase):
        pass

    class Author(Base):
        __tablename__ = "authors"
        id = Column(Integer, primary_key=True)
        books = relationship("Book", foreign_keys="[Book.author_id]", back_populates="author")
        edited = relationship("Book", foreign_keys="Book.editor_id", back_populates="editor")

    class Book(Base):
        __tablename__ = "books"
        id = Column(Integer, primary_key=True)
        author_id = Column(Integer, ForeignKey("authors.id"))
        editor_id = Column(Integer, ForeignKey("authors.id"))
        author = relationship("Author", foreign_keys=[author_id], back_populates="books")
        editor = relationship("Author", foreign_keys=[editor_id], back_populates="edited")

    books = Book.__table__
    assert rel(Author, "books").remote_keys == ("author_id",)
    assert rel(Author, "edited").remote_keys == ("editor_id",)
    assert rel(Book, "author").local_remote_pairs[0][0] is books.c.author_id
    assert rel(Book, "editor").local_remote_pairs[0][0] is books.c.editor_id


def test_ambiguous_foreign_key_paths_are_an_error() -> None:
    class Base(DeclarativeBase):
        pass

    class Author(Base):
        __tablename__ = "authors"
        id = Column(Integer, primary_key=True)
        books = relationship("Book")

    class Book(Base):
        __tablename__ = "books"
        id = Column(Integer, primary_key=True)
        author_id = Column(Integer, ForeignKey("authors.id"))
        editor_id = Column(Integer, ForeignKey("authors.id"))

    with pytest.raises(MappingError, match=r"Author\.books: more than one foreign key path"):
        Base.registry.configure()
    # The registry stays unconfigured and says so again.
    with pytest.raises(MappingError, match=r"Author\.books: more than one foreign key path"):
        Author()


def test_many_to_many_through_a_secondary_table() -> None:
    class Base(DeclarativeBase):
        pass

    article_tags = Table(
        "article_tags",
        Base.metadata,
        Column("article_id", ForeignKey("articles.id"), primary_key=True),
        Column("tag_id", ForeignKey("tags.id"), primary_key=True),
    )

    class Article(Base):
        __tablename__ = "articles"
        id = Column(Integer, primary_key=True)
        tags = relationship("Tag", secondary=article_tags, back_populates="articles")

    class Tag(Base):
        __tablename__ = "tags"
        id = Column(Integer, primary_key=True)
        articles = relationship("Article", secondary="article_tags", back_populates="tags")

    articles, tags = Article.__table__, Tag.__table__
    forward, reverse = rel(Article, "tags"), rel(Tag, "articles")
    assert forward.direction is MANYTOMANY
    assert reverse.direction is MANYTOMANY
    assert forward.secondary is article_tags
    assert reverse.secondary is article_tags
    assert forward.local_remote_pairs == ((articles.c.id, article_tags.c.article_id),)
    assert forward.secondary_pairs == ((tags.c.id, article_tags.c.tag_id),)
    assert forward.synchronize_pairs == forward.local_remote_pairs
    assert forward.secondary_synchronize_pairs == forward.secondary_pairs
    assert forward.remote_keys == ("article_id",)
    assert reverse.local_remote_pairs == ((tags.c.id, article_tags.c.tag_id),)
    assert forward.uselist
    assert reverse.uselist
    assert forward.reverse_property is reverse
    # The association table's untyped key columns took their targets' types.
    assert article_tags.c.article_id.type == Integer()
    assert sql_of(forward.primaryjoin) == '"articles"."id" = "article_tags"."article_id"'
    assert forward.secondaryjoin is not None
    assert sql_of(forward.secondaryjoin) == '"tags"."id" = "article_tags"."tag_id"'


def test_many_to_many_backref() -> None:
    class Base(DeclarativeBase):
        pass

    links = Table(
        "links",
        Base.metadata,
        Column("a_id", ForeignKey("a.id"), primary_key=True),
        Column("b_id", ForeignKey("b.id"), primary_key=True),
    )

    class A(Base):
        __tablename__ = "a"
        id = Column(Integer, primary_key=True)
        bs = relationship("B", secondary=links, backref=backref("as_", lazy="selectin"))

    class B(Base):
        __tablename__ = "b"
        id = Column(Integer, primary_key=True)

    reverse = rel(B, "as_")
    assert reverse.direction is MANYTOMANY
    assert reverse.lazy == "selectin"
    assert reverse.local_remote_pairs == ((B.__table__.c.id, links.c.b_id),)
    assert reverse.secondary_pairs == ((A.__table__.c.id, links.c.a_id),)
    assert rel(A, "bs").reverse_property is reverse


def test_self_referential_many_to_many_needs_join_conditions() -> None:
    class Base(DeclarativeBase):
        pass

    follows = Table(
        "follows",
        Base.metadata,
        Column("follower_id", ForeignKey("users.id"), primary_key=True),
        Column("followed_id", ForeignKey("users.id"), primary_key=True),
    )

    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
        following = relationship(
            "User",
            secondary=follows,
            primaryjoin=lambda: User.id == follows.c.follower_id,
            secondaryjoin=lambda: User.id == follows.c.followed_id,
            backref="followers",
        )

    following, followers = rel(User, "following"), rel(User, "followers")
    assert following.local_remote_pairs == ((User.__table__.c.id, follows.c.follower_id),)
    assert followers.local_remote_pairs == ((User.__table__.c.id, follows.c.followed_id),)

    class Base2(DeclarativeBase):
        pass

    Table(
        "follows",
        Base2.metadata,
        Column("follower_id", ForeignKey("users.id"), primary_key=True),
        Column("followed_id", ForeignKey("users.id"), primary_key=True),
    )

    class User2(Base2):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
        following = relationship("User2", secondary="follows")

    with pytest.raises(MappingError, match=r"User2\.following: a self-referential many-to-many"):
        User2()


def test_one_to_one_with_uselist_false() -> None:
    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
        profile = relationship("Profile", uselist=False, back_populates="user")

    class Profile(Base):
        __tablename__ = "profiles"
        id = Column(Integer, primary_key=True)
        user_id = Column(Integer, ForeignKey("users.id"), unique=True)
        user = relationship("User", back_populates="profile")

    assert rel(User, "profile").direction is ONETOMANY
    assert rel(User, "profile").uselist is False
    assert rel(Profile, "user").uselist is False


def test_explicit_primaryjoin() -> None:
    class Base(DeclarativeBase):
        pass

    class Address(Base):
        __tablename__ = "addresses"
        id = Column(Integer, primary_key=True)
        user_id = Column(Integer, ForeignKey("users.id"))

    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
        addresses = relationship(
            Address,
            primaryjoin=lambda: User.id == Address.user_id,
            viewonly=True,
        )

    prop = rel(User, "addresses")
    assert prop.direction is ONETOMANY
    assert prop.local_remote_pairs == ((User.__table__.c.id, Address.__table__.c.user_id),)


def test_order_by_forms() -> None:
    class Base(DeclarativeBase):
        pass

    class Author(Base):
        __tablename__ = "authors"
        id = Column(Integer, primary_key=True)
        by_title = relationship("Book", order_by="Book.title", viewonly=True)
        by_title_desc = relationship("Book", order_by="Book.title.desc()", viewonly=True)
        by_two = relationship("Book", order_by="Book.year desc, title", viewonly=True)
        by_callable = relationship("Book", order_by=lambda: [book_year()], viewonly=True)
        books = relationship("Book", back_populates="author")

    class Book(Base):
        __tablename__ = "books"
        id = Column(Integer, primary_key=True)
        title = Column(String(50))
        year = Column(Integer)
        author_id = Column(Integer, ForeignKey("authors.id"))
        author = relationship(Author, back_populates="books", order_by=Author.id)

    def book_year() -> Column:
        return Book.year

    books = Book.__table__
    assert rel(Author, "by_title").order_by == (books.c.title,)
    assert [order_sql(e) for e in rel(Author, "by_title_desc").order_by] == ['"books"."title" DESC']
    assert rel(Author, "by_callable").order_by == (books.c.year,)
    assert [order_sql(e) for e in rel(Author, "by_two").order_by] == [
        '"books"."year" DESC',
        '"books"."title"',
    ]
    assert rel(Book, "author").order_by == (Author.__table__.c.id,)


# -- mistakes ---------------------------------------------------------------------------


def _configure_error(*classes: type[Any]) -> str:
    with pytest.raises(MappingError) as info:
        classes[0]()
    return str(info.value)


def test_unknown_target_class() -> None:
    class Base(DeclarativeBase):
        pass

    class Author(Base):
        __tablename__ = "authors"
        id = Column(Integer, primary_key=True)
        books = relationship("Bok")

    assert "Author.books: no mapped class named 'Bok'" in _configure_error(Author)


def test_no_foreign_key_path() -> None:
    class Base(DeclarativeBase):
        pass

    class A(Base):
        __tablename__ = "a"
        id = Column(Integer, primary_key=True)
        bs = relationship("B")

    class B(Base):
        __tablename__ = "b"
        id = Column(Integer, primary_key=True)

    assert "A.bs: no foreign key relates tables 'a' and 'b'" in _configure_error(A)


def test_back_populates_mistakes() -> None:
    class Base(DeclarativeBase):
        pass

    class A(Base):
        __tablename__ = "a"
        id = Column(Integer, primary_key=True)
        bs = relationship("B", back_populates="parent")

    class B(Base):
        __tablename__ = "b"
        id = Column(Integer, primary_key=True)
        a_id = Column(Integer, ForeignKey("a.id"))
        a = relationship("A", back_populates="bs")

    assert "A.bs: back_populates='parent', but B has no relationship 'parent'" in (
        _configure_error(A)
    )

    class Base2(DeclarativeBase):
        pass

    class C(Base2):
        __tablename__ = "c"
        id = Column(Integer, primary_key=True)
        ds = relationship("D", back_populates="c")

    class D(Base2):
        __tablename__ = "d"
        id = Column(Integer, primary_key=True)
        c_id = Column(Integer, ForeignKey("c.id"))
        c = relationship("C", back_populates="others")

    assert "back_populates='c', but D.c has back_populates='others'" in _configure_error(C)

    class Base3(DeclarativeBase):
        pass

    class E(Base3):
        __tablename__ = "e"
        id = Column(Integer, primary_key=True)
        f_id = Column(Integer, ForeignKey("f.id"))
        f = relationship("F", back_populates="e", foreign_keys=[f_id])

    class F(Base3):
        __tablename__ = "f"
        id = Column(Integer, primary_key=True)
        e_id = Column(Integer, ForeignKey("e.id"))
        e = relationship("E", back_populates="f", foreign_keys=[e_id])

    assert "E.f (many-to-one) and F.e (many-to-one) cannot be each other's back_populates" in (
        _configure_error(E)
    )

    class Base4(DeclarativeBase):
        pass

    class Author(Base4):
        __tablename__ = "authors"
        id = Column(Integer, primary_key=True)
        books = relationship("Book", back_populates="author", foreign_keys="Book.author_id")

    class Book(Base4):
        __tablename__ = "books"
        id = Column(Integer, primary_key=True)
        author_id = Column(Integer, ForeignKey("authors.id"))
        editor_id = Column(Integer, ForeignKey("authors.id"))
        author = relationship("Author", back_populates="books", foreign_keys=[editor_id])

    assert "Author.books and Book.author use different foreign keys" in _configure_error(Author)

    class Base5(DeclarativeBase):
        pass

    class G(Base5):
        __tablename__ = "g"
        id = Column(Integer, primary_key=True)
        hs = relationship("H", back_populates="g")

    class H(Base5):
        __tablename__ = "h"
        id = Column(Integer, primary_key=True)
        g_id = Column(Integer, ForeignKey("g.id"))
        g = relationship("G2", back_populates="hs")

    class G2(Base5):
        __tablename__ = "g2"
        id = Column(Integer, primary_key=True)
        h_id = Column(Integer, ForeignKey("h.id"))

    assert "G.hs: back_populates='g', but H.g refers to G2, not G" in _configure_error(G)


def test_cascade_and_lazy_mistakes_fail_at_class_creation() -> None:
    class Base(DeclarativeBase):
        pass

    with pytest.raises(MappingError, match=r"A\.bs: cascade 'delete-orphan' needs 'delete'"):

        class A(Base):
            __tablename__ = "a"
            id = Column(Integer, primary_key=True)
            bs = relationship("B", cascade="save-update, delete-orphan")

    with pytest.raises(MappingError, match=r"A2\.bs: unknown cascade 'delete-orphans'"):

        class A2(Base):
            __tablename__ = "a2"
            id = Column(Integer, primary_key=True)
            bs = relationship("B", cascade="all, delete-orphans")

    with pytest.raises(MappingError, match=r"A3\.bs: unknown lazy='eager'"):

        class A3(Base):
            __tablename__ = "a3"
            id = Column(Integer, primary_key=True)
            bs = relationship("B", lazy="eager")  # type: ignore[call-overload]

    with pytest.raises(MappingError, match=r"A4\.bs: relationship\(\) needs its target class"):

        class A4(Base):
            __tablename__ = "a4"
            id = Column(Integer, primary_key=True)
            bs = relationship()

    with pytest.raises(MappingError, match=r"A5\.bs: a viewonly relationship cannot cascade"):

        class A5(Base):
            __tablename__ = "a5"
            id = Column(Integer, primary_key=True)
            bs = relationship("B", viewonly=True, cascade="all")

    # The failed classes left nothing behind.
    assert Base.registry.classes() == []
    assert Base.metadata.tables == {}


def test_direction_dependent_mistakes_fail_at_configure() -> None:
    class Base(DeclarativeBase):
        pass

    class Parent(Base):
        __tablename__ = "parents"
        id = Column(Integer, primary_key=True)

    class Child(Base):
        __tablename__ = "children"
        id = Column(Integer, primary_key=True)
        parent_id = Column(Integer, ForeignKey("parents.id"))
        parent = relationship("Parent", uselist=True)

    assert "Child.parent: a many-to-one relationship holds one object" in _configure_error(Child)

    class Base2(DeclarativeBase):
        pass

    class Parent2(Base2):
        __tablename__ = "parents"
        id = Column(Integer, primary_key=True)

    class Child2(Base2):
        __tablename__ = "children"
        id = Column(Integer, primary_key=True)
        parent_id = Column(Integer, ForeignKey("parents.id"))
        parent = relationship("Parent2", cascade="all, delete-orphan")

    assert "Child2.parent: cascade 'delete-orphan' on a many-to-one" in _configure_error(Child2)

    class Base3(DeclarativeBase):
        pass

    class Parent3(Base3):
        __tablename__ = "parents"
        id = Column(Integer, primary_key=True)
        child = relationship("Child3", uselist=False, lazy="dynamic")

    class Child3(Base3):
        __tablename__ = "children"
        id = Column(Integer, primary_key=True)
        parent_id = Column(Integer, ForeignKey("parents.id"))

    assert "Parent3.child: lazy='dynamic' needs a collection" in _configure_error(Parent3)


def test_backref_name_clash() -> None:
    class Base(DeclarativeBase):
        pass

    class Parent(Base):
        __tablename__ = "parents"
        id = Column(Integer, primary_key=True)
        children = relationship("Child", backref="name")

    class Child(Base):
        __tablename__ = "children"
        id = Column(Integer, primary_key=True)
        name = Column(String(20))
        parent_id = Column(Integer, ForeignKey("parents.id"))

    assert "Parent.children: backref 'name' clashes" in _configure_error(Parent)


def test_configuration_is_lazy_and_explicit_configure_works() -> None:
    class Base(DeclarativeBase):
        pass

    class Parent(Base):
        __tablename__ = "parents"
        id = Column(Integer, primary_key=True)
        children = relationship("Child", backref="parent")

    def configured(cls: type[Any]) -> bool:
        return mapper_of(cls).configured

    assert not configured(Parent)

    class Child(Base):
        __tablename__ = "children"
        id = Column(Integer, primary_key=True)
        parent_id = Column(Integer, ForeignKey("parents.id"))

    assert "parent" not in mapper_of(Child).relationships
    gc.collect()  # other tests' declarative bases, some deliberately broken, are garbage
    # A deliberately broken base of another test may still be alive and raise.
    with contextlib.suppress(MappingError):
        configure_mappers()
    assert configured(Parent)
    assert configured(Child)
    assert rel(Child, "parent").direction is MANYTOONE

    class Late(Base):
        __tablename__ = "late"
        id = Column(Integer, primary_key=True)
        parent_id = Column(Integer, ForeignKey("parents.id"))
        parent = relationship(Parent)

    assert not configured(Late)
    Late()
    assert configured(Late)
    assert configured(Parent)
    assert rel(Late, "parent").mapper is mapper_of(Parent)


def test_relationship_objects_are_bound_once() -> None:
    class Base(DeclarativeBase):
        pass

    shared = relationship("A")

    class A(Base):
        __tablename__ = "a"
        id = Column(Integer, primary_key=True)
        a_id = Column(Integer, ForeignKey("a.id"))
        one = shared

    with pytest.raises(
        MappingError, match=r"B\.two: this relationship\(\) already belongs to A\.one"
    ):

        class B(Base):
            __tablename__ = "b"
            id = Column(Integer, primary_key=True)
            two = shared


def test_configure_mappers_configures_good_bases_and_reports_broken_ones() -> None:
    class Good(DeclarativeBase):
        pass

    class Bad(DeclarativeBase):
        pass

    class Parent(Good):
        __tablename__ = "parents"
        id = Column(Integer, primary_key=True)
        children = relationship("Child")

    class Child(Good):
        __tablename__ = "children"
        id = Column(Integer, primary_key=True)
        parent_id = Column(Integer, ForeignKey("parents.id"))

    class Broken(Bad):
        __tablename__ = "broken"
        id = Column(Integer, primary_key=True)
        others = relationship("Missing")

    with pytest.raises(MappingError):
        configure_mappers()
    assert mapper_of(Parent).configured
    assert not mapper_of(Broken).configured
    with pytest.raises(MappingError, match=r"Broken\.others: no mapped class named 'Missing'"):
        Bad.registry.configure()
