"""Declarative mapping: both declaration styles, tables, mixins, constructor, repr, errors."""

from __future__ import annotations

import datetime
import enum
import uuid
from decimal import Decimal
from typing import Any, ClassVar, Optional

import pytest

from aorm.exc import MappingError
from aorm.orm import (
    Base,
    ColumnAttribute,
    DeclarativeBase,
    Mapped,
    declarative_base,
    mapped_column,
    mapper_of,
    relationship,
)
from aorm.sql.constraints import CheckConstraint, ForeignKey, Index, UniqueConstraint
from aorm.sql.schema import Column, MetaData, Table
from aorm.sql.types import (
    JSON,
    UUID,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Interval,
    LargeBinary,
    Numeric,
    String,
    Text,
    Time,
)
from aorm.sql.types import Enum as SQLEnum


class Color(enum.Enum):
    RED = 1
    GREEN = 2


class Perm(enum.Flag):
    READ = 1
    WRITE = 2


# -- declarative bases -------------------------------------------------------


def test_each_declarative_base_has_its_own_metadata_and_registry() -> None:
    class One(DeclarativeBase):
        pass

    class Two(DeclarativeBase):
        pass

    other = declarative_base()
    assert One.metadata is not Two.metadata
    assert One.registry is not Two.registry
    assert other.metadata is not One.metadata
    assert isinstance(Base.metadata, MetaData)

    class A(One):
        __tablename__ = "same"
        id = Column(Integer, primary_key=True)

    class B(Two):
        __tablename__ = "same"
        id = Column(Integer, primary_key=True)

    assert One.metadata.tables["same"] is A.__table__
    assert Two.metadata.tables["same"] is B.__table__
    assert One.registry.classes() == [A]


def test_declarative_base_takes_a_metadata() -> None:
    metadata = MetaData()
    made = declarative_base(metadata=metadata)
    assert made.metadata is metadata

    class Own(DeclarativeBase):
        metadata = MetaData()

    assert Own.metadata is not metadata


# -- the Column style ---------------------------------------------------------


def test_column_style_maps_a_table() -> None:
    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
        name = Column(String(50), nullable=False)
        email = Column("email_address", String(100), unique=True)

    table = User.__table__
    assert table.name == "users"
    assert [c.name for c in table.c] == ["id", "name", "email_address"]
    assert table.c.id.primary_key
    assert table.c.name.nullable is False
    assert Base.metadata.tables["users"] is table
    mapper = mapper_of(User)
    assert mapper.columns["email"] is table.c.email_address
    assert mapper.column_keys == ("id", "name", "email")
    attribute = vars(User)["email"]
    assert isinstance(attribute, ColumnAttribute)
    assert attribute.column is table.c.email_address
    user = User(email="a@b")
    assert user.__dict__["email"] == "a@b"


def test_column_with_foreign_key_and_no_type_takes_the_target_type() -> None:
    class Base(DeclarativeBase):
        pass

    class Parent(Base):
        __tablename__ = "parents"
        id = Column(BigInteger, primary_key=True)

    class Child(Base):
        __tablename__ = "children"
        id = Column(Integer, primary_key=True)
        parent_id = Column(ForeignKey("parents.id"))

    assert Child.__table__.c.parent_id.type == BigInteger()


# -- the typed style ----------------------------------------------------------


