"""Schema objects: :class:`MetaData`, :class:`Table` and :class:`Column`.

A :class:`Column` may be built before it has a name or a table (the
declarative layer names it from the attribute later); it must have a name by
the time it is given to a :class:`Table`. Columns are column expressions:
``users.c.name == "x"`` builds a comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Literal

from aorm.exc import ArgumentError
from aorm.sql.cache_key import KeyContext
from aorm.sql.column_collection import ColumnCollection
from aorm.sql.constraints import (
    CheckConstraint,
    Constraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    UniqueConstraint,
)
from aorm.sql.ddl import create_all, drop_all, sort_tables
from aorm.sql.elements import ColumnElement
from aorm.sql.selectable import ColumnClause, FromClause
from aorm.sql.text import TextClause
from aorm.sql.type_inference import NULLTYPE, is_integer_type, is_null_type
from aorm.sql.types import TypeEngine

__all__ = ["Column", "MetaData", "Table"]

Autoincrement = bool | Literal["auto"]


def _check_identifier(name: object, what: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ArgumentError(f"{what} name must be a non-empty string, not {name!r}")
    if "\x00" in name:
        raise ArgumentError(f"{what} name {name!r} contains a NUL character")
    return name


class _ShapeToken:
    """Stands for one column in cache keys (columns compare with ``==`` as SQL, not Python)."""

    __slots__ = ("__weakref__",)


class Column(ColumnClause):
    """A table column: ``Column("name", Integer, ForeignKey("t.id"), primary_key=True)``.

    Positional arguments: an optional name (str), an optional type (a type
    instance or class), then ``ForeignKey`` / ``CheckConstraint`` objects.
    Without a type, a column with a ForeignKey takes the referenced column's
    type. ``nullable`` defaults to ``not primary_key``. ``default`` and
    ``onupdate`` are Python values or zero-argument callables, applied by
    INSERT / UPDATE statements that do not set the column; ``server_default``
    is SQL for the DDL (a string is written as a quoted SQL string literal,
    ``text()`` as it is).
    """

    __visit_name__ = "column"
    _is_schema_column = True

    def __init__(
        self,
        *args: Any,
        primary_key: bool = False,
        nullable: bool | None = None,
        default: Any = None,
        server_default: str | TextClause | None = None,
        onupdate: Any = None,
        unique: bool = False,
        index: bool = False,
        autoincrement: Autoincrement = "auto",
        comment: str | None = None,
        key: str | None = None,
        name: str | None = None,
        type_: TypeEngine | type[TypeEngine] | None = None,
    ) -> None:
        rest = list(args)
        if rest and (isinstance(rest[0], str) or rest[0] is None):
            if name is not None:
                raise ArgumentError("Column name given twice (positionally and as name=)")
            name = rest.pop(0)
        if rest and (isinstance(rest[0], TypeEngine) or _is_type_class(rest[0])):
            if type_ is not None:
                raise ArgumentError("Column type given twice (positionally and as type_=)")
            type_ = rest.pop(0)
        if name is not None:
            _check_identifier(name, "column")
        if isinstance(type_, type) and issubclass(type_, TypeEngine):
            type_ = type_()
        if type_ is not None and not isinstance(type_, TypeEngine):
            raise ArgumentError(f"column {name or ''} type must be a SQL type, not {type_!r}")
        super().__init__(name, type_)
        self.key = key if key is not None else name
        self._explicit_key = key is not None
        self.table: Table | None = None
        self.foreign_keys: list[ForeignKey] = []
        #: Column-level CHECK constraints given positionally.
        self.constraints: list[CheckConstraint] = []
        for item in rest:
            if isinstance(item, ForeignKey):
                if item.parent is not None:
                    raise ArgumentError(f"{item!r} already belongs to column {item.parent.name!r}")
                item.parent = self
                self.foreign_keys.append(item)
            elif isinstance(item, CheckConstraint):
                self.constraints.append(item)
            else:
                raise ArgumentError(
                    f"column {name or ''}: unexpected argument {item!r} "
                    "(expected a name, a type, ForeignKey or CheckConstraint)"
                )
        self.primary_key = bool(primary_key)
        self._nullable = nullable
        self.default = default
        if server_default is not None and not isinstance(server_default, str | TextClause):
            raise ArgumentError(
                f"column {name or ''}: server_default must be a string or text(), "
                f"not {server_default!r}"
            )
        self.server_default = server_default
        self.onupdate = onupdate
        self.unique = bool(unique)
        self.index = bool(index)
        if autoincrement not in (True, False, "auto"):
            raise ArgumentError(
                f"autoincrement must be True, False or 'auto', not {autoincrement!r}"
            )
        self.autoincrement: Autoincrement = autoincrement
        self.comment = comment
        self._token = _ShapeToken()

    # -- attributes ---------------------------------------------------------

    @property
    def nullable(self) -> bool:
        """Whether NULL is allowed (default: not for primary key columns)."""
        return (not self.primary_key) if self._nullable is None else self._nullable

    @nullable.setter
    def nullable(self, value: bool) -> None:
        self._nullable = value

    @property
    def type(self) -> TypeEngine:
        """The column type; an untyped ForeignKey column takes its target's type."""
        if self._type is not None:
            return self._type
        for fk in self.foreign_keys:
            if fk._can_resolve():
                target_type = fk.column.type
                if not is_null_type(target_type):
                    self._type = target_type
                    return target_type
        return NULLTYPE

    @type.setter
    def type(self, value: TypeEngine) -> None:
        self._type = value

    def set_name(self, name: str) -> None:
        """Name a column built without one (before it joins a table); the key follows unless set."""
        if self.table is not None:
            raise ArgumentError(
                f"column {self.name!r} is already part of table {self.table.name!r}"
            )
        self.name = _check_identifier(name, "column")
        if not self._explicit_key:
            self.key = name

    # The earlier spelling, still used by callers.
    _set_name = set_name

    @property
    def fullname(self) -> str:
        """``"table.column"`` (used to name the column in errors)."""
        table = self.table
        return f"{table.name}.{self.name}" if table is not None else str(self.name)

    def references(self, column: Column) -> bool:
        """True when one of this column's foreign keys points at *column*."""
        return any(fk._can_resolve() and fk.column is column for fk in self.foreign_keys)

    def copy(self) -> Column:
        """An unattached copy (same name, type, options; foreign keys copied)."""
        new = Column(
            self.name,
            self._type,
            *[fk.copy() for fk in self.foreign_keys],
            *[CheckConstraint(c.sqltext, name=c.name) for c in self.constraints],  # type: ignore[arg-type]
            primary_key=self.primary_key,
            nullable=self._nullable,
            default=self.default,
            server_default=self.server_default,
            onupdate=self.onupdate,
            unique=self.unique,
            index=self.index,
            autoincrement=self.autoincrement,
            comment=self.comment,
            key=self.key if self._explicit_key else None,
        )
        return new

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return self._token

    def _from_objects(self) -> list[FromClause]:
        return [] if self.table is None else [self.table]

    def __repr__(self) -> str:
        return f"Column({self.fullname!r}, {self.type!r})"


