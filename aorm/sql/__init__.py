"""Schema, types, the expression language and the compiler: pure, no IO."""

from __future__ import annotations

from aorm.sql.text import TextClause, text

__all__ = ["TextClause", "text"]
