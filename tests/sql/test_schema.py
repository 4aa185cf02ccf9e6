from __future__ import annotations

import pytest

from aorm.exc import ArgumentError
from aorm.sql import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    select,
    text,
)
from aorm.sql.naming import constraint_name, index_name
from aorm.sql.selectable import join_condition
from aorm.sql.types import BigInteger, NullType
from tests.sql.conftest import Schema


def test_column_takes_name_and_type_positionally_or_not_at_all() -> None:
    named = Column("name", String(20), nullable=False)
    assert named.name == "name"
    assert named.key == "name"
    assert named.type == String(20)
    unnamed = Column(Integer, primary_key=True)
    assert unnamed.name is None
    assert isinstance(unnamed.type, Integer)
    bare = Column()
    assert isinstance(bare.type, NullType)


def test_nullable_defaults_to_not_primary_key() -> None:
    assert Column("a", Integer).nullable
    assert not Column("a", Integer, primary_key=True).nullable
    assert Column("a", Integer, primary_key=True, nullable=True).nullable


def test_a_foreign_key_column_without_type_takes_the_target_type_lazily() -> None:
    metadata = MetaData()
    child = Table("child", metadata, Column("parent_id", ForeignKey("parent.id")))
    assert isinstance(child.c.parent_id.type, NullType)  # the target does not exist yet
    Table("parent", metadata, Column("id", BigInteger, primary_key=True))
    assert child.c.parent_id.type == BigInteger()


def test_table_columns_by_attribute_item_position_and_key() -> None:
    s = Schema()
    users = s.users
    assert users.c.name is users.c["name"] is users.columns.name
    assert users.c[0] is users.c.id
    assert "name" in users.c
    assert "nope" not in users.c
    assert users.c.id in users.c
    assert users.c.keys()[:3] == ["id", "name", "bio"]
    assert [c.name for c in users.c][:2] == ["id", "name"]
    with pytest.raises(AttributeError, match="no column 'nope'"):
        users.c.nope  # noqa: B018
    with pytest.raises(KeyError, match="nope"):
        users.c["nope"]


def test_column_key_differs_from_its_name() -> None:
    table = Table("t", MetaData(), Column("user name", String, key="user_name"))
    assert table.c.user_name.name == "user name"


def test_primary_key_foreign_keys_constraints_and_indexes() -> None:
    s = Schema()
    assert list(s.users.primary_key.columns) == [s.users.c.id]
    (fk,) = s.addresses.foreign_keys
    assert fk.parent is s.addresses.c.user_id
    assert fk.column is s.users.c.id
    assert fk.ondelete == "CASCADE"
    assert fk.target_fullname == "users.id"
    kinds = {type(c).__name__ for c in s.addresses.constraints}
    assert kinds == {"PrimaryKeyConstraint", "ForeignKeyConstraint", "UniqueConstraint"}
    indexed = Table("t", MetaData(), Column("a", Integer, index=True))
    (index,) = indexed.indexes
    assert index.columns == [indexed.c.a]
    assert index_name(index) == "ix_t_a"


