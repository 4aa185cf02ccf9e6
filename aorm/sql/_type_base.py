"""The base of every column type, user-defined types, and the helpers around them.

Public through :mod:`aorm.sql.types`; kept apart so that module holds the
concrete types alone.
"""

from __future__ import annotations

from typing import Any, ClassVar

from aorm.exc import ArgumentError, CompileError, DataError
from aorm.sql.compiled import Processor

__all__ = [
    "POSTGRESQL",
    "SQLITE",
    "NullType",
    "TypeDecorator",
    "TypeEngine",
    "compare_type",
    "is_sqlite",
    "to_instance",
]

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


def is_sqlite(dialect: str) -> bool:
    """True for SQLite, False for PostgreSQL; CompileError for any other name."""
    if dialect == SQLITE:
        return True
    if dialect == POSTGRESQL:
        return False
    raise CompileError(f"unknown dialect {dialect!r}; types know 'sqlite' and 'postgresql'")


class TypeEngine:
    """Base of every column type.

    A type answers per dialect (``"sqlite"`` or ``"postgresql"``): its DDL, the
    CHECK it needs (:meth:`ddl_check`), how a Python value is checked and
    converted on the way to the driver, and how a driver value is converted
    back. A processor of ``None`` means "pass through unchanged" and costs
    nothing. Processors receive ``None`` for SQL NULL and return it unchanged.

    Types compare equal by class and arguments (``String(50) == String(50)``)
    and are hashable; treat instances as immutable.
    """

    #: The Python type values of this column have.
    python_type: type[Any] = object

    def ddl(self, dialect: str) -> str:
        """The column type as written in CREATE TABLE for *dialect*."""
        raise NotImplementedError

    def ddl_check(self, dialect: str, quoted_column_name: str) -> str | None:
        """A CHECK expression the column needs on *dialect* (without ``CHECK``), or None.

        The DDL compiler writes it as ``CHECK (<expression>)`` for the column.
        """
        return None

    def cast_ddl(self, dialect: str) -> str | None:
        """The type name for ``CAST(expr AS <name>)``; None if no CAST yields the stored form.

        Usually :meth:`ddl`. On SQLite a CAST converts by the name's affinity,
        so text-stored temporal types cast to ``TEXT`` (``CAST(x AS DATETIME)``
        would make a number), and Numeric answers None: its stored form
        (scaled integer or sortable text) cannot be computed in SQL.
        """
        return self.ddl(dialect)

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """Checks and converts a Python value for the driver.

        *label* (``"table.column"``) names the column in the
        :class:`~aorm.exc.DataError` raised for a value of the wrong type.
        """
        return None

    def result_processor(self, dialect: str) -> Processor | None:
        """Converts a driver value back to the Python value."""
        return None

    def _type_args(self) -> tuple[Any, ...]:
        """The constructor arguments that define this type (for ==, hash and repr)."""
        return ()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self._type_args()))})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, TypeEngine)
        return self._type_args() == other._type_args()

    def __hash__(self) -> int:
        return hash((type(self), self._type_args()))


class NullType(TypeEngine):
    """The type of an expression whose type is unknown: values pass through unchecked."""

    def ddl(self, dialect: str) -> str:
        """Raises CompileError: a column needs a real type."""
        is_sqlite(dialect)
        raise CompileError("a column of NullType has no DDL; give the column a type")


