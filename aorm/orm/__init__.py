"""Mapping classes to tables, with no IO: declarative models, mappers, relationships.

``Base`` (or any :func:`declarative_base`) maps a class when it is defined;
``relationship()`` links mapped classes; :func:`configure_mappers` finishes
the relationships (it also runs on first instantiation or first use by a
session). Instances keep loaded values in ``__dict__`` and report changes to
their session state through :class:`~aorm.orm.instrumentation.StateEvents`.
"""

from __future__ import annotations

from aorm.orm.attributes import (
    ColumnAttribute,
    InstrumentedAttribute,
    RelationshipAttribute,
    set_committed_value,
)
from aorm.orm.cascade import CascadeOptions
from aorm.orm.collections import InstrumentedList
from aorm.orm.declarative import Base, DeclarativeBase, declarative_base
from aorm.orm.instrumentation import NO_VALUE, STATE_KEY, StateEvents, instance_state
from aorm.orm.mapped import DynamicMapped, DynamicQuery, Mapped, MappedColumn, mapped_column
from aorm.orm.mapper import Mapper, is_mapped_class, mapper_of
from aorm.orm.properties import ColumnProperty, MapperAttribute
from aorm.orm.registry import Registry, configure_mappers
from aorm.orm.relationships import (
    Backref,
    RelationshipDirection,
    RelationshipOptions,
    RelationshipProperty,
    backref,
    relationship,
)

__all__ = [
    "NO_VALUE",
    "STATE_KEY",
    "Backref",
    "Base",
    "CascadeOptions",
    "ColumnAttribute",
    "ColumnProperty",
    "DeclarativeBase",
    "DynamicMapped",
    "DynamicQuery",
    "InstrumentedAttribute",
    "InstrumentedList",
    "Mapped",
    "MappedColumn",
    "Mapper",
    "MapperAttribute",
    "Registry",
    "RelationshipAttribute",
    "RelationshipDirection",
    "RelationshipOptions",
    "RelationshipProperty",
    "StateEvents",
    "backref",
    "configure_mappers",
    "declarative_base",
    "instance_state",
    "is_mapped_class",
    "mapped_column",
    "mapper_of",
    "relationship",
    "set_committed_value",
]
