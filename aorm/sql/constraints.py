"""Table constraints, foreign keys and indexes.

Constraints may name their columns by string before the table exists; the
names are resolved when the constraint is attached to its :class:`Table`.
A foreign key's target (``"table.column"``) is resolved lazily, through the
table's :class:`MetaData`, the first time it is needed (DDL, join inference,
type inference), so tables may be declared in any order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aorm.exc import ArgumentError
from aorm.sql.column_collection import ColumnCollection
from aorm.sql.elements import ClauseElement, ColumnElement, coerce_element
from aorm.sql.text import TextClause

if TYPE_CHECKING:
    from aorm.sql.schema import Column, Table

__all__ = [
    "CheckConstraint",
    "ColumnCollectionConstraint",
    "Constraint",
    "ForeignKey",
    "ForeignKeyConstraint",
    "Index",
    "PrimaryKeyConstraint",
    "UniqueConstraint",
]

# Referential actions are written into DDL as they are, so only these pass.
_REFERENTIAL_ACTIONS = frozenset({"CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"})


def _check_action(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    normal = " ".join(str(value).upper().split())
    if normal not in _REFERENTIAL_ACTIONS:
        raise ArgumentError(
            f"{what}={value!r} is not a referential action; use one of "
            f"{', '.join(sorted(_REFERENTIAL_ACTIONS))}"
        )
    return normal


def _check_name(name: str | None, what: str) -> str | None:
    if name is not None and (not isinstance(name, str) or not name):
        raise ArgumentError(f"{what} name must be a non-empty string, not {name!r}")
    return name


class Constraint:
    """Base of table constraints. ``name`` None means named by the naming convention."""

    def __init__(self, *, name: str | None = None) -> None:
        self.name = _check_name(name, type(self).__name__)
        self.table: Table | None = None

    def _set_table(self, table: Table) -> None:
        if self.table is not None and self.table is not table:
            raise ArgumentError(
                f"{type(self).__name__} {self.name or ''} already belongs to table "
                f"{self.table.name!r}".replace("  ", " ")
            )
        self.table = table


class ColumnCollectionConstraint(Constraint):
    """A constraint over a list of columns of its table (given as names or columns)."""

    def __init__(self, *columns: str | Column, name: str | None = None) -> None:
        super().__init__(name=name)
        self._pending: tuple[str | Column, ...] = columns
        self.columns: ColumnCollection[Column] = ColumnCollection()

    def _set_table(self, table: Table) -> None:
        super()._set_table(table)
        self.columns = ColumnCollection(
            (col.key or "", col) for col in (_resolve_column(table, c, self) for c in self._pending)
        )

    def __repr__(self) -> str:
        cols = ", ".join(c.name or "?" for c in self.columns) or ", ".join(
            str(c) for c in self._pending
        )
        return f"{type(self).__name__}({cols})"


def _resolve_column(table: Table, column: str | Column, owner: object) -> Column:
    if isinstance(column, str):
        found = table.c.get(column)
        if found is None:
            found = next((c for c in table.c if c.name == column), None)
        if found is None:
            raise ArgumentError(
                f"{type(owner).__name__} on table {table.name!r} names unknown column {column!r}"
            )
        return found  # type: ignore[no-any-return]
    if column.table is not table:
        raise ArgumentError(
            f"{type(owner).__name__} on table {table.name!r} names column {column.name!r} "
            "of another table"
        )
    return column


class PrimaryKeyConstraint(ColumnCollectionConstraint):
    """``PRIMARY KEY (…)``; a table's ``.primary_key`` (empty when it has none)."""


class UniqueConstraint(ColumnCollectionConstraint):
    """``UNIQUE (…)``."""


class CheckConstraint(Constraint):
    """``CHECK (sqltext)``: *sqltext* is SQL (a string or ``text()``) or an expression."""

    def __init__(
        self, sqltext: str | TextClause | ColumnElement, *, name: str | None = None
    ) -> None:
        super().__init__(name=name)
        if isinstance(sqltext, str):
            if not sqltext.strip():
                raise ArgumentError("CheckConstraint needs a non-empty condition")
            self.sqltext: ClauseElement = TextClause(sqltext)
        else:
            self.sqltext = coerce_element(sqltext)

    def __repr__(self) -> str:
        return f"CheckConstraint({self.sqltext!r})"


