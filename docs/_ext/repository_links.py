"""A MkDocs hook: links from a page to ``examples/`` work on the site as in the repository.

A page may link to a runnable example the way the repository shows it,
``[the example](../examples/pool_standalone.py)`` from ``docs/pool.md``. That
target lies outside ``docs/``, so MkDocs alone would not publish it and
``--strict`` would fail on the link. This hook publishes every file of the
directories in :data:`PUBLISHED` under the same path in the site and points
such links at the published copy. A link to a file that does not exist is
left alone, so the strict build still reports it.

Loaded from ``mkdocs.yml`` (``hooks: [docs/_ext/repository_links.py]``).
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

__all__ = ["PUBLISHED", "on_files", "on_page_markdown", "rewrite_links"]

#: Repository directories (outside ``docs/``) published with the site.
PUBLISHED = ("examples",)

#: An inline Markdown link or image target: ``](target)`` or ``](target "title")``.
LINK = re.compile(r"(?P<open>\]\()(?P<target>[^)\s#]+)(?P<rest>[^)]*\))")


def _repository(config: Any) -> Path:
    return Path(config["config_file_path"]).resolve().parent


def _published_files(repository: Path) -> list[Path]:
    found: list[Path] = []
    for directory in PUBLISHED:
        found.extend(p for p in sorted((repository / directory).rglob("*")) if p.is_file())
    return found


def on_files(files: Files, config: Any, **kwargs: Any) -> Files:
    """Add the files of :data:`PUBLISHED` to the site, under their repository paths."""
    repository = _repository(config)
    for path in _published_files(repository):
        src_uri = path.relative_to(repository).as_posix()
        if files.get_file_from_path(src_uri) is None:
            files.append(File.generated(config, src_uri, abs_src_path=str(path)))
    return files


def rewrite_links(markdown: str, page_uri: str, docs_dir: str, repository: Path) -> str:
    """*markdown* with links into :data:`PUBLISHED` made relative to the published copies.

    *page_uri* is the page's path inside the docs directory (``pool.md``),
    *docs_dir* that directory's path inside the repository (``docs``).
    """
    page_dir = posixpath.dirname(posixpath.join(docs_dir, page_uri))

    def replace(match: re.Match[str]) -> str:
        target = match["target"]
        if "://" in target or target.startswith(("/", "mailto:")):
            return match[0]
        in_repository = posixpath.normpath(posixpath.join(page_dir, target))
        top = in_repository.split("/", 1)[0]
        if top not in PUBLISHED or not (repository / in_repository).is_file():
            return match[0]
        # The published copy sits at the same path relative to the site root
        # as the file does to the repository root.
        relative = posixpath.relpath(in_repository, posixpath.dirname(page_uri) or ".")
        return f"{match['open']}{relative}{match['rest']}"

    return LINK.sub(replace, markdown)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files, **kwargs: Any) -> str:
    """Point the page's links into :data:`PUBLISHED` at the published copies."""
    repository = _repository(config)
    docs_dir = Path(config["docs_dir"]).resolve().relative_to(repository).as_posix()
    return rewrite_links(markdown, page.file.src_uri, docs_dir, repository)
