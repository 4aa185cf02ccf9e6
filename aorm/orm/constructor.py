"""A mapped class's own ``__init__``, written out for its column keys.

The declarative constructor takes ``**kwargs``: Python builds a dict of the
keyword arguments for every object, and the constructor checks them against
the mapper before filling ``__dict__``. A class that keeps that default
constructor gets one generated from its columns instead, with a keyword-only
parameter per column: the arguments bind without a dict, and the common
call (only columns, an object no session has seen, a configured registry)
fills ``__dict__`` directly, about twice as fast. Anything else (a
relationship or a settable property among the arguments, an unknown name,
a registry still to configure) goes to the default constructor with the same
arguments, which behaves as before.

The generated source holds only the column keys, each checked to be a plain
identifier; everything else comes in through the namespace it runs in.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from typing import Any, Final

from aorm.orm.instrumentation import STATE_KEY
from aorm.orm.mapper import Mapper

__all__ = ["install_constructor"]

#: The default of a column parameter that was not given.
_UNSET: Final = object()

# Locals of the generated function: no mapped attribute key may start with it.
_PREFIX = "_aorm_"

_TEMPLATE = """\
def __init__(_aorm_self, *, {params}, **_aorm_more):
    _aorm_d = _aorm_self.__dict__
    if _aorm_more or _aorm_state_key in _aorm_d or not _aorm_registry._configured:
        _aorm_given = {{{given}}}
        _aorm_generic(
            _aorm_self,
            **{{k: v for k, v in _aorm_given.items() if v is not _aorm_unset}},
            **_aorm_more,
        )
        return
{fill}
"""


def _usable(key: str) -> bool:
    return key.isidentifier() and not keyword.iskeyword(key) and not key.startswith(_PREFIX)


def install_constructor(cls: type[Any], mapper: Mapper[Any], generic: Callable[..., None]) -> None:
    """Give *cls* a generated ``__init__`` over its columns, falling back to *generic*.

    Nothing is installed when a column key cannot be a parameter name (the
    class keeps *generic*).
    """
    keys = list(mapper.columns)
    if not keys or not all(_usable(key) for key in keys):
        return
    params = ", ".join(f"{key}=_aorm_unset" for key in keys)
    given = ", ".join(f"{key!r}: {key}" for key in keys)
    fill = "\n".join(
        f"    if {key} is not _aorm_unset:\n        _aorm_d[{key!r}] = {key}" for key in keys
    )
    source = _TEMPLATE.format(params=params, given=given, fill=fill)
    namespace: dict[str, Any] = {
        "_aorm_unset": _UNSET,
        "_aorm_state_key": STATE_KEY,
        "_aorm_registry": mapper.registry,
        "_aorm_generic": generic,
    }
    exec(compile(source, f"<aorm constructor of {cls.__qualname__}>", "exec"), namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = generic.__doc__
    type.__setattr__(cls, "__init__", init)
