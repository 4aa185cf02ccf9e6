"""The expression tree: clause elements, column expressions and bound values.

Elements are immutable once built. Each one knows three things: how to
describe its shape for the statement cache (``_gen_key``), which FROM objects
it refers to (``_from_objects``), and, through ``__visit_name__``, which
compiler method renders it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self

from aorm._typing import ValueT
from aorm.exc import ArgumentError
from aorm.sql import operators as ops
from aorm.sql.cache_key import KeyContext, type_key
from aorm.sql.operators import ColumnOperators, Operator
from aorm.sql.type_inference import BOOLEAN, NULLTYPE, infer_type, is_null_type, is_string_type
from aorm.sql.types import TypeEngine

if TYPE_CHECKING:
    from aorm.sql.selectable import FromClause

__all__ = [
    "NO_VALUE",
    "BinaryExpression",
    "BindParameter",
    "BooleanClauseList",
    "ClauseElement",
    "ClauseList",
    "ColumnElement",
    "False_",
    "Grouping",
    "InList",
    "Label",
    "Null",
    "True_",
    "UnaryExpression",
    "coerce_column",
    "in_expression",
    "register_json_access",
    "coerce_element",
    "coerce_where",
    "froms_of",
]


class _NoValue:
    """Marks a bind parameter whose value is supplied at execution, by name."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()


def froms_of(elements: Iterable[ClauseElement]) -> list[FromClause]:
    """The FROM objects *elements* refer to, in order (repeats included)."""
    return [f for element in elements for f in element._from_objects()]


class ClauseElement:
    """Base of every piece of a SQL statement."""

    __slots__ = ()
    __visit_name__: ClassVar[str] = "clause"
    #: Set on SELECT-like statements (coerced to subqueries where a value is expected).
    _is_select: ClassVar[bool] = False
    #: Set on FROM objects (tables, aliases, subqueries, joins).
    _is_from: ClassVar[bool] = False

    def __clause_element__(self) -> ClauseElement:
        return self

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        """This element's part of the cache-key shape; values go to ``ctx.add_bind``."""
        raise NotImplementedError(type(self).__name__)

    def _from_objects(self) -> list[FromClause]:
        """The FROM objects this element refers to (for a SELECT's implicit FROM list)."""
        return []


