"""Turning a class body into a table and a mapper (the declarative scan).

Columns come from ``Column(...)`` and ``mapped_column()`` attributes and from
bare ``Mapped[...]`` annotations, in declaration order, the classes further
up the MRO (mixins, abstract bases) first; inherited declarations are copied,
so each mapped class gets its own columns. Relationships come from
``relationship()`` attributes. Every mistake raises
:class:`~aorm.exc.MappingError` naming the class (and the attribute).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aorm.exc import ArgumentError, MappingError
from aorm.orm.declared_types import MappedAnnotation, read_annotation, sql_type_for
from aorm.orm.instrumentation import STATE_KEY
from aorm.orm.mapped import MappedColumn
from aorm.orm.mapper import Mapper
from aorm.orm.relationships import RelationshipProperty
from aorm.sql.constraints import CheckConstraint, Constraint, Index
from aorm.sql.schema import Column, Table

if TYPE_CHECKING:
    from aorm.orm.registry import Registry

__all__ = ["map_class"]

_MISSING: Any = object()
_TABLE_KWARGS = frozenset({"schema", "comment"})
_MAPPER_ARGS = frozenset({"version_id_col"})
# Class attributes of every declarative class; a mapped attribute may not hide them.
_RESERVED = frozenset({"metadata", "registry"})


@dataclass
class _Declaration:
    """One attribute found in the class or a base: its value and annotation."""

    key: str
    value: Any
    annotation: MappedAnnotation | None
    inherited: bool


def _ordered_names(namespace: dict[str, Any], annotations: dict[str, Any]) -> list[str]:
    """Attribute names in declaration order, as far as the class object tells it.

    Annotated names keep their annotation order (the source order); a name
    that is only annotated goes just before the next annotated name that has
    a value, or at the end.
    """
    pending = [name for name in annotations if name not in namespace]
    order = {name: index for index, name in enumerate(annotations)}
    names: list[str] = []
    for name in namespace:
        if name in order:
            while pending and order[pending[0]] < order[name]:
                names.append(pending.pop(0))
        names.append(name)
    names.extend(pending)
    return names


def _declarations(cls: type[Any], skip: tuple[type[Any], ...]) -> list[_Declaration]:
    found: dict[str, _Declaration] = {}
    for klass in reversed(cls.__mro__):
        if klass is object or klass in skip:
            continue
        namespace = dict(vars(klass))
        annotations = dict(inspect.get_annotations(klass))
        for key in _ordered_names(namespace, annotations):
            if key.startswith("__") and key.endswith("__"):
                continue
            value = namespace.get(key, _MISSING)
            raw = annotations.get(key, _MISSING)
            annotation = None
            if raw is not _MISSING:
                annotation = read_annotation(raw, klass, key)
            mappable = isinstance(value, Column | MappedColumn | RelationshipProperty)
            if not mappable:
                if annotation is None:
                    if value is not _MISSING:
                        # A plain attribute hides a declaration inherited under its name.
                        found.pop(key, None)
                    continue
                if value is not _MISSING:
                    raise MappingError(
                        f"{cls.__name__}.{key}: a Mapped[...] attribute must be assigned "
                        f"mapped_column(), relationship() or Column(...), not {value!r}"
                    )
            if key in _RESERVED:
                raise MappingError(
                    f"{cls.__name__}.{key}: the name {key!r} is reserved on declarative classes; "
                    f"map the column under another attribute name (Column({key!r}, ...))"
                )
            found[key] = _Declaration(key, value, annotation, klass is not cls)
    return list(found.values())


def _copy_column(column: Column) -> Column:
    """An unattached copy of a mixin's column."""
    try:
        return column.copy()
    except ArgumentError:
        pass
    # Column.copy() cannot copy a column declared without a type (a foreign
    # key column taking its target's type); build that copy by keyword.
    return Column(
        *[fk.copy() for fk in column.foreign_keys],
        *[CheckConstraint(c.sqltext, name=c.name) for c in column.constraints],  # type: ignore[arg-type]
        name=column.name,
        primary_key=column.primary_key,
        nullable=column.nullable,
        default=column.default,
        server_default=column.server_default,
        onupdate=column.onupdate,
        unique=column.unique,
        index=column.index,
        autoincrement=column.autoincrement,
        comment=column.comment,
        key=column.key if column.key != column.name else None,
    )


