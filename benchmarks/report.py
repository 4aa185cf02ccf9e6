"""Collecting the runs' samples and rendering them as Markdown tables.

Every ratio is against the ``raw`` floor on the same backend: for times and
memory, system / raw (2.0x means twice the time or memory); for throughput,
system / raw queries per second (0.5x means half the throughput).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from contract import Backend
from systems import FLOOR
from workloads import Plan, Workload

__all__ = ["Cell", "Results", "Sample", "render"]


@dataclass(frozen=True)
class Sample:
    """One verified, timed run."""

    seconds: float
    maxrss_kib: int
    growth_kib: int | None = None


@dataclass
class Cell:
    """The runs of one system on one workload and backend."""

    samples: list[Sample] = field(default_factory=list)
    failure: str | None = None
    skipped: str | None = None

    @property
    def seconds(self) -> float | None:
        """Median seconds, or ``None`` without a clean sample."""
        if self.failure is not None or not self.samples:
            return None
        return statistics.median(s.seconds for s in self.samples)

    @property
    def maxrss_kib(self) -> float | None:
        """Median peak RSS in KiB, or ``None`` without a clean sample."""
        if self.failure is not None or not self.samples:
            return None
        return statistics.median(s.maxrss_kib for s in self.samples)

    @property
    def growth_kib(self) -> float | None:
        """Median of what the timed section added to the peak RSS, where known."""
        known = [s.growth_kib for s in self.samples if s.growth_kib is not None]
        if self.failure is not None or not known:
            return None
        return statistics.median(known)


class Results:
    """Cells keyed by (workload key, backend, system name)."""

    def __init__(self) -> None:
        self._cells: dict[tuple[str, Backend, str], Cell] = {}

    def cell(self, key: str, backend: Backend, system: str) -> Cell:
        """The cell for one combination, created empty on first use."""
        return self._cells.setdefault((key, backend, system), Cell())

    def find(self, key: str, backend: Backend, system: str) -> Cell | None:
        """The cell if it was ever used."""
        return self._cells.get((key, backend, system))

    def failures(self) -> list[str]:
        """One line per failed cell."""
        return [
            f"{system} / {key} / {backend}: {cell.failure}"
            for (key, backend, system), cell in self._cells.items()
            if cell.failure is not None
        ]

    def skips(self) -> dict[str, list[str]]:
        """Per system, each skip reason and where it applied.

        "everywhere", or the workloads it applied to, a workload named with
        ``/backend`` only when the reason held on some of its backends.
        """
        # (system, workload) -> backends run or skipped there; (system, reason) -> cells.
        backends_of: dict[tuple[str, str], list[str]] = {}
        skipped: dict[tuple[str, str], dict[str, list[str]]] = {}
        for (key, backend, system), cell in self._cells.items():
            backends_of.setdefault((system, key), []).append(backend)
            if cell.skipped is not None:
                where = skipped.setdefault((system, cell.skipped), {})
                where.setdefault(key, []).append(backend)
        lines: dict[str, list[str]] = {}
        for (system, reason), where in skipped.items():
            total = sum(len(b) for (s, _), b in backends_of.items() if s == system)
            if sum(len(b) for b in where.values()) == total:
                scope = "everywhere"
            else:
                scope = ", ".join(
                    key
                    if len(backends) == len(backends_of[system, key])
                    else ", ".join(f"{key}/{b}" for b in backends)
                    for key, backends in where.items()
                )
            lines.setdefault(system, []).append(f"{reason} [{scope}]")
        return lines


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:,.1f}" if ms >= 10 else f"{ms:.2f}"


def _ratio(value: float | None, floor: float | None) -> str:
    if value is None or floor is None or floor == 0:
        return "—"
    return f"{value / floor:.2f}x"


def _memory(cell: Cell, peak_mib: float) -> str:
    growth = cell.growth_kib
    return f"{peak_mib:,.1f}" if growth is None else f"{peak_mib:,.1f} (+{growth / 1024:,.1f})"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _cells(cell: Cell | None, value: str | None, ratio: str | None) -> list[str]:
    # One system's columns in a row: its value and, unless it is the floor, its ratio.
    failed = cell is not None and cell.failure is not None
    shown = ["FAILED" if failed else value or "—"]
    if ratio is not None:
        shown.append("FAILED" if failed else ratio)
    return shown


@dataclass(frozen=True)
class _Section:
    """One table: which workloads, what is measured in a cell and how it is shown."""

    title: str
    workloads: Sequence[Workload]
    unit: str
    measure: Callable[[Plan, Cell], float | None]
    shown: Callable[[Cell, float], str]
    size_column: str
    size: Callable[[Plan], str]


def _seconds(_: Plan, cell: Cell) -> float | None:
    return cell.seconds


def _per_second(plan: Plan, cell: Cell) -> float | None:
    seconds = cell.seconds
    return None if seconds is None else plan.queries / seconds


def _per_object(plan: Plan, cell: Cell) -> float | None:
    seconds = cell.seconds
    return None if seconds is None else seconds * 1e6 / plan.objects


def _mib(_: Plan, cell: Cell) -> float | None:
    kib = cell.maxrss_kib
    return None if kib is None else kib / 1024


def _sections(workloads: Sequence[Workload], plans: Mapping[str, Plan]) -> list[_Section]:
    scaling = sorted(
        (w for w in workloads if w.scaling), key=lambda w: (w.function, plans[w.key].objects)
    )
    return [
        _Section(
            "Time (median; ratio to raw on the same backend)",
            workloads,
            "ms",
            _seconds,
            lambda _, v: _ms(v),
            "rows (verified)",
            lambda p: f"{p.expected_rows():,} ✓",
        ),
        _Section(
            "Throughput (queries per second; ratio to raw, higher is better)",
            [w for w in workloads if w.throughput],
            "q/s",
            _per_second,
            lambda _, v: f"{v:,.0f}",
            "queries",
            lambda p: f"{p.queries:,}",
        ),
        _Section(
            "Scaling (µs per object; flat is linear, growing is worse)",
            scaling,
            "µs/obj",
            _per_object,
            lambda _, v: f"{v:,.2f}",
            "objects",
            lambda p: f"{p.objects:,}",
        ),
        _Section(
            "Peak RSS of the measuring process, MiB (median; in brackets what the timed"
            " section added)",
            workloads,
            "peak",
            _mib,
            _memory,
            "rows",
            lambda p: f"{p.expected_rows():,}",
        ),
    ]


def _render_section(
    section: _Section,
    results: Results,
    plans: Mapping[str, Plan],
    backends: Sequence[Backend],
    columns: Sequence[str],
) -> list[str]:
    header = ["workload", "backend", section.size_column]
    for system in columns:
        header.append(f"{system} {section.unit}")
        if system != FLOOR:
            header.append(f"{system} xraw")
    rows: list[list[str]] = []
    for w in section.workloads:
        plan = plans[w.key]
        for backend in (b for b in backends if b in w.backends):
            floor_cell = results.find(w.key, backend, FLOOR)
            floor = None if floor_cell is None else section.measure(plan, floor_cell)
            row = [w.key, backend, section.size(plan)]
            for system in columns:
                cell = results.find(w.key, backend, system)
                measured = None if cell is None else section.measure(plan, cell)
                value = None
                if cell is not None and measured is not None:
                    value = section.shown(cell, measured)
                ratio = None if system == FLOOR else _ratio(measured, floor)
                row += _cells(cell, value, ratio)
            rows.append(row)
    if not rows:
        return []
    return ["", f"## {section.title}", "", *_table(header, rows)]


def render(
    results: Results,
    workloads: Sequence[Workload],
    backends: Sequence[Backend],
    systems: Sequence[str],
    scale: float,
    preamble: Sequence[str] = (),
) -> str:
    """The Markdown report: time, throughput, scaling and memory tables, then notes.

    A system gets columns only if it has at least one result; skipped systems
    and failures are listed under *Notes*.
    """
    plans = {w.key: w.plan(scale) for w in workloads}
    columns = [
        system
        for system in systems
        if any(
            (cell := results.find(w.key, b, system)) is not None and (cell.samples or cell.failure)
            for w in workloads
            for b in backends
        )
    ]
    out: list[str] = list(preamble)
    for section in _sections(workloads, plans):
        out += _render_section(section, results, plans, backends, columns)
    skips = results.skips()
    failures = results.failures()
    if skips or failures:
        out += ["", "## Notes", ""]
        for system, reasons in skips.items():
            out += [f"- {system} skipped: {reason}" for reason in reasons]
        out += [f"- FAILED {line}" for line in failures]
    return "\n".join(out) + "\n"