class TypeDecorator(TypeEngine):
    """Base of a user-defined type built on an existing one.

    Subclass it, set ``impl`` to a type instance or class, and override
    :meth:`process_bind` / :meth:`process_result`::

        class Tags(TypeDecorator):
            impl = String(200)
            def process_bind(self, value): return ",".join(value)
            def process_result(self, value): return value.split(",")

    DDL and CHECKs are the impl's. Binding runs ``process_bind`` then the
    impl's bind processor (so the impl still checks the result); reading runs
    the impl's result processor then ``process_result``. ``None`` bypasses
    both methods (it is always SQL NULL). A ``TypeError``/``ValueError`` from
    ``process_bind`` becomes DataError naming the column. With ``impl`` a
    class, constructor arguments go to it (``MyType(50)`` → ``String(50)``).
    """

    #: The type this one is stored as: an instance, or a class instantiated per use.
    impl: ClassVar[TypeEngine | type[TypeEngine]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        impl = getattr(type(self), "impl", None)
        if isinstance(impl, type) and issubclass(impl, TypeEngine):
            self.impl_type: TypeEngine = impl(*args, **kwargs)
        elif isinstance(impl, TypeEngine):
            if args or kwargs:
                raise ArgumentError(
                    f"{type(self).__name__}.impl is already an instance ({impl!r});"
                    " it takes no arguments"
                )
            self.impl_type = impl
        else:
            raise ArgumentError(f"{type(self).__name__} must set impl to a type, got {impl!r}")
        if type(self).python_type is TypeEngine.python_type:
            self.python_type = self.impl_type.python_type

    def process_bind(self, value: Any) -> Any:
        """The value to hand to the impl's bind processor (never called with None)."""
        return value

    def process_result(self, value: Any) -> Any:
        """The Python value for what the impl's result processor returned (never None)."""
        return value

    def _type_args(self) -> tuple[Any, ...]:
        return (self.impl_type,)

    def ddl(self, dialect: str) -> str:
        """The impl's DDL."""
        return self.impl_type.ddl(dialect)

    def ddl_check(self, dialect: str, quoted_column_name: str) -> str | None:
        """The impl's CHECK."""
        return self.impl_type.ddl_check(dialect, quoted_column_name)

    def cast_ddl(self, dialect: str) -> str | None:
        """The impl's CAST name."""
        return self.impl_type.cast_ddl(dialect)

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """``process_bind`` composed with the impl's bind processor."""
        inner = self.impl_type.bind_processor(dialect, label)
        if type(self).process_bind is TypeDecorator.process_bind:
            return inner
        process_bind = self.process_bind
        name = type(self).__name__

        def process(value: Any) -> Any:
            if value is None:
                return None
            try:
                converted = process_bind(value)
            except DataError:
                raise
            except (TypeError, ValueError) as exc:
                raise DataError(f"{label}: {name}.process_bind refused the value: {exc}") from exc
            return converted if inner is None else inner(converted)

        return process

    def result_processor(self, dialect: str) -> Processor | None:
        """The impl's result processor composed with ``process_result``."""
        inner = self.impl_type.result_processor(dialect)
        if type(self).process_result is TypeDecorator.process_result:
            return inner
        process_result = self.process_result

        def process(value: Any) -> Any:
            if value is None:
                return None
            if inner is not None:
                value = inner(value)
                if value is None:
                    return None
            return process_result(value)

        return process


# ------------------------------------------------------------------- helpers


def to_instance(type_or_class: TypeEngine | type[TypeEngine] | None) -> TypeEngine:
    """A type instance from an instance, a type class (``Integer``) or None (NullType)."""
    if type_or_class is None:
        return NullType()
    if isinstance(type_or_class, TypeEngine):
        return type_or_class
    if isinstance(type_or_class, type) and issubclass(type_or_class, TypeEngine):
        try:
            return type_or_class()
        except TypeError as exc:
            raise ArgumentError(
                f"{type_or_class.__name__} needs arguments; give an instance"
                f" such as {type_or_class.__name__}(…): {exc}"
            ) from exc
    raise ArgumentError(
        f"expected a column type (e.g. Integer or String(50)), got {type_or_class!r}"
    )


def compare_type(
    left: TypeEngine | type[TypeEngine] | None, right: TypeEngine | type[TypeEngine] | None
) -> bool:
    """True if the two types (instances or classes) are the same type with the same arguments."""
    return to_instance(left) == to_instance(right)


# Documented as aorm.sql.types.<name>, where users import them from.
for _public in (NullType, TypeDecorator, TypeEngine):
    _public.__module__ = "aorm.sql.types"
del _public