def _column_for(cls: type[Any], decl: _Declaration) -> Column:
    where = f"{cls.__name__}.{decl.key}"
    value = decl.value
    annotation = decl.annotation
    if isinstance(value, Column):
        column = _copy_column(value) if decl.inherited else value
    elif isinstance(value, MappedColumn):
        column = _copy_column(value.template) if decl.inherited else value.template
        if not value.has_type and not column.foreign_keys:
            if annotation is None:
                raise MappingError(
                    f"{where}: mapped_column() without a type needs a Mapped[...] annotation "
                    "(or give it a type)"
                )
            column.type = sql_type_for(annotation, where)
        if not value.nullable_given and annotation is not None and not column.primary_key:
            column.nullable = annotation.optional
        if not decl.inherited:
            value.column = column
    else:
        assert annotation is not None
        column = Column(type_=sql_type_for(annotation, where), nullable=annotation.optional)
    if column.table is not None:
        raise MappingError(
            f"{where}: the column already belongs to table {column.table.name!r}; "
            "declare a new Column for this class"
        )
    if column.name is None:
        try:
            column._set_name(decl.key)
        except ArgumentError as exc:
            raise MappingError(f"{where}: {exc}") from exc
    return column


def _table_args(cls: type[Any]) -> tuple[list[Constraint | Index], dict[str, Any]]:
    args = getattr(cls, "__table_args__", None)
    if args is None:
        return [], {}
    if isinstance(args, dict):
        items: list[Any] = []
        kwargs = dict(args)
    elif isinstance(args, tuple | list):
        items = list(args)
        kwargs = dict(items.pop()) if items and isinstance(items[-1], dict) else {}
    else:
        raise MappingError(
            f"{cls.__name__}: __table_args__ must be a tuple (constraints, then an optional "
            f"dict of table options) or a dict, not {args!r}"
        )
    unknown = set(kwargs) - _TABLE_KWARGS
    if unknown:
        raise MappingError(
            f"{cls.__name__}: unknown __table_args__ option(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(_TABLE_KWARGS))}"
        )
    for item in items:
        if not isinstance(item, Constraint | Index):
            raise MappingError(
                f"{cls.__name__}: __table_args__ takes constraints and indexes, not {item!r}"
            )
    return items, kwargs


def _version_column(cls: type[Any], table: Table, columns: dict[str, Column]) -> Column | None:
    args = getattr(cls, "__mapper_args__", None) or {}
    if not isinstance(args, dict):
        raise MappingError(f"{cls.__name__}: __mapper_args__ must be a dict, not {args!r}")
    unknown = set(args) - _MAPPER_ARGS
    if unknown:
        raise MappingError(
            f"{cls.__name__}: unknown __mapper_args__ key(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(_MAPPER_ARGS))}"
        )
    spec = args.get("version_id_col")
    if spec is None:
        return None
    if isinstance(spec, str):
        column = columns.get(spec)
        if column is None:
            column = table.c.get(spec)
    elif isinstance(spec, MappedColumn):
        column = spec.column
    else:
        column = spec if isinstance(spec, Column) else None
    if column is None or column.table is not table:
        raise MappingError(
            f"{cls.__name__}: version_id_col {spec!r} is not a column of {table.name!r}"
        )
    return column