def test_composite_primary_key_and_table_level_constraints() -> None:
    metadata = MetaData()
    parent = Table(
        "parent",
        metadata,
        Column("a", Integer),
        Column("b", Integer),
        PrimaryKeyConstraint("a", "b"),
    )
    child = Table(
        "child",
        metadata,
        Column("x", Integer),
        Column("y", Integer),
        ForeignKeyConstraint(["x", "y"], ["parent.a", "parent.b"], ondelete="set null"),
        UniqueConstraint("x", "y", name="uq_xy"),
        CheckConstraint("x > 0", name="ck_x"),
        Index("ix_y", "y"),
    )
    assert [c.name for c in parent.primary_key.columns] == ["a", "b"]
    assert parent.c.a.primary_key
    assert not parent.c.a.nullable
    (constraint,) = child.foreign_key_constraints
    assert constraint.referred_table is parent
    assert constraint.ondelete == "SET NULL"
    assert [fk.column for fk in constraint.elements] == [parent.c.a, parent.c.b]
    assert child.c.x.foreign_keys[0].constraint is constraint
    assert [i.name for i in child.indexes] == ["ix_y"]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda m: Table("", m), "table name must be a non-empty string"),
        (lambda m: Table(3, m), "table name must be a non-empty string, not 3"),  # type: ignore[arg-type]
        (lambda m: Table("t", m, Column("", Integer)), "column name must be a non-empty"),
        (lambda m: Table("t", m, Column(Integer)), "Table 't': column #1 has no name"),
        (
            lambda m: Table("t", m, Column("a", Integer), Column("a", String)),
            "Table 't' has two columns named 'a'",
        ),
        (lambda m: Table("t", m, Column("a", 42)), "unexpected argument 42"),
        (lambda m: Table("t", "m"), "second argument must be a MetaData"),  # type: ignore[arg-type]
        (
            lambda m: Column("a", Integer, server_default=5),  # type: ignore[arg-type]
            "server_default must be a string or text()",
        ),
        (
            lambda m: Column("a", Integer, autoincrement="yes"),  # type: ignore[arg-type]
            "autoincrement must be True, False or 'auto'",
        ),
        (lambda m: ForeignKey("t.c", ondelete="DROP TABLE x"), "is not a referential action"),
        (lambda m: ForeignKey("nodot"), "'table.column'"),
        (lambda m: Table("t", m, Column("a", Integer), Index("ix", "b")), "unknown column 'b'"),
    ],
)
def test_bad_schema_arguments_raise_argument_error(build: object, message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        build(MetaData())  # type: ignore[operator]


def test_duplicate_table_name_in_one_metadata_is_an_error() -> None:
    metadata = MetaData()
    Table("t", metadata, Column("a", Integer))
    with pytest.raises(ArgumentError, match="table 't' is already defined"):
        Table("t", metadata, Column("a", Integer))
    Table("t", metadata, Column("a", Integer), schema="other")  # another schema is fine


def test_a_column_belongs_to_one_table() -> None:
    metadata = MetaData()
    column = Column("a", Integer)
    Table("t1", metadata, column)
    with pytest.raises(ArgumentError, match="already belongs to table 't1'"):
        Table("t2", metadata, column)
    Table("t3", metadata, column.copy())


def test_unnamed_column_is_named_later() -> None:
    column = Column(Integer, ForeignKey("p.id"))
    column.set_name("parent_id")
    table = Table("t", MetaData(), column)
    assert table.c.parent_id is column


def test_foreign_key_to_unknown_table_or_column_names_both_ends() -> None:
    metadata = MetaData()
    child = Table("child", metadata, Column("pid", Integer, ForeignKey("parent.id")))
    with pytest.raises(ArgumentError, match=r"child\.pid refers to unknown table 'parent'"):
        child.c.pid.foreign_keys[0].column  # noqa: B018
    Table("parent", metadata, Column("key", Integer, primary_key=True))
    with pytest.raises(
        ArgumentError, match=r"child\.pid refers to unknown column 'id' of .*parent"
    ):
        child.c.pid.foreign_keys[0].column  # noqa: B018


def test_autoincrement_column() -> None:
    metadata = MetaData()
    plain = Table("a", metadata, Column("id", Integer, primary_key=True))
    assert plain.autoincrement_column is plain.c.id
    text_key = Table("b", metadata, Column("id", String(10), primary_key=True))
    assert text_key.autoincrement_column is None
    composite = Table(
        "c",
        metadata,
        Column("x", Integer, primary_key=True),
        Column("y", Integer, primary_key=True),
    )
    assert composite.autoincrement_column is None
    fk_key = Table("d", metadata, Column("id", ForeignKey("a.id"), primary_key=True))
    assert fk_key.autoincrement_column is None
    off = Table("e", metadata, Column("id", Integer, primary_key=True, autoincrement=False))
    assert off.autoincrement_column is None


def test_sorted_tables_puts_parents_first_and_survives_cycles() -> None:
    metadata = MetaData()
    Table(
        "child",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("p", ForeignKey("parent.id")),
    )
    Table(
        "parent",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("g", ForeignKey("grand.id")),
    )
    Table("grand", metadata, Column("id", Integer, primary_key=True))
    Table(
        "tree",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("up", ForeignKey("tree.id")),
    )
    Table("a", metadata, Column("id", Integer, primary_key=True), Column("b", ForeignKey("b.id")))
    Table("b", metadata, Column("id", Integer, primary_key=True), Column("a", ForeignKey("a.id")))
    names = [t.name for t in metadata.sorted_tables]
    assert names.index("grand") < names.index("parent") < names.index("child")
    assert set(names) == {"child", "parent", "grand", "tree", "a", "b"}


def test_naming_convention_names_unnamed_constraints() -> None:
    metadata = MetaData(
        naming_convention={
            "pk": "pk_%(table_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "ix": "ix_%(column_0_label)s",
        }
    )
    parent = Table("parent", metadata, Column("id", Integer, primary_key=True))
    child = Table(
        "child",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("pid", ForeignKey("parent.id")),
        Column("a", Integer),
        Column("b", Integer),
        UniqueConstraint("a", "b"),
        CheckConstraint("a > 0", name="positive"),
        CheckConstraint("b > 0"),
        Index(None, "b"),
    )
    assert constraint_name(parent.primary_key) == "pk_parent"
    names = {type(c).__name__ + ":" + str(constraint_name(c)) for c in child.constraints}
    assert names == {
        "PrimaryKeyConstraint:pk_child",
        "ForeignKeyConstraint:fk_child_pid_parent",
        "UniqueConstraint:uq_child_a_b",
        "CheckConstraint:ck_child_positive",
        "CheckConstraint:None",
    }
    assert index_name(child.indexes[0]) == "ix_child_b"
    with pytest.raises(ArgumentError, match="pk, fk, uq, ck or ix"):
        MetaData(naming_convention={"xx": "x"})


def test_join_condition_is_inferred_from_the_foreign_key(schema: Schema) -> None:
    condition = join_condition(schema.users, schema.addresses)
    assert condition.left is schema.addresses.c.user_id  # type: ignore[attr-defined]
    assert condition.right is schema.users.c.id  # type: ignore[attr-defined]


def test_join_without_path_or_with_two_paths_names_both_tables() -> None:
    metadata = MetaData()
    people = Table("people", metadata, Column("id", Integer, primary_key=True))
    pets = Table("pets", metadata, Column("id", Integer, primary_key=True))
    messages = Table(
        "messages",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("sender_id", ForeignKey("people.id")),
        Column("receiver_id", ForeignKey("people.id")),
    )
    with pytest.raises(ArgumentError, match="cannot join 'people' to 'pets': no foreign key"):
        select(people).join(pets)
    with pytest.raises(ArgumentError, match=r"'people' to 'messages'.*more than one"):
        select(people).join(messages)


def test_alias_columns_stand_for_the_table_columns(schema: Schema) -> None:
    u = schema.users.alias("u")
    assert u.c.name.type == schema.users.c.name.type
    assert u.corresponding_column(schema.users.c.name) is u.c.name
    condition = join_condition(u, schema.addresses)
    assert condition.right is u.c.id  # type: ignore[attr-defined]


def test_check_constraint_takes_text_or_expressions() -> None:
    table = Table("t", MetaData(), Column("a", Integer))
    assert CheckConstraint(text("a > 1")).sqltext is not None
    assert CheckConstraint(table.c.a > 1).sqltext is not None
    with pytest.raises(ArgumentError, match="non-empty condition"):
        CheckConstraint("  ")
