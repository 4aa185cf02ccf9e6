"""SQL functions: ``func.<name>(…)``, typed where the result type is obvious.

Typed twice over: at runtime a function gets a SQL type (``_RESULT_TYPES``,
which picks the result processing), and for type checkers ``func.count()`` is
a ``Function[int]``, ``func.max(User.id)`` a ``Function[int]`` (its
argument's type), ``func.lower(…)`` a ``Function[str]``; any other function is
a ``Function[Any]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

from aorm._typing import ValueT
from aorm.exc import ArgumentError
from aorm.sql import types as sqltypes
from aorm.sql.cache_key import KeyContext, type_key
from aorm.sql.compiled import Processor
from aorm.sql.elements import ClauseElement, ClauseList, ColumnElement, coerce_column
from aorm.sql.selectable import FromClause
from aorm.sql.type_inference import NULLTYPE, is_integer_type, is_null_type
from aorm.sql.types import TypeEngine

if TYPE_CHECKING:
    import datetime
    from decimal import Decimal

    from aorm.sql.select import TypedColumnsClause

__all__ = ["Function", "FunctionGenerator", "Over", "Star", "func"]

_T = TypeVar("_T")

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_BIGINT = sqltypes.BigInteger()
_FLOAT = sqltypes.Float()
_STRING = sqltypes.String()
_INTEGER = sqltypes.Integer()
_TIMESTAMPTZ = sqltypes.DateTime(timezone=True)
_DATE = sqltypes.Date()


def _first_arg_type(args: Sequence[ColumnElement]) -> TypeEngine:
    for arg in args:
        if not is_null_type(arg.type):
            return arg.type
    return NULLTYPE


def _avg_type(args: Sequence[ColumnElement]) -> TypeEngine:
    arg_type = _first_arg_type(args)
    return arg_type if isinstance(arg_type, sqltypes.Numeric) else _FLOAT


# Result types of well-known functions, from their arguments.
_RESULT_TYPES: dict[str, Callable[[Sequence[ColumnElement]], TypeEngine]] = {
    "count": lambda args: _BIGINT,
    "sum": _first_arg_type,
    "max": _first_arg_type,
    "min": _first_arg_type,
    "avg": _avg_type,
    "coalesce": _first_arg_type,
    "nullif": _first_arg_type,
    "abs": _first_arg_type,
    "round": _first_arg_type,
    "lower": lambda args: _STRING,
    "upper": lambda args: _STRING,
    "trim": lambda args: _STRING,
    "ltrim": lambda args: _STRING,
    "rtrim": lambda args: _STRING,
    "replace": lambda args: _STRING,
    "substr": lambda args: _STRING,
    "concat": lambda args: _STRING,
    "length": lambda args: _INTEGER,
    "char_length": lambda args: _INTEGER,
    "now": lambda args: _TIMESTAMPTZ,
    "current_timestamp": lambda args: _TIMESTAMPTZ,
    "current_date": lambda args: _DATE,
    "row_number": lambda args: _BIGINT,
    "rank": lambda args: _BIGINT,
    "dense_rank": lambda args: _BIGINT,
}


def _to_int(value: Any) -> Any:
    return None if value is None else int(value)


def _to_float(value: Any) -> Any:
    return None if value is None else float(value)


class Star(ClauseElement):
    """``*`` as a function argument (``count(*)``)."""

    __slots__ = ()
    __visit_name__ = "star"

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return "*"


class Function(ColumnElement[ValueT]):
    """``name(arg, …)``; its ``key`` (the result name) is the function name.

    The type parameter is the Python type of its values, for type checkers
    (``Function[int]`` for ``func.count()``; ``Any`` when unknown).
    """

    __visit_name__ = "function"

    def __init__(self, name: str, *args: Any, type_: TypeEngine | None = None) -> None:
        self.name = name
        self.key: str = name
        if name == "count" and not args:
            self.clauses = ClauseList([Star()])
            column_args: list[ColumnElement] = []
        else:
            column_args = [coerce_column(a) for a in args]
            self.clauses = ClauseList(column_args)
        if type_ is None:
            guess = _RESULT_TYPES.get(name.lower())
            type_ = guess(column_args) if guess is not None else NULLTYPE
        self._type = type_
        self._explicit_type = type_

    @property
    def type(self) -> TypeEngine:
        return self._type

    def over(
        self,
        *,
        partition_by: Any = None,
        order_by: Any = None,
    ) -> Over[ValueT]:
        """A window function call: ``name(…) OVER (PARTITION BY … ORDER BY …)``."""
        return Over(self, partition_by=partition_by, order_by=order_by)

    def result_processor_for(self, dialect: str) -> Processor | bool | None:
        """A result conversion this function needs beyond its type's, or False for none.

        PostgreSQL widens ``sum``/``avg`` of integers to ``numeric`` (a
        ``Decimal``); converting back keeps results the same on both backends.
        """
        if dialect != "postgresql":
            return False
        lowered = self.name.lower()
        if lowered == "sum" and is_integer_type(self._type):
            return _to_int
        if lowered == "avg" and isinstance(self._type, sqltypes.Float):
            return _to_float
        return False

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return ("fn", self.name, self.clauses._gen_key(ctx), type_key(self._type))

    def _from_objects(self) -> list[FromClause]:
        return self.clauses._from_objects()

    def __repr__(self) -> str:
        return f"<Function {self.name}>"


class Over(ColumnElement[ValueT]):
    """A window function: ``fn OVER (PARTITION BY … ORDER BY …)`` (typed like ``fn``)."""

    __visit_name__ = "over"

    def __init__(
        self, function: Function[ValueT], *, partition_by: Any = None, order_by: Any = None
    ) -> None:
        self.function = function
        self.key: str = function.name
        self.partition_by = ClauseList([coerce_column(c) for c in _as_list(partition_by)])
        self.order_by = ClauseList([coerce_column(c) for c in _as_list(order_by)])

    @property
    def type(self) -> TypeEngine:
        return self.function.type

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return (
            "over",
            self.function._gen_key(ctx),
            self.partition_by._gen_key(ctx),
            self.order_by._gen_key(ctx),
        )

    def _from_objects(self) -> list[FromClause]:
        return (
            self.function._from_objects()
            + self.partition_by._from_objects()
            + self.order_by._from_objects()
        )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


class FunctionGenerator:
    """``func.<name>(*args, type_=None)`` builds a :class:`Function` for any SQL function.

    ``func.count()`` with no argument is ``count(*)``. Names must be plain
    identifiers (they are written into the SQL as they are).

    The well-known functions below are declared for type checkers only (at
    runtime every name goes through ``__getattr__``): they give the result's
    Python type, which ``select()`` and the session carry to the rows.
    """

    if TYPE_CHECKING:

        def count(self, *args: Any, type_: TypeEngine | None = None) -> Function[int]: ...

        # The aggregates that return values of their argument's type.
        @overload
        def max(
            self, expr: TypedColumnsClause[_T], /, *, type_: TypeEngine | None = None
        ) -> Function[_T]: ...
        @overload
        def max(self, *args: Any, type_: TypeEngine | None = None) -> Function[Any]: ...
        def max(self, *args: Any, type_: TypeEngine | None = None) -> Function[Any]: ...
        @overload
        def min(
            self, expr: TypedColumnsClause[_T], /, *, type_: TypeEngine | None = None
        ) -> Function[_T]: ...
        @overload
        def min(self, *args: Any, type_: TypeEngine | None = None) -> Function[Any]: ...
        def min(self, *args: Any, type_: TypeEngine | None = None) -> Function[Any]: ...
        @overload
        def sum(
            self, expr: TypedColumnsClause[_T], /, *, type_: TypeEngine | None = None
        ) -> Function[_T]: ...
        @overload
        def sum(self, *args: Any, type_: TypeEngine | None = None) -> Function[Any]: ...
        def sum(self, *args: Any, type_: TypeEngine | None = None) -> Function[Any]: ...

        # avg of a Numeric column is a Decimal, of an integer or float column a float.
        @overload
        def avg(
            self, expr: TypedColumnsClause[Decimal], /, *, type_: TypeEngine | None = None
        ) -> Function[Decimal]: ...
        @overload
        def avg(
            self, expr: TypedColumnsClause[float], /, *, type_: TypeEngine | None = None
        ) -> Function[float]: ...
        @overload
        def avg(self, *args: Any, type_: TypeEngine | None = None) -> Function[Any]: ...
        def avg(self, *args: Any, type_: TypeEngine | None = None) -> Function[Any]: ...

        def lower(self, *args: Any, type_: TypeEngine | None = None) -> Function[str]: ...
        def upper(self, *args: Any, type_: TypeEngine | None = None) -> Function[str]: ...
        def trim(self, *args: Any, type_: TypeEngine | None = None) -> Function[str]: ...
        def ltrim(self, *args: Any, type_: TypeEngine | None = None) -> Function[str]: ...
        def rtrim(self, *args: Any, type_: TypeEngine | None = None) -> Function[str]: ...
        def replace(self, *args: Any, type_: TypeEngine | None = None) -> Function[str]: ...
        def substr(self, *args: Any, type_: TypeEngine | None = None) -> Function[str]: ...
        def concat(self, *args: Any, type_: TypeEngine | None = None) -> Function[str]: ...
        def length(self, *args: Any, type_: TypeEngine | None = None) -> Function[int]: ...
        def char_length(self, *args: Any, type_: TypeEngine | None = None) -> Function[int]: ...
        def row_number(self, *args: Any, type_: TypeEngine | None = None) -> Function[int]: ...
        def rank(self, *args: Any, type_: TypeEngine | None = None) -> Function[int]: ...
        def dense_rank(self, *args: Any, type_: TypeEngine | None = None) -> Function[int]: ...
        def now(
            self, *args: Any, type_: TypeEngine | None = None
        ) -> Function[datetime.datetime]: ...
        def current_timestamp(
            self, *args: Any, type_: TypeEngine | None = None
        ) -> Function[datetime.datetime]: ...
        def current_date(
            self, *args: Any, type_: TypeEngine | None = None
        ) -> Function[datetime.date]: ...

    def __getattr__(self, name: str) -> Callable[..., Function[Any]]:
        if name.startswith("__"):
            raise AttributeError(name)
        if not _NAME.match(name):
            raise ArgumentError(f"{name!r} is not a valid SQL function name")

        def build(*args: Any, type_: TypeEngine | None = None) -> Function[Any]:
            return Function(name, *args, type_=type_)

        build.__name__ = name
        return build


func = FunctionGenerator()
