"""Cascade rules of a relationship: ``cascade="all, delete-orphan"`` parsed once.

Words: ``save-update``, ``merge``, ``refresh-expire``, ``expunge``,
``delete``, ``delete-orphan``, ``all`` (every one of these but
``delete-orphan``) and ``none``. The default is ``"save-update, merge"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from aorm.exc import MappingError

__all__ = ["DEFAULT_CASCADE", "CascadeOptions", "parse_cascade"]

SAVE_UPDATE: Final = "save-update"
MERGE: Final = "merge"
REFRESH_EXPIRE: Final = "refresh-expire"
EXPUNGE: Final = "expunge"
DELETE: Final = "delete"
DELETE_ORPHAN: Final = "delete-orphan"

_WORDS: Final = frozenset({SAVE_UPDATE, MERGE, REFRESH_EXPIRE, EXPUNGE, DELETE, DELETE_ORPHAN})
_ALL: Final = frozenset({SAVE_UPDATE, MERGE, REFRESH_EXPIRE, EXPUNGE, DELETE})

#: What ``relationship()`` cascades when not told.
DEFAULT_CASCADE: Final = "save-update, merge"


class CascadeOptions(frozenset[str]):
    """The set of cascade words in force (``"delete" in options`` or the properties)."""

    __slots__ = ()

    @property
    def save_update(self) -> bool:
        """Objects added to this relationship are added to the owner's session."""
        return SAVE_UPDATE in self

    @property
    def merge(self) -> bool:
        """``session.merge()`` follows this relationship."""
        return MERGE in self

    @property
    def refresh_expire(self) -> bool:
        """``refresh()`` / ``expire()`` follow this relationship."""
        return REFRESH_EXPIRE in self

    @property
    def expunge(self) -> bool:
        """``expunge()`` follows this relationship."""
        return EXPUNGE in self

    @property
    def delete(self) -> bool:
        """Deleting the owner deletes the related objects."""
        return DELETE in self

    @property
    def delete_orphan(self) -> bool:
        """A related object removed from the owner is deleted."""
        return DELETE_ORPHAN in self

    def __repr__(self) -> str:
        order = [SAVE_UPDATE, MERGE, REFRESH_EXPIRE, EXPUNGE, DELETE, DELETE_ORPHAN]
        return f"CascadeOptions({', '.join(w for w in order if w in self) or 'none'!r})"


def parse_cascade(spec: str | Iterable[str] | None, *, where: str) -> CascadeOptions:
    """Parse a cascade string (or a list of words) for the relationship *where* (``Class.attr``).

    Raises :class:`~aorm.exc.MappingError` naming *where* for an unknown word,
    ``none`` mixed with other words, or ``delete-orphan`` without ``delete``.
    """
    if spec is None:
        spec = DEFAULT_CASCADE
    if isinstance(spec, str):
        words = [w.strip() for w in spec.split(",")]
    else:
        words = [str(w).strip() for w in spec]
    words = [w for w in words if w]
    found: set[str] = set()
    for word in words:
        if word == "all":
            found |= _ALL
        elif word == "none":
            if len(words) > 1:
                raise MappingError(f"{where}: cascade 'none' cannot be combined with other words")
        elif word in _WORDS:
            found.add(word)
        else:
            raise MappingError(
                f"{where}: unknown cascade {word!r}; use any of "
                "save-update, merge, refresh-expire, expunge, delete, delete-orphan, all, none"
            )
    if DELETE_ORPHAN in found and DELETE not in found:
        raise MappingError(
            f"{where}: cascade 'delete-orphan' needs 'delete' as well (e.g. 'all, delete-orphan')"
        )
    return CascadeOptions(found)
