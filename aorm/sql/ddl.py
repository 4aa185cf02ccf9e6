"""DDL statements and the ordering and running of ``create_all`` / ``drop_all``.

``CreateTable``, ``DropTable``, ``CreateIndex``, ``DropIndex`` and
``AddConstraint`` are statements like any other: a dialect's compiler turns
them into SQL. ``create_all`` creates tables parents-first; foreign keys that
form a cycle between tables are added afterwards with ``ALTER TABLE`` on
PostgreSQL (SQLite does not check foreign keys at CREATE time, so there they
stay inline). ``drop_all`` drops children first; on PostgreSQL tables in a
cycle are dropped with ``CASCADE``, on SQLite foreign key checks are deferred
to the end of the transaction.
"""

from __future__ import annotations

import heapq
import inspect
from collections.abc import AsyncIterator, Hashable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from aorm.exc import ArgumentError
from aorm.sql.text import TextClause

if TYPE_CHECKING:
    from aorm.sql.constraints import ForeignKeyConstraint, Index
    from aorm.sql.schema import MetaData, Table

__all__ = [
    "AddConstraint",
    "Comment",
    "CreateIndex",
    "CreateTable",
    "DDLElement",
    "DropIndex",
    "DropTable",
    "create_all",
    "drop_all",
    "sort_tables",
    "sort_tables_and_cycles",
]


class DDLElement:
    """Base of DDL statements; they carry no values, so their literals are empty."""

    __visit_name__ = "ddl"
    _is_select = False
    _is_from = False

    def _shape(self) -> Hashable:
        raise NotImplementedError

    def _cache_key(self) -> tuple[Hashable, Sequence[Any]]:
        return self._shape(), ()


class CreateTable(DDLElement):
    """``CREATE TABLE [IF NOT EXISTS] …`` with columns and constraints.

    Foreign key constraints listed in *skip_foreign_keys* are left out (they
    are added later with :class:`AddConstraint`).
    """

    __visit_name__ = "create_table"

    def __init__(
        self,
        table: Table,
        *,
        if_not_exists: bool = False,
        skip_foreign_keys: Iterable[ForeignKeyConstraint] = (),
    ) -> None:
        self.table = table
        self.if_not_exists = if_not_exists
        self.skip_foreign_keys = tuple(skip_foreign_keys)

    def _shape(self) -> Hashable:
        # DDL depends on the table's whole definition, which can change while
        # the object stays the same (columns appended), so it is not cached
        # across calls: the shape includes this statement object itself.
        return ("create_table", id(self), self)


class DropTable(DDLElement):
    """``DROP TABLE [IF EXISTS] … [CASCADE]``."""

    __visit_name__ = "drop_table"

    def __init__(self, table: Table, *, if_exists: bool = False, cascade: bool = False) -> None:
        self.table = table
        self.if_exists = if_exists
        self.cascade = cascade

    def _shape(self) -> Hashable:
        return ("drop_table", self.table, self.if_exists, self.cascade)


class CreateIndex(DDLElement):
    """``CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (…)``."""

    __visit_name__ = "create_index"

    def __init__(self, index: Index, *, if_not_exists: bool = False) -> None:
        if index.table is None:
            raise ArgumentError(f"{index!r} is not attached to a table")
        self.index = index
        self.if_not_exists = if_not_exists

    def _shape(self) -> Hashable:
        return ("create_index", id(self), self)


class DropIndex(DDLElement):
    """``DROP INDEX [IF EXISTS] name``."""

    __visit_name__ = "drop_index"

    def __init__(self, index: Index, *, if_exists: bool = False) -> None:
        if index.table is None:
            raise ArgumentError(f"{index!r} is not attached to a table")
        self.index = index
        self.if_exists = if_exists

    def _shape(self) -> Hashable:
        return ("drop_index", id(self), self)


class AddConstraint(DDLElement):
    """``ALTER TABLE … ADD CONSTRAINT …`` for a foreign key (PostgreSQL; not SQLite)."""

    __visit_name__ = "add_constraint"

    def __init__(self, constraint: ForeignKeyConstraint) -> None:
        if constraint.table is None:
            raise ArgumentError(f"{constraint!r} is not attached to a table")
        self.constraint = constraint

    def _shape(self) -> Hashable:
        return ("add_constraint", id(self), self)


