"""``lazy="dynamic"``: a relationship that is a query, never a loaded list.

Reading ``author.books`` of a persistent object gives a
:class:`DynamicCollection`: refine it (``.where()``, ``.filter_by()``,
``.order_by()``, ``.limit()``, ``.offset()``) and await a terminal
(``.all()``, ``.first()``, ``.one()``, ``.one_or_none()``, ``.count()``)
to run it in the object's session. Nothing is ever stored on the object, so
a huge collection costs nothing until it is queried, and each query sees
the database as it is (after the session's autoflush).

``append()``/``extend()``/``remove()`` change the collection without
loading it: they keep the other side of a ``back_populates`` pair in sync in
memory and record the change as a pending collection change,
``state.collection_changes[key] == (added, removed)``, which the next flush
writes (sets or clears the foreign key, or inserts/deletes the association
row). Until an object's row exists there is nothing to query: the
attribute of a transient or pending object is a plain list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, final

from aorm.exc import ArgumentError, InvalidStateError
from aorm.orm.attributes import RelationshipAttribute
from aorm.orm.relationships import RelationshipProperty
from aorm.session.relationship_sql import extra_criteria, is_many_to_many
from aorm.sql.elements import ColumnElement
from aorm.sql.functions import func
from aorm.sql.select import Select, select

if TYPE_CHECKING:
    from aorm.session.state import InstanceState

__all__ = ["DynamicCollection"]

T = TypeVar("T")


@final
class DynamicCollection(Generic[T]):
    """The query object a ``lazy="dynamic"`` relationship reads as (see the module docstring).

    Refining methods return a new collection; the terminals are awaited.
    """

    __slots__ = ("_criteria", "_limit", "_offset", "_order_by", "_prop", "_state")

    def __init__(
        self,
        state: InstanceState,
        prop: RelationshipProperty[Any],
        *,
        criteria: tuple[Any, ...] = (),
        order_by: tuple[Any, ...] | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> None:
        self._state = state
        self._prop = prop
        self._criteria = criteria
        self._order_by = order_by
        self._limit = limit
        self._offset = offset

    def _copy(self, **changes: Any) -> DynamicCollection[T]:
        values: dict[str, Any] = {
            "criteria": self._criteria,
            "order_by": self._order_by,
            "limit": self._limit,
            "offset": self._offset,
        }
        values.update(changes)
        return DynamicCollection(self._state, self._prop, **values)

    # -- refining ------------------------------------------------------------

    def where(self, *criteria: Any) -> DynamicCollection[T]:
        """Only the related objects matching *criteria* (ANDed)."""
        return self._copy(criteria=self._criteria + criteria)

    def filter(self, *criteria: Any) -> DynamicCollection[T]:
        """Same as :meth:`where`."""
        return self.where(*criteria)

    def filter_by(self, **values: Any) -> DynamicCollection[T]:
        """Only the related objects whose attributes equal *values* (``title="1984"``)."""
        target = self._prop.mapper
        criteria = []
        for key, value in values.items():
            column = target.columns.get(key)
            if column is None:
                raise ArgumentError(
                    f"filter_by(): {target.class_.__name__} has no column attribute {key!r}"
                )
            criteria.append(column == value)
        return self.where(*criteria)

    def order_by(self, *clauses: Any) -> DynamicCollection[T]:
        """Order by *clauses* instead of the relationship's ``order_by``."""
        return self._copy(order_by=clauses)

    def limit(self, limit: int | None) -> DynamicCollection[T]:
        """At most *limit* objects."""
        return self._copy(limit=limit)

    def offset(self, offset: int | None) -> DynamicCollection[T]:
        """Skip the first *offset* objects."""
        return self._copy(offset=offset)

    # -- the query -------------------------------------------------------------

    @property
    def statement(self) -> Select:
        """The SELECT the terminals run (for the parent's current key)."""
        prop = self._prop
        obj = self._owner()
        target = prop.mapper
        d = obj.__dict__
        values = []
        for key in prop.local_keys:
            if key not in d:
                raise InvalidStateError(
                    f"{prop.class_name}: the {key!r} of this {type(obj).__name__} object is "
                    "expired; refresh it before querying the dynamic relationship"
                )
            values.append(d[key])
        stmt = select(target.class_)
        if is_many_to_many(prop):
            assert prop.secondary is not None
            assert prop.secondaryjoin is not None
            stmt = stmt.select_from(target.table).join(prop.secondary, prop.secondaryjoin)
        criteria: list[ColumnElement] = [
            remote == value
            for (_, remote), value in zip(prop.local_remote_pairs, values, strict=True)
        ]
        stmt = stmt.where(*criteria, *extra_criteria(prop), *self._criteria)
        order = self._order_by if self._order_by is not None else prop.order_by
        if order:
            stmt = stmt.order_by(*order)
        if self._limit is not None:
            stmt = stmt.limit(self._limit)
        if self._offset is not None:
            stmt = stmt.offset(self._offset)
        return stmt

    def _owner(self) -> Any:
        obj = self._state.object
        if obj is None:
            raise InvalidStateError(f"{self._prop.class_name}: its object no longer exists")
        return obj

    def _session(self) -> Any:
        session = self._state.session
        if session is None:
            raise InvalidStateError(
                f"{self._prop.class_name} is a dynamic relationship of an object that is in no "
                "session; add the object to a session to query it"
            )
        return session

    async def all(self) -> list[T]:
        """Every related object (matching the criteria), in order."""
        result = await self._session().scalars(self.statement)
        items: list[T] = result.all()
        return items

    async def first(self) -> T | None:
        """The first related object, or None."""
        result = await self._session().scalars(self.limit(1).statement)
        item: T | None = result.first()
        return item

    async def one(self) -> T:
        """The only related object (NoResultFound / MultipleResultsFound otherwise)."""
        result = await self._session().scalars(self.statement)
        item: T = result.one()
        return item

    async def one_or_none(self) -> T | None:
        """The only related object, or None (MultipleResultsFound if there are more)."""
        result = await self._session().scalars(self.statement)
        item: T | None = result.one_or_none()
        return item

    async def count(self) -> int:
        """How many related objects match (one ``SELECT count(*)``)."""
        inner = self._copy(order_by=()).statement.subquery()
        total = await self._session().scalar(select(func.count()).select_from(inner))
        return int(total or 0)

    # -- changing ----------------------------------------------------------------

    def _attribute(self) -> RelationshipAttribute[Any]:
        attribute = self._prop.attribute
        assert isinstance(attribute, RelationshipAttribute)
        return attribute

    def append(self, item: T) -> None:
        """Add *item* to the collection (written at the next flush)."""
        self.extend((item,))

    def extend(self, items: Iterable[T]) -> None:
        """Add every object of *items* (written at the next flush)."""
        values = list(items)
        attribute = self._attribute()
        for value in values:
            attribute.check_item(value)
        attribute.fire_collection_change(self._owner(), values, [])

    def remove(self, item: T) -> None:
        """Take *item* out of the collection (written at the next flush)."""
        attribute = self._attribute()
        attribute.check_item(item)
        attribute.fire_collection_change(self._owner(), [], [item])

    def __repr__(self) -> str:
        return f"<DynamicCollection {self._prop.class_name}>"
