"""The benchmark harness runs end to end in a tiny mode and checks what it measures.

Each test runs ``benchmarks/run.py`` with this interpreter at ``--scale 0.01``
(a few seconds); no timing is asserted, only that every result in the report
was verified and that wrong answers and missing systems are reported.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

RUN_PY = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
# Every workload at the smallest useful size; `pool` is PostgreSQL only.
WORKLOADS = [
    "insert",
    "load",
    "get",
    "update",
    "delete",
    "eager",
    "concurrent",
    "insert_1k",
    "insert_100k",
    "load_1k",
    "load_100k",
    "stream",
]

# A system that answers fast and wrong: it claims to insert without inserting,
# and to load without loading.
LIAR = """
from contract import Outcome


async def insert(db, clock, authors):
    with clock.timed():
        pass
    return Outcome(rows=len(authors))


async def load(db, clock):
    with clock.timed():
        pass
    return Outcome(rows=0)
"""


def _bench(
    backend: str, tmp_path: Path, *options: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        str(RUN_PY),
        "--scale",
        "0.01",
        "--repeat",
        "1",
        "--warmup",
        "0",
        "--backends",
        backend,
        "--pg-url",
        os.environ.get("AORM_TEST_PG_URL", DEFAULT_PG_URL),
        "--output",
        str(tmp_path / "latest.md"),
        *options,
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=False, env=env
    )


def _section(report: str, title: str) -> list[list[str]]:
    """The data rows of the table under the heading that starts with ``title``."""
    lines = report.split(f"## {title}", 1)[1].split("\n## ", 1)[0].splitlines()
    table = [line for line in lines if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table[1:]]


def test_raw_floor_reports_every_workload_verified(backend: str, tmp_path: Path) -> None:
    done = _bench(backend, tmp_path, "--systems", "raw")
    assert done.returncode == 0, done.stderr
    rows = _section(done.stdout, "Time")
    expected = WORKLOADS + (["pool"] if backend == "postgresql" else [])
    assert sorted(row[0] for row in rows) == sorted(expected)
    for workload, row_backend, verified, raw_ms in rows:
        assert row_backend == backend
        assert verified.endswith("✓"), workload
        assert int(verified.removesuffix("✓").replace(",", "")) > 0
        assert float(raw_ms.replace(",", "")) > 0, workload
    throughput = _section(done.stdout, "Throughput")
    assert {row[0] for row in throughput} == {"concurrent"} | (
        {"pool"} if backend == "postgresql" else set()
    )
    assert "FAILED" not in done.stdout
    assert done.stdout.endswith((tmp_path / "latest.md").read_text(encoding="utf-8"))


def test_missing_systems_are_skipped_with_the_reason(backend: str, tmp_path: Path) -> None:
    done = _bench(backend, tmp_path, "--systems", "raw,sqlalchemy,aorm", "--workloads", "load")
    assert done.returncode == 0, done.stderr
    header = done.stdout.split("## Time", 1)[1].splitlines()[2]
    if importlib.util.find_spec("sqlalchemy") is None:
        assert "sqlalchemy: skipped: sqlalchemy_async.py cannot be imported" in done.stdout
        assert "sqlalchemy ms" not in header
    else:
        assert "sqlalchemy ms" in header
    if not (RUN_PY.parent / "aorm_orm.py").exists():
        assert "aorm: skipped: not implemented yet (no benchmarks/aorm_orm.py)" in done.stdout
        assert "aorm ms" not in header
    assert _section(done.stdout, "Time")[0][:3] == ["load", backend, "100 ✓"]


def test_a_fast_wrong_answer_fails(backend: str, tmp_path: Path) -> None:
    (tmp_path / "liar_system.py").write_text(LIAR, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = _bench(
        backend,
        tmp_path,
        "--systems",
        "raw,liar",
        "--system",
        "liar=liar_system",
        "--workloads",
        "insert,load",
        env=env,
    )
    assert done.returncode == 1, done.stderr
    time_rows = {row[0]: row for row in _section(done.stdout, "Time")}
    assert time_rows["insert"][4:] == ["FAILED", "FAILED"]
    assert time_rows["load"][4:] == ["FAILED", "FAILED"]
    assert f"FAILED liar / insert / {backend}: wrong answer: author has 0 rows" in done.stdout
    assert f"FAILED liar / load / {backend}: wrong answer: reported 0 rows" in done.stdout
