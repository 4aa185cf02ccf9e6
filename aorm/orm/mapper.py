"""``Mapper``: what a mapped class maps to, precomputed for the session.

Every mapped class has one at ``cls.__mapper__`` (also
:func:`mapper_of`). It lists the columns and relationships by attribute key
and precomputes the lookups loading and flushing need on every row: column →
key, the primary key's keys and a getter for its values, the version column.

Objects are made without ``__init__`` by :meth:`Mapper.new_instance`; their
loaded values go into ``obj.__dict__`` under the attribute keys, their state
under ``"_aorm_state"`` (:data:`aorm.orm.instrumentation.STATE_KEY`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from aorm.exc import MappingError
from aorm.orm.attributes import ColumnAttribute, RelationshipAttribute
from aorm.orm.properties import ColumnProperty, MapperAttribute
from aorm.orm.relationships import RelationshipProperty
from aorm.sql.schema import Column, Table

if TYPE_CHECKING:
    from aorm.orm.registry import Registry

__all__ = ["Mapper", "is_mapped_class", "mapper_of", "per_mapper"]

ModelT = TypeVar("ModelT")
_ValueT = TypeVar("_ValueT")

_creation_order = itertools.count()


def _pk_getter(keys: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    if len(keys) == 1:
        (only,) = keys
        return lambda values: (values[only],)
    return lambda values: tuple([values[k] for k in keys])


class Mapper(Generic[ModelT]):
    """The mapping of one class to one table.

    Attributes (all read-only after mapping):

    * ``class_``, ``table``, ``registry``;
    * ``columns`` — attribute key → Column, in table order; ``column_keys``
      the same keys; ``column_to_key`` Column → attribute key;
    * ``primary_key`` — the key columns; ``pk_keys`` their attribute keys;
      ``pk_getter(obj.__dict__)`` → the key values as a tuple (``KeyError``
      when one is not loaded);
    * ``relationships`` — key → :class:`RelationshipProperty`; ``attrs``
      every property (columns, then relationships) by key;
    * ``version_id_col`` / ``version_id_key`` — the version counter column
      (``__mapper_args__ = {"version_id_col": ...}``), or None;
    * ``autoincrement_key`` — the key of the primary key column the database
      generates, or None; ``insert_order`` — a counter telling the order in
      which classes were mapped.
    """

    def __init__(
        self,
        class_: type[ModelT],
        table: Table,
        registry: Registry,
        columns: Mapping[str, Column],
        *,
        version_id_col: Column | None = None,
    ) -> None:
        where = class_.__name__
        self.class_ = class_
        self.table = table
        self.registry = registry
        self.insert_order = next(_creation_order)
        by_column = {id(column): key for key, column in columns.items()}
        for column in table.c:
            if id(column) not in by_column:
                by_column[id(column)] = str(column.key)
        # Table order, whatever order the class declared them in.
        ordered = [(by_column[id(c)], c) for c in table.c]
        self.columns: dict[str, Column] = dict(ordered)
        self.column_keys: tuple[str, ...] = tuple(self.columns)
        self.column_to_key: dict[Column, str] = {c: k for k, c in ordered}
        self.primary_key: tuple[Column, ...] = tuple(table.primary_key.columns)
        if not self.primary_key:
            raise MappingError(
                f"{where} has no primary key: mark a column primary_key=True "
                "(or give __table__ a primary key)"
            )
        self.pk_keys: tuple[str, ...] = tuple(self.column_to_key[c] for c in self.primary_key)
        self.pk_getter = _pk_getter(self.pk_keys)
        auto = table.autoincrement_column
        self.autoincrement_key: str | None = None if auto is None else self.column_to_key[auto]
        if version_id_col is not None and version_id_col not in self.column_to_key:
            raise MappingError(
                f"{where}: version_id_col {version_id_col!r} is not a column of {table.name!r}"
            )
        self.version_id_col = version_id_col
        self.version_id_key: str | None = (
            None if version_id_col is None else self.column_to_key[version_id_col]
        )
        self.relationships: dict[str, RelationshipProperty[Any]] = {}
        self.attrs: dict[str, MapperAttribute] = {}
        self._setters: dict[str, Callable[[Any, Any], None]] = {}
        self._configured = False
        # What per_mapper() functions computed from this mapper, by function.
        self._derived: dict[Callable[[Mapper[Any]], Any], Any] = {}
        for key, column in self.columns.items():
            self._install_column(key, column)

    # -- building ----------------------------------------------------------

    def _install_column(self, key: str, column: Column) -> None:
        prop = ColumnProperty(column)
        prop.key = key
        prop.parent = self
        attribute: ColumnAttribute[Any] = ColumnAttribute(self.class_, key, prop)
        prop.attribute = attribute
        self.attrs[key] = prop
        self._setters[key] = attribute.set
        type.__setattr__(self.class_, key, attribute)

    def _add_relationship(
        self,
        key: str,
        prop: RelationshipProperty[Any],
        *,
        hint_target: str | type[Any] | None = None,
        hint_uselist: bool | None = None,
    ) -> None:
        """Map *prop* under *key* (class body relationships, and backrefs made at configure)."""
        if key in self.attrs:
            raise MappingError(
                f"{self.class_.__name__}.{key} is already mapped (as a column or relationship)"
            )
        prop._bind(self, key, hint_target=hint_target, hint_uselist=hint_uselist)
        attribute: RelationshipAttribute[Any] = RelationshipAttribute(self.class_, key, prop)
        prop.attribute = attribute
        self.relationships[key] = prop
        self.attrs[key] = prop
        self._setters[key] = attribute.set
        type.__setattr__(self.class_, key, attribute)
        self._configured = False
        self.registry._mark_unconfigured()

    # -- use ---------------------------------------------------------------

    @property
    def configured(self) -> bool:
        """True once the relationships are configured (see :func:`configure_mappers`)."""
        return self._configured

    def configure(self) -> None:
        """Configure this mapper's registry now (a no-op when already done)."""
        self.registry.configure()

    def new_instance(self) -> ModelT:
        """An empty instance made without ``__init__`` (for loading rows)."""
        return self.class_.__new__(self.class_)

    def setter(self, key: str) -> Callable[[Any, Any], None] | None:
        """The function ``obj.key = value`` runs for mapped attribute *key* (None if unmapped)."""
        return self._setters.get(key)

    def __repr__(self) -> str:
        return f"<Mapper {self.class_.__name__} -> {self.table.name!r}>"


