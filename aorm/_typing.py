"""Type aliases shared by every layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

__all__ = ["AnyParams", "MultiParams", "Params"]

#: Named parameters for one execution of a statement.
Params: TypeAlias = Mapping[str, Any]
#: Several parameter sets for one statement (an ``executemany``).
MultiParams: TypeAlias = Sequence[Mapping[str, Any]]
#: What ``execute()`` accepts as its parameters.
AnyParams: TypeAlias = Params | MultiParams | None