class ColumnElement(ColumnOperators, ClauseElement, Generic[ValueT]):
    """An expression that produces one value per row: a column, a function, ``a + b`` ….

    ``type`` is its SQL type (``NullType`` when unknown); ``key`` the name
    it is known by in a result or a ``.c`` collection, when it has one.
    The type parameter is for type checkers only: the Python type of the
    values (``ColumnElement[str]`` for ``User.name``; ``Any`` when unknown,
    which is what a bare ``ColumnElement`` means).
    """

    __slots__ = ()
    __visit_name__ = "column_element"
    key: str | None = None

    @property
    def type(self) -> TypeEngine:
        """The SQL type of this expression's values."""
        return NULLTYPE

    def __clause_element__(self) -> Self:
        return self

    def __bool__(self) -> bool:
        raise TypeError(
            "the truth value of a SQL expression is not defined; "
            "use and_()/or_() or the & | ~ operators"
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key or ''}>".replace(" >", ">")

    # -- operator implementation (see ColumnOperators.operate) ---------------

    def _operate(self, op: Operator, *other: Any, **kw: Any) -> ColumnElement:
        if op.comparison:
            return self._compare(op, *other, **kw)
        if op is ops.AND or op is ops.OR:
            return BooleanClauseList(op, (self, coerce_where(other[0])))
        if op is ops.NOT:
            return UnaryExpression(self, ops.NOT, BOOLEAN)
        if op is ops.NEG:
            return UnaryExpression(self, ops.NEG, self.type)
        if op in (ops.ASC, ops.DESC, ops.NULLS_FIRST, ops.NULLS_LAST, ops.DISTINCT):
            return UnaryExpression(self, op, self.type)
        if op is ops.GETITEM:
            if _json_access is None:  # pragma: no cover - registered by aorm.sql.json_access
                raise ArgumentError("JSON element access is not available")
            return _json_access(self, other[0])
        if op is ops.ADD and is_string_type(self.type):
            op = ops.CONCAT
        right = self._arith_operand(other[0])
        return BinaryExpression(self, right, op, self.type)

    def _reverse_operate(self, op: Operator, other: Any) -> ColumnElement:
        if op is ops.AND or op is ops.OR:
            return BooleanClauseList(op, (coerce_where(other), self))
        if op is ops.ADD and is_string_type(self.type):
            op = ops.CONCAT
        return BinaryExpression(self._arith_operand(other), self, op, self.type)

    def _compare(self, op: Operator, *other: Any, **kw: Any) -> ColumnElement:
        value = other[0]
        if op is ops.IN or op is ops.NOT_IN:
            return in_expression(self, value, negate=op is ops.NOT_IN)
        if op is ops.BETWEEN:
            lower, upper = self._bind_against(value), self._bind_against(other[1])
            return BinaryExpression(self, ClauseList((lower, upper)), ops.BETWEEN, BOOLEAN)
        if op in (ops.CONTAINS, ops.STARTSWITH, ops.ENDSWITH):
            return self._pattern(op, value)
        if value is None and op in (ops.EQ, ops.NE, ops.IS, ops.IS_NOT):
            op = ops.IS if op in (ops.EQ, ops.IS) else ops.IS_NOT
            return BinaryExpression(self, NULL, op, BOOLEAN)
        if op in (ops.IS, ops.IS_NOT) and isinstance(value, bool):
            return BinaryExpression(self, TRUE if value else FALSE, op, BOOLEAN)
        escape = kw.get("escape")
        if escape is not None and (not isinstance(escape, str) or len(escape) != 1):
            raise ArgumentError(f"escape must be a single character, not {escape!r}")
        return BinaryExpression(self, self._bind_against(value), op, BOOLEAN, escape=escape)

    def _pattern(self, op: Operator, value: Any) -> ColumnElement:
        if isinstance(value, str):
            # autoescape: the escape character itself first, then the wildcards.
            escaped = value.replace("/", "//").replace("%", "/%").replace("_", "/_")
            pattern = {
                ops.CONTAINS: f"%{escaped}%",
                ops.STARTSWITH: f"{escaped}%",
                ops.ENDSWITH: f"%{escaped}",
            }[op]
            bind = BindParameter(pattern, self._bind_type(pattern), against=self)
            return BinaryExpression(self, bind, ops.LIKE, BOOLEAN, escape="/")
        right = coerce_column(value)
        percent = BindParameter("%", infer_type("%"), against=None)
        if op is not ops.STARTSWITH:
            right = BinaryExpression(percent, right, ops.CONCAT, right.type)
        if op is not ops.ENDSWITH:
            right = BinaryExpression(right, percent, ops.CONCAT, right.type)
        return BinaryExpression(self, right, ops.LIKE, BOOLEAN)

    def _bind_type(self, value: Any) -> TypeEngine:
        return infer_type(value) if is_null_type(self.type) else self.type

    def _bind_against(self, value: Any) -> ColumnElement:
        """*value* as an operand compared with this expression: typed like it.

        An untyped named ``bindparam()`` takes this expression's type too, so
        its values are checked and converted like the column's.
        """
        if isinstance(value, ClauseElement) or hasattr(value, "__clause_element__"):
            element = coerce_column(value)
            if (
                isinstance(element, BindParameter)
                and element.value is NO_VALUE
                and is_null_type(element.type_)
                and not is_null_type(self.type)
            ):
                return BindParameter(
                    NO_VALUE,
                    self.type,
                    name=element.name,
                    against=self,
                    expanding=element.expanding,
                )
            return element
        return BindParameter(value, self._bind_type(value), against=self)

    def _arith_operand(self, value: Any) -> ColumnElement:
        if isinstance(value, ClauseElement) or hasattr(value, "__clause_element__"):
            return self._bind_against(value)
        own = self.type
        inferred = infer_type(value)
        # ``int_col * 1.5`` or ``ts_col - timedelta(...)``: the value keeps its own type.
        if is_null_type(own) or (value is not None and not isinstance(value, own.python_type)):
            return BindParameter(value, inferred, against=None)
        return BindParameter(value, own, against=self)

    def _label(self, name: str) -> Label[ValueT]:
        return Label(name, self)


