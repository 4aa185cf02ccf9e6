"""SQLite's SQL flavour."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aorm.exc import CompileError, DataError
from aorm.sql.compiled import Processor, process_all
from aorm.sql.compiler import SQLCompiler
from aorm.sql.ddl import AddConstraint
from aorm.sql.elements import NO_VALUE, BindParameter, InList
from aorm.sql.functions import Function
from aorm.sql.select_base import ForUpdate, SelectBase
from aorm.sql.type_inference import is_bytes_type

__all__ = ["SQLiteCompiler"]

# SQLite has no now(); this is CURRENT_TIMESTAMP with microseconds and the
# UTC offset, the text form DateTime(timezone=True) columns store.
_NOW = "strftime('%Y-%m-%d %H:%M:%f000+00:00', 'now')"


_encode_json = json.JSONEncoder(allow_nan=True, separators=(",", ":")).encode

#: Values encoded at once by :func:`json_array`.
_JSON_CHUNK = 1000


def json_array(values: list[Any]) -> str:
    """``json.dumps(values)`` (compact), encoded a chunk at a time.

    The encoder keeps a string per value until it joins them: for the
    thousands of keys of a flush's DELETE that was more memory than the
    keys themselves, all at once.
    """
    if len(values) <= _JSON_CHUNK:
        return _encode_json(values)
    chunks = [
        _encode_json(values[start : start + _JSON_CHUNK])[1:-1]
        for start in range(0, len(values), _JSON_CHUNK)
    ]
    return "[" + ",".join(chunks) + "]"


def _json_list(element: Processor | None, label: str) -> Processor:
    """The list's values, processed, as one JSON array (for ``json_each``)."""

    def process(values: Iterable[Any]) -> str:
        items = list(values)
        if element is not None:
            items = process_all(element, items)
        try:
            return json_array(items)
        except TypeError as exc:
            raise DataError(f"{label}: in_() cannot send this value to SQLite: {exc}") from None

    return process


def _hex_list(element: Processor | None, label: str) -> Processor:
    """Bytes values as upper-case hex strings in a JSON array (compared with ``hex(col)``)."""

    def process(values: Iterable[Any]) -> str:
        out: list[str | None] = []
        for value in values:
            if element is not None:
                value = element(value)
            if value is None:
                out.append(None)
            elif isinstance(value, bytes | bytearray | memoryview):
                out.append(bytes(value).hex().upper())
            else:
                raise DataError(f"{label}: in_() on a binary column takes bytes, not {value!r}")
        return json.dumps(out)

    return process


class SQLiteCompiler(SQLCompiler):
    """Compiles statements for SQLite (``?`` placeholders).

    ``in_(list)`` sends the whole list as one JSON array parameter:
    ``col IN (SELECT value FROM json_each(?))``; for binary columns, whose
    values JSON cannot carry, ``hex(col)`` is compared with hex strings
    (correct, but cannot use an index on the column). ``ilike`` is
    ``lower(x) LIKE lower(y)`` (SQLite's lower() folds ASCII letters only).
    ``FOR UPDATE`` is not written: SQLite locks the whole database, and such
    a SELECT is marked as a write so the transaction takes the write lock.
    """

    def bool_literal(self, value: bool) -> str:
        return "1" if value else "0"

    def visit_in_list(self, element: InList, **kw: Any) -> str:
        bind: BindParameter = element.values
        left = self.process(element.left)
        label = self.bind_label(bind)
        item = bind.type_.bind_processor(self.dialect.name, label)
        if is_bytes_type(bind.type_):
            # hex(NULL) is '' (the hex of empty bytes): NULL must stay NULL.
            again = self.process(element.left)
            left = f"(CASE WHEN {left} IS NOT NULL THEN hex({again}) END)"
            processor = _hex_list(item, label)
        else:
            processor = _json_list(item, label)
        if bind.value is NO_VALUE:
            marker = self.add_slot(bind.name, -1, processor)
        else:
            marker = self.add_slot(None, self.literal_index(bind), processor)
        keyword = "NOT IN" if element.negate else "IN"
        return f"{left} {keyword} (SELECT value FROM json_each({marker}))"

    def ilike_sql(self, left: str, right: str, *, negate: bool, escape: str | None) -> str:
        sql = f"lower({left}) {'NOT LIKE' if negate else 'LIKE'} lower({right})"
        if escape is not None:
            sql += f" ESCAPE {self.render_literal(escape)}"
        return sql

    def limit_offset_sql(self, limit: str | None, offset: str | None) -> str:
        if offset is not None and limit is None:
            limit = "-1"  # SQLite takes OFFSET only after a LIMIT
        return super().limit_offset_sql(limit, offset)

    def for_update_sql(self, for_update: ForUpdate) -> str:
        return ""

    def select_flags(self, select: SelectBase) -> dict[str, Any]:
        locking = getattr(select, "_for_update", None)
        return {"returns_rows": True, "is_write": locking is not None and not locking.read}

    def function_sql(self, function: Function, arguments: str) -> str:
        if function.name.lower() in ("now", "current_timestamp") and not arguments:
            return _NOW
        return super().function_sql(function, arguments)

    def upsert_select(self, select_sql: str) -> str:
        # "INSERT … SELECT … ON CONFLICT" is ambiguous to SQLite's parser
        # unless the SELECT has a WHERE clause.
        return f"SELECT * FROM ({select_sql}) WHERE true"

    def delete_using_sql(self, others: list[Any]) -> str:
        raise CompileError(
            "SQLite has no DELETE … USING; refer to the other table in a subquery "
            "(e.g. .where(t.c.id.in_(select(...))))"
        )

    def cascade_sql(self) -> str:
        return ""

    def visit_add_constraint(self, add: AddConstraint, **kw: Any) -> str:
        raise CompileError("SQLite cannot add a foreign key to an existing table")
