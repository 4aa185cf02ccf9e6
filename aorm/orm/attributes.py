"""Class-level attributes of mapped classes: column expressions on the class, values on instances.

``User.name`` is a :class:`ColumnAttribute`: a column expression (it has the
SQL column operators and ``__clause_element__()``) that is also a *non-data*
descriptor. A loaded value lives in ``obj.__dict__["name"]``, so reading it
never reaches the descriptor; the descriptor is asked only when the key is
missing, and then asks the object's session state (see
:mod:`aorm.orm.instrumentation`) or, for an object without one, returns the
transient default. Writes arrive through ``Base.__setattr__``, which calls
the attribute's :meth:`~InstrumentedAttribute.set`.

Relationship attributes (:class:`RelationshipAttribute`) keep both sides of a
``back_populates``/``backref`` pair in sync in memory. The calls that update
the *other* side (``_backref_add`` / ``_backref_remove``) change only that
side and never call back, so a change never recurses.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

from aorm.exc import ArgumentError, ExpiredAttributeError, LazyLoadError
from aorm.orm.collections import InstrumentedList, PendingDynamicList, contains_identity
from aorm.orm.instrumentation import NO_VALUE, STATE_KEY, StateEvents
from aorm.orm.join_conditions import RelationshipDirection
from aorm.orm.mapped import Mapped
from aorm.sql.elements import ColumnElement
from aorm.sql.expressions import and_, or_
from aorm.sql.operators import ColumnOperators, Operator
from aorm.sql.schema import Column
from aorm.sql.types import TypeEngine

if TYPE_CHECKING:
    from aorm.orm.properties import ColumnProperty, MapperAttribute
    from aorm.orm.relationships import RelationshipProperty

__all__ = [
    "ColumnAttribute",
    "InstrumentedAttribute",
    "RelationshipAttribute",
    "set_committed_value",
]

T = TypeVar("T")

# What a session state may raise instead of answering without IO.
_NOT_LOADED = (LazyLoadError, ExpiredAttributeError)


class InstrumentedAttribute(ColumnOperators, Mapped[T]):
    """A mapped attribute as seen on its class (``User.name``, ``Author.books``).

    :attr:`key` is the attribute name, :attr:`class_` the mapped class,
    :attr:`property` the mapper's :class:`~aorm.orm.properties.MapperAttribute`.
    """

    def __init__(self, class_: type[Any], key: str, prop: MapperAttribute) -> None:
        self.class_ = class_
        self.key = key
        self._property = prop

    @builtins.property
    def property(self) -> MapperAttribute:
        """The mapper property this attribute stands for."""
        return self._property

    if TYPE_CHECKING:
        # What type checkers see: an expression with the attribute's value type,
        # so ``select(User.name)`` is a ``Select[tuple[str]]``.
        def __clause_element__(self) -> ColumnElement[T]: ...

    def set(self, obj: object, value: Any) -> None:
        """Assign *value* to this attribute of *obj* (what ``obj.key = value`` does)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.class_.__name__}.{self.key}>"

    # Defining __eq__ in ColumnOperators drops the default hash; attributes are
    # dictionary keys (loader options, caches) by identity.
    def __hash__(self) -> int:
        return id(self)


class ColumnAttribute(InstrumentedAttribute[T]):
    """A column attribute: a column expression on the class, the column's value on an instance."""

    def __init__(self, class_: type[Any], key: str, prop: ColumnProperty) -> None:
        super().__init__(class_, key, prop)
        self._column_property = prop
        #: The table column behind this attribute.
        self.column: Column = prop.column

    @builtins.property
    def property(self) -> ColumnProperty:
        """The :class:`~aorm.orm.properties.ColumnProperty` behind this attribute."""
        return self._column_property

    def __clause_element__(self) -> Column:
        return self.column

    @builtins.property
    def expression(self) -> Column:
        """The table column (same as ``__clause_element__()``)."""
        return self.column

    @builtins.property
    def type(self) -> TypeEngine:
        """The column's SQL type."""
        return self.column.type

    @overload
    def __get__(self, instance: None, owner: Any) -> InstrumentedAttribute[T]: ...

    @overload
    def __get__(self, instance: object, owner: Any) -> T: ...

    def __get__(self, instance: object | None, owner: Any) -> Any:
        if instance is None:
            return self
        # Only reached when the key is missing from instance.__dict__.
        state: StateEvents | None = instance.__dict__.get(STATE_KEY)
        if state is None:
            return None
        return state.missing_attribute(self.key)

    def set(self, obj: object, value: Any) -> None:
        """Store *value* and report ``attribute_set(key, old, value)`` to the state."""
        d = obj.__dict__
        key = self.key
        old = d.get(key, NO_VALUE)
        d[key] = value
        state: StateEvents | None = d.get(STATE_KEY)
        if state is not None:
            state.attribute_set(key, old, value)


