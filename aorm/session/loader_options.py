"""Loader options: ``select(Author).options(selectinload(Author.books))``.

An option is a *path* of relationships starting at a queried class, each
step naming how that relationship loads for the objects the query returns:

* :func:`selectinload` — a second query per level, ``WHERE key IN (…)``
  (chunked), for every parent at once;
* :func:`joinedload` — a LEFT OUTER JOIN in the query itself;
* :func:`subqueryload` — a second query joined to the first one as a subquery;
* :func:`lazyload` — not loaded with the query; ``await`` it when needed;
* :func:`raiseload` — never loaded lazily: reading it or awaiting it raises
  :class:`~aorm.exc.LazyLoadError`;
* :func:`noload` — never loaded: reads as empty (a collection) or ``None``;
* :func:`defaultload` — keeps the relationship's own ``lazy=`` strategy
  (to reach a deeper level: ``defaultload(A.b).selectinload(B.c)``).

Options chain for deeper levels: ``selectinload(Author.books).joinedload(Book.reviews)``.
Steps take relationship attributes (``Author.books``) or, for brevity,
relationship names (``"books"``) resolved against the class the path has
reached; ``lazyload``, ``raiseload`` and ``noload`` also take ``"*"``: every
relationship of that class that no other option names.

:func:`compile_plans` turns a statement's options into one
:class:`EntityPlan` per queried class: the tree the loaders walk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, final

from aorm.exc import ArgumentError
from aorm.orm.attributes import InstrumentedAttribute, RelationshipAttribute
from aorm.orm.mapper import Mapper
from aorm.orm.relationships import RelationshipProperty

__all__ = [
    "EAGER_STRATEGIES",
    "EntityPlan",
    "LoaderOption",
    "PathStep",
    "PlanNode",
    "compile_plans",
    "defaultload",
    "joinedload",
    "lazyload",
    "noload",
    "raiseload",
    "selectinload",
    "subqueryload",
]

#: Strategies that load with the query that loads the parents.
EAGER_STRATEGIES: Final = frozenset({"joined", "selectin", "subquery"})

#: The option name of each strategy, for messages.
_OPTION_NAMES: Final = {
    "selectin": "selectinload",
    "joined": "joinedload",
    "subquery": "subqueryload",
    "select": "lazyload",
    "raise": "raiseload",
    "noload": "noload",
    None: "defaultload",
}

# Strategies an option may set for every relationship of a class ("*").
_WILDCARD_STRATEGIES: Final = frozenset({"select", "raise", "noload"})

#: Fewest and most keys one selectin query may carry.
_CHUNK_BOUNDS: Final = (1, 1_000_000)


@dataclass(frozen=True, slots=True)
class PathStep:
    """One step of a loader option: a relationship and how it loads."""

    #: The relationship (``Author.books``), its name (``"books"``) or ``"*"``.
    attribute: RelationshipAttribute[Any] | str
    #: The strategy name (``"selectin"``, ``"joined"``, …); None keeps the relationship's own.
    strategy: str | None
    #: Keys per query for ``selectin`` (None: the default).
    chunk_size: int | None = None

    def describe(self) -> str:
        """``selectinload(Author.books)``."""
        attribute = self.attribute
        what = repr(attribute) if isinstance(attribute, str) else _attr_name(attribute)
        return f"{_OPTION_NAMES[self.strategy]}({what})"


def _attr_name(attribute: InstrumentedAttribute[Any]) -> str:
    return f"{attribute.class_.__name__}.{attribute.key}"


def _check_step(attribute: object, strategy: str | None, chunk_size: int | None) -> PathStep:
    option = _OPTION_NAMES[strategy]
    checked: RelationshipAttribute[Any] | str
    if isinstance(attribute, str):
        if not attribute:
            raise ArgumentError(f"{option}() takes a relationship attribute or name, not ''")
        if attribute == "*" and strategy not in _WILDCARD_STRATEGIES:
            raise ArgumentError(
                f"{option}('*') is not supported; '*' works with lazyload(), raiseload() and "
                "noload()"
            )
        checked = attribute
    elif isinstance(attribute, RelationshipAttribute):
        checked = attribute
    elif isinstance(attribute, InstrumentedAttribute):
        raise ArgumentError(
            f"{option}() takes a relationship, but {_attr_name(attribute)} is a column"
        )
    else:
        raise ArgumentError(
            f"{option}() takes a relationship attribute such as Author.books (or its name), "
            f"not {attribute!r}"
        )
    if chunk_size is not None and (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, int)
        or not _CHUNK_BOUNDS[0] <= chunk_size <= _CHUNK_BOUNDS[1]
    ):
        raise ArgumentError(
            f"{option}(chunk_size=…) must be an int from {_CHUNK_BOUNDS[0]} to "
            f"{_CHUNK_BOUNDS[1]}, not {chunk_size!r}"
        )
    return PathStep(checked, strategy, chunk_size)


@final
class LoaderOption:
    """A loader option for ``select(...).options(...)``: a path of relationships and strategies.

    Made by :func:`selectinload` and its siblings; each method adds one
    deeper step and returns a new option (options are immutable).
    """

    __slots__ = ("path",)

    def __init__(self, path: tuple[PathStep, ...]) -> None:
        #: The steps, from the queried class down.
        self.path = path

    def _then(
        self, attribute: object, strategy: str | None, chunk_size: int | None = None
    ) -> LoaderOption:
        return LoaderOption((*self.path, _check_step(attribute, strategy, chunk_size)))

    def selectinload(
        self, attribute: InstrumentedAttribute[Any] | str, *, chunk_size: int | None = None
    ) -> LoaderOption:
        """Load *attribute* of the objects this path reaches with ``IN`` queries."""
        return self._then(attribute, "selectin", chunk_size)

    def joinedload(self, attribute: InstrumentedAttribute[Any] | str) -> LoaderOption:
        """Load *attribute* of the objects this path reaches with a LEFT OUTER JOIN."""
        return self._then(attribute, "joined")

    def subqueryload(self, attribute: InstrumentedAttribute[Any] | str) -> LoaderOption:
        """Load *attribute* of the objects this path reaches with a query joined to a subquery."""
        return self._then(attribute, "subquery")

    def lazyload(self, attribute: InstrumentedAttribute[Any] | str) -> LoaderOption:
        """Do not load *attribute* with the query; it loads when awaited."""
        return self._then(attribute, "select")

    def raiseload(self, attribute: InstrumentedAttribute[Any] | str) -> LoaderOption:
        """Never load *attribute* lazily: reading or awaiting it raises LazyLoadError."""
        return self._then(attribute, "raise")

    def noload(self, attribute: InstrumentedAttribute[Any] | str) -> LoaderOption:
        """Never load *attribute*: it reads as empty or None."""
        return self._then(attribute, "noload")

    def defaultload(self, attribute: InstrumentedAttribute[Any] | str) -> LoaderOption:
        """Keep *attribute*'s own strategy (a step towards a deeper option)."""
        return self._then(attribute, None)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LoaderOption) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return ".".join(step.describe() for step in self.path)