def test_mapped_column_types_come_from_annotations() -> None:
    class Base(DeclarativeBase):
        pass

    class Everything(Base):
        __tablename__ = "everything"
        id: Mapped[int] = mapped_column(primary_key=True)
        flag: Mapped[bool]
        ratio: Mapped[float]
        price: Mapped[Decimal]
        name: Mapped[str]
        data: Mapped[bytes]
        at: Mapped[datetime.datetime]
        day: Mapped[datetime.date]
        clock: Mapped[datetime.time]
        span: Mapped[datetime.timedelta]
        key: Mapped[uuid.UUID]
        doc: Mapped[dict[str, Any]]
        items: Mapped[list[int]]
        color: Mapped[Color]
        note: Mapped[str] = mapped_column(Text)

    c = Everything.__table__.c
    expected = {
        "id": Integer(),
        "flag": Boolean(),
        "ratio": Float(),
        "price": Numeric(),
        "name": String(),
        "data": LargeBinary(),
        "at": DateTime(),
        "day": Date(),
        "clock": Time(),
        "span": Interval(),
        "key": UUID(),
        "doc": JSON(),
        "items": JSON(),
        "color": SQLEnum(Color),
        "note": Text(),
    }
    assert {col.name: col.type for col in c} == expected


def test_nullable_follows_optional_unless_given() -> None:
    class Base(DeclarativeBase):
        pass

    class Row(Base):
        __tablename__ = "rows"
        id: Mapped[int] = mapped_column(primary_key=True)
        required: Mapped[str]
        union_none: Mapped[str | None]
        optional: Mapped[Optional[int]]  # noqa: UP045
        forced: Mapped[str | None] = mapped_column(nullable=False)
        loose: Mapped[str] = mapped_column(String(5), nullable=True)

    c = Row.__table__.c
    assert c.id.nullable is False
    assert c.required.nullable is False
    assert c.union_none.nullable is True
    assert c.optional.nullable is True
    assert c.forced.nullable is False
    assert c.loose.nullable is True


def test_unreadable_annotations_that_are_not_mapped_are_left_alone() -> None:
    class Base(DeclarativeBase):
        pass

    class Thing(Base):
        __tablename__ = "things"
        id: Mapped[int] = mapped_column(primary_key=True)
        helper: ClassVar[NotDefinedAnywhere[int]]  # type: ignore[name-defined]  # noqa: F821

    assert list(mapper_of(Thing).attrs) == ["id"]

    with pytest.raises(MappingError, match=r"Broken: cannot read the annotation"):

        class Broken(Base):
            __tablename__ = "broken"
            id: Mapped[int] = mapped_column(primary_key=True)
            value: Mapped[NotDefinedAnywhere[int]]  # type: ignore[name-defined]  # noqa: F821


def test_mapped_column_options_and_sql_name() -> None:
    class Base(DeclarativeBase):
        pass

    class Account(Base):
        __tablename__ = "accounts"
        id: Mapped[int] = mapped_column(primary_key=True)
        login: Mapped[str] = mapped_column("user_login", String(30), unique=True, index=True)
        owner_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
        status: Mapped[str] = mapped_column(default="new", server_default="new")

    table = Account.__table__
    assert table.c.user_login.unique
    assert table.c.user_login.index
    assert mapper_of(Account).columns["login"] is table.c.user_login
    assert table.c.owner_id.type == Integer()
    assert table.c.status.default == "new"
    # Defaults are the flush's business: a new object reads None.
    assert Account().status is None


def test_mixed_styles_in_one_class() -> None:
    class Base(DeclarativeBase):
        pass

    class Thing(Base):
        __tablename__ = "things"
        id = Column(Integer, primary_key=True)
        name: Mapped[str]
        size = Column(Integer)

    # Unannotated columns keep their order; annotation-only ones follow.
    assert [c.name for c in Thing.__table__.c] == ["id", "size", "name"]


def test_unannotated_plain_attributes_are_not_mapped() -> None:
    class Base(DeclarativeBase):
        pass

    class Thing(Base):
        __tablename__ = "things"
        id: Mapped[int] = mapped_column(primary_key=True)
        label = "a class constant"
        limit: int = 5

        def describe(self) -> str:
            return f"thing {self.id}"

    assert list(mapper_of(Thing).attrs) == ["id"]
    assert Thing.label == "a class constant"
    assert Thing(id=3).describe() == "thing 3"


# -- tables ------------------------------------------------------------------


