"""``obj.awaitable_attrs.<name>``: the awaited way to read an attribute that may need IO.

Attribute access never does IO, so reading an expired column or an unloaded
relationship raises. ``await obj.awaitable_attrs.name`` returns the value,
loading it first when needed: an expired column reloads (with every other
expired column of the object, in one query); a relationship is loaded by
its loader strategy. A loaded value is returned with no IO.

Mapped classes get the ``awaitable_attrs`` property from :class:`AsyncAttrs`
(a mixin for the declarative base); :class:`AwaitableAttrs` works on any
mapped object: ``await AwaitableAttrs(obj).name``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, final

from aorm.orm.mapper import mapper_of
from aorm.session.state import instance_state_of

__all__ = ["AsyncAttrs", "AwaitableAttrs", "load_attribute"]


async def load_attribute(obj: object, key: str) -> Any:
    """The value of mapped attribute *key* of *obj*, loaded through its session if needed."""
    return await instance_state_of(obj).load_attribute(key)


@final
class AwaitableAttrs:
    """``await AwaitableAttrs(obj).name`` (what ``obj.awaitable_attrs.name`` returns)."""

    __slots__ = ("_obj",)

    def __init__(self, obj: object) -> None:
        mapper_of(obj)
        self._obj = obj

    def __getattr__(self, key: str) -> Awaitable[Any]:
        if key.startswith("__"):
            raise AttributeError(key)
        return load_attribute(self._obj, key)

    def __repr__(self) -> str:
        return f"<AwaitableAttrs of {self._obj!r}>"


class AsyncAttrs:
    """Mixin for a declarative base: ``class Base(AsyncAttrs, DeclarativeBase): ...``."""

    __slots__ = ()

    @property
    def awaitable_attrs(self) -> Any:
        """``await obj.awaitable_attrs.<name>``: the attribute's value, loaded if needed."""
        return AwaitableAttrs(self)
