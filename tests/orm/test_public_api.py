"""The public surface of aorm.orm: declared in __all__, every name documented."""

from __future__ import annotations

import importlib
import inspect

import aorm.orm

MODULES = [
    "attributes",
    "cascade",
    "collections",
    "declarative",
    "declarative_scan",
    "declared_types",
    "instrumentation",
    "join_conditions",
    "mapped",
    "mapper",
    "properties",
    "registry",
    "relationships",
]


def test_all_names_exist_and_are_documented() -> None:
    assert sorted(aorm.orm.__all__) == sorted(set(aorm.orm.__all__))
    for name in aorm.orm.__all__:
        value = getattr(aorm.orm, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"aorm.orm.{name} has no docstring"


def test_every_module_declares_its_public_names() -> None:
    for module_name in MODULES:
        module = importlib.import_module(f"aorm.orm.{module_name}")
        assert module.__doc__, module_name
        exported = module.__all__
        for name in exported:
            assert hasattr(module, name), f"aorm.orm.{module_name}.{name}"


def test_the_package_exports_the_mapping_api() -> None:
    expected = {
        "Base",
        "DeclarativeBase",
        "declarative_base",
        "Mapped",
        "mapped_column",
        "relationship",
        "backref",
        "configure_mappers",
        "mapper_of",
        "is_mapped_class",
        "Mapper",
        "InstrumentedList",
        "StateEvents",
        "CascadeOptions",
        "RelationshipDirection",
    }
    assert expected <= set(aorm.orm.__all__)
