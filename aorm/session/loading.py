"""Rows into objects: hydration through the identity map.

A new object is made with ``cls.__new__`` and its loaded values put into its
``__dict__`` with one ``update()``: no ``__init__``, no descriptor call per
attribute. A row whose key is already in the session's identity map returns
the object there, keeping its unflushed changes; only its expired attributes
are filled in from the row. The ``populate_existing`` execution option
overwrites the loaded attributes of such objects instead (and discards their
unflushed changes).

:func:`entity_layout` reads what a SELECT returns per row (which columns
belong to which mapped entity); a :class:`Hydrator` turns raw row tuples
into rows of objects and plain values.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aorm._collector import PausedCollector
from aorm.orm.instrumentation import STATE_KEY
from aorm.orm.mapper import Mapper, is_mapped_class, per_mapper
from aorm.session.hydration_code import (
    BatchLoader,
    BatchLoaderFactory,
    GroupingLoader,
    GroupingLoaderFactory,
    batch_loader_factory,
    grouping_loader_factory,
)
from aorm.session.state import InstanceState
from aorm.sql.expressions import and_, bindparam
from aorm.sql.select import Select, select

if TYPE_CHECKING:
    from aorm.session.identity import IdentityMap

__all__ = [
    "BatchLoader",
    "EntityLoader",
    "EntitySlot",
    "GroupingLoader",
    "HYDRATION_CHUNK_ROWS",
    "Hydrator",
    "MapperLoading",
    "entity_layout",
    "loading_for",
    "take_chunks",
]


class MapperLoading:
    """What loading needs of one mapper, computed once: keys in column order, key positions."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.mapper = mapper
        self.class_ = mapper.class_
        #: Attribute keys in table-column order (the order ``select(Model)`` returns).
        self.keys: tuple[str, ...] = tuple(mapper.column_to_key[c] for c in mapper.table.c)
        self.width = len(self.keys)
        self.position = {key: i for i, key in enumerate(self.keys)}
        self.pk_positions: tuple[int, ...] = tuple(self.position[k] for k in mapper.pk_keys)
        self._by_key: dict[Hashable, Select] = {}
        self._batch_factory: BatchLoaderFactory | None = None
        self._grouping_factories: dict[tuple[int, ...], GroupingLoaderFactory] = {}

    def batch_factory(self) -> BatchLoaderFactory:
        """The mapper's generated hydration loop (see :mod:`aorm.session.hydration_code`)."""
        factory = self._batch_factory
        if factory is None:
            factory = self._batch_factory = batch_loader_factory(self.keys, self.pk_positions)
        return factory

    def grouping_factory(self, group_positions: tuple[int, ...]) -> GroupingLoaderFactory:
        """The hydration loop that also groups by the row values at *group_positions*."""
        factory = self._grouping_factories.get(group_positions)
        if factory is None:
            factory = self._grouping_factories[group_positions] = grouping_loader_factory(
                self.keys, self.pk_positions, group_positions
            )
        return factory

    def select_by_key(self, keys: tuple[str, ...] | None = None) -> Select:
        """``SELECT <keys or the entity> WHERE pk = :pk_n`` (cached; parameters ``pk:<key>``)."""
        stmt = self._by_key.get(keys)
        if stmt is None:
            mapper = self.mapper
            criteria = [mapper.columns[k] == bindparam(f"pk:{k}") for k in mapper.pk_keys]
            columns: Sequence[Any] = (
                [self.class_] if keys is None else [mapper.columns[k] for k in keys]
            )
            stmt = select(*columns).where(and_(*criteria))
            self._by_key[keys] = stmt
        return stmt

    def key_params(self, ident: tuple[Any, ...]) -> dict[str, Any]:
        """The parameters of :meth:`select_by_key` for primary key *ident*."""
        return {f"pk:{k}": v for k, v in zip(self.mapper.pk_keys, ident, strict=True)}


@per_mapper
def loading_for(mapper: Mapper[Any]) -> MapperLoading:
    """The cached :class:`MapperLoading` of *mapper*."""
    return MapperLoading(mapper)


@dataclass(frozen=True, slots=True)
class EntitySlot:
    """Where one selected item sits in a row: a mapped entity or a plain value."""

    #: Offset of its first column in the row.
    offset: int
    #: How many columns it takes.
    width: int
    #: The entity's loading info; None for a plain value.
    loading: MapperLoading | None
    #: The key of this item in the result rows.
    key: str


def _width(entity: Any) -> int:
    return len(select(entity).columns_clause)


