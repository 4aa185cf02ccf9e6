"""Compiler plumbing shared by the element, SELECT, DML and DDL compilers.

Placeholders are first written as markers (``\\x00<n>\\x00``) and numbered in
a final pass, in the order they appear in the finished SQL text. That lets
the compiler render pieces out of text order (a CTE found deep inside a
statement is written at its top) and still hand SQLite its ``?`` values in
text order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aorm.exc import CompileError
from aorm.sql.compiled import BindSlot, Compiled, DialectInfo, Processor
from aorm.sql.elements import NO_VALUE, BindParameter, ClauseElement, ColumnElement, Label
from aorm.sql.functions import Function
from aorm.sql.type_inference import is_null_type
from aorm.sql.types import TypeEngine

__all__ = ["CompileState", "CompilerBase"]

_MARKER = re.compile("\x00(\\d+)\x00")


class CompileState:
    """Everything one compilation accumulates."""

    def __init__(self, bind_index: dict[int, int], *, literal_binds: bool = False) -> None:
        #: id(BindParameter) -> its position in the statement's literals.
        self.bind_index = bind_index
        #: Bind slots in creation order; markers in the text refer to these.
        self.slots: list[BindSlot] = []
        #: Render values inline (DDL: CHECK and index expressions take no parameters).
        self.literal_binds = literal_binds
        #: Generated names of anonymous aliases, subqueries and CTEs (by object id).
        self.anon_names: dict[int, str] = {}
        self.anon_counter: dict[str, int] = {}
        #: CTEs to write in WITH: root id -> [name, body or None while rendering, parts].
        self.ctes: dict[int, list[Any]] = {}
        self.cte_order: list[int] = []
        self.recursive = False
        #: FROM objects of the SELECTs being rendered, innermost last (for correlation).
        self.from_stack: list[list[Any]] = []
        #: Write columns without their table (DDL expressions, conflict targets).
        self.unqualified = False
        #: Keeps objects alive whose ids are used as keys above.
        self.keepalive: list[Any] = []


class CompilerBase:
    """The dialect, the dispatch to ``visit_<name>`` methods and bind/marker handling."""

    def __init__(self, dialect: DialectInfo) -> None:
        self.dialect = dialect
        self._state: CompileState | None = None
        self._quoted: dict[str, str] = {}

    # -- dispatch -----------------------------------------------------------

    @property
    def state(self) -> CompileState:
        """The state of the compilation in progress."""
        if self._state is None:  # pragma: no cover - only reachable by misuse
            raise CompileError("no compilation in progress")
        return self._state

    def process(self, element: Any, **kw: Any) -> str:
        """Render *element* through its ``visit_<__visit_name__>`` method."""
        name = getattr(element, "__visit_name__", None)
        method: Callable[..., str] | None = getattr(self, f"visit_{name}", None)
        if method is None:
            raise CompileError(
                f"cannot compile {type(element).__name__} objects for {self.dialect.name}"
            )
        return method(element, **kw)

    # -- identifiers --------------------------------------------------------

    def quote(self, name: str) -> str:
        """*name* quoted by the dialect (memoized)."""
        quoted = self._quoted.get(name)
        if quoted is None:
            quoted = self._quoted[name] = self.dialect.quote_identifier(name)
        return quoted

    def anon_name(self, obj: Any, prefix: str) -> str:
        """A generated name (``anon_1``, ``users_1``) for an unnamed alias/subquery/CTE."""
        state = self.state
        name = state.anon_names.get(id(obj))
        if name is None:
            number = state.anon_counter.get(prefix, 0) + 1
            state.anon_counter[prefix] = number
            name = state.anon_names[id(obj)] = f"{prefix}_{number}"
            state.keepalive.append(obj)
        return name

    # -- binds --------------------------------------------------------------

    def bind_label(self, bind: BindParameter) -> str:
        """How a bad value of *bind* is named in a DataError: ``table.column`` when known."""
        against = bind.against
        table = getattr(against, "table", None)
        column_name = getattr(against, "name", None)
        if against is not None and column_name:
            table_name = getattr(table, "name", None)
            return f"{table_name}.{column_name}" if table_name else str(column_name)
        if bind.name is not None:
            return f"parameter {bind.name!r}"
        return "literal value"

    def add_slot(self, name: str | None, index: int, processor: Processor | None) -> str:
        """Register a placeholder; returns its marker (numbered when the SQL is finished)."""
        slots = self.state.slots
        slots.append(BindSlot(name, index, processor))
        return f"\x00{len(slots) - 1}\x00"

    def literal_index(self, bind: BindParameter) -> int:
        """Position of *bind*'s value in the statement's literals."""
        try:
            return self.state.bind_index[id(bind)]
        except KeyError:
            raise CompileError(
                f"{bind!r} was not seen by the statement's cache key traversal"
            ) from None

    def bind_processor(self, type_: TypeEngine, bind: BindParameter) -> Processor | None:
        """The type's bind processor for this dialect, labelled for errors."""
        return type_.bind_processor(self.dialect.name, self.bind_label(bind))

    def visit_bindparam(self, bind: BindParameter, **kw: Any) -> str:
        """A placeholder (or, in DDL, the value written out)."""
        if self.state.literal_binds:
            if bind.value is NO_VALUE:
                raise CompileError(f"DDL cannot take the parameter {bind.name!r}")
            return self.render_literal(bind.value)
        processor = self.bind_processor(bind.type_, bind)
        if bind.value is NO_VALUE:
            marker = self.add_slot(bind.name, -1, processor)
        else:
            marker = self.add_slot(None, self.literal_index(bind), processor)
        if bind.render_cast and not is_null_type(bind.type_):
            return self.render_bind_cast(marker, bind.type_)
        return marker

    def render_bind_cast(self, placeholder: str, type_: TypeEngine) -> str:
        """A placeholder with an explicit type, where the dialect needs one (PostgreSQL)."""
        return placeholder

    def render_literal(self, value: Any) -> str:
        """*value* written as a SQL literal (DDL only; statements bind values)."""
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return self.bool_literal(value)
        if isinstance(value, int | float):
            return repr(value)
        if isinstance(value, str):
            if "\x00" in value:
                raise CompileError("a NUL character cannot be written into DDL")
            return "'" + value.replace("'", "''") + "'"
        raise CompileError(f"cannot write {type(value).__name__} values into DDL")

    def bool_literal(self, value: bool) -> str:
        """``true``/``false`` (PostgreSQL) or ``1``/``0`` (SQLite)."""
        return "true" if value else "false"

    # -- results ------------------------------------------------------------

    def result_processor(self, column: ClauseElement) -> Processor | None:
        """The conversion of one result column's values to Python, for this dialect."""
        inner: Any = column
        while isinstance(inner, Label):
            inner = inner.element
        if isinstance(inner, Function):
            override = inner.result_processor_for(self.dialect.name)
            if override is not False:
                return override  # type: ignore[return-value]
        if not isinstance(column, ColumnElement):
            return None
        return column.type.result_processor(self.dialect.name)

    # -- finishing ----------------------------------------------------------

    def finish(
        self,
        sql: str,
        *,
        result_keys: tuple[str, ...] | None = None,
        result_processors: tuple[Processor | None, ...] | None = None,
        returns_rows: bool = True,
        is_write: bool = False,
        params_as_rows: bool = False,
    ) -> Compiled:
        """Number the placeholders in text order and build the :class:`Compiled`."""
        slots = self.state.slots
        ordered: list[BindSlot] = []
        placeholder = self.dialect.placeholder

        def number(match: re.Match[str]) -> str:
            ordered.append(slots[int(match.group(1))])
            return placeholder(len(ordered))

        text = _MARKER.sub(number, sql) if slots else sql
        return Compiled(
            sql=text,
            slots=tuple(ordered),
            result_keys=result_keys,
            result_processors=result_processors,
            returns_rows=returns_rows,
            is_write=is_write,
            params_as_rows=params_as_rows,
        )