def sort_tables_and_cycles(
    tables: Sequence[Table],
) -> tuple[list[Table], list[ForeignKeyConstraint]]:
    """Tables parents-first, and the foreign keys left out of the order because of cycles.

    Only foreign keys between the given tables count; a table referring to
    itself is no cycle. Among tables free to go next, definition order wins.
    """
    position = {id(t): i for i, t in enumerate(tables)}
    edges: dict[int, set[int]] = {i: set() for i in range(len(tables))}  # child -> parents
    fk_edges: list[tuple[int, int, ForeignKeyConstraint]] = []
    for child_index, table in enumerate(tables):
        for constraint in table.foreign_key_constraints:
            for fk in constraint.elements:
                if not fk._can_resolve():
                    continue
                parent = fk.column.table
                parent_index = position.get(id(parent))
                if parent_index is None or parent_index == child_index:
                    continue
                edges[child_index].add(parent_index)
                fk_edges.append((child_index, parent_index, constraint))
    component = _strongly_connected(edges)
    cyclic: list[ForeignKeyConstraint] = []
    for child_at, parent_at, constraint in fk_edges:
        if component[child_at] == component[parent_at]:
            edges[child_at].discard(parent_at)
            if constraint not in cyclic:
                cyclic.append(constraint)
    # Kahn's algorithm, smallest definition index first.
    waiting = {i: set(parents) for i, parents in edges.items()}
    children: dict[int, list[int]] = {i: [] for i in edges}
    for child_at, parents in edges.items():
        for parent_at in parents:
            children[parent_at].append(child_at)
    ready = [i for i, parents in waiting.items() if not parents]
    heapq.heapify(ready)
    order: list[Table] = []
    while ready:
        current = heapq.heappop(ready)
        order.append(tables[current])
        for child in children[current]:
            waiting[child].discard(current)
            if not waiting[child]:
                heapq.heappush(ready, child)
    return order, cyclic


def sort_tables(tables: Sequence[Table]) -> list[Table]:
    """Tables parents-first (see :func:`sort_tables_and_cycles`)."""
    return sort_tables_and_cycles(tables)[0]


