"""The examples run as written, from a fresh process, and tell their story."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _run(name: str, cwd: Path) -> str:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_quickstart(tmp_path: Path) -> None:
    out = _run("quickstart.py", tmp_path)
    assert "new author: transient" in out
    assert "added: pending" in out
    assert "generated key after flush: 1" in out
    assert "committed: persistent" in out
    assert "books by George Orwell: ['1984']" in out
    assert list(tmp_path.iterdir()) == []  # its database lived in a temporary directory


def test_states(tmp_path: Path) -> None:
    lines = [line.split() for line in _run("states.py", tmp_path).splitlines()]
    states = [words[-1] for words in lines if words and words[-1] in _STATES]
    assert states == [
        "transient",  # Note(...)
        "pending",  # session.add(note)
        "persistent",  # flush
        "persistent",  # commit
        "expired",  # session.expire(note)
        "persistent",  # refresh
        "detached",  # session.expunge(note)
        "persistent",  # session.add(note) again
        "deleted",  # delete + flush
        "detached",  # commit
        "transient",  # added in a rolled-back transaction
        "expired",  # changed in it
    ]
    assert list(tmp_path.iterdir()) == []


_STATES = {"transient", "pending", "persistent", "expired", "deleted", "detached"}
