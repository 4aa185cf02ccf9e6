"""The N+1 guard: notice one relationship being awaited object by object, again and again.

Awaiting a relationship (``await obj.awaitable_attrs.books``,
``await session.load(obj, Author.books)``) runs one query. Doing it in a
loop over many objects is the N+1 pattern: a loader option on the query
that loaded them (``selectinload(Author.books)``) does the same work in one
or two queries. A session made with ``lazy_loads="warn"`` or ``"raise"``
counts, per relationship, the distinct objects it was awaited for; past
*threshold* objects it logs a warning on the ``aorm.orm`` logger and issues
a :class:`LazyLoadWarning` (``"warn"``, once per relationship), or raises
:class:`~aorm.exc.LazyLoadError` before the query (``"raise"``, every time).
The message names ``Class.attr`` and the option that fixes it.
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias, final

from aorm.exc import ArgumentError, LazyLoadError
from aorm.orm.relationships import RelationshipProperty

if TYPE_CHECKING:
    from aorm.session.state import InstanceState

__all__ = [
    "DEFAULT_LAZY_LOAD_THRESHOLD",
    "LAZY_LOAD_MODES",
    "LazyLoadGuard",
    "LazyLoadMode",
    "LazyLoadWarning",
]

logger = logging.getLogger("aorm.orm")

#: What ``AsyncSession(lazy_loads=...)`` accepts.
LazyLoadMode: TypeAlias = Literal["allow", "warn", "raise"]
LAZY_LOAD_MODES: Final = ("allow", "warn", "raise")

#: Distinct objects a relationship may be awaited for before the guard speaks.
DEFAULT_LAZY_LOAD_THRESHOLD: Final = 10


class LazyLoadWarning(UserWarning):
    """One relationship was awaited object by object for many objects (the N+1 pattern)."""


@final
class LazyLoadGuard:
    """Counts awaited relationship loads of one session (see the module docstring)."""

    __slots__ = ("_loaded", "_warned", "mode", "threshold")

    def __init__(self, mode: str = "allow", threshold: int = DEFAULT_LAZY_LOAD_THRESHOLD) -> None:
        if mode not in LAZY_LOAD_MODES:
            raise ArgumentError(
                f"lazy_loads must be one of {', '.join(map(repr, LAZY_LOAD_MODES))}, not {mode!r}"
            )
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
            raise ArgumentError(f"lazy_load_threshold must be a positive int, not {threshold!r}")
        #: ``"allow"``, ``"warn"`` or ``"raise"``.
        self.mode = mode
        #: Distinct objects per relationship that may be awaited without a word.
        self.threshold = threshold
        # (class, key) -> identities of the objects awaited so far (up to threshold + 1).
        self._loaded: dict[tuple[type[Any], str], set[Any]] = {}
        self._warned: set[tuple[type[Any], str]] = set()

    def before_load(self, state: InstanceState, prop: RelationshipProperty[Any]) -> None:
        """Count an awaited load of *prop* for *state*'s object; warn or raise past the limit."""
        if self.mode == "allow":
            return
        slot = (state.mapper.class_, prop.key)
        seen = self._loaded.setdefault(slot, set())
        if len(seen) <= self.threshold:
            seen.add(state.key if state.key is not None else id(state))
        if len(seen) <= self.threshold:
            return
        message = _message(prop, self.threshold)
        if self.mode == "raise":
            raise LazyLoadError(message)
        if slot not in self._warned:
            self._warned.add(slot)
            logger.warning("%s", message)
            warnings.warn(message, LazyLoadWarning, stacklevel=4)


def _message(prop: RelationshipProperty[Any], threshold: int) -> str:
    owner = prop.parent.class_.__name__ if prop.parent is not None else "?"
    where = f"{owner}.{prop.key}"
    return (
        f"N+1 loading: {where} was awaited one object at a time for more than {threshold} "
        f"{owner} objects in this session (a query each). Load it with the query that loads "
        f"them instead: `.options(selectinload({where}))`"
    )
