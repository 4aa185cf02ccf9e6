"""``obj.awaitable_attrs.<name>``: the awaited way to read an attribute that may need IO.

Attribute access never does IO, so reading an expired column or an unloaded
relationship raises. ``await obj.awaitable_attrs.name`` returns the value,
loading it first when needed: an expired column reloads (with every other
expired column of the object, in one query); a relationship is loaded by
its loader strategy. A loaded value is returned with no IO.

Every mapped class has the ``awaitable_attrs`` property (from
:class:`~aorm.orm.declarative.DeclarativeBase`); :class:`AwaitableAttrs`
works on any mapped object: ``await AwaitableAttrs(obj).name``.
:class:`AsyncAttrs` is kept for code written for SQLAlchemy
(``class Base(AsyncAttrs, DeclarativeBase)``); it adds nothing new.
"""

from __future__ import annotations

from typing import Any

from aorm.orm.instrumentation import AwaitableAttrs
from aorm.session.state import instance_state_of

__all__ = ["AsyncAttrs", "AwaitableAttrs", "load_attribute"]


async def load_attribute(obj: object, key: str) -> Any:
    """The value of mapped attribute *key* of *obj*, loaded through its session if needed."""
    return await instance_state_of(obj).load_attribute(key)


class AsyncAttrs:
    """Mixin for a declarative base: ``class Base(AsyncAttrs, DeclarativeBase): ...``.

    Not needed: every mapped class already has ``awaitable_attrs``.
    """

    __slots__ = ()

    @property
    def awaitable_attrs(self) -> AwaitableAttrs:
        """``await obj.awaitable_attrs.<name>``: the attribute's value, loaded if needed."""
        return AwaitableAttrs(self)
