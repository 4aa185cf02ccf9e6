"""One measured run in its own process: one system, one workload, one backend.

``run.py --child SYSTEM WORKLOAD BACKEND --db-url URL [--db-path PATH]``
lands here. The database is already prepared by the parent; this process only
runs the system's workload function and prints one JSON line on stdout::

    {"status": "ok", "seconds": 0.0123, "rows": 10000, "checksum": 5,
     "maxrss_kib": 51234, "rss_at_start_kib": 50112}
    {"status": "skipped", "reason": "not implemented yet (no benchmarks/aorm_orm.py)"}

The parent checks rows and checksum and the database afterwards. The peak
RSS is this whole process's, so it includes the interpreter, the imports and
the generated input, the same for every system.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
from typing import Any

from contract import Backend, Clock, Database, process_memory_kib
from systems import Skip, System, resolve
from workloads import workload

__all__ = ["run_child"]


def _peak_rss_kib() -> int:
    # On Linux, ru_maxrss of a process started with exec starts at its parent's
    # peak (the kernel carries the old image's high-water mark over), so a
    # child of a big parent could never report less. /proc's VmHWM is this
    # image's own peak; ru_maxrss is the fallback elsewhere.
    peak = process_memory_kib("VmHWM")
    if peak is not None:
        return peak
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak // 1024 if sys.platform == "darwin" else peak


def run_child(
    measured: System, workload_key: str, backend: Backend, url: str, path: str | None, scale: float
) -> int:
    """Run one workload and print its JSON report; the process's exit status."""
    chosen = workload(workload_key)
    function = resolve(measured, backend, chosen.function)
    report: dict[str, Any]
    if isinstance(function, Skip):
        report = {"status": "skipped", "reason": function.reason}
    else:
        plan = chosen.plan(scale)
        arguments = plan.arguments()
        clock = Clock()
        outcome = asyncio.run(function(Database(backend, url, path), clock, *arguments))
        if clock.seconds is None:
            raise RuntimeError(
                f"{measured.name}'s {chosen.function}() returned without timing a section"
                " (wrap the measured work in `with clock.timed():`)"
            )
        report = {
            "status": "ok",
            "seconds": clock.seconds,
            "rows": outcome.rows,
            "checksum": outcome.checksum,
            "maxrss_kib": _peak_rss_kib(),
            "rss_at_start_kib": clock.rss_at_start_kib,
        }
    print(json.dumps(report), flush=True)
    return 0
