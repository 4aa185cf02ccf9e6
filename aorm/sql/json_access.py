"""JSON element access: ``col["key"]``, ``col[0]``, and typed extraction (``.as_string()``).

Rendered with the ``->`` / ``->>`` operators, which PostgreSQL (jsonb) and
SQLite (3.38+) both have: ``->`` yields a JSON value (decoded by the JSON
type), ``->>`` the SQL scalar, which ``as_integer()`` etc. cast.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from aorm.exc import ArgumentError
from aorm.sql import types as sqltypes
from aorm.sql.cache_key import KeyContext, type_key
from aorm.sql.elements import BindParameter, ColumnElement, register_json_access
from aorm.sql.selectable import FromClause
from aorm.sql.types import TypeEngine

__all__ = ["JSONElement"]

_JSON = sqltypes.JSON()
_TEXT_KEY = sqltypes.String()
_INDEX_KEY = sqltypes.Integer()


class JSONElement(ColumnElement):
    """``doc -> key`` (``as_text``: ``doc ->> key``), optionally cast to *cast_type*."""

    __visit_name__ = "json_element"

    def __init__(
        self,
        document: ColumnElement,
        key: BindParameter,
        *,
        as_text: bool = False,
        cast_type: TypeEngine | None = None,
    ) -> None:
        self.document = document
        self.index = key
        self.as_text = as_text
        self.cast_type = cast_type

    @property
    def type(self) -> TypeEngine:
        if self.cast_type is not None:
            return self.cast_type
        return sqltypes.String() if self.as_text else _JSON

    def _extract(self, cast_type: TypeEngine | None) -> JSONElement:
        return JSONElement(self.document, self.index, as_text=True, cast_type=cast_type)

    def as_string(self) -> JSONElement:
        """The element as text (``->>``)."""
        return self._extract(None)

    def as_integer(self) -> JSONElement:
        """The element as an integer."""
        return self._extract(sqltypes.BigInteger())

    def as_float(self) -> JSONElement:
        """The element as a float."""
        return self._extract(sqltypes.Float())

    def as_boolean(self) -> JSONElement:
        """The element as a boolean."""
        return self._extract(sqltypes.Boolean())

    def as_json(self) -> JSONElement:
        """The element as a JSON value (``->``, the default)."""
        return JSONElement(self.document, self.index)

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return (
            "json",
            self.document._gen_key(ctx),
            self.index._gen_key(ctx),
            self.as_text,
            None if self.cast_type is None else type_key(self.cast_type),
        )

    def _from_objects(self) -> list[FromClause]:
        return self.document._from_objects()


def json_element(document: ColumnElement, key: Any) -> JSONElement:
    """``document[key]`` for a JSON-typed expression; *key* a str (object key) or int (index)."""
    if not isinstance(document.type, sqltypes.JSON) and not isinstance(document, JSONElement):
        raise ArgumentError(f"[] is only defined for JSON expressions, not {document.type!r}")
    if isinstance(key, bool) or not isinstance(key, str | int):
        raise ArgumentError(f"a JSON key must be a str or an int, not {key!r}")
    key_type = _TEXT_KEY if isinstance(key, str) else _INDEX_KEY
    # PostgreSQL has -> for both text and integer keys: the cast picks one.
    return JSONElement(document, BindParameter(key, key_type, render_cast=True))


register_json_access(json_element)