def _is_type_class(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, TypeEngine)


class Table(FromClause):
    """A table: ``Table("users", metadata, Column("id", Integer, primary_key=True), …)``.

    Registers itself in *metadata* (a second table of the same name is an
    error). ``.c`` holds the columns by key, ``.primary_key`` the primary key
    constraint (its ``.columns``), ``.foreign_keys`` every ForeignKey of every
    column, ``.constraints`` all constraints, ``.indexes`` the indexes.
    """

    __visit_name__ = "table"

    def __init__(
        self,
        name: str,
        metadata: MetaData,
        *items: Column | Constraint | Index,
        schema: str | None = None,
        comment: str | None = None,
    ) -> None:
        self.name: str = _check_identifier(name, "table")
        if not isinstance(metadata, MetaData):
            raise ArgumentError(
                f"Table {name!r}: second argument must be a MetaData, not {metadata!r}"
            )
        if schema is not None:
            _check_identifier(schema, "schema")
        self.schema = schema
        self.comment = comment
        self.metadata = metadata
        self._columns: ColumnCollection[Column] = ColumnCollection()
        self.primary_key = PrimaryKeyConstraint()
        self.primary_key._set_table(self)
        self.constraints: list[Constraint] = [self.primary_key]
        self.indexes: list[Index] = []
        explicit_pk: PrimaryKeyConstraint | None = None
        later: list[Constraint | Index] = []
        for item in items:
            if isinstance(item, Column):
                self.append_column(item)
            elif isinstance(item, PrimaryKeyConstraint):
                explicit_pk = item
            elif isinstance(item, Constraint | Index):
                later.append(item)
            else:
                raise ArgumentError(
                    f"Table {name!r}: unexpected argument {item!r} "
                    "(expected Column, a constraint or Index)"
                )
        if explicit_pk is not None:
            self._set_primary_key(explicit_pk)
        for item in later:
            self.append_constraint(item)
        metadata._add_table(self)

    @property
    def fullname(self) -> str:
        """``"schema.name"``, or ``name`` without a schema (the key in ``metadata.tables``)."""
        return f"{self.schema}.{self.name}" if self.schema else self.name

    @property
    def c(self) -> ColumnCollection[Column]:
        return self._columns

    @property
    def columns(self) -> ColumnCollection[Column]:
        return self._columns

    @property
    def foreign_keys(self) -> list[ForeignKey]:
        """Every ForeignKey of every column, in column order."""
        return [fk for col in self._columns for fk in col.foreign_keys]

    @property
    def foreign_key_constraints(self) -> list[ForeignKeyConstraint]:
        """The foreign key constraints, in declaration order."""
        return [c for c in self.constraints if isinstance(c, ForeignKeyConstraint)]

    @property
    def autoincrement_column(self) -> Column | None:
        """The primary key column the database generates values for, if any.

        ``autoincrement="auto"``: a single-column integer primary key without
        a foreign key or server default; ``True`` forces it for a single
        integer key, ``False`` turns it off.
        """
        pk = list(self.primary_key.columns)
        if len(pk) != 1:
            return None
        column = pk[0]
        if column.autoincrement is False or not is_integer_type(column.type):
            return None
        if column.autoincrement == "auto" and (column.foreign_keys or column.server_default):
            return None
        return column

    def append_column(self, column: Column) -> None:
        """Add *column* (named, not part of another table) with its constraints."""
        if not isinstance(column, Column):
            raise ArgumentError(f"Table {self.name!r}: expected a Column, not {column!r}")
        if column.name is None:
            raise ArgumentError(
                f"Table {self.name!r}: column #{len(self._columns) + 1} has no name"
            )
        if column.table is not None:
            raise ArgumentError(
                f"column {column.name!r} already belongs to table {column.table.name!r}; "
                "use column.copy() for another table"
            )
        key = column.key or column.name
        if key in self._columns or any(c.name == column.name for c in self._columns):
            raise ArgumentError(f"Table {self.name!r} has two columns named {column.name!r}")
        column.table = self
        self._columns._add(key, column)
        if column.primary_key:
            self.primary_key.columns._add(key, column)
        for fk in column.foreign_keys:
            if fk.constraint is None:
                self._attach(ForeignKeyConstraint._from_foreign_key(fk))
        for check in column.constraints:
            self._attach(check)
        if column.unique:
            self._attach(UniqueConstraint(column))
        if column.index:
            self._attach_index(Index(None, column))

    def append_constraint(self, item: Constraint | Index) -> None:
        """Add a constraint or index naming columns of this table."""
        if isinstance(item, PrimaryKeyConstraint):
            self._set_primary_key(item)
        elif isinstance(item, Index):
            self._attach_index(item)
        elif isinstance(item, Constraint):
            self._attach(item)
        else:
            raise ArgumentError(
                f"Table {self.name!r}: expected a constraint or Index, not {item!r}"
            )

    def _attach(self, constraint: Constraint) -> None:
        constraint._set_table(self)
        if constraint not in self.constraints:
            self.constraints.append(constraint)

    def _attach_index(self, index: Index) -> None:
        index._set_table(self)
        if index not in self.indexes:
            self.indexes.append(index)

    def _set_primary_key(self, pk: PrimaryKeyConstraint) -> None:
        pk._set_table(self)
        for column in self._columns:
            column.primary_key = column in pk.columns
        self.constraints = [pk if c is self.primary_key else c for c in self.constraints]
        self.primary_key = pk

    # -- FromClause ---------------------------------------------------------

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return self  # tables are compared by identity; never structurally

    def _gen_from_key(self, ctx: KeyContext) -> Hashable:
        return self

    def _fk_links(self) -> list[tuple[Hashable, ColumnElement, ColumnElement]]:
        return [(id(fk.constraint), fk.parent, fk.column) for fk in self.foreign_keys]  # type: ignore[misc]

    def _column_for(self, base: ColumnElement) -> ColumnElement | None:
        return base if getattr(base, "table", None) is self else None

    def __repr__(self) -> str:
        return f"Table({self.fullname!r})"