# Builds ``col["key"]``; registered by aorm.sql.json_access, which builds on this module.
_json_access: Callable[[ColumnElement, Any], ColumnElement] | None = None


def register_json_access(factory: Callable[[ColumnElement, Any], ColumnElement]) -> None:
    """Install the builder of JSON element access (``col["key"]``)."""
    global _json_access
    _json_access = factory


class BindParameter(ColumnElement):
    """A value sent to the database as a parameter (never spliced into the SQL).

    With a value, the value travels in the statement's literals. Without one
    (``bindparam("name")``) it is looked up by name in the parameters given
    at execution. ``against`` is the expression the value is compared with or
    assigned to; its column names the value in type errors.
    """

    __slots__ = ("_against", "callable_", "expanding", "name", "render_cast", "type_", "value")
    __visit_name__ = "bindparam"

    def __init__(
        self,
        value: Any,
        type_: TypeEngine,
        *,
        name: str | None = None,
        against: ClauseElement | None = None,
        render_cast: bool = False,
        expanding: bool = False,
        callable_: Callable[[], Any] | None = None,
    ) -> None:
        self.value = value
        self.type_ = type_
        self.name = name
        self._against = against
        self.render_cast = render_cast
        self.expanding = expanding
        #: Called for the value each time the statement is executed (Python defaults).
        self.callable_ = callable_

    @property
    def type(self) -> TypeEngine:
        return self.type_

    @property
    def against(self) -> ClauseElement | None:
        """The expression this value is compared with or assigned to, if any."""
        return self._against

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        if self.value is NO_VALUE:
            return ("bn", self.name, type_key(self.type_), self.render_cast)
        ctx.binds.append(self)
        return ("b", type_key(self.type_), self.render_cast, self.expanding)

    def __repr__(self) -> str:
        return f"<BindParameter {self.name or ''}={self.value!r}>"


class BinaryExpression(ColumnElement):
    """``left <operator> right``."""

    __slots__ = ("_type", "escape", "left", "operator", "right")
    __visit_name__ = "binary"

    def __init__(
        self,
        left: ColumnElement,
        right: ClauseElement,
        operator: Operator,
        type_: TypeEngine,
        *,
        escape: str | None = None,
    ) -> None:
        self.left = left
        self.right = right
        self.operator = operator
        self._type = type_
        self.escape = escape

    @property
    def type(self) -> TypeEngine:
        return self._type

    def __bool__(self) -> bool:
        # ``col in [a, b]`` and dict lookups compare with ==; answer by identity.
        if self.operator is ops.EQ:
            return self.left is self.right
        if self.operator is ops.NE:
            return self.left is not self.right
        return super().__bool__()

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return (
            "bin",
            self.operator.name,
            self.left._gen_key(ctx),
            self.right._gen_key(ctx),
            self.escape,
        )

    def _from_objects(self) -> list[FromClause]:
        return self.left._from_objects() + self.right._from_objects()


class UnaryExpression(ColumnElement):
    """A prefix operator (``NOT x``, ``-x``, ``DISTINCT x``) or a postfix modifier (``x DESC``)."""

    __slots__ = ("_type", "element", "operator")
    __visit_name__ = "unary"

    def __init__(self, element: ColumnElement, operator: Operator, type_: TypeEngine) -> None:
        self.element = element
        self.operator = operator
        self._type = type_

    @property
    def type(self) -> TypeEngine:
        return self._type

    @property
    def key(self) -> str | None:  # type: ignore[override]
        return self.element.key if self.operator.precedence == 1 else None

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return ("un", self.operator.name, self.element._gen_key(ctx))

    def _from_objects(self) -> list[FromClause]:
        return self.element._from_objects()


