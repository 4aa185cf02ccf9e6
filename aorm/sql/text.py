"""``text()``: literal SQL with ``:name`` parameters, portable across dialects."""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from typing import Any

from aorm.sql.cache_key import KeyContext
from aorm.sql.elements import ClauseElement

__all__ = ["TextClause", "text"]

# A ``:name`` parameter. Quoted strings and identifiers are matched first so
# that a colon inside them is left alone; ``::`` (a PostgreSQL cast) and ``\:``
# (an escaped colon) are not parameters.
_TOKEN = re.compile(
    r"""
    (?P<quoted>'(?:[^']|'')*'|"(?:[^"]|"")*")
    | (?P<cast>::)
    | (?P<escaped>\\:)
    | (?<![:\w]):(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)


class TextClause(ClauseElement):
    """A SQL string run as written, except that ``:name`` becomes a bound parameter.

    Runs as a statement of its own, or stands inside another statement (a
    WHERE criterion, a selected column, a server default).
    """

    __slots__ = ("_pieces", "param_names", "text")
    __visit_name__ = "text"

    def __init__(self, text: str) -> None:
        self.text = text
        # Alternating literal SQL and parameter names: [sql, name, sql, name, sql].
        pieces: list[str] = []
        names: list[str] = []
        pos = 0
        chunk: list[str] = []
        for match in _TOKEN.finditer(text):
            chunk.append(text[pos : match.start()])
            pos = match.end()
            if match.group("name") is not None:
                pieces.append("".join(chunk))
                chunk = []
                pieces.append(match.group("name"))
                names.append(match.group("name"))
            elif match.group("escaped") is not None:
                chunk.append(":")
            else:
                chunk.append(match.group(0))
        chunk.append(text[pos:])
        pieces.append("".join(chunk))
        self._pieces: tuple[str, ...] = tuple(pieces)
        #: The parameter names, in order of appearance (repeats included).
        self.param_names: tuple[str, ...] = tuple(names)

    def _cache_key(self) -> tuple[Hashable, Sequence[Any]]:
        return ("text", self.text), ()

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return ("text", self.text)

    def __repr__(self) -> str:
        return f"text({self.text!r})"

    def __str__(self) -> str:
        return self.text


def text(sql: str) -> TextClause:
    """Literal SQL; ``:name`` marks a bound parameter supplied at execution.

    Values are always sent as parameters, never spliced into the SQL. Write
    ``\\:`` for a literal colon; PostgreSQL casts (``::int``) are left alone.
    """
    return TextClause(sql)