class ForeignKey:
    """A reference from one column to a column of another (or the same) table.

    *column* is ``"table.column"`` (``"schema.table.column"``) or the target
    :class:`Column` itself. The target is found lazily, through the
    MetaData of the table the owning column belongs to.
    """

    def __init__(
        self,
        column: str | Column,
        *,
        ondelete: str | None = None,
        onupdate: str | None = None,
        name: str | None = None,
    ) -> None:
        if isinstance(column, str):
            if column.count(".") not in (1, 2) or not all(column.split(".")):
                raise ArgumentError(
                    f"ForeignKey target must be 'table.column' or 'schema.table.column', "
                    f"not {column!r}"
                )
            self._spec: str | Column = column
        elif isinstance(column, ColumnElement) and hasattr(column, "foreign_keys"):
            self._spec = column
        elif hasattr(column, "__clause_element__"):
            self._spec = coerce_element(column)  # type: ignore[assignment]
        else:
            raise ArgumentError(f"ForeignKey target must be a string or a Column, not {column!r}")
        self.ondelete = _check_action(ondelete, "ondelete")
        self.onupdate = _check_action(onupdate, "onupdate")
        self.name = _check_name(name, "ForeignKey")
        #: The column holding the reference.
        self.parent: Column | None = None
        #: The constraint this key is part of (set when the table is built).
        self.constraint: ForeignKeyConstraint | None = None
        self._column: Column | None = None

    @property
    def target_fullname(self) -> str:
        """``"table.column"`` of the target (schema-qualified when it has one)."""
        if isinstance(self._spec, str):
            return self._spec
        table = self._spec.table
        prefix = f"{table.fullname}." if table is not None else ""
        return f"{prefix}{self._spec.name}"

    def _describe_parent(self) -> str:
        if self.parent is None:
            return "an unattached column"
        table = self.parent.table
        return f"{table.name if table is not None else '?'}.{self.parent.name}"

    def _target_parts(self) -> tuple[str, str]:
        assert isinstance(self._spec, str)
        table_key, _, column_name = self._spec.rpartition(".")
        return table_key, column_name

    @property
    def column(self) -> Column:
        """The target column, resolved (and remembered) on first use.

        Raises :class:`~aorm.exc.ArgumentError` naming both ends when the target
        table or column does not exist.
        """
        if self._column is not None:
            return self._column
        if not isinstance(self._spec, str):
            self._column = self._spec
            return self._spec
        table_key, column_name = self._target_parts()
        parent_table = self.parent.table if self.parent is not None else None
        if parent_table is None:
            raise ArgumentError(
                f"ForeignKey({self._spec!r}) cannot be resolved: its column is not part of a table"
            )
        metadata = parent_table.metadata
        target_table = metadata.tables.get(table_key)
        if target_table is None and "." not in table_key and parent_table.schema is not None:
            target_table = metadata.tables.get(f"{parent_table.schema}.{table_key}")
        if target_table is None:
            raise ArgumentError(
                f"foreign key {self._describe_parent()} refers to unknown table {table_key!r} "
                f"(target {self._spec!r})"
            )
        target = target_table.c.get(column_name)
        if target is None:
            target = next((c for c in target_table.c if c.name == column_name), None)
        if target is None:
            raise ArgumentError(
                f"foreign key {self._describe_parent()} refers to unknown column "
                f"{column_name!r} of table {table_key!r}"
            )
        self._column = target
        return target  # type: ignore[no-any-return]

    def _can_resolve(self) -> bool:
        try:
            self.column  # noqa: B018 - resolving is the point
        except ArgumentError:
            return False
        return True

    def references(self, table: Table) -> bool:
        """True when this key points at a column of *table*."""
        if isinstance(self._spec, str):
            table_key, _ = self._target_parts()
            return table_key in (table.name, table.fullname)
        return self._spec.table is table

    def copy(self) -> ForeignKey:
        """An unattached ForeignKey with the same target and options."""
        return ForeignKey(
            self._spec, ondelete=self.ondelete, onupdate=self.onupdate, name=self.name
        )

    def __repr__(self) -> str:
        return f"ForeignKey({self.target_fullname!r})"


