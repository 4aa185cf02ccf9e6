"""Every public name of ``aorm`` is documented on some page of the API reference.

The reference pages (``docs/reference/*.md``) render modules with
mkdocstrings' ``::: module`` directives; a directive shows the module's
``__all__`` (or the names under its ``members:`` option). A name of
``aorm.__all__`` is covered when one of those modules exports the same
object, so a new public name cannot be forgotten in the reference.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType

import aorm
from tests.docs.doc_pages import DOCS_DIR

REFERENCE_DIR = DOCS_DIR / "reference"
DIRECTIVE = re.compile(r"^::: (?P<module>[\w.]+)[ \t]*$", re.MULTILINE)
MEMBERS = re.compile(r"^ {6}members:\n(?P<items>(?: {8}- \w+\n)+)", re.MULTILINE)


def documented_modules() -> dict[str, list[str] | None]:
    """Module path → the members its directive lists (None: all of ``__all__``)."""
    found: dict[str, list[str] | None] = {}
    for page in sorted(REFERENCE_DIR.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        directives = list(DIRECTIVE.finditer(text))
        for index, directive in enumerate(directives):
            end = directives[index + 1].start() if index + 1 < len(directives) else len(text)
            options = text[directive.end() : end]
            members = MEMBERS.search(options)
            names = None
            if members is not None:
                names = re.findall(r"- (\w+)", members["items"])
            found[directive["module"]] = names
    return found


def exported(module: ModuleType, names: list[str] | None) -> list[object]:
    public = names if names is not None else list(getattr(module, "__all__", ()))
    return [getattr(module, name) for name in public if hasattr(module, name)]


def test_the_reference_pages_name_modules_that_exist() -> None:
    modules = documented_modules()
    assert "aorm.testing" in modules
    for path in modules:
        importlib.import_module(path)


def test_every_public_name_is_on_a_reference_page() -> None:
    documented: list[object] = []
    for path, names in documented_modules().items():
        documented.extend(exported(importlib.import_module(path), names))
    missing = [
        name
        for name in aorm.__all__
        if not any(getattr(aorm, name) is obj for obj in documented)
        and f"aorm.{name}" not in documented_modules()
    ]
    assert not missing, (
        "these names of aorm.__all__ appear on no page of docs/reference/ "
        f"(add them to a module's __all__ or a ::: directive): {missing}"
    )


def test_every_reference_page_is_in_the_nav() -> None:
    nav = (DOCS_DIR.parent / "mkdocs.yml").read_text(encoding="utf-8")
    for page in REFERENCE_DIR.glob("*.md"):
        assert f"reference/{page.name}" in nav, f"docs/reference/{page.name} is not in the nav"
