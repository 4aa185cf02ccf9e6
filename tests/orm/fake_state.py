"""A fake session state that records what the mapping layer tells it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aorm.exc import LazyLoadError
from aorm.orm import STATE_KEY


@dataclass
class RecordingState:
    """A fake session state: records every StateEvents call.

    ``values`` answers ``missing_attribute``; keys in ``unloaded`` raise
    LazyLoadError (a persistent object's unloaded relationship).
    """

    values: dict[str, Any] = field(default_factory=dict)
    unloaded: set[str] = field(default_factory=set)
    events: list[tuple[Any, ...]] = field(default_factory=list)

    def missing_attribute(self, key: str) -> Any:
        if key in self.unloaded:
            raise LazyLoadError(f"{key} is not loaded")
        return self.values.get(key)

    def attribute_set(self, key: str, old: Any, new: Any) -> None:
        self.events.append(("set", key, old, new))

    def collection_changed(self, key: str, added: Sequence[Any], removed: Sequence[Any]) -> None:
        self.events.append(("collection", key, list(added), list(removed)))


def attach_state(obj: object, state: RecordingState | None = None) -> RecordingState:
    """Give *obj* a recording state (as a session would) and return it."""
    state = state if state is not None else RecordingState()
    obj.__dict__[STATE_KEY] = state
    return state
