"""SQL operators and :class:`ColumnOperators`, the mixin that gives column-like objects them.

Every Python operator on a column-like object goes through one method,
:meth:`ColumnOperators.operate`, which hands the work to the underlying column
expression (``self.__clause_element__()``). A higher layer builds its own
column-like attribute proxies by inheriting the mixin and defining
``__clause_element__`` (and, if it wants, overriding ``operate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

if TYPE_CHECKING:
    from aorm.sql.elements import ColumnElement, Label
    from aorm.sql.json_access import JSONElement

    _T_co = TypeVar("_T_co", covariant=True)

    class _ColumnOf(Protocol[_T_co]):
        """For type checkers: a column-like object whose values are ``_T_co``."""

        def __clause_element__(self) -> ColumnElement[_T_co]: ...


__all__ = [
    "ColumnOperators",
    "Operator",
    "ADD",
    "AND",
    "ASC",
    "BETWEEN",
    "CONCAT",
    "CONTAINS",
    "DESC",
    "DISTINCT",
    "ENDSWITH",
    "EQ",
    "GE",
    "GETITEM",
    "GT",
    "ILIKE",
    "IN",
    "IS",
    "IS_NOT",
    "LE",
    "LIKE",
    "LT",
    "MOD",
    "MUL",
    "NE",
    "NEG",
    "NOT",
    "NOT_ILIKE",
    "NOT_IN",
    "NOT_LIKE",
    "NULLS_FIRST",
    "NULLS_LAST",
    "OR",
    "STARTSWITH",
    "SUB",
    "TRUEDIV",
]


@dataclass(frozen=True, slots=True)
class Operator:
    """One SQL operator: its name, its SQL spelling and how tightly it binds.

    ``precedence`` is higher for operators that bind tighter; the compiler
    puts parentheses around an operand whenever the operand binds less
    tightly than its parent (or equally, where order matters).
    ``isolated`` operators (``||``, JSON access) bind differently on SQLite and
    PostgreSQL, so any other operator next to them is parenthesized.
    """

    name: str
    sql: str
    precedence: int
    associative: bool = False
    comparison: bool = False
    isolated: bool = False

    def __repr__(self) -> str:
        return f"Operator({self.name})"


# Binary operators.
EQ = Operator("eq", "=", 5, comparison=True)
NE = Operator("ne", "<>", 5, comparison=True)
LT = Operator("lt", "<", 5, comparison=True)
LE = Operator("le", "<=", 5, comparison=True)
GT = Operator("gt", ">", 5, comparison=True)
GE = Operator("ge", ">=", 5, comparison=True)
IS = Operator("is", "IS", 5, comparison=True)
IS_NOT = Operator("is_not", "IS NOT", 5, comparison=True)
LIKE = Operator("like", "LIKE", 5, comparison=True)
NOT_LIKE = Operator("not_like", "NOT LIKE", 5, comparison=True)
ILIKE = Operator("ilike", "ILIKE", 5, comparison=True)
NOT_ILIKE = Operator("not_ilike", "NOT ILIKE", 5, comparison=True)
IN = Operator("in", "IN", 5, comparison=True)
NOT_IN = Operator("not_in", "NOT IN", 5, comparison=True)
BETWEEN = Operator("between", "BETWEEN", 5, comparison=True)
# Pattern operators: LIKE with the operand escaped and wrapped in wildcards.
CONTAINS = Operator("contains", "LIKE", 5, comparison=True)
STARTSWITH = Operator("startswith", "LIKE", 5, comparison=True)
ENDSWITH = Operator("endswith", "LIKE", 5, comparison=True)
ADD = Operator("add", "+", 9, associative=True)
SUB = Operator("sub", "-", 9)
MUL = Operator("mul", "*", 10, associative=True)
TRUEDIV = Operator("truediv", "/", 10)
MOD = Operator("mod", "%", 10)
CONCAT = Operator("concat", "||", 8, associative=True, isolated=True)
GETITEM = Operator("getitem", "->", 11, isolated=True)
AND = Operator("and", "AND", 3, associative=True)
OR = Operator("or", "OR", 2, associative=True)

# Unary operators and modifiers.
NOT = Operator("not", "NOT", 4)
NEG = Operator("neg", "-", 12)
DISTINCT = Operator("distinct", "DISTINCT", 1)
ASC = Operator("asc", "ASC", 1)
DESC = Operator("desc", "DESC", 1)
NULLS_FIRST = Operator("nulls_first", "NULLS FIRST", 1)
NULLS_LAST = Operator("nulls_last", "NULLS LAST", 1)


class ColumnOperators:
    """Python operators and SQL operator methods for anything column-like.

    Subclasses define :meth:`__clause_element__` (the column expression they
    stand for); every operation is built by :meth:`operate` on it. Values on
    the other side become bound parameters typed like this column, so a bad
    value is caught by the column type when the statement is executed.
    """

    __slots__ = ()

    def __clause_element__(self) -> ColumnElement:
        """The column expression this object stands for."""
        raise NotImplementedError

    def operate(self, op: Operator, *other: Any, **kw: Any) -> ColumnElement:
        """Apply *op* with this object on the left; every operator funnels through here."""
        return self.__clause_element__()._operate(op, *other, **kw)

    def reverse_operate(self, op: Operator, other: Any) -> ColumnElement:
        """Apply *op* with this object on the right (``5 - col``)."""
        return self.__clause_element__()._reverse_operate(op, other)

    # Comparisons. ``== None`` and ``!= None`` become IS NULL / IS NOT NULL.
    def __eq__(self, other: object) -> ColumnElement[bool]:  # type: ignore[override]
        return self.operate(EQ, other)

    def __ne__(self, other: object) -> ColumnElement[bool]:  # type: ignore[override]
        return self.operate(NE, other)

    def __lt__(self, other: Any) -> ColumnElement[bool]:
        return self.operate(LT, other)

    def __le__(self, other: Any) -> ColumnElement[bool]:
        return self.operate(LE, other)

    def __gt__(self, other: Any) -> ColumnElement[bool]:
        return self.operate(GT, other)

    def __ge__(self, other: Any) -> ColumnElement[bool]:
        return self.operate(GE, other)

    # Defining __eq__ would drop the default hash; column-like objects are
    # used as dictionary keys and set members by identity.
    def __hash__(self) -> int:
        return id(self)

    # Arithmetic; ``+`` on a string column is concatenation (``||``).
    def __add__(self, other: Any) -> ColumnElement:
        return self.operate(ADD, other)

    def __radd__(self, other: Any) -> ColumnElement:
        return self.reverse_operate(ADD, other)

    def __sub__(self, other: Any) -> ColumnElement:
        return self.operate(SUB, other)

    def __rsub__(self, other: Any) -> ColumnElement:
        return self.reverse_operate(SUB, other)

    def __mul__(self, other: Any) -> ColumnElement:
        return self.operate(MUL, other)

    def __rmul__(self, other: Any) -> ColumnElement:
        return self.reverse_operate(MUL, other)

    def __truediv__(self, other: Any) -> ColumnElement:
        return self.operate(TRUEDIV, other)

    def __rtruediv__(self, other: Any) -> ColumnElement:
        return self.reverse_operate(TRUEDIV, other)

    def __mod__(self, other: Any) -> ColumnElement:
        return self.operate(MOD, other)

    def __rmod__(self, other: Any) -> ColumnElement:
        return self.reverse_operate(MOD, other)

    def __neg__(self) -> ColumnElement:
        return self.operate(NEG)

    # Boolean logic: ``~x`` is NOT, ``a & b`` is AND, ``a | b`` is OR.
    def __invert__(self) -> ColumnElement[bool]:
        return self.operate(NOT)

    def __and__(self, other: Any) -> ColumnElement[bool]:
        return self.operate(AND, other)

    def __rand__(self, other: Any) -> ColumnElement[bool]:
        return self.reverse_operate(AND, other)

    def __or__(self, other: Any) -> ColumnElement[bool]:
        return self.operate(OR, other)

    def __ror__(self, other: Any) -> ColumnElement[bool]:
        return self.reverse_operate(OR, other)

    def __getitem__(self, index: Any) -> JSONElement:
        """JSON element access (``col["key"]``, ``col[0]``) on a JSON column."""
        return cast("JSONElement", self.operate(GETITEM, index))

    # Named operators.
    def concat(self, other: Any) -> ColumnElement:
        """``self || other``."""
        return self.operate(CONCAT, other)

    def in_(self, other: Any) -> ColumnElement[bool]:
        """``IN`` a list of values (any length, even empty), or a subquery."""
        return self.operate(IN, other)

    def not_in(self, other: Any) -> ColumnElement[bool]:
        """``NOT IN`` a list of values (any length, even empty), or a subquery."""
        return self.operate(NOT_IN, other)

    def like(self, pattern: Any, escape: str | None = None) -> ColumnElement[bool]:
        """``LIKE pattern`` (``%`` and ``_`` are wildcards)."""
        return self.operate(LIKE, pattern, escape=escape)

    def not_like(self, pattern: Any, escape: str | None = None) -> ColumnElement[bool]:
        """``NOT LIKE pattern``."""
        return self.operate(NOT_LIKE, pattern, escape=escape)

    notlike = not_like

    def ilike(self, pattern: Any, escape: str | None = None) -> ColumnElement[bool]:
        """Case-insensitive LIKE (``ILIKE`` on PostgreSQL, ``lower() LIKE lower()`` on SQLite)."""
        return self.operate(ILIKE, pattern, escape=escape)

    def not_ilike(self, pattern: Any, escape: str | None = None) -> ColumnElement[bool]:
        """Case-insensitive NOT LIKE."""
        return self.operate(NOT_ILIKE, pattern, escape=escape)

    notilike = not_ilike

    def contains(self, other: Any) -> ColumnElement[bool]:
        """The value occurs in this string; ``%``, ``_`` and ``/`` in it match themselves."""
        return self.operate(CONTAINS, other)

    def startswith(self, other: Any) -> ColumnElement[bool]:
        """This string starts with the value (wildcards in it are escaped)."""
        return self.operate(STARTSWITH, other)

    def endswith(self, other: Any) -> ColumnElement[bool]:
        """This string ends with the value (wildcards in it are escaped)."""
        return self.operate(ENDSWITH, other)

    def is_(self, other: Any) -> ColumnElement[bool]:
        """``IS other`` (usually ``None``)."""
        return self.operate(IS, other)

    def is_not(self, other: Any) -> ColumnElement[bool]:
        """``IS NOT other`` (usually ``None``)."""
        return self.operate(IS_NOT, other)

    isnot = is_not

    def between(self, lower: Any, upper: Any) -> ColumnElement[bool]:
        """``BETWEEN lower AND upper`` (both ends included)."""
        return self.operate(BETWEEN, lower, upper)

    def asc(self) -> ColumnElement:
        """Ascending, for ORDER BY."""
        return self.operate(ASC)

    def desc(self) -> ColumnElement:
        """Descending, for ORDER BY."""
        return self.operate(DESC)

    def nulls_first(self) -> ColumnElement:
        """NULLs before other values, for ORDER BY."""
        return self.operate(NULLS_FIRST)

    def nulls_last(self) -> ColumnElement:
        """NULLs after other values, for ORDER BY."""
        return self.operate(NULLS_LAST)

    def distinct(self) -> ColumnElement:
        """``DISTINCT expr`` (inside an aggregate: ``func.count(col.distinct())``)."""
        return self.operate(DISTINCT)

    def label(self: _ColumnOf[_T_co], name: str) -> Label[_T_co]:
        """This expression under the result name *name* (``expr AS name``), of the same type."""
        return self.__clause_element__()._label(name)
