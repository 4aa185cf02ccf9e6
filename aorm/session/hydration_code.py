"""The per-mapper hydration loop, written out as Python source once per mapper.

Filling a new object's ``__dict__`` with one ``d[key] = values[i]`` per
column costs about a third of ``d.update(zip(keys, values))`` (which builds
a pair per column and goes through the generic merge), and it is the larger
part of making an object from a row. The column keys differ per mapper, so
the loop is generated for each mapper's keys: :func:`batch_loader_factory`
compiles it once, and each query binds it to its identity map and session
with one call.

The generated source holds only the mapper's attribute keys (as string
literals, through ``repr()``) and column positions (ints); everything else
comes in as arguments of the factory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aorm.exc import MappingError

__all__ = ["BatchLoader", "BatchLoaderFactory", "batch_loader_factory"]

#: Turns many entities' column values into their objects, in order.
BatchLoader = Callable[[Iterable[Sequence[Any]]], list[Any]]

#: Binds the generated loop to one query's identity map and session: called as
#: ``factory(cls, refs, mapper, make_state, session_ref, existing, loading,
#: state_key)``.
BatchLoaderFactory = Callable[..., BatchLoader]

_TEMPLATE = """\
def factory(cls, refs, mapper, make_state, session_ref,
            existing, loading, state_key):
    refs_get = refs.get
    new = cls.__new__

    def load_all(rows):
        out = []
        append = out.append
        for values in rows:
{key}
            ref = refs_get(key)
            if ref is not None:
                obj = ref()
                if obj is not None:
                    existing(obj, loading, values)
                    append(obj)
                    continue
            obj = new(cls)
            d = obj.__dict__
{fill}
            # The state is the map's weak reference to the object.
            d[state_key] = state = make_state(obj, mapper, key, session_ref)
            refs[key] = state
            append(obj)
        return out

    return load_all
"""

_INDENT = " " * 12


def _key_source(pk_positions: Sequence[int]) -> str:
    if len(pk_positions) == 1:
        lines = [
            f"first = values[{pk_positions[0]:d}]",
            "if first is None:",
            "    append(None)",
            "    continue",
            "key = (cls, (first,))",
        ]
    else:
        items = ", ".join(f"values[{p:d}]" for p in pk_positions)
        lines = [
            f"ident = ({items})",
            "if None in ident:",
            "    append(None)",
            "    continue",
            "key = (cls, ident)",
        ]
    return "\n".join(_INDENT + line for line in lines)


def batch_loader_factory(keys: Sequence[str], pk_positions: Sequence[int]) -> BatchLoaderFactory:
    """The compiled hydration loop for objects whose columns are *keys*, in row order.

    *pk_positions* are the primary key columns' positions in a row. Rows may
    hold more columns after the entity's (they are ignored).
    """
    if not pk_positions:
        raise MappingError("a mapped entity needs a primary key to be loaded")
    fill = "\n".join(
        f"{_INDENT}d[{str(key)!r}] = values[{position:d}]" for position, key in enumerate(keys)
    )
    source = _TEMPLATE.format(key=_key_source(pk_positions), fill=fill)
    namespace: dict[str, Any] = {}
    exec(compile(source, "<aorm hydration loop>", "exec"), namespace)
    factory: BatchLoaderFactory = namespace["factory"]
    return factory