def test_table_args_constraints_and_options() -> None:
    class Base(DeclarativeBase):
        pass

    class Item(Base):
        __tablename__ = "items"
        __table_args__ = (
            UniqueConstraint("a", "b", name="uq_ab"),
            CheckConstraint("a > 0", name="ck_a"),
            Index("ix_b", "b"),
            {"comment": "items table"},
        )
        id = Column(Integer, primary_key=True)
        a = Column(Integer)
        b = Column(Integer)

    table = Item.__table__
    assert table.comment == "items table"
    names = {c.name for c in table.constraints}
    assert {"uq_ab", "ck_a"} <= names
    assert [i.name for i in table.indexes] == ["ix_b"]


def test_table_args_as_a_dict() -> None:
    class Base(DeclarativeBase):
        pass

    class Item(Base):
        __tablename__ = "items"
        __table_args__: ClassVar[dict[str, Any]] = {"comment": "only options"}
        id = Column(Integer, primary_key=True)

    assert Item.__table__.comment == "only options"


def test_composite_primary_key() -> None:
    class Base(DeclarativeBase):
        pass

    class Link(Base):
        __tablename__ = "links"
        left_id: Mapped[int] = mapped_column(primary_key=True)
        right_id: Mapped[int] = mapped_column(primary_key=True)
        note: Mapped[str | None]

    mapper = mapper_of(Link)
    assert mapper.pk_keys == ("left_id", "right_id")
    assert mapper.pk_getter({"left_id": 1, "right_id": 2, "note": None}) == (1, 2)
    assert mapper.autoincrement_key is None


def test_mapping_an_existing_table() -> None:
    class Base(DeclarativeBase):
        pass

    users = Table(
        "users",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("user_name", String(50)),
    )

    class User(Base):
        __table__ = users
        name = users.c.user_name

    mapper = mapper_of(User)
    assert mapper.table is users
    assert mapper.columns == {"id": users.c.id, "name": users.c.user_name}
    assert User(name="x").name == "x"


# -- mixins and abstract bases -------------------------------------------------


class TimestampMixin:
    created: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    version = Column(Integer, nullable=False, default=1)


def test_mixin_columns_are_copied_per_class() -> None:
    class Base(DeclarativeBase):
        pass

    class A(TimestampMixin, Base):
        __tablename__ = "a"
        id: Mapped[int] = mapped_column(primary_key=True)

    class B(TimestampMixin, Base):
        __tablename__ = "b"
        id: Mapped[int] = mapped_column(primary_key=True)

    assert A.__table__.c.created is not B.__table__.c.created
    assert A.__table__.c.version is not B.__table__.c.version
    assert A.__table__.c.created.table is A.__table__
    assert B.__table__.c.version.default == 1
    assert [c.name for c in A.__table__.c] == ["created", "version", "id"]
    # The mixin itself is untouched.
    assert isinstance(TimestampMixin.__dict__["version"], Column)
    assert TimestampMixin.__dict__["version"].table is None


def test_abstract_base_columns_and_relationships_are_copied() -> None:
    class Base(DeclarativeBase):
        pass

    class Owner(Base):
        __tablename__ = "owners"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Owned(Base):
        __abstract__ = True
        id: Mapped[int] = mapped_column(primary_key=True)
        owner_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id"))
        owner: Mapped[Owner | None] = relationship()

    class Car(Owned):
        __tablename__ = "cars"

    class Boat(Owned):
        __tablename__ = "boats"

    assert not hasattr(Owned, "__mapper__") or "__mapper__" not in Owned.__dict__
    assert mapper_of(Car).relationships["owner"] is not mapper_of(Boat).relationships["owner"]
    owner = Owner()
    car = Car(owner=owner)
    boat = Boat(owner=owner)
    assert car.owner is owner
    assert boat.owner is owner
    assert mapper_of(Car).relationships["owner"].local_remote_pairs == (
        (Car.__table__.c.owner_id, Owner.__table__.c.id),
    )