def entity_layout(statement: Any, keys: Sequence[str]) -> list[EntitySlot] | None:
    """How *statement*'s rows split into entities and values, or None if it selects no entity.

    *keys* are the result's column keys. None also when the columns do not
    add up (a statement this layer does not understand is returned as plain rows).
    """
    entities = getattr(statement, "raw_entities", None)
    if not entities or not any(is_mapped_class(e) for e in entities):
        return None
    slots: list[EntitySlot] = []
    offset = 0
    for entity in entities:
        if is_mapped_class(entity):
            mapper: Mapper[Any] = entity.__mapper__
            mapper.configure()
            loading = loading_for(mapper)
            slots.append(EntitySlot(offset, loading.width, loading, entity.__name__))
            offset += loading.width
        else:
            width = _width(entity)
            for i in range(width):
                key = keys[offset + i] if offset + i < len(keys) else f"col_{offset + i}"
                slots.append(EntitySlot(offset + i, 1, None, key))
            offset += width
    if offset != len(keys):
        return None
    return slots


#: Turns one entity's column values into its object (None for a NULL key).
EntityLoader = Callable[[Sequence[Any]], Any]


#: Rows hydrated per step where the raw rows are let go as their objects are
#: made (:func:`take_chunks`).
HYDRATION_CHUNK_ROWS = 1000


