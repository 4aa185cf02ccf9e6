"""Statement cache keys: a hashable *shape* plus the values a statement carries.

Each element writes its part of the shape from ``_gen_key(ctx)`` and hands
every value it carries to :meth:`KeyContext.add_bind`, in one fixed traversal
order. The compiler runs the same traversal to learn at which position each
value sits, so the order in which it *renders* placeholders is free to differ
from the order of the literals.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aorm.sql.elements import BindParameter
    from aorm.sql.selectable import FromClause

__all__ = ["KeyContext", "type_key"]


class KeyContext:
    """State of one cache-key traversal: the bound values met so far, and the FROMs seen.

    A FROM object (alias, subquery, CTE) is written in full the first time it
    is met and as its ordinal afterwards, so columns of an anonymous subquery
    can name "the subquery" without repeating its whole shape.
    """

    __slots__ = ("binds", "froms")

    def __init__(self) -> None:
        #: Bind parameters carrying values, in traversal (= literal) order.
        self.binds: list[BindParameter] = []
        self.froms: dict[int, int] = {}

    def from_key(self, from_clause: FromClause) -> Hashable:
        """The shape of *from_clause*: in full on first sight, then its ordinal."""
        ordinal = self.froms.get(id(from_clause))
        if ordinal is not None:
            return ordinal
        self.froms[id(from_clause)] = len(self.froms)
        return from_clause._gen_from_key(self)


def type_key(type_: Any) -> Hashable:
    """A hashable stand-in for a type object in a cache key.

    Types compare equal by class and constructor arguments and are hashable
    (``aorm.sql.types``), so ``String(50)`` built twice shares one compiled
    statement while ``String(50)`` and ``String(60)`` do not.
    """
    return type_  # type: ignore[no-any-return]