def test_abstract_class_cannot_be_instantiated() -> None:
    class Base(DeclarativeBase):
        pass

    class Abstract(Base):
        __abstract__ = True
        id: Mapped[int] = mapped_column(primary_key=True)

    with pytest.raises(TypeError, match="Abstract is not mapped"):
        Abstract()


# -- constructor and repr -------------------------------------------------------


def test_keyword_constructor() -> None:
    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str | None] = mapped_column(String(50))

    user = User(name="ann")
    assert user.__dict__ == {"name": "ann"}
    unset: object = user.id  # typed int; a transient object reads None
    assert unset is None
    assert "id" not in user.__dict__


def test_constructor_rejects_unknown_names() -> None:
    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
        name = Column(String(50))

    with pytest.raises(TypeError, match=r"User\(\) got an unexpected keyword argument 'nmae'"):
        User(nmae="x")


def test_constructor_accepts_settable_properties() -> None:
    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str | None] = mapped_column(String(50))

        @property
        def display(self) -> str:
            return str(self.name)

        @display.setter
        def display(self, value: str) -> None:
            self.name = value.lower()

    # Type checkers see only the mapped fields in the constructor.
    assert User(display="ANN").name == "ann"  # type: ignore[call-arg]


def test_custom_init_still_routes_through_instrumentation() -> None:
    class Base(DeclarativeBase):
        pass

    class Point(Base):
        __tablename__ = "points"
        id: Mapped[int] = mapped_column(primary_key=True)
        x: Mapped[int]

        def __init__(self, x: int) -> None:
            super().__init__()
            self.x = x * 2

    assert Point(3).__dict__["x"] == 6


def test_repr_shows_key_and_loaded_columns_only() -> None:
    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
        name = Column(String(50))
        a = Column(Integer)
        b = Column(Integer)
        c = Column(Integer)
        bio = Column(Text)

    blank, ann = User(), User(name="ann")
    assert repr(blank) == f"<User transient at {id(blank):#x}>"
    assert repr(ann) == f"<User transient at {id(ann):#x}>"
    assert repr(User(id=7, name="secret", bio="long")) == "<User id=7 transient>"
    assert repr(User(id="x" * 100)).startswith("<User id='xxxx")
    assert len(repr(User(id="x" * 100))) < 70


def test_plain_attributes_still_work_on_instances() -> None:
    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)

    user = User()
    user.scratch = 5  # type: ignore[attr-defined]
    assert user.__dict__["scratch"] == 5
    del user.scratch  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match=r"cannot delete User\.id"):
        del user.id


def test_class_is_a_from_clause_for_select() -> None:
    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)

    assert User.__clause_element__() is User.__table__
    assert not hasattr(User(), "__clause_element__")


# -- mapping errors ----------------------------------------------------------------


def test_no_primary_key_is_an_error_naming_the_class() -> None:
    class Base(DeclarativeBase):
        pass

    with pytest.raises(MappingError, match="Keyless has no primary key"):

        class Keyless(Base):
            __tablename__ = "keyless"
            name = Column(String(50))

    # The failed class left no table behind.
    assert "keyless" not in Base.metadata.tables


def test_missing_tablename_is_an_error() -> None:
    class Base(DeclarativeBase):
        pass

    with pytest.raises(MappingError, match="Nameless has no __tablename__"):

        class Nameless(Base):
            id = Column(Integer, primary_key=True)


def test_duplicate_table_name_is_an_error_naming_the_class() -> None:
    class Base(DeclarativeBase):
        pass

    class First(Base):
        __tablename__ = "things"
        id = Column(Integer, primary_key=True)

    with pytest.raises(MappingError, match="Second: table 'things' is already defined"):

        class Second(Base):
            __tablename__ = "things"
            id = Column(Integer, primary_key=True)


