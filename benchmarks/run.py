"""Run aorm's benchmark suite and print a Markdown report.

    python benchmarks/run.py [--scale 1] [--repeat 5] [--warmup 1]
        [--systems raw,sqlalchemy,aorm] [--workloads insert,load,...]
        [--backends sqlite,postgresql] [--pg-url URL] [--output PATH]
        [--system NAME=MODULE ...]

Every system/workload/backend run happens in its own process
(``run.py --child SYSTEM WORKLOAD BACKEND --db-url URL``) against a database
this process has just prepared; the runs of one workload and backend are
interleaved, one round of every system per repetition with the starting
system rotated, so machine noise spreads evenly. Each run's answer and the
database afterwards are verified; a wrong answer is reported as FAILED and
makes the exit status 1. The report goes to stdout and to ``--output``
(default ``benchmarks/results/latest.md``); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from child import run_child
from contract import BACKENDS, Backend, Database, Outcome
from database import DEFAULT_PG_URL, SqliteFiles, prepare, scratch_postgresql, server_version
from database import verify as verify_run
from report import Results, Sample, render
from systems import FLOOR, SYSTEMS, Skip, System, custom_system, resolve, system
from workloads import WORKLOADS, Plan, Workload, workload

__all__ = ["main"]

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results" / "latest.md"
# A run that takes longer than this is stuck, not slow.
CHILD_TIMEOUT = 900.0


class RunFailed(Exception):
    """A child run crashed, timed out, or gave a wrong answer."""


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="aorm benchmarks: the raw drivers, SQLAlchemy and aorm on SQLite and"
        " PostgreSQL.",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="size factor (default 1)")
    parser.add_argument("--repeat", type=int, default=5, help="measured runs (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured runs first (default 1)")
    parser.add_argument(
        "--systems",
        type=_names,
        help="comma-separated, from: "
        + ", ".join(s.name for s in SYSTEMS)
        + " and any --system (default: all)",
    )
    parser.add_argument(
        "--system",
        dest="custom",
        action="append",
        default=[],
        metavar="NAME=MODULE",
        help="also compare the system in MODULE (importable, e.g. from PYTHONPATH)",
    )
    parser.add_argument(
        "--workloads",
        type=_names,
        default=[w.key for w in WORKLOADS],
        help="comma-separated, from: " + ", ".join(w.key for w in WORKLOADS),
    )
    parser.add_argument(
        "--backends",
        type=_names,
        default=list(BACKENDS),
        help="comma-separated: sqlite, postgresql",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("AORM_TEST_PG_URL", DEFAULT_PG_URL),
        help="PostgreSQL server to make a scratch database on (default $AORM_TEST_PG_URL or"
        f" {DEFAULT_PG_URL})",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="report file")
    parser.add_argument(
        "--child", nargs=3, metavar=("SYSTEM", "WORKLOAD", "BACKEND"), help=argparse.SUPPRESS
    )
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    parser.add_argument("--db-path", help=argparse.SUPPRESS)
    return parser


def _backend(name: str) -> Backend:
    if name not in BACKENDS:
        raise KeyError(f"unknown backend {name!r}; known: {', '.join(BACKENDS)}")
    return name


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _measure(
    name: str, chosen: Workload, plan: Plan, db: Database, args: argparse.Namespace
) -> Sample | Skip:
    """Prepare ``db``, run one child, verify it: its sample, or why it was skipped."""
    prepare(db, plan)
    command = [
        sys.executable,
        str(HERE / "run.py"),
        "--child",
        name,
        chosen.key,
        db.backend,
        "--db-url",
        db.url,
        "--scale",
        repr(args.scale),
    ]
    for spec in args.custom:
        command += ["--system", spec]
    if db.path is not None:
        command += ["--db-path", db.path]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise RunFailed(f"no answer within {CHILD_TIMEOUT:.0f} s") from exc
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise RunFailed(f"exit status {done.returncode}: {tail}")
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise RunFailed("printed no report")
    report: dict[str, Any] = json.loads(lines[-1])
    if report["status"] == "skipped":
        return Skip(str(report["reason"]))
    problems = verify_run(db, plan, Outcome(int(report["rows"]), int(report["checksum"])))
    if problems:
        raise RunFailed("wrong answer: " + "; ".join(problems))
    peak = int(report["maxrss_kib"])
    at_start = report.get("rss_at_start_kib")
    growth = None if at_start is None else max(0, peak - int(at_start))
    return Sample(float(report["seconds"]), peak, growth)


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _preamble(
    args: argparse.Namespace, pg_url: str | None, workloads: Sequence[Workload]
) -> list[str]:
    pg = server_version(pg_url) if pg_url is not None else "not used"
    lines = [
        "# aorm benchmarks",
        "",
        f"{datetime.now():%Y-%m-%d %H:%M}; scale {args.scale:g}, {args.warmup} warm-up +"
        f" {args.repeat} measured runs per cell, each in its own process.",
        f"Python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs;"
        f" PostgreSQL {pg}; SQLite {sqlite3.sqlite_version}; asyncpg {_version('asyncpg')},"
        f" aiosqlite {_version('aiosqlite')}, SQLAlchemy {_version('sqlalchemy')},"
        f" aorm {_version('aorm')}.",
        "",
        "Workloads (sizes at scale 1):",
        "",
    ]
    lines += [f"- `{w.key}`: {w.title}" for w in workloads]
    return lines


def _run(
    args: argparse.Namespace,
    systems: Sequence[System],
    workloads: Sequence[Workload],
    backends: Sequence[Backend],
) -> int:
    results = Results()
    schedule: list[tuple[Workload, Backend, list[str]]] = []
    for chosen in workloads:
        for backend in backends:
            if backend not in chosen.backends:
                continue
            runnable = []
            for candidate in systems:
                found = resolve(candidate, backend, chosen.function)
                cell = results.cell(chosen.key, backend, candidate.name)
                if isinstance(found, Skip):
                    cell.skipped = found.reason
                else:
                    runnable.append(candidate.name)
            if runnable:
                schedule.append((chosen, backend, runnable))
    for name, reasons in results.skips().items():
        for reason in reasons:
            print(f"{name}: skipped: {reason}", flush=True)

    rounds = args.warmup + args.repeat
    total = rounds * sum(len(names) for _, _, names in schedule)
    done = 0
    with ExitStack() as stack:
        pg_url = None
        if any(backend == "postgresql" for _, backend, _ in schedule):
            pg_url = stack.enter_context(scratch_postgresql(args.pg_url))
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aorm-bench-")))
        files = SqliteFiles(directory)
        for chosen, backend, names in schedule:
            plan = chosen.plan(args.scale)
            for round_number in range(rounds):
                warm_up = round_number < args.warmup
                start = round_number % len(names)
                for name in names[start:] + names[:start]:
                    done += 1
                    cell = results.cell(chosen.key, backend, name)
                    if cell.failure is not None or cell.skipped is not None:
                        continue
                    if backend == "sqlite":
                        db = files.fresh(chosen.key)
                    else:
                        assert pg_url is not None
                        db = Database("postgresql", pg_url)
                    label = f"[{done}/{total}] {chosen.key}/{backend} {name}"
                    try:
                        measured = _measure(name, chosen, plan, db, args)
                    except (RunFailed, ValueError, KeyError) as exc:
                        cell.failure = str(exc)
                        _progress(f"{label}: FAILED: {exc}")
                        continue
                    finally:
                        if db.path is not None:
                            files.remove(db)
                    if isinstance(measured, Skip):
                        cell.skipped = measured.reason
                        _progress(f"{label}: skipped: {measured.reason}")
                        continue
                    kind = "warm-up" if warm_up else f"run {round_number - args.warmup + 1}"
                    _progress(f"{label} {kind}: {measured.seconds * 1000:,.1f} ms")
                    if not warm_up:
                        cell.samples.append(measured)
        preamble = _preamble(args, pg_url, workloads)
    text = render(results, workloads, backends, [s.name for s in systems], args.scale, preamble)
    print(text, end="")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    _progress(f"report written to {args.output}")
    return 1 if results.failures() else 0


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Unwind like Ctrl-C does, so the scratch database and files are removed.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks (or, with ``--child``, one measured run); the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        custom = [custom_system(spec) for spec in args.custom]
        names = args.systems or [s.name for s in (*SYSTEMS, *custom)]
        systems = [system(name, custom) for name in names]
        workloads = [workload(key) for key in args.workloads]
        backends = [_backend(name) for name in args.backends]
        if args.child is not None:
            name, key, backend = args.child
            measured, backend = system(name, custom), _backend(backend)
    except (KeyError, ValueError) as exc:
        parser.error(str(exc.args[0]))
    if args.child is not None:
        return run_child(measured, key, backend, args.db_url, args.db_path, args.scale)
    if args.repeat < 1 or args.warmup < 0 or args.scale <= 0:
        parser.error("--repeat must be at least 1, --warmup at least 0, --scale positive")
    if FLOOR not in names:
        _progress(f"note: without {FLOOR!r} in --systems there are no ratios")
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    return _run(args, systems, workloads, backends)


if __name__ == "__main__":
    sys.exit(main())