def selectinload(
    attribute: InstrumentedAttribute[Any] | str, *, chunk_size: int | None = None
) -> LoaderOption:
    """Load *attribute* with a second query, ``WHERE key IN (…)``, for all the parents at once.

    The keys go in chunks of *chunk_size* (default 5,000), one query per
    chunk, so any number of parents loads.
    """
    return LoaderOption((_check_step(attribute, "selectin", chunk_size),))


def joinedload(attribute: InstrumentedAttribute[Any] | str) -> LoaderOption:
    """Load *attribute* in the same query, with a LEFT OUTER JOIN.

    Parents are de-duplicated, and a LIMIT/OFFSET applies to parents (the
    limited query becomes a subquery the join attaches to).
    """
    return LoaderOption((_check_step(attribute, "joined", None),))


def subqueryload(attribute: InstrumentedAttribute[Any] | str) -> LoaderOption:
    """Load *attribute* with a second query that joins the first one as a subquery."""
    return LoaderOption((_check_step(attribute, "subquery", None),))


def lazyload(attribute: InstrumentedAttribute[Any] | str) -> LoaderOption:
    """Do not load *attribute* with the query (``"*"``: any relationship); await it when needed."""
    return LoaderOption((_check_step(attribute, "select", None),))


def raiseload(attribute: InstrumentedAttribute[Any] | str) -> LoaderOption:
    """Never load *attribute* lazily (``"*"``: any relationship): reading or awaiting it raises."""
    return LoaderOption((_check_step(attribute, "raise", None),))


