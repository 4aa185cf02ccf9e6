"""Constraint and index names from a MetaData's naming convention."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aorm.exc import ArgumentError
from aorm.sql.constraints import (
    CheckConstraint,
    Constraint,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    UniqueConstraint,
)

if TYPE_CHECKING:
    from aorm.sql.schema import Column, Table

__all__ = ["constraint_name", "index_name"]


def _kind(item: Constraint | Index) -> str:
    if isinstance(item, Index):
        return "ix"
    if isinstance(item, PrimaryKeyConstraint):
        return "pk"
    if isinstance(item, ForeignKeyConstraint):
        return "fk"
    if isinstance(item, UniqueConstraint):
        return "uq"
    if isinstance(item, CheckConstraint):
        return "ck"
    raise ArgumentError(f"no naming convention for {item!r}")


def _columns(item: Constraint | Index) -> Sequence[Column]:
    if isinstance(item, Index):
        return item.columns
    columns = getattr(item, "columns", None)
    return list(columns) if columns is not None else []


def _apply(item: Constraint | Index, table: Table) -> str | None:
    template = table.metadata.naming_convention.get(_kind(item))
    if template is None:
        return None
    columns = _columns(item)
    names = [c.name or "" for c in columns]
    values: dict[str, str] = {"table_name": table.name}
    if "%(constraint_name)s" in template:
        if item.name is None:
            return None  # the template needs an explicit name; leave it to the database
        values["constraint_name"] = item.name
    if names:
        values["column_0_name"] = names[0]
        values["column_0_label"] = f"{table.name}_{names[0]}"
        values["column_0N_name"] = "".join(names)
        values["column_0_N_name"] = "_".join(names)
        values["column_0_N_label"] = "_".join(f"{table.name}_{n}" for n in names)
    elif "column_0" in template:
        # An index over expressions only: fall back to the positional form.
        values["column_0_name"] = values["column_0_label"] = f"{table.name}_expr"
        values["column_0N_name"] = values["column_0_N_name"] = "expr"
        values["column_0_N_label"] = f"{table.name}_expr"
    if isinstance(item, ForeignKeyConstraint):
        values["referred_table_name"] = item.referred_table.name
        ref = [fk.column.name or "" for fk in item.elements]
        values["referred_column_0_name"] = ref[0]
        values["referred_column_0N_name"] = "".join(ref)
        values["referred_column_0_N_name"] = "_".join(ref)
    try:
        return template % values
    except KeyError as exc:
        raise ArgumentError(
            f"naming convention {template!r} uses unknown token {exc.args[0]!r}"
        ) from None


def constraint_name(constraint: Constraint) -> str | None:
    """The constraint's explicit name, else the convention's, else None (database-chosen)."""
    table = constraint.table
    if table is None:
        return constraint.name
    template = table.metadata.naming_convention.get(_kind(constraint), "")
    if constraint.name is not None and "%(constraint_name)s" not in template:
        return constraint.name
    return _apply(constraint, table)


def index_name(index: Index) -> str:
    """The index's name: explicit, else from the convention (``ix_<table>_<column>``)."""
    if index.name is not None:
        table = index.table
        template = table.metadata.naming_convention.get("ix", "") if table else ""
        if table is None or "%(constraint_name)s" not in template:
            return index.name
    table = index.table
    if table is None:
        raise ArgumentError(f"{index!r} has no name and no table to derive one from")
    name = _apply(index, table)
    if name is None:
        name = f"ix_{table.name}_{'_'.join(c.name or '' for c in index.columns) or 'expr'}"
    return name
