"""One entry point per task, the same locally and in CI: ``nox -s tests lint typecheck docs``."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck", "docs"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite on SQLite and PostgreSQL (``AORM_TEST_PG_URL``)."""
    session.install("-e", ".[test,examples]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, and the import-linter layering contract."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package, the tests and the examples."""
    session.install("-e", ".[test,dev,examples]")
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site with ``mkdocs build --strict``: any warning fails it.

    The code on the pages is run by the test suite (``tests/docs``); this
    checks the site itself: navigation, links, snippets and the API reference.
    """
    session.install("-e", ".[docs]")
    site = Path(session.create_tmp()) / "site"
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        str(site),
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against the raw drivers and SQLAlchemy (report: benchmarks/results/latest.md).

    SQLAlchemy is installed here only, to compare against; aorm never depends on it.
    Options go after ``--``, e.g. ``nox -s bench -- --scale 0.05 --repeat 1``.
    """
    session.install(".", "sqlalchemy[asyncio]", "greenlet")
    # aorm as users get it: a regular, byte-compiled install like the drivers'
    # and SQLAlchemy's, rebuilt from this checkout on every run. An editable
    # install compiles aorm from source in every measured process when
    # PYTHONDONTWRITEBYTECODE is set, and the compiler's memory lands in the
    # peak RSS the report compares.
    session.install("--force-reinstall", "--no-deps", ".")
    session.run("python", "benchmarks/run.py", *session.posargs)
