"""The systems compared, and where each one's workload functions live.

A system is one or more modules per backend in this folder, searched in order
for the workload's function (see ``contract.py`` for the signatures). A system
whose module is missing, cannot be imported (its library is not installed) or
lacks the function is skipped for that workload with the reason, never
failed: that is how ``aorm`` shows as "not implemented yet" until
``aorm_orm.py`` exists. ``raw`` is the floor every ratio is taken against.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from contract import BACKENDS, Backend, Outcome

__all__ = [
    "FLOOR",
    "SYSTEMS",
    "Skip",
    "System",
    "WorkloadFunction",
    "custom_system",
    "resolve",
    "system",
]

WorkloadFunction = Callable[..., Coroutine[Any, Any, Outcome]]
"""``async def NAME(db: Database, clock: Clock, *arguments) -> Outcome``."""


@dataclass(frozen=True)
class System:
    """A compared system: its name in the table and its modules per backend."""

    name: str
    modules: Mapping[Backend, tuple[str, ...]]
    by_function: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    install_hint: str = ""

    def candidates(self, backend: Backend, function: str) -> tuple[str, ...]:
        """The modules to look in for ``function`` on ``backend``, in order."""
        if backend not in self.modules:
            return ()
        return self.by_function.get(function, self.modules[backend])


@dataclass(frozen=True)
class Skip:
    """Why a system does not run a workload on a backend."""

    reason: str


SYSTEMS: tuple[System, ...] = (
    System("raw", {"sqlite": ("raw_aiosqlite",), "postgresql": ("raw_asyncpg",)}),
    System(
        "sqlalchemy",
        {"sqlite": ("sqlalchemy_async",), "postgresql": ("sqlalchemy_async",)},
        install_hint="install sqlalchemy[asyncio] or run `nox -s bench`",
    ),
    # aorm's ORM workloads go in aorm_orm.py; the pool-only workload is in aorm_pool.py.
    System(
        "aorm",
        {"sqlite": ("aorm_orm",), "postgresql": ("aorm_orm",)},
        by_function={"pool": ("aorm_pool",)},
    ),
)

FLOOR = "raw"


def custom_system(spec: str) -> System:
    """A system from ``NAME=MODULE``: one module for every backend, importable by name.

    For trying a variant (put its folder on ``PYTHONPATH``) without
    registering it here. Raises ``ValueError`` on a malformed spec.
    """
    name, _, module = spec.partition("=")
    if not name.strip() or not module.strip():
        raise ValueError(f"--system takes NAME=MODULE, not {spec!r}")
    return System(name.strip(), {backend: (module.strip(),) for backend in BACKENDS})


def system(name: str, custom: Sequence[System] = ()) -> System:
    """The system called ``name``; raises ``KeyError`` naming the known ones."""
    for candidate in (*SYSTEMS, *custom):
        if candidate.name == name:
            return candidate
    known = ", ".join(s.name for s in (*SYSTEMS, *custom))
    raise KeyError(f"unknown system {name!r}; known: {known}")


def resolve(chosen: System, backend: Backend, function: str) -> WorkloadFunction | Skip:
    """``chosen``'s function for a workload on ``backend``, or why there is none."""
    reasons: list[str] = []
    for module_name in chosen.candidates(backend, function):
        if importlib.util.find_spec(module_name) is None:
            reasons.append(f"not implemented yet (no benchmarks/{module_name}.py)")
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            hint = f"; {chosen.install_hint}" if chosen.install_hint else ""
            reasons.append(f"{module_name}.py cannot be imported ({exc}){hint}")
            continue
        found: Any = getattr(module, function, None)
        if found is None:
            reasons.append(f"{module_name}.py has no {function}()")
            continue
        return cast(WorkloadFunction, found)
    if not reasons:
        reasons.append(f"does not run on {backend}")
    return Skip("; ".join(reasons))
