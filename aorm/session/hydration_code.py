"""The per-mapper hydration loop, written out as Python source once per mapper.

Filling a new object's ``__dict__`` with one ``d[key] = values[i]`` per
column costs about a third of ``d.update(zip(keys, values))`` (which builds
a pair per column and goes through the generic merge), and it is the larger
part of making an object from a row. The column keys differ per mapper, so
the loop is generated for each mapper's keys: :func:`batch_loader_factory`
compiles it once, and each query binds it to its identity map and session
with one call.

A select-IN load also groups the objects by their key columns; its loop
(:func:`grouping_loader_factory`) does that as it makes them, one pass over
the rows instead of two, as long as every row makes a new object.

Each new object's state is made in the loop too, its fields written out
from :data:`~aorm.session.state.INITIAL_FIELDS` rather than set by a call
to ``InstanceState.loaded()`` per row.

The generated source holds only the mapper's attribute keys (as string
literals, through ``repr()``), column positions (ints) and the state's
field names; every value comes in as an argument of the factory or from
:mod:`aorm.session.state`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aorm.exc import MappingError
from aorm.session.state import INITIAL_FIELDS, bare_state_maker

__all__ = [
    "BatchLoader",
    "BatchLoaderFactory",
    "GroupingLoader",
    "GroupingLoaderFactory",
    "batch_loader_factory",
    "grouping_loader_factory",
]

#: Turns many entities' column values into their objects, in order.
BatchLoader = Callable[[Iterable[Sequence[Any]]], list[Any]]

#: :data:`BatchLoader` that also groups the objects by the values of some
#: columns of their rows: ``(objects, groups)``, where *groups* maps each key
#: value (the bare value for one column, a tuple for several) to its objects,
#: or is None when some row's object was already in the identity map (the
#: caller groups those rows itself: an object may then come more than once).
GroupingLoader = Callable[[Iterable[Sequence[Any]]], tuple[list[Any], dict[Any, list[Any]] | None]]

#: Binds the generated loop to one query's identity map and session: called as
#: ``factory(cls, refs, mapper, session_ref, existing, loading, state_key)``.
BatchLoaderFactory = Callable[..., BatchLoader]
#: The same for a :data:`GroupingLoader`.
GroupingLoaderFactory = Callable[..., GroupingLoader]

_TEMPLATE = """\
def factory(cls, refs, mapper, session_ref,
            existing, loading, state_key):
    refs_get = refs.get
    new = cls.__new__
    new_ref, state_class, collected = bare_state_maker()
{initial_setup}

    def load_all(rows):
        out = []
        append = out.append
{setup}
        for values in rows:
{key}
            ref = refs_get(key)
            if ref is not None:
                obj = ref()
                if obj is not None:
                    existing(obj, loading, values)
                    append(obj)
{on_existing}
                    continue
            obj = new(cls)
            d = obj.__dict__
{fill}
            # The state is the map's weak reference to the object; its fields
            # are set here, as InstanceState.loaded() sets them, without a call.
            d[state_key] = state = new_ref(state_class, obj, collected)
            state.mapper = mapper
            state.key = key
            state._session_ref = session_ref
{initial_fields}
            refs[key] = state
            append(obj)
{group}
        return {result}

    return load_all
"""


def _indented(lines: Sequence[str], depth: int) -> str:
    return "\n".join(" " * depth + line for line in lines)


def _key_source(pk_positions: Sequence[int]) -> str:
    if len(pk_positions) == 1:
        lines = [
            f"first = values[{pk_positions[0]:d}]",
            "if first is None:",
            "    append(None)",
            "    continue",
            "key = (cls, first)",
        ]
    else:
        items = ", ".join(f"values[{p:d}]" for p in pk_positions)
        lines = [
            f"ident = ({items})",
            "if None in ident:",
            "    append(None)",
            "    continue",
            "key = (cls, *ident)",
        ]
    return _indented(lines, 12)


def _group_source(group_positions: Sequence[int]) -> str:
    if len(group_positions) == 1:
        group_key = f"values[{group_positions[0]:d}]"
    else:
        group_key = "(" + ", ".join(f"values[{p:d}]" for p in group_positions) + ")"
    lines = [
        # Only while every object is new: after that the caller groups the rows.
        "if fresh:",
        f"    group_key = {group_key}",
        "    group = groups_get(group_key)",
        "    if group is None:",
        "        groups[group_key] = [obj]",
        "    else:",
        "        group.append(obj)",
    ]
    return _indented(lines, 12)


def _compile(
    keys: Sequence[str], pk_positions: Sequence[int], group_positions: Sequence[int] | None
) -> Any:
    if not pk_positions:
        raise MappingError("a mapped entity needs a primary key to be loaded")
    fill = _indented(
        [f"d[{str(key)!r}] = values[{position:d}]" for position, key in enumerate(keys)], 12
    )
    if group_positions is None:
        parts = {"setup": "", "on_existing": "", "group": "", "result": "out"}
    else:
        parts = {
            "setup": _indented(["groups = {}", "groups_get = groups.get", "fresh = True"], 8),
            "on_existing": _indented(["fresh = False"], 20),
            "group": _group_source(group_positions),
            "result": "out, (groups if fresh else None)",
        }
    # The initial values come in by name (each bound once, in the factory):
    # only the field names, checked to be identifiers, go into the source.
    names = list(INITIAL_FIELDS)
    if not all(name.isidentifier() for name in names):  # pragma: no cover - state.py's table
        raise MappingError("a state field name is not an identifier")
    initial_setup = _indented(
        [f"initial_{i:d} = INITIAL_FIELDS[{name!r}]" for i, name in enumerate(names)], 4
    )
    initial_fields = _indented(
        [f"state.{name} = initial_{i:d}" for i, name in enumerate(names)], 12
    )
    source = _TEMPLATE.format(
        key=_key_source(pk_positions),
        fill=fill,
        initial_setup=initial_setup,
        initial_fields=initial_fields,
        **parts,
    )
    namespace: dict[str, Any] = {
        "INITIAL_FIELDS": INITIAL_FIELDS,
        "bare_state_maker": bare_state_maker,
    }
    exec(compile(source, "<aorm hydration loop>", "exec"), namespace)
    return namespace["factory"]


def batch_loader_factory(keys: Sequence[str], pk_positions: Sequence[int]) -> BatchLoaderFactory:
    """The compiled hydration loop for objects whose columns are *keys*, in row order.

    *pk_positions* are the primary key columns' positions in a row. Rows may
    hold more columns after the entity's (they are ignored).
    """
    factory: BatchLoaderFactory = _compile(keys, pk_positions, None)
    return factory


def grouping_loader_factory(
    keys: Sequence[str], pk_positions: Sequence[int], group_positions: Sequence[int]
) -> GroupingLoaderFactory:
    """:func:`batch_loader_factory`'s loop that also groups the objects it makes.

    The objects are grouped by their rows' values at *group_positions* (what
    a select-IN load does next), in the same pass over the rows.
    """
    if not group_positions:
        raise MappingError("grouping the loaded objects needs at least one key column")
    factory: GroupingLoaderFactory = _compile(keys, pk_positions, group_positions)
    return factory