class BooleanClauseList(ColumnElement):
    """Clauses joined by AND or OR; empty means true (AND) or false (OR)."""

    __slots__ = ("clauses", "operator")
    __visit_name__ = "boolean_list"

    def __init__(self, operator: Operator, clauses: Sequence[ColumnElement]) -> None:
        self.operator = operator
        flat: list[ColumnElement] = []
        for clause in clauses:
            if isinstance(clause, BooleanClauseList) and clause.operator is operator:
                flat.extend(clause.clauses)
            else:
                flat.append(clause)
        self.clauses: tuple[ColumnElement, ...] = tuple(flat)

    @property
    def type(self) -> TypeEngine:
        return BOOLEAN

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return (self.operator.name, tuple([c._gen_key(ctx) for c in self.clauses]))

    def _from_objects(self) -> list[FromClause]:
        return froms_of(self.clauses)


class ClauseList(ClauseElement):
    """Elements separated by commas (function arguments, IN lists, BETWEEN bounds)."""

    __slots__ = ("clauses",)
    __visit_name__ = "clause_list"

    def __init__(self, clauses: Iterable[ClauseElement]) -> None:
        self.clauses: tuple[ClauseElement, ...] = tuple(clauses)

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return ("list", tuple([c._gen_key(ctx) for c in self.clauses]))

    def _from_objects(self) -> list[FromClause]:
        return froms_of(self.clauses)


class Grouping(ColumnElement):
    """An element in parentheses; a subquery used as a value is one of these."""

    __slots__ = ("element",)
    __visit_name__ = "grouping"

    def __init__(self, element: ClauseElement) -> None:
        self.element = element

    @property
    def type(self) -> TypeEngine:
        element = self.element
        return element.type if isinstance(element, ColumnElement) else NULLTYPE

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return ("grp", self.element._gen_key(ctx))

    def _from_objects(self) -> list[FromClause]:
        return self.element._from_objects()


class Label(ColumnElement[ValueT]):
    """``element AS name``: an expression under a result name (typed like *element*)."""

    __slots__ = ("element", "name")
    __visit_name__ = "label"

    def __init__(self, name: str, element: ColumnElement[ValueT]) -> None:
        if not isinstance(name, str) or not name:
            raise ArgumentError(f"label name must be a non-empty string, not {name!r}")
        self.name = name
        self.element = element

    @property
    def key(self) -> str:  # type: ignore[override]
        return self.name

    @property
    def type(self) -> TypeEngine:
        return self.element.type

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return ("label", self.name, self.element._gen_key(ctx))

    def _from_objects(self) -> list[FromClause]:
        return self.element._from_objects()


class InList(ColumnElement):
    """``left IN (values…)`` with the whole list sent as one parameter.

    The dialect decides the form (``= ANY($1)`` on PostgreSQL, ``IN (SELECT
    value FROM json_each(?))`` on SQLite), so any number of values uses one
    placeholder and one compiled statement.
    """

    __slots__ = ("left", "negate", "values")
    __visit_name__ = "in_list"

    def __init__(self, left: ColumnElement, values: BindParameter, *, negate: bool) -> None:
        self.left = left
        self.values = values
        self.negate = negate

    @property
    def type(self) -> TypeEngine:
        return BOOLEAN

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return ("in", self.negate, self.left._gen_key(ctx), self.values._gen_key(ctx))

    def _from_objects(self) -> list[FromClause]:
        return self.left._from_objects()


class _Keyword(ColumnElement):
    __slots__ = ()
    _shape: ClassVar[str]

    def _gen_key(self, ctx: KeyContext) -> Hashable:
        return self._shape


class Null(_Keyword):
    """SQL ``NULL``."""

    __slots__ = ()
    __visit_name__ = "null"
    _shape = "NULL"


