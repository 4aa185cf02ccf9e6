"""Loader strategies: how a relationship's value is found, registered by ``lazy=`` key.

A :class:`LoaderStrategy` answers two questions for one relationship:

* :meth:`~LoaderStrategy.missing` — the value when a loaded object's
  attribute is read and not in its ``__dict__``. It must not do IO: it
  returns what is known without a query (a many-to-one whose foreign key is
  NULL is None; one whose target is in the identity map is that object) or
  raises :class:`~aorm.exc.LazyLoadError` naming ``Class.attr`` and the fixes.
* :meth:`~LoaderStrategy.load` — the awaited load
  (``await obj.awaitable_attrs.books``, ``refresh(obj, ["books"])``) for
  some objects of one class at once; it stores the values with
  :func:`~aorm.orm.attributes.set_committed_value`.

Strategies are registered by the ``lazy=`` names of ``relationship()``
(:func:`register_strategy`); :func:`strategy_for` picks a relationship's.
The built-ins here do no loading of their own yet: ``load`` raises
:class:`~aorm.exc.LazyLoadError`. Eager strategies (``joined``,
``selectin``, ``subquery``) behave like ``select`` when their attribute is
read on an object that was loaded without them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aorm.exc import ArgumentError, LazyLoadError
from aorm.orm.join_conditions import RelationshipDirection
from aorm.orm.relationships import RelationshipProperty

if TYPE_CHECKING:
    from aorm.session.state import InstanceState

__all__ = [
    "LoaderStrategy",
    "NoLoadStrategy",
    "RaiseStrategy",
    "SelectStrategy",
    "register_strategy",
    "registered_strategies",
    "strategy_for",
]


def _not_loaded(prop: RelationshipProperty[Any]) -> LazyLoadError:
    owner = prop.parent.class_.__name__ if prop.parent is not None else "?"
    target = prop.mapper.class_.__name__ if prop.mapper is not None else "the target"
    return LazyLoadError(
        f"{owner}.{prop.key} is not loaded, and reading it would need a query (attribute "
        f"access never does IO); load it with `await obj.awaitable_attrs.{prop.key}`, or "
        f"eager-load it with a loader option such as `selectinload({owner}.{prop.key})` "
        f"when querying {owner} (it holds {target} objects)"
    )


class LoaderStrategy:
    """How one kind of relationship loading behaves (see the module docstring)."""

    #: The ``lazy=`` name this strategy is registered under.
    name: str = ""

    def missing(self, state: InstanceState, prop: RelationshipProperty[Any]) -> Any:
        """The value of *prop* on *state*'s object without IO, or raise LazyLoadError."""
        raise _not_loaded(prop)

    async def load(
        self, session: Any, states: Sequence[InstanceState], prop: RelationshipProperty[Any]
    ) -> None:
        """Load *prop* for every object of *states* (awaited access, refresh)."""
        owner = prop.parent.class_.__name__ if prop.parent is not None else "?"
        target = prop.mapper.class_.__name__ if prop.mapper is not None else "the target"
        raise LazyLoadError(
            f"{owner}.{prop.key}: its lazy={prop.lazy!r} strategy has no awaited loader "
            f"registered; query the {target} objects instead"
        )


class SelectStrategy(LoaderStrategy):
    """``lazy="select"``: loaded when awaited; a many-to-one resolves from the identity map."""

    name = "select"

    def missing(self, state: InstanceState, prop: RelationshipProperty[Any]) -> Any:
        if prop.direction is RelationshipDirection.MANYTOONE:
            found, value = many_to_one_without_io(state, prop)
            if found:
                return value
        raise _not_loaded(prop)


class RaiseStrategy(LoaderStrategy):
    """``lazy="raise"``: reading an unloaded value always raises LazyLoadError."""

    name = "raise"

    def missing(self, state: InstanceState, prop: RelationshipProperty[Any]) -> Any:
        owner = prop.parent.class_.__name__ if prop.parent is not None else "?"
        raise LazyLoadError(
            f"{owner}.{prop.key} is lazy='raise': it is never loaded on access; eager-load it "
            f"with a loader option such as `selectinload({owner}.{prop.key})`, or await "
            f"`obj.awaitable_attrs.{prop.key}`"
        )


class NoLoadStrategy(LoaderStrategy):
    """``lazy="noload"``: never loaded; reads as empty (a collection) or None."""

    name = "noload"

    def missing(self, state: InstanceState, prop: RelationshipProperty[Any]) -> Any:
        return [] if prop.uselist else None

    async def load(
        self, session: Any, states: Sequence[InstanceState], prop: RelationshipProperty[Any]
    ) -> None:
        return None


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
    key = (target.class_, tuple(values[k] for k in target.pk_keys))
    found = session.identity_map.get(key)
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


_select = SelectStrategy()
register_strategy("select", _select)
register_strategy("raise", RaiseStrategy())
register_strategy("noload", NoLoadStrategy())
# Eager strategies answer a read on an object loaded without them like "select".
for _name in ("joined", "subquery", "selectin", "dynamic"):
    register_strategy(_name, _select)
del _name
