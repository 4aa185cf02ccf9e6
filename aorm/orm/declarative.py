"""Declarative mapping: ``class User(Base): __tablename__ = "users"; id = Column(...)``.

:class:`DeclarativeBase` is the root. A class that subclasses it directly is
a new *declarative base* with its own ``metadata`` and class ``registry``
(:class:`Base` is one, ready to use; :func:`declarative_base` makes more).
Every subclass of a declarative base is mapped when the class statement
runs, unless it says ``__abstract__ = True`` (then its columns are copied
into each mapped subclass, like a mixin's).

Mapped instances get a keyword constructor, a ``__setattr__`` that routes
mapped attributes through their instrumentation (change reporting and
back-reference sync), and a ``__repr__`` that shows the primary key and the
lifecycle state (``<User id=1 persistent>``), with no IO. Other columns are
left out on purpose: reprs end up in logs and tracebacks, and a column may
hold a password hash or personal data; define ``__repr__`` on a model to show
more.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, dataclass_transform

from aorm.exc import MappingError
from aorm.orm.constructor import install_constructor
from aorm.orm.declarative_scan import map_class
from aorm.orm.instrumentation import STATE_KEY, AwaitableAttrs
from aorm.orm.mapper import Mapper
from aorm.orm.registry import Registry
from aorm.sql.schema import MetaData, Table

__all__ = ["Base", "DeclarativeBase", "declarative_base"]

_value_repr = reprlib.Repr()
_value_repr.maxstring = 40
_value_repr.maxother = 40


class _ClassClauseElement:
    """``Model.__clause_element__()`` is the model's table; instances do not have it."""

    def __get__(self, instance: object | None, owner: type[Any]) -> Callable[[], Table]:
        if instance is not None:
            raise AttributeError("__clause_element__")
        table = owner.__dict__.get("__table__")
        if not isinstance(table, Table):
            raise AttributeError("__clause_element__")
        return lambda: table


def _is_declarative_base(cls: type[Any]) -> bool:
    return DeclarativeBase in cls.__bases__


