"""Class-level attributes: non-data descriptors on instances, column expressions on the class."""

from __future__ import annotations

import operator

import pytest

from aorm.exc import ArgumentError, ExpiredAttributeError
from aorm.orm import (
    ColumnAttribute,
    ColumnProperty,
    DeclarativeBase,
    Mapped,
    RelationshipAttribute,
    RelationshipProperty,
    mapped_column,
    relationship,
)
from aorm.sql.constraints import ForeignKey
from aorm.sql.expressions import literal_column
from aorm.sql.select import select
from aorm.sql.types import String
from tests.orm.fake_state import RecordingState, attach_state
from tests.orm.sql_helpers import compile_postgresql, compile_sqlite, sql_of


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column("user_name", String(50))
    posts: Mapped[list[Post]] = relationship(back_populates="author")


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author: Mapped[User | None] = relationship(back_populates="posts")


def test_descriptors_are_non_data() -> None:
    for key in ("name", "posts"):
        descriptor = vars(User)[key]
        assert hasattr(descriptor, "__get__")
        assert not hasattr(descriptor, "__set__")
        assert not hasattr(descriptor, "__delete__")


def test_loaded_values_live_in_dict_and_reads_skip_the_descriptor() -> None:
    user = User(name="ann")
    state = attach_state(user, RecordingState())

    class Exploding(RecordingState):
        def missing_attribute(self, key: str) -> object:
            raise AssertionError(f"descriptor consulted for {key}")

    assert user.__dict__["name"] == "ann"
    attach_state(user, Exploding())
    assert user.name == "ann"  # a plain __dict__ hit
    assert state.events == []


def test_setting_goes_through_the_instrumentation() -> None:
    user = User()
    user.name = "bob"
    assert "name" in user.__dict__
    assert user.__dict__["name"] == "bob"


def test_unloaded_column_asks_the_state_which_may_raise() -> None:
    user = User()

    class Expired(RecordingState):
        def missing_attribute(self, key: str) -> object:
            raise ExpiredAttributeError(f"User.{key} is expired")

    attach_state(user, Expired())
    with pytest.raises(ExpiredAttributeError, match=r"User\.name is expired"):
        _ = user.name


def test_class_attributes_are_column_expressions() -> None:
    attribute = vars(User)["name"]
    assert isinstance(attribute, ColumnAttribute)
    assert attribute.key == "name"
    assert attribute.class_ is User
    assert isinstance(attribute.property, ColumnProperty)
    assert attribute.property.column is User.__table__.c.user_name
    assert attribute.__clause_element__() is User.__table__.c.user_name
    assert attribute.type == String(50)
    assert repr(attribute) == "<ColumnAttribute User.name>"
    assert hash(attribute) == id(attribute)


def test_select_with_mapped_attributes_compiles() -> None:
    statement = select(User.id, User.name).where(User.name == "x").order_by(User.id.desc())
    sqlite = compile_sqlite(statement)
    assert sqlite.sql == (
        'SELECT "users"."id", "users"."user_name" FROM "users" '
        'WHERE "users"."user_name" = ? ORDER BY "users"."id" DESC'
    )
    postgresql = compile_postgresql(statement)
    assert postgresql.sql == (
        'SELECT "users"."id", "users"."user_name" FROM "users" '
        'WHERE "users"."user_name" = $1 ORDER BY "users"."id" DESC'
    )
    assert sql_of(User.name.in_(["a", "b"])).startswith('"users"."user_name" IN')
    assert sql_of(User.name.like("a%")) == '"users"."user_name" LIKE ?'


def test_select_of_a_mapped_class_selects_its_table() -> None:
    sql = compile_sqlite(select(User).where(User.id == 1)).sql
    assert sql == 'SELECT "users"."id", "users"."user_name" FROM "users" WHERE "users"."id" = ?'


def test_relationship_attribute_on_the_class() -> None:
    attribute = vars(Post)["author"]
    assert isinstance(attribute, RelationshipAttribute)
    assert isinstance(attribute.property, RelationshipProperty)
    assert attribute.key == "author"
    assert attribute.class_ is Post
    assert sql_of(attribute.__clause_element__()) == '"posts"."author_id" = "users"."id"'


def test_many_to_one_compares_with_objects_and_none() -> None:
    user = User(id=5)
    assert sql_of(Post.author == user) == '"posts"."author_id" = ?'
    assert sql_of(operator.eq(Post.author, None)) == '"posts"."author_id" IS NULL'
    assert sql_of(operator.ne(Post.author, None)) == '"posts"."author_id" IS NOT NULL'
    statement = select(literal_column("1")).where(Post.author == user)
    assert statement._cache_key()[1] == [5]
    with pytest.raises(ArgumentError, match=r"Post\.author == User object: its id is not known"):
        _ = Post.author == User()
    with pytest.raises(ArgumentError, match=r"User\.posts: == and != work on many-to-one"):
        _ = User.posts == Post()
    # Compared with anything but an object or None, an attribute is compared by identity.
    assert vars(Post)["author"] in [vars(User)["posts"], vars(Post)["author"]]
    assert vars(User)["posts"] not in [vars(Post)["author"]]
    with pytest.raises(ArgumentError, match=r"Post\.author is a relationship"):
        _ = Post.author < user