class RelationshipAttribute(InstrumentedAttribute[T]):
    """A relationship attribute: related object(s) on an instance, kept in sync with the other side.

    On the class it is what loader options and joins take
    (``selectinload(Author.books)``); its ``__clause_element__()`` is the
    relationship's join condition, and a many-to-one compares with an object
    or ``None`` (``Book.author == orwell``).
    """

    def __init__(self, class_: type[Any], key: str, prop: RelationshipProperty[Any]) -> None:
        super().__init__(class_, key, prop)
        self._rel = prop
        # A dynamic collection held in memory belongs to an object with no row yet.
        self._list_class: type[InstrumentedList[Any]] = (
            PendingDynamicList if prop.lazy == "dynamic" else InstrumentedList
        )

    @builtins.property
    def property(self) -> RelationshipProperty[Any]:
        """The :class:`~aorm.orm.relationships.RelationshipProperty` behind this attribute."""
        return self._rel

    # -- class level -------------------------------------------------------

    def __clause_element__(self) -> ColumnElement:
        prop = self._rel
        prop.ensure_configured()
        return prop.primaryjoin

    def __eq__(self, other: object) -> ColumnElement:  # type: ignore[override]
        if other is None or _is_mapped_instance(other):
            return self._compare(other, negate=False)
        # Anything else (another attribute, say, in ``attr in [...]``) by identity.
        return NotImplemented

    def __ne__(self, other: object) -> ColumnElement:  # type: ignore[override]
        if other is None or _is_mapped_instance(other):
            return self._compare(other, negate=True)
        return NotImplemented

    def __hash__(self) -> int:
        return id(self)

    def operate(self, op: Operator, *other: Any, **kw: Any) -> ColumnElement:
        raise ArgumentError(
            f"{self._rel.class_name} is a relationship; only == and != with an object "
            "or None are supported on a many-to-one (compare its columns instead)"
        )

    def reverse_operate(self, op: Operator, other: Any) -> ColumnElement:
        return self.operate(op, other)

    def _compare(self, value: object, *, negate: bool) -> ColumnElement:
        prop = self._rel
        prop.ensure_configured()
        if prop.direction is not RelationshipDirection.MANYTOONE:
            raise ArgumentError(
                f"{prop.class_name}: == and != work on many-to-one relationships only"
            )
        if value is None:
            parts = [
                local.is_not(None) if negate else local.is_(None)
                for local, _ in prop.local_remote_pairs
            ]
            return or_(*parts) if negate else and_(*parts)
        self.check_item(value)
        target = prop.mapper
        criteria: list[ColumnElement] = []
        for local, remote in prop.local_remote_pairs:
            remote_key = target.column_to_key[remote]
            if remote_key not in value.__dict__ or value.__dict__[remote_key] is None:
                raise ArgumentError(
                    f"{prop.class_name} == {type(value).__name__} object: its "
                    f"{remote_key} is not known yet; flush it first"
                )
            criteria.append(local == value.__dict__[remote_key])
        clause = and_(*criteria)
        return ~clause if negate else clause

    # -- instance level: reading -------------------------------------------

    @overload
    def __get__(self, instance: None, owner: Any) -> InstrumentedAttribute[T]: ...

    @overload
    def __get__(self, instance: object, owner: Any) -> T: ...

    def __get__(self, instance: object | None, owner: Any) -> Any:
        if instance is None:
            return self
        prop = self._rel
        prop.ensure_configured()
        d = instance.__dict__
        state: StateEvents | None = d.get(STATE_KEY)
        if state is None:
            if prop.uselist:
                return self._store_collection(instance, ())
            return None
        value = state.missing_attribute(self.key)
        # A dynamic relationship is a query object, except on an object with no
        # row yet: there it is a plain list like any new collection.
        if not prop.uselist or (prop.lazy == "dynamic" and not isinstance(value, list)):
            return value
        current = d.get(self.key)
        if current is not None:
            # The state stored the collection itself.
            return (
                current
                if isinstance(current, InstrumentedList)
                else self._store_collection(instance, current)
            )
        return self._store_collection(instance, value if value is not None else ())

    def _store_collection(self, obj: object, items: Iterable[Any]) -> InstrumentedList[Any]:
        # What ``InstrumentedList(items, obj, self)`` makes, without its Python
        # __init__: loaders make one per object, and list.extend reports nothing.
        collection: InstrumentedList[Any] = _new_list(self._list_class)
        if items:
            list.extend(collection, items)
        collection._owner = obj
        collection._attr = self
        obj.__dict__[self.key] = collection
        return collection

    def _peek_scalar(self, obj: object) -> Any:
        """The current target of a scalar without IO: ``NO_VALUE`` when unknown."""
        d = obj.__dict__
        if self.key in d:
            return d[self.key]
        state: StateEvents | None = d.get(STATE_KEY)
        if state is None:
            return None
        try:
            return state.missing_attribute(self.key)
        except _NOT_LOADED:
            return NO_VALUE

    def _loaded_collection(self, obj: object) -> InstrumentedList[Any] | None:
        """*obj*'s collection if it is (or can be, without IO) loaded, else ``None``."""
        d = obj.__dict__
        current = d.get(self.key)
        if isinstance(current, InstrumentedList):
            return current
        if current is not None:
            return self._store_collection(obj, current)
        state: StateEvents | None = d.get(STATE_KEY)
        if state is None:
            return self._store_collection(obj, ())
        if self._rel.lazy == "dynamic":
            return None
        try:
            value = state.missing_attribute(self.key)
        except _NOT_LOADED:
            return None
        current = d.get(self.key)
        if isinstance(current, InstrumentedList):
            return current
        return self._store_collection(obj, value if value is not None else ())

    # -- instance level: writing -------------------------------------------

    def check_item(self, item: object) -> None:
        """``TypeError`` unless *item* is an instance of the target class."""
        target = self._rel.mapper.class_
        if not isinstance(item, target):
            raise TypeError(
                f"{self._rel.class_name} takes {target.__name__} objects, not {type(item).__name__}"
            )

    def set(self, obj: object, value: Any) -> None:
        """Assign a related object (scalar) or replace the collection (a list or other iterable)."""
        prop = self._rel
        prop.ensure_configured()
        if prop.uselist:
            self._set_collection(obj, value)
        else:
            self._set_scalar(obj, value)

    def _set_scalar(self, obj: object, value: Any) -> None:
        if value is not None:
            self.check_item(value)
        d = obj.__dict__
        old = self._peek_scalar(obj)
        d[self.key] = value
        state: StateEvents | None = d.get(STATE_KEY)
        if state is not None:
            state.attribute_set(self.key, old, value)
        if value is old:
            return
        reverse = self._rel.reverse_attribute
        if reverse is not None:
            if old is not None and old is not NO_VALUE:
                reverse._backref_remove(old, obj)
            if value is not None:
                reverse._backref_add(value, obj)

    def _set_collection(self, obj: object, value: Any) -> None:
        d = obj.__dict__
        current = d.get(self.key)
        if isinstance(current, InstrumentedList) and value is current:
            return  # ``obj.books += [...]`` assigns the same list back; already reported
        if value is None or isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise TypeError(
                f"{self._rel.class_name} is a collection; assign a list of "
                f"{self._rel.mapper.class_.__name__} objects, not {type(value).__name__}"
            )
        items = list(value)
        for item in items:
            self.check_item(item)
        if current is None:
            state: StateEvents | None = d.get(STATE_KEY)
            # The old members are needed to report what was removed: an unloaded
            # collection of a persistent object raises here (load it first).
            current = state.missing_attribute(self.key) if state is not None else None
        old_items = list(current) if current is not None else []
        if isinstance(current, InstrumentedList):
            current._detach()
        self._store_collection(obj, items)
        old_ids = {id(x) for x in old_items}
        new_ids = {id(x) for x in items}
        added = [x for x in items if id(x) not in old_ids]
        removed = [x for x in old_items if id(x) not in new_ids]
        self.fire_collection_change(obj, added, removed)

    def fire_collection_change(
        self, owner: object, added: Sequence[Any], removed: Sequence[Any]
    ) -> None:
        """Report a change of *owner*'s collection to its state and sync the other side."""
        if not added and not removed:
            return
        d = owner.__dict__
        state: StateEvents | None = d.get(STATE_KEY)
        if state is not None:
            state.collection_changed(self.key, added, removed)
        reverse = self._rel.reverse_attribute
        if reverse is None:
            return
        collection = d.get(self.key)
        for item in removed:
            # A duplicate left in the list still belongs to the owner.
            if collection is None or not contains_identity(collection, item):
                reverse._backref_remove(item, owner)
        for item in added:
            reverse._backref_add(item, owner)

    # -- the other side of a pair ------------------------------------------

    def _backref_add(self, target: object, owner: object) -> None:
        """Make *target*'s side of this attribute include / point to *owner* (no call back)."""
        d = target.__dict__
        state: StateEvents | None = d.get(STATE_KEY)
        if self._rel.uselist:
            collection = self._loaded_collection(target)
            if collection is not None:
                if contains_identity(collection, owner):
                    return
                list.append(collection, owner)
            if state is not None:
                state.collection_changed(self.key, [owner], [])
            return
        old = self._peek_scalar(target)
        if old is owner:
            return
        d[self.key] = owner
        if state is not None:
            state.attribute_set(self.key, old, owner)
        if old is not None and old is not NO_VALUE:
            # *target* moved from *old* to *owner*: *old* loses it on its side.
            forward = self._rel.reverse_attribute
            if forward is not None:
                forward._backref_remove(old, target)

    def _backref_remove(self, target: object, owner: object) -> None:
        """Make *target*'s side of this attribute drop *owner* (no call back)."""
        d = target.__dict__
        state: StateEvents | None = d.get(STATE_KEY)
        if self._rel.uselist:
            collection = d.get(self.key)
            if isinstance(collection, list):
                for index, item in enumerate(collection):
                    if item is owner:
                        list.__delitem__(collection, index)
                        break
                else:
                    return
            if state is not None:
                state.collection_changed(self.key, [], [owner])
            return
        current = self._peek_scalar(target)
        if current is owner or current is NO_VALUE:
            d[self.key] = None
            if state is not None:
                state.attribute_set(self.key, current, None)


_new_list = InstrumentedList.__new__


def _is_mapped_instance(value: object) -> bool:
    return not isinstance(value, type) and "__mapper__" in type(value).__dict__


def set_committed_value(obj: object, key: str, value: Any) -> None:
    """Put a loaded *value* into *obj*'s attribute *key* with no event and no sync.

    For loaders: a list for a collection becomes its
    :class:`~aorm.orm.collections.InstrumentedList`; any other value is
    stored as it is.
    """
    # Mapped attributes live in the mapped class's own __dict__ (no descriptor call).
    attr = type(obj).__dict__.get(key)
    if attr is None:
        attr = getattr(type(obj), key, None)
    if isinstance(attr, RelationshipAttribute) and attr._rel.uselist:
        current = obj.__dict__.get(key)
        if isinstance(current, InstrumentedList):
            current._detach()
        attr._store_collection(obj, value if value is not None else ())
        return
    if not isinstance(attr, InstrumentedAttribute):
        raise ArgumentError(f"{type(obj).__name__}.{key} is not a mapped attribute")
    obj.__dict__[key] = value