class ForeignKeyConstraint(ColumnCollectionConstraint):
    """``FOREIGN KEY (columns) REFERENCES table (refcolumns)``, possibly over several columns."""

    def __init__(
        self,
        columns: Sequence[str | Column],
        refcolumns: Sequence[str | Column],
        *,
        name: str | None = None,
        ondelete: str | None = None,
        onupdate: str | None = None,
    ) -> None:
        if isinstance(columns, str) or isinstance(refcolumns, str):
            raise ArgumentError("ForeignKeyConstraint takes lists of columns and of targets")
        if len(columns) != len(refcolumns) or not columns:
            raise ArgumentError(
                f"ForeignKeyConstraint needs as many targets as columns "
                f"(got {len(columns)} columns, {len(refcolumns)} targets)"
            )
        super().__init__(*columns, name=name)
        self.ondelete = _check_action(ondelete, "ondelete")
        self.onupdate = _check_action(onupdate, "onupdate")
        self._refcolumns = tuple(refcolumns)
        #: One ForeignKey per column, in order.
        self.elements: list[ForeignKey] = []

    @classmethod
    def _from_foreign_key(cls, fk: ForeignKey) -> ForeignKeyConstraint:
        assert fk.parent is not None
        constraint = cls(
            [fk.parent], [fk._spec], name=fk.name, ondelete=fk.ondelete, onupdate=fk.onupdate
        )
        constraint.elements = [fk]
        fk.constraint = constraint
        return constraint

    def _set_table(self, table: Table) -> None:
        super()._set_table(table)
        if self.elements:
            return
        for column, target in zip(self.columns, self._refcolumns, strict=True):
            fk = ForeignKey(target, ondelete=self.ondelete, onupdate=self.onupdate)
            fk.parent = column
            fk.constraint = self
            column.foreign_keys.append(fk)
            self.elements.append(fk)

    @property
    def referred_table(self) -> Table:
        """The table the key points at (resolving it)."""
        table = self.elements[0].column.table
        assert table is not None
        return table

    def __repr__(self) -> str:
        cols = ", ".join(c.name or "?" for c in self.columns)
        targets = ", ".join(fk.target_fullname for fk in self.elements)
        return f"ForeignKeyConstraint([{cols}] -> [{targets}])"


class Index:
    """``CREATE [UNIQUE] INDEX name ON table (…)`` over columns (or names, or expressions).

    With ``name=None`` the index is named by the MetaData's naming convention.
    An Index given to ``Table(...)`` or naming columns of one table attaches to it.
    """

    def __init__(self, name: str | None, *expressions: Any, unique: bool = False) -> None:
        self.name = _check_name(name, "Index")
        if not expressions:
            raise ArgumentError(f"Index {name!r} needs at least one column or expression")
        self._pending: tuple[Any, ...] = expressions
        self.unique = unique
        self.table: Table | None = None
        #: The indexed expressions, columns resolved (in order).
        self.expressions: list[ColumnElement] = []
        owner = _owning_table(expressions)
        if owner is not None:
            owner.append_constraint(self)

    @property
    def columns(self) -> list[Column]:
        """The plain columns among the indexed expressions."""
        return [e for e in self.expressions if _is_schema_col(e)]  # type: ignore[misc]

    def _set_table(self, table: Table) -> None:
        if self.table is table:
            return
        if self.table is not None:
            raise ArgumentError(f"Index {self.name!r} already belongs to table {self.table.name!r}")
        self.table = table
        resolved: list[ColumnElement] = []
        for expr in self._pending:
            if isinstance(expr, str) or _is_schema_col(expr):
                resolved.append(_resolve_column(table, expr, self))
            else:
                element = coerce_element(expr)
                if not isinstance(element, ColumnElement):
                    raise ArgumentError(f"Index {self.name!r}: cannot index {expr!r}")
                resolved.append(element)
        self.expressions = resolved

    def __repr__(self) -> str:
        return f"Index({self.name!r}, unique={self.unique})"


def _owning_table(expressions: Sequence[Any]) -> Table | None:
    """The table an index's expressions refer to, if they name one (not just strings)."""
    for expression in expressions:
        if isinstance(expression, ClauseElement) or hasattr(expression, "__clause_element__"):
            for from_clause in coerce_element(expression)._from_objects():
                if from_clause.__visit_name__ == "table":
                    return from_clause  # type: ignore[return-value]
    return None


def _is_schema_col(value: Any) -> bool:
    return isinstance(value, ColumnElement) and getattr(value, "_is_schema_column", False)