class MetaData:
    """A collection of tables, created and dropped together.

    *naming_convention* maps a constraint kind (``"pk"``, ``"fk"``, ``"uq"``,
    ``"ck"``, ``"ix"``) to a template using ``%(table_name)s``,
    ``%(column_0_name)s``, ``%(column_0N_name)s`` (all columns, ``_``-joined),
    ``%(column_0_label)s`` (``table_column``), ``%(referred_table_name)s`` and
    ``%(constraint_name)s``; unnamed constraints are named with it.
    """

    DEFAULT_NAMING_CONVENTION: Mapping[str, str] = {"ix": "ix_%(column_0_label)s"}

    def __init__(self, naming_convention: Mapping[str, str] | None = None) -> None:
        convention = dict(self.DEFAULT_NAMING_CONVENTION)
        if naming_convention is not None:
            unknown = set(naming_convention) - {"pk", "fk", "uq", "ck", "ix"}
            if unknown:
                raise ArgumentError(
                    f"naming_convention keys must be pk, fk, uq, ck or ix, not {sorted(unknown)}"
                )
            convention.update(naming_convention)
        self.naming_convention: dict[str, str] = convention
        #: Tables by ``fullname``, in the order they were defined.
        self.tables: dict[str, Table] = {}

    def _add_table(self, table: Table) -> None:
        if table.fullname in self.tables:
            raise ArgumentError(f"table {table.fullname!r} is already defined in this MetaData")
        self.tables[table.fullname] = table

    def remove(self, table: Table) -> None:
        """Forget *table*."""
        self.tables.pop(table.fullname, None)

    def clear(self) -> None:
        """Forget every table."""
        self.tables.clear()

    def __contains__(self, name: object) -> bool:
        return name in self.tables

    @property
    def sorted_tables(self) -> list[Table]:
        """Tables in dependency order: a table comes after the tables it refers to.

        Foreign keys that form a cycle are left out of the ordering (they are
        created after both tables); otherwise definition order is kept.
        """
        return sort_tables(list(self.tables.values()))

    async def create_all(
        self, bind: Any, *, checkfirst: bool = True, tables: Iterable[Table] | None = None
    ) -> None:
        """Create the tables (and their indexes) in dependency order.

        *bind* is an engine (anything with an async ``begin()`` context
        yielding a connection) or a connection (anything with an async
        ``execute``). With *checkfirst*, existing tables are left alone.
        """
        await create_all(self, bind, checkfirst=checkfirst, tables=tables)

    async def drop_all(
        self, bind: Any, *, checkfirst: bool = True, tables: Iterable[Table] | None = None
    ) -> None:
        """Drop the tables in reverse dependency order (``IF EXISTS`` with *checkfirst*)."""
        await drop_all(self, bind, checkfirst=checkfirst, tables=tables)

    def __repr__(self) -> str:
        return f"MetaData({', '.join(self.tables)})"


# Callables used as ``default=`` take no arguments.
DefaultCallable = Callable[[], Any]
