"""The legacy ``session.query(Model)`` chain, with awaitable terminals.

``session.query(User).filter(User.age > 30).order_by(User.name).limit(10)``
builds a :func:`~aorm.sql.select` step by step (each step returns a new
query); the terminals run it through the session and are awaited:
``await q.all()``, ``.first()``, ``.one()``, ``.one_or_none()``,
``.scalar()``, ``.count()`` and ``.get(pk)``. A query of one mapped class
returns objects; of several entities or columns, rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from aorm.exc import ArgumentError, MultipleResultsFound, NoResultFound
from aorm.orm.mapper import is_mapped_class
from aorm.sql.functions import func
from aorm.sql.select import Select, select

if TYPE_CHECKING:
    from aorm.session.session import AsyncSession

__all__ = ["Query"]

RowT = TypeVar("RowT")


class Query(Generic[RowT]):
    """A SELECT being built for a session; see the module docstring."""

    __slots__ = ("_entities", "_populate_existing", "_session", "_statement")

    def __init__(self, session: AsyncSession, entities: tuple[Any, ...]) -> None:
        if not entities:
            raise ArgumentError("query() needs at least one mapped class, column or expression")
        self._session = session
        self._entities = entities
        self._statement: Select = select(*entities)
        self._populate_existing = False

    def _with(self, statement: Select) -> Self:
        new = self.__class__.__new__(self.__class__)
        new._session = self._session
        new._entities = self._entities
        new._statement = statement
        new._populate_existing = self._populate_existing
        return new

    @property
    def statement(self) -> Select:
        """The SELECT built so far."""
        return self._statement

    def __repr__(self) -> str:
        return f"<Query {self._statement!r}>"

    # -- building ------------------------------------------------------------

    def filter(self, *criteria: Any) -> Self:
        """Add WHERE criteria (ANDed)."""
        return self._with(self._statement.where(*criteria))

    def where(self, *criteria: Any) -> Self:
        """Same as :meth:`filter`."""
        return self.filter(*criteria)

    def filter_by(self, **values: Any) -> Self:
        """``attr == value`` criteria on the last joined entity (else the first)."""
        return self._with(self._statement.filter_by(**values))

    def order_by(self, *clauses: Any) -> Self:
        """Add ORDER BY terms (``order_by(None)`` removes them)."""
        return self._with(self._statement.order_by(*clauses))

    def group_by(self, *clauses: Any) -> Self:
        """Add GROUP BY terms."""
        return self._with(self._statement.group_by(*clauses))

    def having(self, *criteria: Any) -> Self:
        """Add HAVING criteria."""
        return self._with(self._statement.having(*criteria))

    def limit(self, limit: int | None) -> Self:
        """At most *limit* rows."""
        return self._with(self._statement.limit(limit))

    def offset(self, offset: int | None) -> Self:
        """Skip *offset* rows."""
        return self._with(self._statement.offset(offset))

    def join(self, target: Any, onclause: Any = None, *, isouter: bool = False) -> Self:
        """JOIN *target* (the condition from foreign keys unless given)."""
        return self._with(self._statement.join(target, onclause, isouter=isouter))

    def outerjoin(self, target: Any, onclause: Any = None) -> Self:
        """LEFT OUTER JOIN *target*."""
        return self._with(self._statement.outerjoin(target, onclause))

    def distinct(self) -> Self:
        """``SELECT DISTINCT``."""
        return self._with(self._statement.distinct())

    def options(self, *options: Any) -> Self:
        """Loader options, as for ``select().options()``."""
        return self._with(self._statement.options(*options))

    def populate_existing(self) -> Self:
        """Overwrite the loaded attributes of objects already in the session."""
        new = self._with(self._statement)
        new._populate_existing = True
        return new

    # -- terminals -----------------------------------------------------------

    @property
    def _single_entity(self) -> bool:
        return len(self._entities) == 1 and is_mapped_class(self._entities[0])

    async def _rows(self, statement: Select) -> list[Any]:
        options = {"populate_existing": True} if self._populate_existing else None
        result = await self._session.execute(statement, execution_options=options)
        if self._single_entity:
            return list(result.scalars().all())
        return list(result.all())

    async def all(self) -> list[RowT]:
        """Every result: objects for a query of one class, else rows."""
        return await self._rows(self._statement)

    async def first(self) -> RowT | None:
        """The first result or None (sends ``LIMIT 1``)."""
        rows = await self._rows(self._statement.limit(1))
        return rows[0] if rows else None

    async def one_or_none(self) -> RowT | None:
        """The only result, or None; MultipleResultsFound if there are several."""
        rows = await self._rows(self._statement.limit(2))
        if len(rows) > 1:
            raise MultipleResultsFound("query.one_or_none() found more than one row")
        return rows[0] if rows else None

    async def one(self) -> RowT:
        """The only result; NoResultFound if none, MultipleResultsFound if several."""
        rows = await self._rows(self._statement.limit(2))
        if not rows:
            raise NoResultFound("query.one() found no row")
        if len(rows) > 1:
            raise MultipleResultsFound("query.one() found more than one row")
        only: RowT = rows[0]
        return only

    async def scalar(self) -> Any:
        """The first column of the first result, or None."""
        rows = await self._rows(self._statement.limit(1))
        if not rows:
            return None
        first = rows[0]
        return first if self._single_entity else first[0]

    async def count(self) -> int:
        """How many rows the query returns (``SELECT count(*) FROM (query)``)."""
        counted = select(func.count()).select_from(self._statement.order_by(None).subquery())
        value = await self._session.scalar(counted)
        return int(value or 0)

    async def get(self, ident: Any) -> RowT | None:
        """The object with primary key *ident* (a query of one mapped class only)."""
        if not self._single_entity:
            raise ArgumentError("query.get() works on a query of one mapped class")
        found: RowT | None = await self._session.get(self._entities[0], ident)
        return found