class True_(_Keyword):
    """SQL true (``true`` on PostgreSQL, ``1`` on SQLite)."""

    __slots__ = ()
    __visit_name__ = "true"
    _shape = "TRUE"

    @property
    def type(self) -> TypeEngine:
        return BOOLEAN


class False_(_Keyword):
    """SQL false (``false`` on PostgreSQL, ``0`` on SQLite)."""

    __slots__ = ()
    __visit_name__ = "false"
    _shape = "FALSE"

    @property
    def type(self) -> TypeEngine:
        return BOOLEAN


NULL = Null()
TRUE = True_()
FALSE = False_()


def in_expression(left: ColumnElement, value: Any, *, negate: bool) -> ColumnElement:
    op = ops.NOT_IN if negate else ops.IN
    if hasattr(value, "__clause_element__") and not isinstance(value, ClauseElement):
        value = value.__clause_element__()
    if isinstance(value, ClauseElement):
        if value._is_select or value._is_from:
            return BinaryExpression(left, Grouping(_as_select(value)), op, BOOLEAN)
        if isinstance(value, BindParameter) and value.value is NO_VALUE:
            type_ = left.type if is_null_type(value.type_) else value.type_
            bind = BindParameter(NO_VALUE, type_, name=value.name, against=left, expanding=True)
            return InList(left, bind, negate=negate)
        raise ArgumentError(f"in_() takes a list of values or a subquery, not {value!r}")
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ArgumentError(f"in_() takes a list of values or a subquery, not {value!r}")
    values = tuple(value)
    if any(isinstance(v, ClauseElement) or hasattr(v, "__clause_element__") for v in values):
        items = ClauseList([left._bind_against(v) for v in values])
        return BinaryExpression(left, Grouping(items), op, BOOLEAN)
    type_ = left.type
    if is_null_type(type_):
        non_null = next((v for v in values if v is not None), None)
        type_ = infer_type(non_null)
    return InList(left, BindParameter(values, type_, against=left, expanding=True), negate=negate)


def _as_select(value: ClauseElement) -> ClauseElement:
    # A Subquery used with IN means its SELECT; a scalar subquery its inner SELECT.
    inner = getattr(value, "element", None)
    if value._is_from and inner is not None and getattr(inner, "_is_select", False):
        return inner  # type: ignore[no-any-return]
    if getattr(value, "_is_scalar_subquery", False) and inner is not None:
        return inner  # type: ignore[no-any-return]
    return value


def coerce_element(value: Any) -> ClauseElement:
    """*value* as a clause element, via ``__clause_element__()`` when it has one."""
    if isinstance(value, ClauseElement):
        return value
    method = getattr(value, "__clause_element__", None)
    if method is not None:
        result = method()
        if isinstance(result, ClauseElement):
            return result
        return coerce_element(result)
    raise ArgumentError(f"expected a SQL expression, table or column, not {value!r}")


def coerce_column(value: Any) -> ColumnElement:
    """*value* as a column expression: elements as they are, Python values as bound parameters."""
    if isinstance(value, ColumnElement):
        return value
    if isinstance(value, ClauseElement) or hasattr(value, "__clause_element__"):
        element = coerce_element(value)
        if isinstance(element, ColumnElement):
            return element
        if element._is_select:
            scalar = element.scalar_subquery()  # type: ignore[attr-defined]
            assert isinstance(scalar, ColumnElement)
            return scalar
        raise ArgumentError(f"expected a column expression, not {element!r}")
    return BindParameter(value, infer_type(value), render_cast=True)


def coerce_where(value: Any) -> ColumnElement:
    """A WHERE/HAVING/ON criterion: an expression, ``text()``, or a Python bool."""
    if isinstance(value, bool):
        return TRUE if value else FALSE
    if isinstance(value, str):
        raise ArgumentError(
            f"a criterion must be an expression; wrap SQL strings in text(): {value!r}"
        )
    element = coerce_element(value)
    if isinstance(element, ColumnElement):
        return element
    if getattr(element, "__visit_name__", None) == "text":
        return Grouping(element)
    raise ArgumentError(f"expected a boolean SQL expression, not {element!r}")