def _strongly_connected(edges: dict[int, set[int]]) -> dict[int, int]:
    """Tarjan's algorithm (iterative): node -> component id."""
    index_of: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    component: dict[int, int] = {}
    counter = 0
    for root in edges:
        if root in index_of:
            continue
        work: list[tuple[int, list[int]]] = [(root, sorted(edges[root]))]
        index_of[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, pending = work[-1]
            if pending:
                nxt = pending.pop()
                if nxt not in index_of:
                    index_of[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(edges[nxt])))
                elif nxt in on_stack:
                    low[node] = min(low[node], index_of[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index_of[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = node
                    if member == node:
                        break
    return component


# -- running against a connection -------------------------------------------


@asynccontextmanager
async def _connection(bind: Any) -> AsyncIterator[Any]:
    """A connection from *bind*: an engine (``begin()``) or a connection (``execute``)."""
    if hasattr(bind, "execute"):
        yield bind
        return
    if hasattr(bind, "begin"):
        async with bind.begin() as conn:
            yield conn
        return
    raise ArgumentError(
        f"create_all/drop_all need an engine or a connection, not {type(bind).__name__}"
    )


def _dialect_name(conn: Any) -> str:
    for path in (("dialect", "name"), ("engine", "dialect", "name")):
        obj = conn
        for attr in path:
            obj = getattr(obj, attr, None)
        if isinstance(obj, str):
            return obj
    raise ArgumentError(
        f"cannot tell the database kind of {type(conn).__name__} (no .dialect.name)"
    )


async def _scalars(conn: Any, statement: TextClause, params: dict[str, Any]) -> set[str]:
    result = await conn.execute(statement, params)
    rows = result.all()
    if inspect.isawaitable(rows):
        rows = await rows
    return {row[0] for row in rows}


async def _existing_tables(conn: Any, dialect: str, tables: Sequence[Table]) -> set[str]:
    found: set[str] = set()
    for schema in {t.schema for t in tables}:
        if dialect == "sqlite":
            quoted = None if schema is None else '"' + schema.replace('"', '""') + '"'
            master = "sqlite_master" if quoted is None else f"{quoted}.sqlite_master"
            names = await _scalars(
                conn, TextClause(f"SELECT name FROM {master} WHERE type = 'table'"), {}
            )
        else:
            where = "current_schema()" if schema is None else ":schema"
            names = await _scalars(
                conn,
                TextClause(
                    f"SELECT table_name FROM information_schema.tables WHERE table_schema = {where}"
                ),
                {} if schema is None else {"schema": schema},
            )
        found.update(f"{schema}.{name}" if schema else name for name in names)
    return found


class Comment(DDLElement):
    """``COMMENT ON TABLE …`` / ``COMMENT ON COLUMN …`` (PostgreSQL; SQLite has no comments)."""

    __visit_name__ = "comment"

    def __init__(self, table: Table, column_name: str | None, comment: str) -> None:
        self.table = table
        self.column_name = column_name
        self.comment = comment

    def _shape(self) -> Hashable:
        return ("comment", id(self), self)


def _comments(table: Table) -> list[Comment]:
    comments = [Comment(table, None, table.comment)] if table.comment else []
    comments.extend(
        Comment(table, column.name, column.comment) for column in table.columns if column.comment
    )
    return comments


def _selected(metadata: MetaData, tables: Iterable[Table] | None) -> list[Table]:
    if tables is None:
        return list(metadata.tables.values())
    chosen = list(tables)
    for table in chosen:
        if table.metadata is not metadata:
            raise ArgumentError(f"table {table.fullname!r} belongs to another MetaData")
    return chosen


async def create_all(
    metadata: MetaData, bind: Any, *, checkfirst: bool, tables: Iterable[Table] | None
) -> None:
    """Create *tables* (default: all of *metadata*) and their indexes; see the module docstring."""
    chosen = _selected(metadata, tables)
    for table in chosen:
        for fk in table.foreign_keys:
            fk.column  # noqa: B018 - an unknown target raises here, naming both ends
    order, cyclic = sort_tables_and_cycles(chosen)
    async with _connection(bind) as conn:
        dialect = _dialect_name(conn)
        existing = await _existing_tables(conn, dialect, order) if checkfirst else set()
        deferred = cyclic if dialect != "sqlite" else []
        created: list[Table] = []
        for table in order:
            if table.fullname in existing:
                continue
            skip = [c for c in deferred if c.table is table]
            await conn.execute(CreateTable(table, if_not_exists=checkfirst, skip_foreign_keys=skip))
            for index in table.indexes:
                await conn.execute(CreateIndex(index, if_not_exists=checkfirst))
            if dialect != "sqlite":
                for comment in _comments(table):
                    await conn.execute(comment)
            created.append(table)
        for constraint in deferred:
            if constraint.table in created:
                await conn.execute(AddConstraint(constraint))


async def drop_all(
    metadata: MetaData, bind: Any, *, checkfirst: bool, tables: Iterable[Table] | None
) -> None:
    """Drop *tables* (default: all of *metadata*), children first; see the module docstring."""
    chosen = _selected(metadata, tables)
    order, cyclic = sort_tables_and_cycles(chosen)
    in_cycle = {id(c.table) for c in cyclic} | {id(c.referred_table) for c in cyclic}
    async with _connection(bind) as conn:
        dialect = _dialect_name(conn)
        if dialect == "sqlite" and cyclic:
            # Dropping a table deletes its rows first; rows of the other tables
            # in the cycle may still point at them until those go too.
            await conn.execute(TextClause("PRAGMA defer_foreign_keys = ON"))
        for table in reversed(order):
            cascade = dialect != "sqlite" and id(table) in in_cycle
            await conn.execute(DropTable(table, if_exists=checkfirst, cascade=cascade))
