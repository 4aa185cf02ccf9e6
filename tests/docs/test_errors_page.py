"""docs/errors.md documents every class of aorm.exc, and only those."""

from __future__ import annotations

import re

import pytest

from aorm import exc
from tests.docs.doc_pages import DOCS_DIR

PAGE = DOCS_DIR / "errors.md"
#: A section per class: a heading that is just the class name in backticks.
HEADING = re.compile(r"^#{2,4} `(?P<name>\w+)`[ \t]*$", re.MULTILINE)
TREE_BLOCK = re.compile(r"^```text\n(?P<tree>AormError\n.*?)^```", re.DOTALL | re.MULTILINE)


def sections() -> dict[str, str]:
    """Class name → the text of its section, up to the next heading."""
    text = PAGE.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    headings = list(HEADING.finditer(text))
    for heading in headings:
        rest = text[heading.end() :]
        following = re.search(r"^#{1,4} ", rest, re.MULTILINE)
        found[heading["name"]] = rest[: following.start() if following else len(rest)]
    return found


def test_every_error_class_has_a_section() -> None:
    missing = [name for name in exc.__all__ if name not in sections()]
    assert not missing, f"docs/errors.md has no `### `Name`` section for: {', '.join(missing)}"


def test_every_section_is_a_class_of_aorm_exc() -> None:
    unknown = sorted(set(sections()) - set(exc.__all__))
    assert not unknown, f"docs/errors.md documents classes aorm.exc does not have: {unknown}"


@pytest.mark.parametrize("name", exc.__all__)
def test_each_section_says_what_to_do(name: str) -> None:
    body = sections().get(name, "")
    assert "*What to do:*" in body, f"the section for {name} does not say what to do"


def test_the_tree_on_the_page_is_the_tree_in_the_module() -> None:
    assert exc.__doc__ is not None
    in_module = exc.__doc__.split("::\n\n", 1)[1].split("\n\n", 1)[0]
    in_module = "\n".join(line.removeprefix("    ") for line in in_module.splitlines())
    match = TREE_BLOCK.search(PAGE.read_text(encoding="utf-8"))
    assert match is not None, "docs/errors.md has no ```text block with the error tree"
    assert match["tree"].rstrip("\n") == in_module.replace("``", "")
