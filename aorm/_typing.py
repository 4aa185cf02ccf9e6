"""Type aliases and type variables shared by every layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    # Type-variable defaults (PEP 696) come with Python 3.13; type checkers
    # read them from typing_extensions, which aorm does not need at runtime.
    from typing_extensions import TypeVar
else:
    from typing import TypeVar

__all__ = ["AnyParams", "MultiParams", "Params", "RowT", "ValueT"]

#: Named parameters for one execution of a statement.
Params: TypeAlias = Mapping[str, Any]
#: Several parameter sets for one statement (an ``executemany``).
MultiParams: TypeAlias = Sequence[Mapping[str, Any]]
#: What ``execute()`` accepts as its parameters.
AnyParams: TypeAlias = Params | MultiParams | None

if TYPE_CHECKING:
    #: The row shape of a statement or result (``tuple[User]``, ``tuple[int, str]``).
    #: Unparametrised (``Result``, ``Select``) it is ``Any``: rows of unknown shape.
    RowT = TypeVar("RowT", bound=tuple[Any, ...], default=Any, covariant=True)
    #: The Python type of a column expression's values (``Any`` when unknown).
    ValueT = TypeVar("ValueT", default=Any, covariant=True)
else:
    RowT = TypeVar("RowT", bound=tuple, covariant=True)
    ValueT = TypeVar("ValueT", covariant=True)
