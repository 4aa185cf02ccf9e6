"""What relationship loaders share: one load's context, the plan walk, storing loaded values.

A :class:`LoadContext` lives for one loading operation (a query and the
eager loads it sets off, or one awaited load): the session, its connection,
the :class:`~aorm.session.loading.Hydrator` that turns rows into objects
through the identity map, the query's parameters, and what was done so far
(so an object reached twice is loaded once, and a cycle of eager
relationships ends).

Loaded values go into objects through :func:`store_related`, which keeps
the identity map's promise: an already-loaded value is kept (unless the
query asked for ``populate_existing``, or a refresh), and a collection
change made in memory and not flushed yet (a ``book.author = orwell`` while
``orwell.books`` was not loaded) is applied to the freshly loaded list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aorm.engine.connection import Connection
from aorm.orm.attributes import set_committed_value
from aorm.orm.instrumentation import STATE_KEY
from aorm.orm.join_conditions import RelationshipDirection
from aorm.orm.mapper import Mapper
from aorm.orm.relationships import RelationshipProperty
from aorm.session.loader_options import EAGER_STRATEGIES, PlanNode
from aorm.session.loading import Hydrator

if TYPE_CHECKING:
    from aorm.session.session import AsyncSession
    from aorm.session.state import InstanceState

__all__ = [
    "LoadContext",
    "default_node",
    "effective_nodes",
    "has_eager_defaults",
    "related_objects",
    "store_related",
]


@dataclass(eq=False)
class LoadContext:
    """The context of one loading operation (see the module docstring)."""

    session: AsyncSession
    connection: Connection
    hydrator: Hydrator
    #: The query's ``populate_existing``: loaded values are replaced, not kept.
    populate_existing: bool = False
    #: The parameters of the query that loaded the first objects (for subquery loads).
    params: Any = None
    # id(node) -> ids of the objects already processed for it by this operation.
    _visited: dict[int, set[int]] = field(default_factory=dict)
    # id(node) -> ids of the objects whose value a JOIN in some query loaded.
    _joined: dict[int, set[int]] = field(default_factory=dict)

    @classmethod
    async def begin(
        cls, session: AsyncSession, *, populate_existing: bool = False, params: Any = None
    ) -> LoadContext:
        """A context on *session*'s connection (checked out if needed)."""
        connection = await session._connection()
        hydrator = Hydrator(
            session._identity_map, session._ref, populate_existing=populate_existing
        )
        return cls(session, connection, hydrator, populate_existing, params)

    def first_visit(self, objects: Iterable[Any], node: PlanNode) -> list[Any]:
        """The objects of *objects* not processed for *node* before (now marked processed)."""
        seen = self._visited.setdefault(id(node), set())
        before = len(seen)
        fresh = [obj for obj in objects if id(obj) not in seen]
        seen.update(map(id, fresh))
        if len(seen) - before == len(fresh):
            return fresh
        # Some object came twice in *objects*: keep its first place only.
        return list({id(obj): obj for obj in fresh}.values())

    def joined(self, node: PlanNode, parents: Iterable[Any]) -> None:
        """Record that a JOIN loaded *node* for *parents*."""
        self._joined.setdefault(id(node), set()).update(id(p) for p in parents)

    def needing(self, objects: Iterable[Any], node: PlanNode) -> list[Any]:
        """The objects whose value of *node* still has to be loaded by a query."""
        key = node.prop.key
        done = self._joined.get(id(node), ())
        overwrite = self.populate_existing
        return [
            obj for obj in objects if id(obj) not in done and (overwrite or key not in obj.__dict__)
        ]


# -- walking the plan -------------------------------------------------------------

_default_nodes: dict[RelationshipProperty[Any], PlanNode] = {}
_wildcard_nodes: dict[tuple[RelationshipProperty[Any], str], PlanNode] = {}
# Keyed by the number of relationships too: a backref made later adds one.
_eager_defaults: dict[tuple[Mapper[Any], int], bool] = {}


def default_node(prop: RelationshipProperty[Any]) -> PlanNode:
    """The node of *prop* when no option names it: its own ``lazy=`` (one shared node)."""
    node = _default_nodes.get(prop)
    if node is None:
        node = _default_nodes[prop] = PlanNode(prop, prop.lazy)
    return node