def noload(attribute: InstrumentedAttribute[Any] | str) -> LoaderOption:
    """Never load *attribute* (``"*"``: any relationship): it reads as empty or None."""
    return LoaderOption((_check_step(attribute, "noload", None),))


def defaultload(attribute: InstrumentedAttribute[Any] | str) -> LoaderOption:
    """Keep *attribute*'s own strategy; chain a deeper option from it."""
    return LoaderOption((_check_step(attribute, None, None),))


# -- plans ------------------------------------------------------------------


@dataclass(eq=False)
class PlanNode:
    """How one relationship loads at one place of the tree, and what loads below it."""

    prop: RelationshipProperty[Any]
    #: ``"select"``, ``"joined"``, ``"selectin"``, ``"subquery"``, ``"raise"``, ``"noload"``
    #: or ``"dynamic"``.
    strategy: str
    #: True when an option named it (False: the relationship's own ``lazy=``).
    explicit: bool = False
    chunk_size: int | None = None
    #: Options for the target class's relationships, by key.
    children: dict[str, PlanNode] = field(default_factory=dict)
    #: A strategy for every target relationship that ``children`` does not name.
    wildcard: str | None = None


@dataclass(eq=False)
class EntityPlan:
    """The options for the objects of one queried class."""

    mapper: Mapper[Any]
    children: dict[str, PlanNode] = field(default_factory=dict)
    wildcard: str | None = None


def _resolve(
    step: PathStep, mapper: Mapper[Any], option: LoaderOption
) -> RelationshipProperty[Any]:
    attribute = step.attribute
    name = mapper.class_.__name__
    if isinstance(attribute, str):
        prop = mapper.relationships.get(attribute)
        if prop is None:
            known = ", ".join(mapper.relationships) or "none"
            raise ArgumentError(
                f"{option!r}: {name} has no relationship {attribute!r} (its relationships: {known})"
            )
        return prop
    target: RelationshipProperty[Any] = attribute.property
    target.ensure_configured()
    if target.parent is not mapper:
        raise ArgumentError(
            f"{option!r}: {_attr_name(attribute)} is not a relationship of {name}, which is "
            "what this step of the path loads"
        )
    return target


def _apply(option: LoaderOption, plans: dict[Mapper[Any], EntityPlan], first: Mapper[Any]) -> None:
    head = option.path[0].attribute
    if isinstance(head, str):
        root = first
    else:
        head.property.ensure_configured()
        parent = head.property.parent
        assert parent is not None
        root = parent
    plan = plans.get(root)
    if plan is None:
        queried = ", ".join(p.class_.__name__ for p in plans)
        raise ArgumentError(
            f"{option!r} does not apply to this query: it starts at "
            f"{root.class_.__name__}, and the query loads {queried}"
        )
    mapper = root
    children = plan.children
    owner: EntityPlan | PlanNode = plan
    for step in option.path:
        if step.attribute == "*":
            assert step.strategy is not None
            owner.wildcard = step.strategy
            return
        prop = _resolve(step, mapper, option)
        if prop.lazy == "dynamic" and step.strategy not in (None, "select", "raise", "noload"):
            raise ArgumentError(
                f"{option!r}: {prop.class_name} is lazy='dynamic' (a query object); it "
                "cannot be loaded with the query"
            )
        node = children.get(prop.key)
        if node is None:
            node = children[prop.key] = PlanNode(prop, prop.lazy)
        if step.strategy is not None:
            node.strategy = step.strategy
            node.explicit = True
            node.chunk_size = step.chunk_size
        mapper = prop.mapper
        children = node.children
        owner = node


def compile_plans(options: Iterable[object], entities: Sequence[Mapper[Any]]) -> list[EntityPlan]:
    """One :class:`EntityPlan` per mapper of *entities* (in order, no repeats), with *options*.

    Raises :class:`~aorm.exc.ArgumentError` for an object that is not a
    loader option, and for a path that does not fit the query's classes.
    """
    plans: dict[Mapper[Any], EntityPlan] = {}
    for mapper in entities:
        if mapper not in plans:
            plans[mapper] = EntityPlan(mapper)
    if not plans:
        return []
    first = next(iter(plans))
    for option in options:
        if not isinstance(option, LoaderOption):
            raise ArgumentError(
                f"options() takes loader options such as selectinload(Author.books), not {option!r}"
            )
        _apply(option, plans, first)
    return list(plans.values())