# Type checkers synthesize the keyword constructor from the ``Mapped[...]``
# annotations (a parameter's type is what ``Mapped.__set__`` accepts). No field
# specifiers are declared on purpose: for a declared specifier a type checker
# makes every field without ``default=`` a *required* argument, while every
# mapped attribute is optional at runtime (``User(name="x")`` without ``id``).
# A class declared only with plain ``Column`` attributes keeps ``__init__(**kw)``.
@dataclass_transform(kw_only_default=True, eq_default=False, field_specifiers=())
class DeclarativeBase:
    """The root of declarative mapping; subclass it directly to make a declarative base.

    ``class Base(DeclarativeBase): pass`` gives a base with its own
    ``Base.metadata`` (pass ``metadata = MetaData(...)`` in the body to
    choose it) and ``Base.registry``. Classes derived from such a base with
    a ``__tablename__`` (or ``__table__``) are mapped at once; ``__table_args__``
    adds constraints and table options (``schema``, ``comment``);
    ``__mapper_args__ = {"version_id_col": column}`` names a version counter.
    """

    metadata: ClassVar[MetaData]
    registry: ClassVar[Registry]
    __mapper__: ClassVar[Mapper[Any]]
    __table__: ClassVar[Table]
    _aorm_setters: ClassVar[dict[str, Callable[[Any, Any], None]]] = {}

    if TYPE_CHECKING:

        @classmethod
        def __clause_element__(cls) -> Table: ...

    else:
        __clause_element__ = _ClassClauseElement()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if _is_declarative_base(cls):
            metadata = cls.__dict__.get("metadata")
            if metadata is None:
                metadata = MetaData()
            elif not isinstance(metadata, MetaData):
                raise MappingError(f"{cls.__name__}.metadata must be a MetaData, not {metadata!r}")
            cls.metadata = metadata
            cls.registry = Registry(metadata)
            cls._aorm_setters = {}
            return
        if cls.__dict__.get("__abstract__", False):
            return
        for base in cls.__mro__[1:]:
            mapper = base.__dict__.get("__mapper__")
            if isinstance(mapper, Mapper):
                raise MappingError(
                    f"{cls.__name__}: subclassing the mapped class {base.__name__} is not "
                    "supported (mapped class inheritance); share columns through a mixin or "
                    "an __abstract__ base instead"
                )
        skip = tuple(c for c in cls.__mro__ if _is_declarative_base(c) or c is DeclarativeBase)
        map_class(cls, cls.registry, skip)
        if cls.__init__ is DeclarativeBase.__init__:
            # No constructor of its own (nor from a mixin or its base): one
            # written for its columns, with this one behind it.
            install_constructor(cls, cls.__mapper__, DeclarativeBase.__init__)

    def __init__(self, **kwargs: Any) -> None:
        """Set mapped attributes (and settable properties) from keyword arguments.

        Unset columns read as ``None`` and collections start empty; column
        ``default=`` values are applied at flush. An unknown name raises
        ``TypeError`` naming the class and the name.
        """
        mapper = type(self).__dict__.get("__mapper__")
        d = self.__dict__
        if (
            type(mapper) is Mapper
            and mapper.registry._configured
            and STATE_KEY not in d
            and mapper.columns.keys() >= kwargs.keys()
        ):
            # Only columns, on an object no session has seen: setting them
            # reports to nobody, so they go straight into __dict__. One key at
            # a time: d.update() would give the object a dict of its own
            # instead of the class's shared keys (see declarative_scan).
            for key in kwargs:
                d[key] = kwargs[key]
            return
        cls = type(self)
        if not isinstance(mapper, Mapper):
            raise TypeError(
                f"{cls.__name__} is not mapped (a declarative base or an __abstract__ class) "
                "and cannot be instantiated"
            )
        if not mapper.registry.configured:
            mapper.registry.configure()
        setters = mapper._setters
        for key, value in kwargs.items():
            setter = setters.get(key)
            if setter is not None:
                setter(self, value)
            elif isinstance(getattr(cls, key, None), property):
                object.__setattr__(self, key, value)
            else:
                raise TypeError(
                    f"{cls.__name__}() got an unexpected keyword argument {key!r}; "
                    f"{cls.__name__} maps {', '.join(mapper.attrs) or 'nothing'}"
                )

    if not TYPE_CHECKING:
        # Hidden from type checkers: a __setattr__ would make them accept any
        # attribute name.

        def __setattr__(self, key: str, value: Any) -> None:
            setter = type(self)._aorm_setters.get(key)
            if setter is None:
                object.__setattr__(self, key, value)
            else:
                setter(self, value)

        def __delattr__(self, key: str) -> None:
            if key in type(self)._aorm_setters:
                raise AttributeError(
                    f"cannot delete {type(self).__name__}.{key}: it is a mapped attribute; "
                    "assign None (or an empty list) instead"
                )
            object.__delattr__(self, key)

    @property
    def awaitable_attrs(self) -> AwaitableAttrs:
        """``await obj.awaitable_attrs.<name>``: the attribute's value, loaded first if needed.

        The awaited way to read a relationship that is not loaded or a column
        that is expired (plain attribute access never does IO and raises for
        those); a loaded value comes back with no IO.
        """
        return AwaitableAttrs(self)

    def __repr__(self) -> str:
        # Reads __dict__ and the session state only: never IO, never raises
        # for an expired or unloaded attribute (those are simply not shown).
        cls = type(self)
        mapper = cls.__dict__.get("__mapper__")
        if not isinstance(mapper, Mapper):
            return object.__repr__(self)
        values = self.__dict__
        state = values.get(STATE_KEY)
        # The session layer's InstanceState, read by duck typing (layering).
        identity = getattr(state, "identity", None)
        parts: list[str] = []
        for index, key in enumerate(mapper.pk_keys):
            if key in values:
                parts.append(f"{key}={_value_repr.repr(values[key])}")
            elif isinstance(identity, tuple) and index < len(identity):
                parts.append(f"{key}={_value_repr.repr(identity[index])}")
        keyed = bool(parts)
        lifecycle = getattr(getattr(state, "state", None), "value", None)
        parts.append(lifecycle if isinstance(lifecycle, str) else "transient")
        if not keyed:
            # Two unsaved objects look alike otherwise.
            parts.append(f"at {id(self):#x}")
        return f"<{cls.__name__} {' '.join(parts)}>"


class Base(DeclarativeBase):
    """The default declarative base: ``class User(Base): ...``; tables in ``Base.metadata``."""


def declarative_base(*, metadata: MetaData | None = None, name: str = "Base") -> Any:
    """A new declarative base class with its own ``metadata`` (given or new) and registry.

    Typed as ``Any`` so it can be subclassed where a type checker sees it;
    for fully typed code write ``class Base(DeclarativeBase): pass`` instead.
    """
    namespace: dict[str, Any] = {
        "__doc__": "A declarative base made by declarative_base().",
        "metadata": metadata if metadata is not None else MetaData(),
    }
    return type(name, (DeclarativeBase,), namespace)
