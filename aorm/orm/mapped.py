"""The typed declaration style: ``name: Mapped[str] = mapped_column(String(50))``.

``Mapped[T]`` tells a type checker what an attribute is: on the class an
:class:`~aorm.orm.attributes.InstrumentedAttribute` (a column expression), on
an instance a ``T``. Its ``__get__``/``__set__`` exist for type checkers only;
at runtime the declarative scan replaces every mapped attribute with a
*non-data* descriptor, so reading a loaded value is a plain ``__dict__`` hit.
"""

from __future__ import annotations

import types
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar, overload

from aorm.sql.constraints import CheckConstraint, ForeignKey
from aorm.sql.schema import Column
from aorm.sql.text import TextClause
from aorm.sql.types import TypeEngine

if TYPE_CHECKING:
    from aorm.orm.attributes import InstrumentedAttribute
    from aorm.sql.select import Select

__all__ = ["DynamicMapped", "DynamicQuery", "Mapped", "MappedColumn", "mapped_column"]

T = TypeVar("T")


class Mapped(Generic[T]):
    """A mapped attribute holding values of type ``T`` (an annotation, for type checkers).

    ``Mapped[str | None]`` makes the column nullable; ``Mapped[list[Book]]``
    on a relationship makes it a collection.
    """

    __slots__ = ()

    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Any) -> InstrumentedAttribute[T]: ...

        @overload
        def __get__(self, instance: object, owner: Any) -> T: ...

        def __get__(self, instance: object | None, owner: Any) -> InstrumentedAttribute[T] | T: ...

        def __set__(self, instance: Any, value: T) -> None: ...


class DynamicQuery(Protocol[T]):
    """What a ``lazy="dynamic"`` relationship reads as on an object with a row: a query.

    Implemented by :class:`aorm.session.dynamic.DynamicCollection` (the
    mapping layer only describes it). Refining methods return a new query;
    the terminals are awaited and run in the object's session.
    """

    def where(self, *criteria: Any) -> DynamicQuery[T]:
        """Add WHERE criteria."""
        ...

    def filter(self, *criteria: Any) -> DynamicQuery[T]:
        """The same as :meth:`where`."""
        ...

    def filter_by(self, **values: Any) -> DynamicQuery[T]:
        """Add ``attribute == value`` criteria for the target class."""
        ...

    def order_by(self, *clauses: Any) -> DynamicQuery[T]:
        """Replace the ORDER BY (the relationship's ``order_by`` by default)."""
        ...

    def limit(self, limit: int | None) -> DynamicQuery[T]:
        """At most *limit* rows."""
        ...

    def offset(self, offset: int | None) -> DynamicQuery[T]:
        """Skip *offset* rows."""
        ...

    @property
    def statement(self) -> Select:
        """The SELECT this query runs."""
        ...

    async def all(self) -> list[T]:
        """Every matching object."""
        ...

    async def first(self) -> T | None:
        """The first matching object, or None."""
        ...

    async def one(self) -> T:
        """The only matching object (an error for none or several)."""
        ...

    async def one_or_none(self) -> T | None:
        """The only matching object or None (an error for several)."""
        ...

    async def count(self) -> int:
        """How many objects match."""
        ...

    def append(self, item: T) -> None:
        """Add *item* to the collection (written by the next flush, nothing loaded)."""
        ...

    def extend(self, items: Iterable[T]) -> None:
        """Add each of *items*."""
        ...

    def remove(self, item: T) -> None:
        """Take *item* out of the collection (written by the next flush)."""
        ...


