"""Every ```python block of every page under docs/ runs, so the docs cannot drift.

A page's blocks run top to bottom in one namespace (top-level ``await``
allowed), in a process of their own, on SQLite, or on each backend its
``<!-- backends: … -->`` marker names, with ``DATABASE_URL`` pointing at the
test database. The conventions are in ``tests/docs/doc_pages.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.doc_pages import REPOSITORY, DocPage, all_pages

PAGES = all_pages()

#: Seconds one page may take on one backend before the run is abandoned.
PAGE_TIMEOUT = 600

#: Pages whose blocks are not programs at all, with the reason. Keep it short.
PAGES_NOT_RUN = {
    "internals.md": "contributor notes: signatures of internal interfaces, not runnable code",
}

#: How many blocks each page marks ``<!-- no-run: … -->``. Only pure illustration
#: (a web app that needs a server) may be skipped; every one is listed here.
BLOCKS_NOT_RUN: dict[str, int] = {
    # The example's conftest.py and test module: pytest runs them (tests/testing/test_example.py).
    "testing.md": 2,
}


def _cases() -> Iterator[object]:
    for page in PAGES:
        if page.name in PAGES_NOT_RUN or not any(block.runs for block in page.blocks):
            continue
        for backend in page.backends:
            yield pytest.param(page, backend, id=f"{page.name}-{backend}")


@pytest.mark.parametrize(("page", "backend"), list(_cases()))
def test_page_code_runs(page: DocPage, backend: str, db_url: str, tmp_path: Path) -> None:
    # Examples that name a relative SQLite file (sqlite:///library.db) write it here.
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    # A process per page: what a page maps into the shared Base stays in it.
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-m",
            "tests.docs.page_runner",
            str(page.path),
            backend,
            db_url,
        ],
        cwd=workdir,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPOSITORY), *_pythonpath()])},
        capture_output=True,
        text=True,
        timeout=PAGE_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, (
        f"the code of docs/{page.name} failed on {backend}:\n{result.stderr}{result.stdout}"
    )


def _pythonpath() -> list[str]:
    existing = os.environ.get("PYTHONPATH", "")
    return [entry for entry in existing.split(os.pathsep) if entry]


def test_skipped_blocks_are_the_listed_ones() -> None:
    skipped = {
        page.name: sum(not block.runs for block in page.blocks)
        for page in PAGES
        if any(not block.runs for block in page.blocks)
    }
    assert skipped == BLOCKS_NOT_RUN, (
        "blocks marked <!-- no-run --> must be rare and listed in BLOCKS_NOT_RUN"
    )


def test_pages_not_run_exist_and_have_code() -> None:
    by_name = {page.name: page for page in PAGES}
    for name in PAGES_NOT_RUN:
        assert name in by_name, f"PAGES_NOT_RUN names {name}, which is not under docs/"
        assert by_name[name].blocks, f"{name} has no python blocks; drop it from PAGES_NOT_RUN"


def test_the_docs_have_code_to_run() -> None:
    # A parser that silently found nothing would make every page "pass".
    runnable = sum(block.runs for page in PAGES for block in page.blocks)
    assert runnable >= 20
