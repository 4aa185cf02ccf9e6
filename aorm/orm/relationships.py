"""``relationship()``: how mapped classes refer to each other.

A :class:`RelationshipProperty` is made in the class body, bound to its class
when the class is mapped (options are checked then), and configured when the
class registry configures (target resolved, join computed from foreign keys,
backrefs created, ``back_populates`` pairs checked). After configuration it
exposes what loading and flushing need:

* :attr:`~RelationshipProperty.direction` — ONETOMANY, MANYTOONE or MANYTOMANY;
* :attr:`~RelationshipProperty.local_remote_pairs` — ``(local, remote)``
  column pairs: *local* is a parent table column, *remote* a target table
  column (ONETOMANY, MANYTOONE) or a ``secondary`` column (MANYTOMANY);
* :attr:`~RelationshipProperty.secondary_pairs` — for MANYTOMANY,
  ``(target column, secondary column)``;
* :attr:`~RelationshipProperty.synchronize_pairs` — ``(source, destination)``:
  at flush, copy source's value into destination (parent key → child foreign
  key for ONETOMANY, target key → own foreign key for MANYTOONE, parent key →
  secondary column for MANYTOMANY; the target side of MANYTOMANY is
  :attr:`~RelationshipProperty.secondary_synchronize_pairs`);
* :attr:`~RelationshipProperty.local_keys` / :attr:`~RelationshipProperty.remote_keys`
  — the same columns as attribute keys (``__dict__`` keys; for a MANYTOMANY
  the remote keys are the secondary table's column keys);
* :attr:`~RelationshipProperty.cascade`, ``lazy``, ``uselist``, ``order_by``,
  ``passive_deletes``, ``viewonly``, ``post_update``, and
  :attr:`~RelationshipProperty.reverse_property` (the other side of a
  ``back_populates``/``backref`` pair).
"""

from __future__ import annotations

import inspect
import sys
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal, TypedDict, TypeVar, Unpack, overload

from aorm.exc import MappingError
from aorm.orm.cascade import CascadeOptions, parse_cascade
from aorm.orm.join_conditions import JoinInfo, RelationshipDirection, compute_join, mirror_join
from aorm.orm.mapped import DynamicMapped, Mapped
from aorm.orm.properties import MapperAttribute
from aorm.sql.elements import ColumnElement, coerce_element
from aorm.sql.schema import Column, Table

if TYPE_CHECKING:
    from aorm.orm.attributes import RelationshipAttribute
    from aorm.orm.mapper import Mapper

__all__ = [
    "LAZY_STRATEGIES",
    "Backref",
    "RelationshipDirection",
    "RelationshipOptions",
    "RelationshipProperty",
    "backref",
    "relationship",
]

T = TypeVar("T")

#: The loading strategies ``lazy=`` accepts.
LAZY_STRATEGIES: Final = frozenset(
    {"select", "joined", "subquery", "selectin", "dynamic", "raise", "noload"}
)

LazyStrategy = Literal["select", "joined", "subquery", "selectin", "dynamic", "raise", "noload"]


class RelationshipOptions(TypedDict, total=False):
    """The keyword options of :func:`relationship` besides ``lazy`` (see its docstring)."""

    back_populates: str | None
    backref: str | Backref | None
    uselist: bool | None
    cascade: str | Sequence[str] | None
    order_by: Any
    foreign_keys: Any
    remote_side: Any
    primaryjoin: Any
    secondaryjoin: Any
    passive_deletes: bool | Literal["all"]
    viewonly: bool
    post_update: bool
    single_parent: bool


# The value of each option of RelationshipOptions when it is not given.
_OPTION_DEFAULTS: Final[dict[str, Any]] = {
    "back_populates": None,
    "backref": None,
    "uselist": None,
    "cascade": None,
    "order_by": None,
    "foreign_keys": None,
    "remote_side": None,
    "primaryjoin": None,
    "secondaryjoin": None,
    "passive_deletes": False,
    "viewonly": False,
    "post_update": False,
    "single_parent": False,
}


