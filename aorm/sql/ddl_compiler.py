"""Rendering of DDL: CREATE/DROP TABLE and INDEX, and ALTER TABLE … ADD CONSTRAINT."""

from __future__ import annotations

from typing import Any

from aorm.exc import CompileError
from aorm.sql.constraints import (
    CheckConstraint,
    Constraint,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    UniqueConstraint,
)
from aorm.sql.ddl import (
    AddConstraint,
    Comment,
    CreateIndex,
    CreateTable,
    DropIndex,
    DropTable,
)
from aorm.sql.dml_compiler import DMLCompiler
from aorm.sql.elements import ColumnElement
from aorm.sql.functions import Function
from aorm.sql.naming import constraint_name, index_name
from aorm.sql.schema import Column, Table
from aorm.sql.text import TextClause
from aorm.sql.types import Enum

__all__ = ["DDLCompiler"]


class DDLCompiler(DMLCompiler):
    """``visit_*`` methods for DDL statements."""

    def visit_create_table(self, create: CreateTable, **kw: Any) -> str:
        table = create.table
        lines = [self.column_ddl(table, column) for column in table.c]
        for constraint in self.table_constraints(table, create.skip_foreign_keys):
            lines.append(constraint)
        if not lines:
            raise CompileError(f"table {table.name!r} has no columns")
        exists = "IF NOT EXISTS " if create.if_not_exists else ""
        body = ",\n    ".join(lines)
        return f"CREATE TABLE {exists}{self.from_name(table)} (\n    {body}\n)"

    def column_type_ddl(self, column: Column) -> str:
        """The column's type in DDL (CompileError naming the column when it has none)."""
        try:
            return column.type.ddl(self.dialect.name)
        except CompileError as exc:
            raise CompileError(f"column {column.fullname}: {exc}") from None

    def column_ddl(self, table: Table, column: Column) -> str:
        """``"name" TYPE [DEFAULT …] [NOT NULL]`` (plus the dialect's auto-increment form)."""
        sql = f"{self.quote(column.name or '')} {self.column_type_ddl(column)}"
        if column is table.autoincrement_column:
            sql += self.autoincrement_ddl(column)
        if column.server_default is not None:
            sql += f" DEFAULT {self.server_default_sql(column.server_default)}"
        if not column.nullable:
            sql += " NOT NULL"
        return sql

    def autoincrement_ddl(self, column: Column) -> str:
        """What makes an integer primary key generate its values ('' on SQLite: rowid)."""
        return ""

    def server_default_sql(self, default: str | TextClause) -> str:
        """A string default as a quoted literal; ``text()`` as SQL in parentheses."""
        if isinstance(default, str):
            return self.render_literal(default)
        if default.param_names:
            raise CompileError(f"server_default {default.text!r} cannot take parameters")
        return f"({default.text})"

    def table_constraints(self, table: Table, skip: tuple[ForeignKeyConstraint, ...]) -> list[str]:
        """PRIMARY KEY, UNIQUE, CHECK (declared and type-required) and FOREIGN KEY clauses."""
        result: list[str] = []
        if table.primary_key.columns:
            result.append(self.constraint_ddl(table.primary_key))
        for constraint in table.constraints:
            if isinstance(constraint, PrimaryKeyConstraint) or constraint in skip:
                continue
            result.append(self.constraint_ddl(constraint))
        for column in table.c:
            check = column.type.ddl_check(self.dialect.name, self.quote(column.name or ""))
            if check is not None:
                type_name = column.type.name if isinstance(column.type, Enum) else None
                prefix = f"CONSTRAINT {self.quote(type_name)} " if type_name else ""
                result.append(f"{prefix}CHECK ({check})")
        return result

    def constraint_ddl(self, constraint: Constraint) -> str:
        """One table constraint, named by its name or the naming convention."""
        name = constraint_name(constraint)
        prefix = f"CONSTRAINT {self.quote(name)} " if name else ""
        if isinstance(constraint, ForeignKeyConstraint):
            return prefix + self.foreign_key_ddl(constraint)
        if isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint):
            keyword = "PRIMARY KEY" if isinstance(constraint, PrimaryKeyConstraint) else "UNIQUE"
            columns = ", ".join(self.quote(c.name or "") for c in constraint.columns)
            return f"{prefix}{keyword} ({columns})"
        if isinstance(constraint, CheckConstraint):
            return f"{prefix}CHECK ({self.ddl_expression(constraint.sqltext)})"
        raise CompileError(f"cannot write DDL for {constraint!r}")

    def foreign_key_ddl(self, constraint: ForeignKeyConstraint) -> str:
        """``FOREIGN KEY (…) REFERENCES "t" (…) [ON DELETE …] [ON UPDATE …]``."""
        targets = [fk.column for fk in constraint.elements]
        target_table = targets[0].table
        assert target_table is not None
        local = ", ".join(self.quote(c.name or "") for c in constraint.columns)
        remote = ", ".join(self.quote(c.name or "") for c in targets)
        sql = f"FOREIGN KEY ({local}) REFERENCES {self.from_name(target_table)} ({remote})"
        if constraint.ondelete:
            sql += f" ON DELETE {constraint.ondelete}"
        if constraint.onupdate:
            sql += f" ON UPDATE {constraint.onupdate}"
        return sql

    def ddl_expression(self, element: Any) -> str:
        """An expression inside DDL: columns unqualified, values written out."""
        state = self.state
        saved = state.unqualified
        state.unqualified = True
        try:
            return self.process(element)
        finally:
            state.unqualified = saved

    def visit_create_index(self, create: CreateIndex, **kw: Any) -> str:
        index = create.index
        table = index.table
        assert table is not None
        parts = []
        for expression in index.expressions:
            sql = self.ddl_expression(expression)
            if not isinstance(expression, Column | Function) and isinstance(
                expression, ColumnElement
            ):
                sql = f"({sql})"
            parts.append(sql)
        unique = "UNIQUE " if index.unique else ""
        exists = "IF NOT EXISTS " if create.if_not_exists else ""
        name = self.index_name_sql(index, for_drop=False)
        return (
            f"CREATE {unique}INDEX {exists}{name} ON {self.from_name(table)} ({', '.join(parts)})"
        )

    def index_name_sql(self, index: Any, *, for_drop: bool) -> str:
        """The index name; schema-qualified where the dialect wants it."""
        name = self.quote(index_name(index))
        schema = index.table.schema if index.table is not None else None
        if schema and (for_drop or self.dialect.name == "sqlite"):
            return f"{self.quote(schema)}.{name}"
        return name

    def visit_drop_index(self, drop: DropIndex, **kw: Any) -> str:
        exists = "IF EXISTS " if drop.if_exists else ""
        return f"DROP INDEX {exists}{self.index_name_sql(drop.index, for_drop=True)}"

    def visit_drop_table(self, drop: DropTable, **kw: Any) -> str:
        exists = "IF EXISTS " if drop.if_exists else ""
        sql = f"DROP TABLE {exists}{self.from_name(drop.table)}"
        if drop.cascade:
            sql += self.cascade_sql()
        return sql

    def cascade_sql(self) -> str:
        """`` CASCADE`` for DROP TABLE, where the dialect has it."""
        return " CASCADE"

    def visit_comment(self, comment: Comment, **kw: Any) -> str:
        # DDL takes no bind parameters: the text is written as a quoted literal.
        literal = "'" + comment.comment.replace("'", "''") + "'"
        target = self.from_name(comment.table)
        if comment.column_name is None:
            return f"COMMENT ON TABLE {target} IS {literal}"
        return f"COMMENT ON COLUMN {target}.{self.quote(comment.column_name)} IS {literal}"

    def visit_add_constraint(self, add: AddConstraint, **kw: Any) -> str:
        table = add.constraint.table
        assert table is not None
        return f"ALTER TABLE {self.from_name(table)} ADD {self.constraint_ddl(add.constraint)}"
