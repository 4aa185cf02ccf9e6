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
    assert "appended book: pending" in out  # the save-update cascade
    assert "the book's author_id, set by the flush: 1" in out
    assert "awaited books: ['1984']" in out
    assert list(tmp_path.iterdir()) == []  # its database lived in a temporary directory


def test_relationships(tmp_path: Path) -> None:
    out = _run("relationships.py", tmp_path).splitlines()
    assert out == [
        "one-to-many: child.parent is parent, in memory: True",
        "one-to-many: child.parent_id after the flush: 1",
        "many-to-one: parents' child_id: [1, 1]",
        "many-to-one: the child's parents: 2",
        "one-to-one: old child's parent_id: None new: 1",
        "many-to-many: association rows: [(1, 1)]",
        "many-to-many: left.children: ['a']",
        "save-update: the appended book is pending",
        "refresh-expire: after expire(author) the book is expired",
        "expunge: after expunge(author) the book is detached",
        "merge: the merged author's books: ['Nineteen Eighty-Four', 'Animal Farm']",
        "delete-orphan: books left in the table: 1",
        "delete: books left after deleting the author: 0",
        "no delete cascade: the magazine stays, its publisher_id is None",
        "passive_deletes: posts left: 0",
        "none: the note stays transient",
        "none: notes in the table: 0",
        "select: reading it raises LazyLoadError (no hidden IO)",
        "select: awaited: ['Dune', 'Emma']",
        "joined: loaded by the query's JOIN: ['Dune', 'Emma']",
        "subquery: loaded by a second query: ['Dune', 'Emma']",
        "selectin: loaded by an IN query: ['Dune', 'Emma']",
        "raise: reading it raises LazyLoadError",
        "noload: never loaded: []",
        "dynamic: a query: ['Dune', 'Emma']",
        "dynamic: count: 2",
    ]
    assert list(tmp_path.iterdir()) == []


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