def take_chunks(raw_rows: list[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    """*raw_rows* in order, :data:`HYDRATION_CHUNK_ROWS` at a time, emptying the list as it goes.

    The caller gives the rows up: a chunk's rows are let go once the caller
    is done with it, so their memory is reused for the objects made from the
    next chunks instead of adding to the peak.
    """
    size = HYDRATION_CHUNK_ROWS
    # Chunks come off the end of the reversed list: each cut is O(chunk).
    raw_rows.reverse()
    while raw_rows:
        chunk = raw_rows[-size:]
        del raw_rows[-size:]
        chunk.reverse()
        yield chunk


class Hydrator:
    """Turns raw rows into objects (through one session's identity map)."""

    __slots__ = (
        "_batch_loaders",
        "_grouping_loaders",
        "_identity_map",
        "_loaders",
        "_populate_existing",
        "_session_ref",
    )

    def __init__(
        self,
        identity_map: IdentityMap,
        session_ref: weakref.ref[Any],
        *,
        populate_existing: bool = False,
    ) -> None:
        self._identity_map = identity_map
        self._session_ref = session_ref
        self._populate_existing = populate_existing
        self._loaders: dict[int, EntityLoader] = {}
        self._batch_loaders: dict[int, BatchLoader] = {}
        # Made on first use: most hydrators (a get(), a plain query) never group.
        self._grouping_loaders: dict[tuple[int, tuple[int, ...]], GroupingLoader] | None = None

    def rows(
        self, layout: Sequence[EntitySlot], raw_rows: Sequence[tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        """The result rows: each entity's columns replaced by its object."""
        with PausedCollector():
            return self._rows(layout, raw_rows)

    def _rows(
        self, layout: Sequence[EntitySlot], raw_rows: Sequence[tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        if len(layout) == 1 and layout[0].loading is not None:
            return [(obj,) for obj in self.batch_loader(layout[0].loading)(raw_rows)]
        columns: list[list[Any]] = []
        for slot in layout:
            offset = slot.offset
            if slot.loading is None:
                columns.append([row[offset] for row in raw_rows])
            else:
                stop = offset + slot.width
                load_all = self.batch_loader(slot.loading)
                columns.append(load_all([row[offset:stop] for row in raw_rows]))
        return list(zip(*columns, strict=True)) if columns else [() for _ in raw_rows]

    def take_entities(self, loading: MapperLoading, raw_rows: list[tuple[Any, ...]]) -> list[Any]:
        """What :meth:`entities` returns, emptying *raw_rows* (the caller gives them up) as it goes.

        The raw rows of a large result are let go chunk by chunk while the
        objects are made (:func:`take_chunks`).
        """
        load_all = self.batch_loader(loading)
        out: list[Any] = []
        with PausedCollector():
            for chunk in take_chunks(raw_rows):
                out += load_all(chunk)
        return out

    def entity(self, loading: MapperLoading, values: Sequence[Any]) -> Any:
        """The object for one entity's column *values* (None when its key is NULL)."""
        return self.loader(loading)(values)

    def entities(self, loading: MapperLoading, rows: Iterable[Sequence[Any]]) -> list[Any]:
        """The objects of many rows of *loading*'s columns, in order (None for a NULL key).

        Each row may hold more columns after the entity's: they are ignored.
        """
        with PausedCollector():
            return self.batch_loader(loading)(rows)

    def entities_by_key(
        self,
        loading: MapperLoading,
        rows: Iterable[Sequence[Any]],
        key_positions: tuple[int, ...],
    ) -> tuple[list[Any], dict[Any, list[Any]] | None]:
        """:meth:`entities`, and the objects grouped by the rows' values at *key_positions*.

        The groups map a bare value (one position) or a tuple of values to
        the objects of the rows holding them, in row order. They are None
        when some row's object was already in the session (it may then come
        more than once, and the caller groups the rows itself); rows with a
        NULL primary key give None in the objects and are in no group.
        """
        with PausedCollector():
            return self.grouping_loader(loading, key_positions)(rows)

    def loader(self, loading: MapperLoading) -> EntityLoader:
        """The function that makes (or finds) one of *loading*'s objects from its column values.

        What :meth:`batch_loader` does for many rows, for one row at a time
        (a ``get()``, the rows of a JOIN).
        """
        found = self._loaders.get(id(loading))
        if found is not None:
            return found
        identity_map = self._identity_map
        refs = identity_map._refs
        refs_get = refs.get
        cls: Any = loading.class_
        new = cls.__new__
        keys = loading.keys
        mapper = loading.mapper
        make_state = InstanceState.loaded
        session_ref = self._session_ref
        existing = self._existing
        positions = loading.pk_positions
        single = positions[0] if len(positions) == 1 else -1

        def load(values: Sequence[Any]) -> Any:
            if single >= 0:
                first = values[single]
                if first is None:
                    return None
                key: tuple[Any, ...] = (cls, first)
            else:
                ident = tuple([values[p] for p in positions])
                if None in ident:
                    return None
                key = (cls, *ident)
            ref = refs_get(key)
            if ref is not None:
                obj = ref()
                if obj is not None:
                    existing(obj, loading, values)
                    return obj
            obj = new(cls)
            d = obj.__dict__
            # One key at a time: d.update() would give the object a dict of its
            # own instead of the class's shared keys (see declarative_scan).
            for attr_key, value in zip(keys, values, strict=False):
                d[attr_key] = value
            d[STATE_KEY] = state = make_state(obj, mapper, key, session_ref)
            refs[key] = state
            return obj

        self._loaders[id(loading)] = load
        return load

    def _bind(self, factory: Callable[..., Any], loading: MapperLoading) -> Any:
        """A generated loop of *loading*'s mapper bound to this session's identity map."""
        return factory(
            loading.class_,
            self._identity_map._refs,
            loading.mapper,
            self._session_ref,
            self._existing,
            loading,
            STATE_KEY,
        )

    def batch_loader(self, loading: MapperLoading) -> BatchLoader:
        """The function that makes (or finds) *loading*'s objects from rows of column values.

        It is the hot path of every query: the mapper's loop, generated once
        (:mod:`aorm.session.hydration_code`), bound to this session. A new
        object costs ``__new__``, one ``__dict__`` store per column and its
        state, which is also the identity map's weak reference to it. Values
        past the entity's width are ignored.
        """
        found = self._batch_loaders.get(id(loading))
        if found is None:
            found = self._batch_loaders[id(loading)] = self._bind(loading.batch_factory(), loading)
        return found

    def grouping_loader(
        self, loading: MapperLoading, key_positions: tuple[int, ...]
    ) -> GroupingLoader:
        """:meth:`batch_loader` that also groups the new objects (see :meth:`entities_by_key`)."""
        loaders = self._grouping_loaders
        if loaders is None:
            loaders = self._grouping_loaders = {}
        cache_key = (id(loading), key_positions)
        found = loaders.get(cache_key)
        if found is None:
            factory = loading.grouping_factory(key_positions)
            found = loaders[cache_key] = self._bind(factory, loading)
        return found

    def _existing(self, obj: Any, loading: MapperLoading, values: Sequence[Any]) -> None:
        """A row of an object already in the session: fill in what is expired (or overwrite)."""
        state: InstanceState = obj.__dict__[STATE_KEY]
        if self._populate_existing:
            was_modified = state.modified
            obj.__dict__.update(zip(loading.keys, values, strict=False))
            state.discard_changes(loading.keys)
            state.expired_attributes = frozenset()
            if was_modified and not state.modified:
                session = state.session
                if session is not None:
                    session._state_clean(state)
            return
        expired = state.expired_attributes
        if expired:
            d = obj.__dict__
            position = loading.position
            for key in expired:
                if key in position:
                    d[key] = values[position[key]]
            state.expired_attributes = frozenset()


def populate_state(state: InstanceState, keys: Sequence[str], values: Sequence[Any]) -> None:
    """Put freshly loaded *values* of *keys* into *state*'s object (refresh): no events.

    Pending changes of those keys are discarded and they are no longer expired.
    """
    obj = state.object
    if obj is None:
        return
    was_modified = state.modified
    obj.__dict__.update(zip(keys, values, strict=True))
    state.discard_changes(keys)
    state.loaded_keys(keys)
    if was_modified and not state.modified:
        session = state.session
        if session is not None:
            session._state_clean(state)
