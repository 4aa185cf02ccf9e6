"""The top-level surface is declared, exactly, and matches DESIGN section 3."""

from __future__ import annotations

import aorm

# Every name DESIGN.md promises at the top level.
DESIGN_NAMES = {
    "AsyncSession", "Base", "Column", "ForeignKey", "Integer", "String", "create_engine",
    "relationship", "select", "declarative_base", "MetaData", "Table", "UniqueConstraint",
    "Index", "CheckConstraint", "PrimaryKeyConstraint", "Mapped", "mapped_column",
    "BigInteger", "SmallInteger", "Float", "Numeric", "Text", "Boolean", "DateTime", "Date",
    "Time", "Interval", "JSON", "UUID", "LargeBinary", "Enum", "insert", "update", "delete",
    "func", "text", "and_", "or_", "not_", "exists", "literal", "case", "cast", "distinct",
    "aliased", "async_sessionmaker", "backref", "inspect", "ObjectState", "InstanceState",
    "configure_mappers", "exc", "selectinload", "joinedload", "subqueryload", "lazyload",
    "raiseload", "noload",
}  # fmt: skip


def test_all_is_exactly_the_public_names() -> None:
    # pytest's assertion rewriting (aorm ships a pytest plugin) adds "@py_…" names.
    public = {name for name in vars(aorm) if not name.startswith("_") and name.isidentifier()}
    # Submodules imported by the re-exports, and the __future__ import, are not the surface.
    submodules = {"engine", "orm", "pool", "session", "sql", "dialects", "testing", "annotations"}
    assert set(aorm.__all__) == public - submodules
    assert len(aorm.__all__) == len(set(aorm.__all__))


def test_every_design_name_is_exported() -> None:
    assert DESIGN_NAMES - set(aorm.__all__) == set()


def test_every_exported_name_resolves() -> None:
    for name in aorm.__all__:
        assert getattr(aorm, name) is not None, name


def test_the_docstring_states_the_layering() -> None:
    doc = aorm.__doc__ or ""
    for layer in ("aorm.exc", "aorm.pool", "aorm.sql", "aorm.dialects", "aorm.engine",
                  "aorm.orm", "aorm.session", "aorm.testing"):  # fmt: skip
        assert layer in doc, layer
