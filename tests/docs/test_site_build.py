"""The documentation site builds with ``mkdocs build --strict``, and its two build extensions.

The nox session ``docs`` is the gate that always runs the build; here it runs
when the docs tooling is installed (``pip install -e '.[docs]'``).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.docs.doc_pages import DOCS_DIR, REPOSITORY

TOOLING = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python", "pymdownx")


def missing_tooling() -> list[str]:
    missing: list[str] = []
    for name in TOOLING:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(name)
    return missing


needs_tooling = pytest.mark.skipif(
    bool(missing_tooling()),
    reason=f"docs tooling not installed ({', '.join(missing_tooling())}); "
    "pip install -e '.[docs]', or run nox -s docs",
)


def load_extension(name: str) -> ModuleType:
    """Import ``docs/_ext/<name>.py`` (not a package: mkdocs loads it by path)."""
    spec = importlib.util.spec_from_file_location(
        f"docs_ext_{name}", DOCS_DIR / "_ext" / f"{name}.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_tooling
def test_the_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=REPOSITORY,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (site / "index.html").is_file()
    # The reference is generated from the docstrings, Sphinx roles made into links.
    reference = (site / "reference" / "exc.html").read_text(encoding="utf-8")
    assert 'id="aorm.exc.PoolTimeout"' in reference
    engine_reference = (site / "reference" / "engine.html").read_text(encoding="utf-8")
    assert ":class:`" not in engine_reference
    # Files the pages link to under examples/ are published with the site.
    assert (site / "examples" / "quickstart.py").is_file()


@needs_tooling
def test_links_into_examples_point_at_the_published_copies() -> None:
    links = load_extension("repository_links")
    markdown = (
        "[a](../examples/quickstart.py) [b](../examples/missing.py) "
        "[c](engines.md) [d](https://example.org/x.py) [e](../examples/quickstart.py#L3)"
    )
    assert links.rewrite_links(markdown, "pool.md", "docs", REPOSITORY) == (
        "[a](examples/quickstart.py) [b](../examples/missing.py) "
        "[c](engines.md) [d](https://example.org/x.py) [e](examples/quickstart.py#L3)"
    )
    nested = links.rewrite_links(
        "[a](../../examples/quickstart.py)", "guide/x.md", "docs", REPOSITORY
    )
    assert nested == "[a](../examples/quickstart.py)"


@needs_tooling
def test_sphinx_roles_become_optional_autorefs() -> None:
    roles = load_extension("sphinx_roles")

    def resolve(name: str) -> str:
        if name == "Result":
            return "aorm.engine.result.Result"
        raise LookupError(name)

    text = (
        "Raises :class:`~aorm.exc.DataError`; see :meth:`Connection.stream` and "
        ":class:`Result`, :func:`elsewhere` and :class:`the pool <aorm.pool.Pool>`."
    )
    assert roles.convert_roles(text, resolve) == (
        'Raises <autoref identifier="aorm.exc.DataError" optional><code>DataError</code>'
        "</autoref>; see "
        '<autoref identifier="Connection.stream" optional><code>Connection.stream()</code>'
        "</autoref> and "
        '<autoref identifier="aorm.engine.result.Result" optional><code>Result</code>'
        "</autoref>, "
        '<autoref identifier="elsewhere" optional><code>elsewhere()</code></autoref> and '
        '<autoref identifier="aorm.pool.Pool" optional><code>the pool</code></autoref>.'
    )
