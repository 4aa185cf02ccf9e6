"""Loader strategies: how a relationship's value is found, registered by ``lazy=`` key.

A :class:`LoaderStrategy` answers two questions for one relationship:

* :meth:`~LoaderStrategy.missing` — the value when a loaded object's
  attribute is read and not in its ``__dict__``. It must not do IO: it
  returns what is known without a query (a many-to-one whose foreign key is
  NULL is None; one whose target is in the identity map is that object) or
  raises :class:`~aorm.exc.LazyLoadError` naming ``Class.attr`` and the fixes.
* :meth:`~LoaderStrategy.load` — the awaited load
  (``await obj.awaitable_attrs.books``, ``session.load()``,
  ``refresh(obj, ["books"])``) for some objects of one class at once; it
  stores the values with :func:`~aorm.orm.attributes.set_committed_value`.

Strategies are registered by the ``lazy=`` names of ``relationship()``
(:func:`register_strategy`); :func:`strategy_for` picks a relationship's.
This module registers the built-ins with their no-IO answers only; the
module that owns the loading queries (:mod:`aorm.session.eager_loading`,
imported with :mod:`aorm.session`) registers them again with their awaited
loaders. It cannot be done here: the object state imports this module, and
the loaders need the hydration machinery, which imports the object state.

A loader option given to a query (``raiseload(Author.books)``,
``lazyload(...)``) applies to the objects that query returns: it is kept
per object (:func:`set_loader_override`), and :func:`effective_strategy`
(and :meth:`LoaderStrategy.missing`) honour it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from aorm.exc import ArgumentError, LazyLoadError
from aorm.orm.join_conditions import RelationshipDirection
from aorm.orm.relationships import RelationshipProperty
from aorm.session.dynamic import DynamicCollection
from aorm.session.identity import map_key

if TYPE_CHECKING:
    from aorm.session.state import InstanceState

__all__ = [
    "LOADER_OVERRIDES_KEY",
    "DynamicStrategy",
    "LoaderStrategy",
    "NoLoadStrategy",
    "RaiseStrategy",
    "SelectStrategy",
    "effective_strategy",
    "loader_override",
    "many_to_one_without_io",
    "not_loaded_error",
    "raise_error",
    "register_strategy",
    "registered_strategies",
    "set_loader_override",
    "strategy_for",
]

#: The ``__dict__`` key under which an object keeps the loader options its
#: query gave it (``{"books": "raise"}``); next to the state's own key.
LOADER_OVERRIDES_KEY: Final = "_aorm_loaders"


def _names(prop: RelationshipProperty[Any]) -> tuple[str, str]:
    owner = prop.parent.class_.__name__ if prop.parent is not None else "?"
    target = prop.mapper.class_.__name__ if prop.mapper is not None else "the target"
    return owner, target


def not_loaded_error(prop: RelationshipProperty[Any]) -> LazyLoadError:
    """The error for reading relationship *prop* when it is not loaded: names the three fixes."""
    owner, target = _names(prop)
    where = f"{owner}.{prop.key}"
    return LazyLoadError(
        f"{where} is not loaded, and reading it would need a query (attribute access never "
        f"does IO). Load it with `await obj.awaitable_attrs.{prop.key}`, or "
        f"`await session.load(obj, {where})` (or `await session.refresh(obj, "
        f"[{prop.key!r}])`), or eager-load it with the query that loads the {owner} objects, "
        f"with a loader option such as `selectinload({where})` (it holds {target} objects)"
    )


def raise_error(prop: RelationshipProperty[Any]) -> LazyLoadError:
    """The error for any lazy access to a ``lazy="raise"`` / ``raiseload()`` relationship."""
    owner, _ = _names(prop)
    where = f"{owner}.{prop.key}"
    return LazyLoadError(
        f"{where} may not be loaded lazily (lazy='raise' or raiseload()): reading or "
        f"awaiting it raises. Eager-load it with a loader option such as "
        f"`selectinload({where})` when querying {owner}, or reload it explicitly with "
        f"`await session.refresh(obj, [{prop.key!r}])`"
    )


# -- per-object loader options --------------------------------------------------


def loader_override(obj: object, key: str) -> str | None:
    """The strategy a query's loader option set for *obj*'s relationship *key*, if any."""
    overrides: dict[str, str] | None = obj.__dict__.get(LOADER_OVERRIDES_KEY)
    return None if overrides is None else overrides.get(key)


def set_loader_override(obj: object, key: str, strategy: str | None) -> None:
    """Make *obj*'s relationship *key* behave as *strategy* (None: as its own ``lazy=``)."""
    d = obj.__dict__
    overrides: dict[str, str] | None = d.get(LOADER_OVERRIDES_KEY)
    if strategy is None:
        if overrides is not None:
            overrides.pop(key, None)
        return
    if overrides is None:
        overrides = d[LOADER_OVERRIDES_KEY] = {}
    overrides[key] = strategy


def effective_strategy(state: InstanceState, prop: RelationshipProperty[Any]) -> LoaderStrategy:
    """The strategy for *prop* on *state*'s object: a loader option's, else its ``lazy=``."""
    obj = state.object
    name = None if obj is None else loader_override(obj, prop.key)
    if name is not None:
        found = _strategies.get(name)
        if found is not None:
            return found
    return strategy_for(prop)


# -- strategies -------------------------------------------------------------------