def _wildcard_node(prop: RelationshipProperty[Any], strategy: str) -> PlanNode:
    node = _wildcard_nodes.get((prop, strategy))
    if node is None:
        node = _wildcard_nodes[(prop, strategy)] = PlanNode(prop, strategy, explicit=True)
    return node


def effective_nodes(
    mapper: Mapper[Any], children: dict[str, PlanNode], wildcard: str | None
) -> list[PlanNode]:
    """The nodes that apply to objects of *mapper*: options first, else ``lazy=`` defaults.

    Relationships that load lazily by default and that no option names are
    left out (there is nothing to do for them when their parents load).
    """
    nodes: list[PlanNode] = []
    for key, prop in mapper.relationships.items():
        node = children.get(key)
        if node is None:
            if wildcard is not None and prop.lazy != "dynamic":
                node = _wildcard_node(prop, wildcard)
            elif prop.lazy in EAGER_STRATEGIES:
                node = default_node(prop)
            else:
                continue
        nodes.append(node)
    return nodes


def has_eager_defaults(mapper: Mapper[Any]) -> bool:
    """True when a relationship of *mapper* loads eagerly by default (``lazy="selectin"``, …)."""
    mapper.configure()
    relationships = mapper.relationships
    cache_key = (mapper, len(relationships))
    found = _eager_defaults.get(cache_key)
    if found is None:
        found = _eager_defaults[cache_key] = any(
            prop.lazy in EAGER_STRATEGIES for prop in relationships.values()
        )
    return found


# -- values ----------------------------------------------------------------------


def related_objects(objects: Sequence[Any], key: str) -> list[Any]:
    """The distinct objects *objects* hold in relationship *key* (where it is loaded)."""
    seen: set[int] = set()
    found: list[Any] = []
    for obj in objects:
        value = obj.__dict__.get(key)
        if value is None:
            continue
        items = value if isinstance(value, list) else (value,)
        for item in items:
            marker = id(item)
            if marker not in seen:
                seen.add(marker)
                found.append(item)
    return found


def _with_pending(state: InstanceState | None, key: str, items: list[Any]) -> list[Any]:
    """*items* with the unflushed in-memory changes of collection *key* applied."""
    history = state.collection_changes if state is not None else None
    change = history.get(key) if history else None
    if change is None:
        return items
    added, removed = change
    dropped = {id(x) for x in removed}
    result = [x for x in items if id(x) not in dropped]
    present = {id(x) for x in result}
    result.extend(x for x in added if id(x) not in present)
    return result


def store_related(
    parent: Any,
    prop: RelationshipProperty[Any],
    value: Any,
    *,
    refresh: bool = False,
) -> None:
    """Put a loaded *value* (a list for a collection, an object or None) into *parent*.

    With *refresh* the loaded value replaces unflushed changes of the
    attribute (``session.refresh(obj, ["books"])``, ``populate_existing``);
    otherwise pending collection changes are applied on top of it. A loaded
    one-to-many also fills in the many-to-one back-reference of its members
    where that is not loaded (so ``book.author`` needs no identity-map look-up).
    """
    key = prop.key
    state: InstanceState | None = parent.__dict__.get(STATE_KEY)
    if refresh and state is not None:
        history = state.collection_changes
        changes = state.changes
        if (history and key in history) or (changes and key in changes):
            was_modified = state.modified
            state.discard_changes((key,))
            session = state.session
            if was_modified and not state.modified and session is not None:
                session._state_clean(state)
    if prop.uselist:
        items = list(value) if value is not None else []
        if not refresh:
            items = _with_pending(state, key, items)
        set_committed_value(parent, key, items)
        _fill_reverse(parent, prop, items)
    else:
        set_committed_value(parent, key, value)
        if value is not None:
            _fill_reverse(parent, prop, (value,))


def _fill_reverse(parent: Any, prop: RelationshipProperty[Any], items: Iterable[Any]) -> None:
    reverse = prop.reverse_property
    if reverse is None or reverse.uselist or prop.direction is not RelationshipDirection.ONETOMANY:
        return
    key = reverse.key
    for item in items:
        d = item.__dict__
        if key not in d:
            d[key] = parent