def _relationship_hints(
    cls: type[Any], decl: _Declaration
) -> tuple[str | type[Any] | None, bool | None]:
    annotation = decl.annotation
    if annotation is None or annotation.value_type in (None, Any):
        return None, None
    if annotation.target is None and not annotation.collection:
        raise MappingError(
            f"{cls.__name__}.{decl.key}: relationship annotation {annotation.text!r} must be "
            "Mapped[Target], Mapped[Target | None] or Mapped[list[Target]]"
        )
    return annotation.target, annotation.collection


def map_class(cls: type[Any], registry: Registry, skip: tuple[type[Any], ...]) -> Mapper[Any]:
    """Build the table (unless ``__table__`` is given) and the mapper of *cls*.

    *skip* are the classes of the declarative machinery itself, left out of
    the scan.
    """
    declarations = _declarations(cls, skip)
    column_decls = [d for d in declarations if not isinstance(d.value, RelationshipProperty)]
    relationship_decls = [d for d in declarations if isinstance(d.value, RelationshipProperty)]
    explicit_table = cls.__dict__.get("__table__")
    columns: dict[str, Column] = {}
    if explicit_table is not None:
        if not isinstance(explicit_table, Table):
            raise MappingError(f"{cls.__name__}: __table__ must be a Table, not {explicit_table!r}")
        table = explicit_table
        for decl in column_decls:
            if not (isinstance(decl.value, Column) and decl.value.table is table):
                raise MappingError(
                    f"{cls.__name__}.{decl.key}: a class mapped to __table__ takes its columns "
                    f"from the table; assign one of {table.name!r}'s columns (table.c.name) or "
                    "leave it out"
                )
            columns[decl.key] = decl.value
    else:
        tablename = getattr(cls, "__tablename__", None)
        if not isinstance(tablename, str) or not tablename:
            raise MappingError(
                f"{cls.__name__} has no __tablename__ (or __table__); set one, or mark the "
                "class __abstract__ = True"
            )
        for decl in column_decls:
            columns[decl.key] = _column_for(cls, decl)
        items, kwargs = _table_args(cls)
        try:
            table = Table(tablename, registry.metadata, *columns.values(), *items, **kwargs)
        except ArgumentError as exc:
            raise MappingError(f"{cls.__name__}: {exc}") from exc
    mapper: Mapper[Any] | None = None
    try:
        version = _version_column(cls, table, columns)
        mapper = Mapper(cls, table, registry, columns, version_id_col=version)
        type.__setattr__(cls, "__mapper__", mapper)
        type.__setattr__(cls, "__table__", table)
        type.__setattr__(cls, "_aorm_setters", mapper._setters)
        registry.add(mapper)
        for decl in relationship_decls:
            prop: RelationshipProperty[Any] = decl.value
            if decl.inherited:
                prop = prop.copy()
            target, uselist = _relationship_hints(cls, decl)
            mapper._add_relationship(decl.key, prop, hint_target=target, hint_uselist=uselist)
    except BaseException:
        # The class statement fails: leave nothing of it behind.
        if mapper is not None:
            registry.remove(mapper)
        if explicit_table is None:
            registry.metadata.remove(table)
        raise
    _share_instance_keys(cls, (*mapper.column_keys, STATE_KEY))
    return mapper


def _share_instance_keys(cls: type[Any], keys: tuple[str, ...]) -> None:
    """Have every instance's ``__dict__`` share one key table holding *keys*.

    CPython shares a class's attribute names between its instances' dicts
    (each keeps only a small array of values), but only names the first
    instances set; an instance that sets others, or fills its dict with
    ``dict.update``, gets a full dict of its own, and so may every later
    one. A constructed object sets its given columns, a loaded one every
    column, so whichever came first decided whether each object of the
    class cost about 180 bytes or 340. Setting every column name once on a
    throwaway instance, before any real one exists, puts them all in the
    shared table.
    """
    if getattr(cls, "__del__", None) is not None:
        return  # never run a finalizer on a blank object
    try:
        namespace = object.__new__(cls).__dict__
    except (TypeError, AttributeError):  # pragma: no cover - no per-instance __dict__
        return
    for key in keys:
        namespace[key] = None