def test_annotation_without_a_usable_type_is_an_error() -> None:
    class Base(DeclarativeBase):
        pass

    with pytest.raises(MappingError, match=r"Odd\.value: no SQL type for the annotation"):

        class Odd(Base):
            __tablename__ = "odd"
            id: Mapped[int] = mapped_column(primary_key=True)
            value: Mapped[object]

    with pytest.raises(MappingError, match=r"Odd2\.value: no SQL type"):

        class Odd2(Base):
            __tablename__ = "odd2"
            id: Mapped[int] = mapped_column(primary_key=True)
            value: Mapped[int | str]

    with pytest.raises(MappingError, match=r"Odd3\.perms: Enum\(\) cannot store the Flag"):

        class Odd3(Base):
            __tablename__ = "odd3"
            id: Mapped[int] = mapped_column(primary_key=True)
            perms: Mapped[Perm]


def test_mapped_column_without_type_or_annotation_is_an_error() -> None:
    class Base(DeclarativeBase):
        pass

    with pytest.raises(MappingError, match=r"Bare\.value: mapped_column\(\) without a type"):

        class Bare(Base):
            __tablename__ = "bare"
            id: Mapped[int] = mapped_column(primary_key=True)
            value = mapped_column()


def test_mapped_annotation_with_a_plain_value_is_an_error() -> None:
    class Base(DeclarativeBase):
        pass

    with pytest.raises(MappingError, match=r"Plain\.size: a Mapped\[...\] attribute must be"):

        class Plain(Base):
            __tablename__ = "plain"
            id: Mapped[int] = mapped_column(primary_key=True)
            size: Mapped[int] = 5  # type: ignore[assignment]


def test_reserved_attribute_names() -> None:
    class Base(DeclarativeBase):
        pass

    with pytest.raises(MappingError, match=r"Doc\.metadata: the name 'metadata' is reserved"):

        class Doc(Base):
            __tablename__ = "docs"
            id = Column(Integer, primary_key=True)
            metadata = Column(String(50))  # type: ignore[assignment]

    class Doc2(Base):
        __tablename__ = "docs"
        id = Column(Integer, primary_key=True)
        meta = Column("metadata", String(50))

    assert Doc2.__table__.c.metadata.name == "metadata"


def test_bad_table_and_mapper_args_are_errors() -> None:
    class Base(DeclarativeBase):
        pass

    with pytest.raises(MappingError, match="T1: unknown __table_args__ option"):

        class T1(Base):
            __tablename__ = "t1"
            __table_args__: ClassVar[dict[str, Any]] = {"engine": "InnoDB"}
            id = Column(Integer, primary_key=True)

    with pytest.raises(MappingError, match="T2: unknown __mapper_args__ key"):

        class T2(Base):
            __tablename__ = "t2"
            __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_on": "kind"}
            id = Column(Integer, primary_key=True)


def test_mapped_class_inheritance_is_refused() -> None:
    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)

    with pytest.raises(MappingError, match="Admin: subclassing the mapped class User"):

        class Admin(User):
            __tablename__ = "admins"


def test_a_column_cannot_belong_to_two_classes() -> None:
    class Base(DeclarativeBase):
        pass

    shared = Column("id", Integer, primary_key=True)

    class One(Base):
        __tablename__ = "one"
        id = shared

    with pytest.raises(MappingError, match=r"Two\.id: the column already belongs to table 'one'"):

        class Two(Base):
            __tablename__ = "two"
            id = shared


def test_version_id_col_from_mapper_args() -> None:
    class Base(DeclarativeBase):
        pass

    class Doc(Base):
        __tablename__ = "docs"
        id: Mapped[int] = mapped_column(primary_key=True)
        rev: Mapped[int] = mapped_column(nullable=False)
        __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": rev}

    class Note(Base):
        __tablename__ = "notes"
        id = Column(Integer, primary_key=True)
        counter = Column("ver", Integer, nullable=False)
        __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": counter}

    assert mapper_of(Doc).version_id_col is Doc.__table__.c.rev
    assert mapper_of(Doc).version_id_key == "rev"
    assert mapper_of(Note).version_id_key == "counter"