class DynamicMapped(Mapped[Any], Generic[T]):
    """A ``lazy="dynamic"`` relationship holding ``T`` objects (an annotation, for type checkers).

    ``books: DynamicMapped[Book] = relationship(lazy="dynamic")``: on the
    class the attribute is an :class:`~aorm.orm.attributes.InstrumentedAttribute`;
    on an instance a :class:`DynamicQuery` of ``T`` (before the object has
    a row it is a plain list, which has ``append``/``extend``/``remove`` too).
    The declarative scan reads it like ``Mapped[list[T]]``; a relationship
    with another ``lazy`` is refused, and so is ``Mapped[list[T]]`` with
    ``lazy="dynamic"`` (:class:`~aorm.exc.MappingError` naming ``Class.attr``).
    """

    __slots__ = ()

    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: Any) -> InstrumentedAttribute[list[T]]: ...

        @overload
        def __get__(self, instance: object, owner: Any) -> DynamicQuery[T]: ...

        def __get__(
            self, instance: object | None, owner: Any
        ) -> InstrumentedAttribute[list[T]] | DynamicQuery[T]: ...

        def __set__(self, instance: Any, value: Iterable[T]) -> None: ...

    else:

        def __class_getitem__(cls, item: Any) -> Any:
            # The scan reads the annotation as a collection of ``item``.
            return types.GenericAlias(cls, (list[item],))


class MappedColumn(Mapped[T]):
    """What :func:`mapped_column` returns: a column waiting for its name, type and nullability.

    The declarative scan completes it from the attribute name and its
    ``Mapped[...]`` annotation. :attr:`column` is the column it became in the
    class that declared it (``None`` before that class is mapped); a mixin's
    mapped column is copied into every class that uses it.
    """

    __slots__ = ("column", "has_type", "nullable_given", "template")

    def __init__(self, template: Column, *, has_type: bool, nullable_given: bool) -> None:
        #: The column as given; copied or completed by the declarative scan.
        self.template = template
        #: True when a type was given (otherwise it comes from the annotation or a foreign key).
        self.has_type = has_type
        #: True when ``nullable=`` was given (otherwise it comes from the annotation).
        self.nullable_given = nullable_given
        #: The finished column in the class that declared this attribute.
        self.column: Column | None = None

    def __clause_element__(self) -> Column:
        """The column this stands for (for ``remote_side=[id]`` in a class body)."""
        return self.column if self.column is not None else self.template

    def __repr__(self) -> str:
        return f"mapped_column({self.template!r})"


def _is_type(value: object) -> bool:
    return isinstance(value, TypeEngine) or (
        isinstance(value, type) and issubclass(value, TypeEngine)
    )


def mapped_column(
    *args: str | TypeEngine | type[TypeEngine] | ForeignKey | CheckConstraint | None,
    primary_key: bool = False,
    nullable: bool | None = None,
    default: Any = None,
    server_default: str | TextClause | None = None,
    onupdate: Any = None,
    unique: bool = False,
    index: bool = False,
    autoincrement: bool | Literal["auto"] = "auto",
    comment: str | None = None,
    name: str | None = None,
    type_: TypeEngine | type[TypeEngine] | None = None,
) -> MappedColumn[Any]:
    """A column for the typed style: ``id: Mapped[int] = mapped_column(primary_key=True)``.

    Takes what :class:`~aorm.sql.schema.Column` takes: an optional SQL name
    (defaults to the attribute name), an optional type, ``ForeignKey`` and
    ``CheckConstraint`` objects, and the keyword options. Without a type the
    column takes its foreign key target's type, or else the type of its
    annotation (``int`` → ``Integer``, ``str`` → ``String``, …). Without
    ``nullable`` it is nullable when the annotation is ``Optional`` (and never
    for a primary key column).
    """
    has_type = type_ is not None or any(_is_type(arg) for arg in args)
    template = Column(
        *args,
        primary_key=primary_key,
        nullable=nullable,
        default=default,
        server_default=server_default,
        onupdate=onupdate,
        unique=unique,
        index=index,
        autoincrement=autoincrement,
        comment=comment,
        name=name,
        type_=type_,
    )
    return MappedColumn(template, has_type=has_type, nullable_given=nullable is not None)