def mapper_of(cls_or_obj: object) -> Mapper[Any]:
    """The mapper of a mapped class or of an instance of one.

    Raises :class:`~aorm.exc.MappingError` when it is not mapped.
    """
    cls = cls_or_obj if isinstance(cls_or_obj, type) else type(cls_or_obj)
    mapper = cls.__dict__.get("__mapper__")
    if not isinstance(mapper, Mapper):
        raise MappingError(f"{cls.__name__} is not a mapped class")
    return mapper


def is_mapped_class(cls: object) -> bool:
    """True for a class mapped by a declarative base."""
    return isinstance(cls, type) and isinstance(cls.__dict__.get("__mapper__"), Mapper)


def per_mapper(make: Callable[[Mapper[Any]], _ValueT]) -> Callable[[Mapper[Any]], _ValueT]:
    """*make*, computed once per mapper and kept on the mapper (it goes with the mapper).

    Kept in the mapper's own dict under *make*, so a call is one plain dict
    lookup: some of these run once per object (``session.delete()`` in a loop).
    """

    @functools.wraps(make)
    def cached(mapper: Mapper[Any]) -> _ValueT:
        found: _ValueT | None = mapper._derived.get(make)
        if found is None:
            found = mapper._derived[make] = make(mapper)
        return found

    return cached