def _declared_origin(cls: type[Any], key: str) -> Any:
    """The class an annotation of ``cls.key`` is a subscript of (``Mapped``, ``DynamicMapped``).

    None when no class in the MRO annotates *key* or the name cannot be found.
    """
    for klass in cls.__mro__:
        annotations = inspect.get_annotations(klass)
        if key not in annotations:
            continue
        raw = annotations[key]
        if not isinstance(raw, str):
            origin = typing.get_origin(raw)
            return origin if origin is not None else raw
        head = raw.strip().strip("'\"").split("[", 1)[0].strip()
        module = sys.modules.get(klass.__module__)
        names = vars(module) if module is not None else {}
        first, *rest = head.split(".")
        found: Any = names.get(first)
        for part in rest:
            found = getattr(found, part, None)
        return found
    return None


@dataclass(frozen=True)
class Backref:
    """A backref request: the reverse attribute's name and its ``relationship()`` options."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)


def backref(name: str, **options: Any) -> Backref:
    """``relationship(..., backref=backref("author", lazy="joined"))``: a backref with options."""
    return Backref(name, options)


class RelationshipProperty(MapperAttribute, Mapped[T]):
    """A relationship between two mapped classes (see the module docstring for what it exposes)."""

    is_relationship = True

    def __init__(
        self,
        argument: Any = None,
        secondary: Any = None,
        *,
        lazy: str = "select",
        **options: Any,
    ) -> None:
        super().__init__()
        unknown = sorted(set(options) - set(_OPTION_DEFAULTS))
        if unknown:
            raise TypeError(
                f"relationship() got unexpected keyword argument(s) {', '.join(unknown)}"
            )
        merged = {**_OPTION_DEFAULTS, **options}
        backref_arg = merged["backref"]
        self._options: dict[str, Any] = {
            "argument": argument,
            "secondary": secondary,
            "lazy": lazy,
            **merged,
        }
        self.argument = argument
        self.back_populates: str | None = merged["back_populates"]
        self.backref: Backref | None = (
            Backref(backref_arg) if isinstance(backref_arg, str) else backref_arg
        )
        self.lazy: str = lazy
        self.passive_deletes: bool | Literal["all"] = merged["passive_deletes"]
        self.viewonly: bool = merged["viewonly"]
        self.post_update: bool = merged["post_update"]
        self.single_parent: bool = merged["single_parent"]
        self.cascade = CascadeOptions()
        # Set when the relationship is configured.
        self.mapper: Mapper[Any] = None  # type: ignore[assignment]
        self.direction: RelationshipDirection = RelationshipDirection.ONETOMANY
        self.uselist: bool = True
        self.secondary: Table | None = None
        self.local_remote_pairs: tuple[tuple[Column, Column], ...] = ()
        self.secondary_pairs: tuple[tuple[Column, Column], ...] = ()
        self.synchronize_pairs: tuple[tuple[Column, Column], ...] = ()
        self.secondary_synchronize_pairs: tuple[tuple[Column, Column], ...] = ()
        self.local_keys: tuple[str, ...] = ()
        self.remote_keys: tuple[str, ...] = ()
        self.foreign_columns: tuple[Column, ...] = ()
        self.primaryjoin: ColumnElement = None  # type: ignore[assignment]
        self.secondaryjoin: ColumnElement | None = None
        self.order_by: tuple[ColumnElement, ...] = ()
        #: The other side of a back_populates / backref pair.
        self.reverse_property: RelationshipProperty[Any] | None = None
        #: Its class attribute (what in-memory sync calls).
        self.reverse_attribute: RelationshipAttribute[Any] | None = None
        self.configured = False
        self._hint_target: str | type[Any] | None = None
        self._hint_uselist: bool | None = None
        self._mirror_of: RelationshipProperty[Any] | None = None
        self._backref_done = False

    # -- lifecycle ---------------------------------------------------------

    def copy(self) -> RelationshipProperty[T]:
        """An unbound relationship with the same options (for a mixin used by several classes)."""
        return RelationshipProperty(**self._options)

    def _bind(
        self,
        parent: Mapper[Any],
        key: str,
        *,
        hint_target: str | type[Any] | None = None,
        hint_uselist: bool | None = None,
    ) -> None:
        """Attach to *parent* under *key*; checks the options that need no other class."""
        if self.parent is not None:
            raise MappingError(
                f"{parent.class_.__name__}.{key}: this relationship() already belongs to "
                f"{self.class_name}"
            )
        self.parent = parent
        self.key = key
        where = self.class_name
        if self.lazy not in LAZY_STRATEGIES:
            known = ", ".join(sorted(LAZY_STRATEGIES))
            raise MappingError(f"{where}: unknown lazy={self.lazy!r}; use one of {known}")
        cascade_arg = self._options["cascade"]
        if self.viewonly and cascade_arg is None:
            cascade_arg = "none"
        self.cascade = parse_cascade(cascade_arg, where=where)
        writing = self.cascade & {"save-update", "merge", "delete", "delete-orphan"}
        if self.viewonly and writing:
            raise MappingError(
                f"{where}: a viewonly relationship cannot cascade {', '.join(sorted(writing))}"
            )
        if self.passive_deletes not in (True, False, "all"):
            raise MappingError(f"{where}: passive_deletes must be True, False or 'all'")
        if self.argument is None and hint_target is None and self._mirror_of is None:
            raise MappingError(
                f"{where}: relationship() needs its target class, as an argument or through "
                "a Mapped[...] annotation"
            )
        self._hint_target = hint_target
        self._hint_uselist = hint_uselist
        self._check_dynamic_annotation(where)

    def _check_dynamic_annotation(self, where: str) -> None:
        """``DynamicMapped[X]`` goes with ``lazy="dynamic"``, and ``Mapped[list[X]]`` does not."""
        assert self.parent is not None
        origin = _declared_origin(self.parent.class_, self.key)
        if not isinstance(origin, type) or not issubclass(origin, Mapped):
            return
        dynamic = issubclass(origin, DynamicMapped)
        if dynamic and self.lazy != "dynamic":
            raise MappingError(
                f"{where}: a DynamicMapped[...] attribute is a query object; declare it with "
                f'relationship(lazy="dynamic") (got lazy={self.lazy!r}), or annotate it '
                "Mapped[list[...]]"
            )
        if not dynamic and self.lazy == "dynamic" and self._hint_uselist:
            raise MappingError(
                f'{where}: lazy="dynamic" makes the attribute a query object, not a list; '
                "annotate it DynamicMapped[...] instead of Mapped[list[...]]"
            )

    def ensure_configured(self) -> None:
        """Configure the class registry if this relationship is not configured yet."""
        if not self.configured:
            assert self.parent is not None
            self.parent.registry.configure()
            if not self.configured:
                raise MappingError(f"{self.class_name}: relationship is not configured yet")

    def _resolve_target(self, where: str) -> Mapper[Any]:
        assert self.parent is not None
        registry = self.parent.registry
        argument = self.argument if self.argument is not None else self._hint_target
        if isinstance(argument, str):
            cls: Any = registry.resolve_class(argument, where=where)
        elif isinstance(argument, type):
            cls = argument
        elif callable(argument):
            cls = argument()
            if isinstance(cls, str):
                cls = registry.resolve_class(cls, where=where)
        else:
            cls = argument
        mapper = getattr(cls, "__mapper__", None) if isinstance(cls, type) else None
        if mapper is None:
            raise MappingError(f"{where}: target {argument!r} is not a mapped class")
        return mapper  # type: ignore[no-any-return]

    def _configure(self) -> None:
        """Resolve the target and compute the join (called by the registry)."""
        assert self.parent is not None
        where = self.class_name
        registry = self.parent.registry
        self.mapper = self._resolve_target(where)
        options = self._options
        if self._mirror_of is not None:
            forward = self._mirror_of
            forward.ensure_configured()
            info = mirror_join(forward._join_info())
            self.secondary = forward.secondary
        else:
            self.secondary = (
                registry.resolve_table(options["secondary"], where=where)
                if options["secondary"] is not None
                else None
            )
            info = compute_join(
                where=where,
                parent=self.parent.table,
                target=self.mapper.table,
                secondary=self.secondary,
                foreign_keys=self._columns_option("foreign_keys", where),
                remote_side=self._columns_option("remote_side", where),
                primaryjoin=self._expression_option("primaryjoin", where),
                secondaryjoin=self._expression_option("secondaryjoin", where),
            )
        self._apply_join(info, where)
        self.order_by = tuple(
            registry.resolve_order_by(options["order_by"], where=where, default=self.mapper)
        )
        self._check_uselist(where)
        if (
            self.cascade.delete_orphan
            and not self.single_parent
            and (self.direction is not RelationshipDirection.ONETOMANY)
        ):
            raise MappingError(
                f"{where}: cascade 'delete-orphan' on a {self.direction.value} relationship "
                "needs single_parent=True"
            )
        self.configured = True

    def _columns_option(self, name: str, where: str) -> list[Column] | None:
        value = self._options[name]
        if value is None:
            return None
        assert self.parent is not None
        if callable(value) and not hasattr(value, "__clause_element__"):
            value = value()
        return self.parent.registry.resolve_columns(value, where=where, default=self.parent)

    def _expression_option(self, name: str, where: str) -> ColumnElement | None:
        value = self._options[name]
        if value is None:
            return None
        if callable(value) and not hasattr(value, "__clause_element__"):
            value = value()
        element = coerce_element(value) if hasattr(value, "__clause_element__") else value
        if not isinstance(element, ColumnElement):
            raise MappingError(f"{where}: {name}= must be a SQL expression, not {value!r}")
        return element

    def _apply_join(self, info: JoinInfo, where: str) -> None:
        assert self.parent is not None
        self.direction = info.direction
        self.local_remote_pairs = info.local_remote_pairs
        self.secondary_pairs = info.secondary_pairs
        self.primaryjoin = info.primaryjoin
        self.secondaryjoin = info.secondaryjoin
        self.foreign_columns = info.foreign_columns
        if info.direction is RelationshipDirection.MANYTOONE:
            self.synchronize_pairs = tuple((r, loc) for loc, r in info.local_remote_pairs)
        else:
            self.synchronize_pairs = info.local_remote_pairs
        self.secondary_synchronize_pairs = info.secondary_pairs
        self.local_keys = tuple(
            self._key_of(self.parent, c, where) for c, _ in self.local_remote_pairs
        )
        if info.direction is RelationshipDirection.MANYTOMANY:
            self.remote_keys = tuple(str(r.key) for _, r in self.local_remote_pairs)
        else:
            self.remote_keys = tuple(
                self._key_of(self.mapper, r, where) for _, r in self.local_remote_pairs
            )

    @staticmethod
    def _key_of(mapper: Mapper[Any], column: Column, where: str) -> str:
        key = mapper.column_to_key.get(column)
        if key is None:
            raise MappingError(
                f"{where}: column {column.fullname} is not mapped by {mapper.class_.__name__}"
            )
        return key

    def _check_uselist(self, where: str) -> None:
        explicit = self._options["uselist"]
        if self.direction is RelationshipDirection.MANYTOONE:
            if explicit or self._hint_uselist:
                raise MappingError(
                    f"{where}: a many-to-one relationship holds one object; it cannot be a "
                    "collection (uselist=True or a list annotation)"
                )
            self.uselist = False
        elif explicit is not None:
            self.uselist = bool(explicit)
        elif self._hint_uselist is not None:
            self.uselist = self._hint_uselist
        else:
            self.uselist = True
        if self.lazy == "dynamic" and not self.uselist:
            raise MappingError(f"{where}: lazy='dynamic' needs a collection (uselist=True)")

    def _join_info(self) -> JoinInfo:
        return JoinInfo(
            direction=self.direction,
            local_remote_pairs=self.local_remote_pairs,
            secondary_pairs=self.secondary_pairs,
            primaryjoin=self.primaryjoin,
            secondaryjoin=self.secondaryjoin,
            foreign_columns=self.foreign_columns,
        )

    # -- pairs -------------------------------------------------------------

    def _setup_backref(self) -> None:
        """Create the reverse attribute a ``backref=`` asks for, on the target class."""
        if self._backref_done or self.backref is None:
            self._backref_done = True
            return
        assert self.parent is not None
        spec = self.backref
        target = self.mapper
        where = self.class_name
        if spec.name in target.attrs or spec.name in vars(target.class_):
            raise MappingError(
                f"{where}: backref {spec.name!r} clashes with an existing attribute "
                f"{target.class_.__name__}.{spec.name}"
            )
        options = dict(spec.options)
        for forbidden in ("back_populates", "backref", "secondary", "argument"):
            if forbidden in options:
                raise MappingError(f"{where}: backref() does not take {forbidden}=")
        reverse: RelationshipProperty[Any] = RelationshipProperty(
            self.parent.class_, back_populates=self.key, **options
        )
        reverse._mirror_of = self
        self.back_populates = spec.name
        self._backref_done = True
        target._add_relationship(spec.name, reverse)

    def _link_reverse(self) -> None:
        """Check the ``back_populates`` pair and connect the two sides for in-memory sync."""
        if self.back_populates is None or self.reverse_property is not None:
            return
        assert self.parent is not None
        where = self.class_name
        target = self.mapper
        other = target.relationships.get(self.back_populates)
        if other is None:
            raise MappingError(
                f"{where}: back_populates={self.back_populates!r}, but "
                f"{target.class_.__name__} has no relationship {self.back_populates!r}"
            )
        other.ensure_configured()
        if other.back_populates != self.key:
            raise MappingError(
                f"{where}: back_populates={self.back_populates!r}, but {other.class_name} "
                f"has back_populates={other.back_populates!r} (it must name {self.key!r})"
            )
        if other.mapper is not self.parent:
            raise MappingError(
                f"{where}: back_populates={self.back_populates!r}, but {other.class_name} "
                f"refers to {other.mapper.class_.__name__}, not {self.parent.class_.__name__}"
            )
        expected = {
            RelationshipDirection.ONETOMANY: RelationshipDirection.MANYTOONE,
            RelationshipDirection.MANYTOONE: RelationshipDirection.ONETOMANY,
            RelationshipDirection.MANYTOMANY: RelationshipDirection.MANYTOMANY,
        }[self.direction]
        if other.direction is not expected:
            raise MappingError(
                f"{where} ({self.direction.value}) and {other.class_name} "
                f"({other.direction.value}) cannot be each other's back_populates"
            )
        mine = {id(c) for c in self.foreign_columns}
        theirs = {id(c) for c in other.foreign_columns}
        if mine != theirs:
            raise MappingError(
                f"{where} and {other.class_name} use different foreign keys "
                f"({', '.join(c.fullname for c in self.foreign_columns)} vs "
                f"{', '.join(c.fullname for c in other.foreign_columns)}); give both the same "
                "foreign_keys="
            )
        self.reverse_property = other
        self.reverse_attribute = other.attribute  # type: ignore[assignment]
        other.reverse_property = self
        other.reverse_attribute = self.attribute  # type: ignore[assignment]

    def __repr__(self) -> str:
        if self.parent is None:
            return f"relationship({self.argument!r})"
        return f"RelationshipProperty({self.class_name})"


@overload
def relationship(
    argument: str | type[Any] | Callable[[], Any] | None = None,
    secondary: Table | str | None = None,
    *,
    lazy: Literal["dynamic"],
    **options: Unpack[RelationshipOptions],
) -> Any: ...


@overload
def relationship(
    argument: str | type[Any] | Callable[[], Any] | None = None,
    secondary: Table | str | None = None,
    *,
    lazy: Literal["select", "joined", "subquery", "selectin", "raise", "noload"] = "select",
    **options: Unpack[RelationshipOptions],
) -> RelationshipProperty[Any]: ...


def relationship(
    argument: str | type[Any] | Callable[[], Any] | None = None,
    secondary: Table | str | None = None,
    *,
    lazy: LazyStrategy = "select",
    **options: Unpack[RelationshipOptions],
) -> Any:
    """A relationship to another mapped class.

    *argument* is the target class, its name (``"Book"``), or a callable
    returning it; it may be left out when a ``Mapped["Book"]`` /
    ``Mapped[list["Book"]]`` annotation names it. *secondary* is the
    association table (or its name) of a many-to-many. ``back_populates``
    names the attribute on the target that mirrors this one (declared there
    too); ``backref`` creates it. ``cascade`` defaults to ``"save-update,
    merge"``. ``order_by``, ``foreign_keys`` and ``remote_side`` take columns,
    attributes or ``"Class.attr"`` strings (or lists of them); ``primaryjoin``
    / ``secondaryjoin`` take an expression or a callable returning one.
    Mistakes raise :class:`~aorm.exc.MappingError` naming ``Class.attr`` when
    the class is mapped or when mappers configure.
    """
    return RelationshipProperty(argument, secondary, lazy=lazy, **options)
