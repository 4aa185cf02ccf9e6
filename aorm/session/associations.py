"""Many-to-many association rows a flush writes.

A many-to-many relationship has no foreign key on either side: its links
are rows of the ``secondary`` table. :class:`AssociationRows` collects them
from the objects a flush saves and deletes:

* a new object's loaded collection gives a row per member;
* a persistent object's pending collection changes
  (``state.collection_changes``, recorded also for a collection that was
  never loaded) give rows to insert and rows to delete;
* a deleted object's rows are deleted by its key, with no need to load its
  collections: for each many-to-many of its class, and for each one of
  another class into it that has no side on its class.

Both sides of a ``back_populates`` pair record the same change, so rows are
kept once per table and values. A row whose other object is deleted (or not
in the session) is skipped. Rows are written in batches per table: removed
rows, then added ones, once every entity row is saved (their keys are known
then); deleted objects' rows go before any entity row is deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from aorm.engine.connection import Connection
from aorm.orm.instrumentation import NO_VALUE
from aorm.orm.join_conditions import RelationshipDirection
from aorm.orm.mapper import Mapper
from aorm.orm.relationships import RelationshipProperty
from aorm.session.persistence import delete_association_rows, insert_association_rows
from aorm.session.related import loaded_related, state_of
from aorm.session.relationship_keys import touching
from aorm.session.state import InstanceState
from aorm.sql.schema import Column, Table

if TYPE_CHECKING:
    from aorm.session.session import AsyncSession

__all__ = ["AssociationRows"]

_MANYTOMANY = RelationshipDirection.MANYTOMANY

#: Rows of one table, by their values in column-key order: the row by column key.
_Rows = dict[tuple[Any, ...], dict[str, Any]]


@dataclass(slots=True)
class _Link:
    """*owner* holds *item* through *prop* (or no longer does)."""

    prop: RelationshipProperty[Any]
    owner: InstanceState
    item: InstanceState


def _is_many_to_many(prop: RelationshipProperty[Any] | None) -> bool:
    return prop is not None and prop.direction is _MANYTOMANY and not prop.viewonly


class AssociationRows:
    """The association rows one flush inserts and deletes (see the module docstring)."""

    def __init__(self) -> None:
        self._added: list[_Link] = []
        self._removed: list[_Link] = []
        # (table, column keys) -> (table, columns, key values to delete).
        self._of_deleted: dict[
            tuple[int, tuple[str, ...]], tuple[Table, list[Column], dict[tuple[Any, ...], None]]
        ] = {}

    @property
    def empty(self) -> bool:
        """True when no row is added or removed (deleted objects' rows aside)."""
        return not self._added and not self._removed

    def collect(
        self,
        session: AsyncSession,
        inserts: Sequence[InstanceState],
        updates: Sequence[InstanceState],
        gone: set[int],
    ) -> None:
        """Rows to add and remove for the saved *inserts* and *updates*.

        *gone* holds ``id(state)`` of the objects this flush deletes or
        expunges: links to them are not written.
        """

        def member(obj: Any, *, saved: bool) -> InstanceState | None:
            item = state_of(obj)
            if item is None or item.session is not session or id(item) in gone:
                return None
            if saved and (item.key is None or item.flushed_deleted):
                return None  # a row never written has no link row to delete
            return item

        for owner in touching(inserts, attrgetter("many_to_many"), True):
            for prop in owner.mapper.relationships.values():
                if _is_many_to_many(prop):
                    for obj in loaded_related(owner, prop):
                        item = member(obj, saved=False)
                        if item is not None:
                            self._added.append(_Link(prop, owner, item))
        for owner in updates:
            history = owner.collection_changes
            if not history:
                continue
            for key, (added, removed) in history.items():
                changed = owner.mapper.relationships.get(key)
                if changed is None or not _is_many_to_many(changed):
                    continue
                for obj in added:
                    item = member(obj, saved=False)
                    if item is not None:
                        self._added.append(_Link(changed, owner, item))
                for obj in removed:
                    item = member(obj, saved=True)
                    if item is not None:
                        self._removed.append(_Link(changed, owner, item))

    def added_links(
        self,
    ) -> list[tuple[RelationshipProperty[Any], InstanceState, InstanceState]]:
        """``(relationship, owner, item)`` of each link this flush adds (a pair may come twice)."""
        return [(link.prop, link.owner, link.item) for link in self._added]

    def collect_deleted(self, mapper: Mapper[Any], states: Sequence[InstanceState]) -> None:
        """The rows of deleted objects *states* (all of *mapper*) go with them."""
        for prop in mapper.relationships.values():
            if _is_many_to_many(prop) and not prop.passive_deletes:
                assert prop.secondary is not None
                columns = [secondary for _, secondary in prop.local_remote_pairs]
                self._delete_by_key(prop.secondary, columns, prop.local_keys, states)
        for prop in _inbound(mapper):
            assert prop.secondary is not None
            columns = [secondary for _, secondary in prop.secondary_pairs]
            keys = tuple(mapper.column_to_key[target] for target, _ in prop.secondary_pairs)
            self._delete_by_key(prop.secondary, columns, keys, states)

    def _delete_by_key(
        self,
        table: Table,
        columns: list[Column],
        keys: Sequence[str],
        states: Sequence[InstanceState],
    ) -> None:
        group = (id(table), tuple(str(c.key) for c in columns))
        entry = self._of_deleted.get(group)
        if entry is None:
            entry = self._of_deleted[group] = (table, columns, {})
        found = entry[2]
        for state in states:
            obj = state.object
            if obj is None:
                continue
            # The row in the database holds the values from before unflushed changes.
            original = state.changes or {}
            d = obj.__dict__
            values = tuple(_before(original, k, d.get(k)) for k in keys)
            if None not in values:
                found[values] = None

    async def write(self, conn: Connection) -> None:
        """Delete the removed rows, then insert the added ones (after every entity row is saved)."""
        for table, rows in _rows_by_table(self._removed).values():
            columns = [table.c[k] for k in next(iter(rows.values()))]
            keys = [tuple(row[str(c.key)] for c in columns) for row in rows.values()]
            await delete_association_rows(conn, table, columns, keys)
        for table, rows in _rows_by_table(self._added).values():
            await insert_association_rows(conn, table, list(rows.values()))

    async def delete_of_deleted(self, conn: Connection) -> None:
        """Delete the rows of the deleted objects (before their own rows are deleted)."""
        for table, columns, keys in self._of_deleted.values():
            await delete_association_rows(conn, table, columns, list(keys))


def _before(original: dict[str, Any], key: str, current: Any) -> Any:
    value = original.get(key, NO_VALUE)
    return current if value is NO_VALUE else value


def _rows_by_table(links: Sequence[_Link]) -> dict[int, tuple[Table, _Rows]]:
    """The association rows of *links* by table, each row once (both sides report a link)."""
    tables: dict[int, tuple[Table, _Rows]] = {}
    for link in links:
        prop = link.prop
        owner_obj, item_obj = link.owner.object, link.item.object
        if owner_obj is None or item_obj is None or prop.secondary is None:
            continue
        owner_values, item_values = owner_obj.__dict__, item_obj.__dict__
        row: dict[str, Any] = {}
        for (_, secondary), key in zip(prop.local_remote_pairs, prop.local_keys, strict=True):
            row[str(secondary.key)] = owner_values.get(key)
        target_keys = prop.mapper.column_to_key
        for target, secondary in prop.secondary_pairs:
            row[str(secondary.key)] = item_values.get(target_keys[target])
        entry = tables.get(id(prop.secondary))
        if entry is None:
            entry = tables[id(prop.secondary)] = (prop.secondary, {})
        entry[1][tuple(row[k] for k in sorted(row))] = row
    return tables


def _inbound(mapper: Mapper[Any]) -> list[RelationshipProperty[Any]]:
    """Many-to-many relationships of any class *into* *mapper* that have no side on it."""
    found: list[RelationshipProperty[Any]] = []
    for other in mapper.registry.mappers:
        for prop in other.relationships.values():
            if (
                _is_many_to_many(prop)
                and prop.mapper is mapper
                and prop.reverse_property is None
                and not prop.passive_deletes
            ):
                found.append(prop)
    return found