class LoaderStrategy:
    """How one kind of relationship loading behaves (see the module docstring).

    Subclasses answer :meth:`missing_value` and :meth:`load`;
    :meth:`missing` first defers to a strategy a loader option set for the
    object.
    """

    #: The ``lazy=`` name this strategy is registered under.
    name: str = ""

    def missing(self, state: InstanceState, prop: RelationshipProperty[Any]) -> Any:
        """The value of *prop* on *state*'s object without IO, or raise LazyLoadError."""
        obj = state.object
        override = None if obj is None else loader_override(obj, prop.key)
        if override is not None and override != self.name:
            other = _strategies.get(override)
            if other is not None:
                return other.missing_value(state, prop)
        return self.missing_value(state, prop)

    def missing_value(self, state: InstanceState, prop: RelationshipProperty[Any]) -> Any:
        """This strategy's own no-IO answer (see :meth:`missing`)."""
        raise not_loaded_error(prop)

    async def load(
        self,
        session: Any,
        states: Sequence[InstanceState],
        prop: RelationshipProperty[Any],
        *,
        refresh: bool = False,
    ) -> None:
        """Load *prop* for every object of *states*, replacing what they hold (awaited access).

        With *refresh* (``session.refresh(obj, ["books"])``) the loaded value
        also replaces unflushed changes of the attribute.
        """
        owner, target = _names(prop)
        raise LazyLoadError(
            f"{owner}.{prop.key}: its lazy={prop.lazy!r} strategy has no awaited loader "
            f"registered; query the {target} objects instead"
        )


class SelectStrategy(LoaderStrategy):
    """``lazy="select"``: loaded when awaited; a many-to-one resolves from the identity map.

    The eager strategies (``joined``, ``selectin``, ``subquery``) answer a
    read like this one on an object loaded without them.
    """

    def __init__(self, name: str = "select") -> None:
        self.name = name

    def missing_value(self, state: InstanceState, prop: RelationshipProperty[Any]) -> Any:
        if prop.direction is RelationshipDirection.MANYTOONE:
            found, value = many_to_one_without_io(state, prop)
            if found:
                return value
        raise not_loaded_error(prop)


class RaiseStrategy(LoaderStrategy):
    """``lazy="raise"``: reading an unloaded value, or awaiting it, always raises LazyLoadError."""

    name = "raise"

    def missing_value(self, state: InstanceState, prop: RelationshipProperty[Any]) -> Any:
        raise raise_error(prop)

    async def load(
        self,
        session: Any,
        states: Sequence[InstanceState],
        prop: RelationshipProperty[Any],
        *,
        refresh: bool = False,
    ) -> None:
        raise raise_error(prop)


class NoLoadStrategy(LoaderStrategy):
    """``lazy="noload"``: never loaded; reads as empty (a collection) or None."""

    name = "noload"

    def missing_value(self, state: InstanceState, prop: RelationshipProperty[Any]) -> Any:
        return [] if prop.uselist else None

    async def load(
        self,
        session: Any,
        states: Sequence[InstanceState],
        prop: RelationshipProperty[Any],
        *,
        refresh: bool = False,
    ) -> None:
        return None


class DynamicStrategy(LoaderStrategy):
    """``lazy="dynamic"``: the attribute is a query object (:class:`DynamicCollection`)."""

    name = "dynamic"

    def missing_value(self, state: InstanceState, prop: RelationshipProperty[Any]) -> Any:
        return DynamicCollection(state, prop)

    async def load(
        self,
        session: Any,
        states: Sequence[InstanceState],
        prop: RelationshipProperty[Any],
        *,
        refresh: bool = False,
    ) -> None:
        return None  # nothing is ever loaded: every read is a query


def many_to_one_without_io(
    state: InstanceState, prop: RelationshipProperty[Any]
) -> tuple[bool, Any]:
    """``(True, target)`` when a many-to-one is known without a query, else ``(False, None)``.

    Known: a NULL foreign key (None), or a target already in the owning
    session's identity map (that object).
    """
    obj = state.object
    if obj is None:
        return False, None
    d = obj.__dict__
    values: dict[str, Any] = {}
    for local_key, remote_key in zip(prop.local_keys, prop.remote_keys, strict=True):
        if local_key not in d:
            return False, None
        value = d[local_key]
        if value is None:
            return True, None
        values[remote_key] = value
    target = prop.mapper
    session = state.session
    if session is None or set(values) != set(target.pk_keys):
        return False, None
    found = session._identity_map.lookup(
        map_key(target.class_, tuple(values[k] for k in target.pk_keys))
    )
    if found is None:
        return False, None
    return True, found


_strategies: dict[str, LoaderStrategy] = {}


def register_strategy(name: str, strategy: LoaderStrategy) -> None:
    """Use *strategy* for relationships with ``lazy=name`` (replacing any before)."""
    if not isinstance(strategy, LoaderStrategy):
        raise ArgumentError(f"register_strategy() takes a LoaderStrategy, not {strategy!r}")
    _strategies[name] = strategy


def registered_strategies() -> dict[str, LoaderStrategy]:
    """The registered strategies by name (a copy)."""
    return dict(_strategies)


def strategy_for(prop: RelationshipProperty[Any]) -> LoaderStrategy:
    """The strategy of *prop* (its ``lazy=``); ``select`` for names nobody registered."""
    return _strategies.get(prop.lazy) or _strategies["select"]


for _name in ("select", "joined", "subquery", "selectin"):
    register_strategy(_name, SelectStrategy(_name))
del _name
register_strategy("raise", RaiseStrategy())
register_strategy("noload", NoLoadStrategy())
register_strategy("dynamic", DynamicStrategy())
