"""Reading the documentation pages' code blocks, and running a page's blocks in order.

Conventions a page follows:

* Every ```` ```python ```` (or ```` ```py ````) fenced block runs, top to
  bottom, in one namespace per page (the test gives each page a process of
  its own: ``tests/docs/page_runner.py``); ``await`` is allowed at the top
  level. Other fences (``console``, ``text``, …) are not run. A page must
  dispose of the engines it creates.
* A line ``--8<-- "examples/quickstart.py"`` inside a block pulls that file in
  (``pymdownx.snippets``, from the repository root); ``"file.py:3:10"`` pulls
  lines 3 to 10 and ``"file.py:name"`` the section between
  ``# --8<-- [start:name]`` and ``# --8<-- [end:name]``.
* ``<!-- no-run: why -->`` right before a block skips it; only for pure
  illustration (a web app that needs a server), and every skipped block is
  listed in ``tests/docs/test_docs_code.py``.
* ``<!-- backends: sqlite, postgresql -->`` anywhere on a page runs it on each
  backend listed (default: SQLite only). Blocks name the database as
  ``DATABASE_URL``; the test supplies it, and a top-level
  ``DATABASE_URL = "…"`` in a block (there for the reader) is skipped.
* ``<!-- only: postgresql -->`` right before a block runs that block only in
  the page's run on that backend (for backend-specific sections).
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import logging
import re
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aorm.engine import Engine

__all__ = [
    "BACKENDS",
    "DOCS_DIR",
    "REPOSITORY",
    "CodeBlock",
    "DocPage",
    "DocsFormatError",
    "all_pages",
    "parse_page",
    "run_page",
]

REPOSITORY = Path(__file__).resolve().parents[2]
DOCS_DIR = REPOSITORY / "docs"
BACKENDS = ("sqlite", "postgresql")

#: The loggers a page may configure (``echo=True`` does); restored after each page.
PAGE_LOGGERS = ("", "aorm", "aorm.engine", "aorm.pool", "aorm.orm", "aorm.session")

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)[ \t]*$")
COMMENT = re.compile(r"^[ \t]*<!--(?P<body>.*?)-->[ \t]*$")
NO_RUN = re.compile(r"^\s*no-run\s*(?::\s*(?P<reason>.*?))?\s*$")
BACKENDS_MARKER = re.compile(r"^\s*backends\s*:(?P<names>.*)$")
ONLY_MARKER = re.compile(r"^\s*only\s*:(?P<names>.*)$")
SNIPPET = re.compile(
    r"^(?P<indent>[ \t]*)-{2,}8<-{2,}[ \t]*(?P<quote>[\"'])(?P<spec>.+?)(?P=quote)"
)
BARE_SNIPPET = re.compile(r"^[ \t]*-{2,}8<-{2,}[ \t]*$")
SECTION_MARK = re.compile(r"^\s*#?\s*-{2,}8<-{2,}\s*\[(?P<kind>start|end):(?P<name>[\w-]+)\]\s*$")
PYTHON_LANGUAGES = frozenset({"python", "py", "python3"})


class DocsFormatError(Exception):
    """A page breaks the conventions: a dangling marker, a missing snippet, an engine left open."""


@dataclass(frozen=True)
class CodeBlock:
    """One fenced Python block of a page, with its snippets pulled in."""

    #: 1-based line of the opening fence in the page.
    line: int
    #: The code to run.
    source: str
    #: False for a block marked ``<!-- no-run: … -->``.
    runs: bool
    #: Why it does not run (the marker's text).
    reason: str
    #: The repository file the whole block is, when it is exactly one snippet line.
    snippet_file: Path | None
    #: The backends it runs on (``<!-- only: … -->``); None: all of the page's.
    only: tuple[str, ...] | None = None

    def runs_on(self, backend: str) -> bool:
        """True if the block runs in the page's run on *backend*."""
        return self.runs and (self.only is None or backend in self.only)


@dataclass(frozen=True)
class DocPage:
    """A documentation page and its Python blocks."""

    path: Path
    #: The backends its blocks run on.
    backends: tuple[str, ...]
    blocks: tuple[CodeBlock, ...]

    @property
    def name(self) -> str:
        """The page's path inside ``docs/`` (``engines.md``, ``reference/sql.md``)."""
        if self.path.is_relative_to(DOCS_DIR):
            return self.path.relative_to(DOCS_DIR).as_posix()
        return str(self.path)


def all_pages() -> list[DocPage]:
    """Every Markdown page under ``docs/``, parsed, in path order."""
    return [parse_page(path) for path in sorted(DOCS_DIR.rglob("*.md"))]


def parse_page(path: Path, text: str | None = None, *, root: Path = REPOSITORY) -> DocPage:
    """Parse *path* (or *text*, read from it if None) into its Python blocks and markers.

    Snippet paths are relative to *root*, the repository (``base_path`` in mkdocs.yml).
    """
    if text is None:
        text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    blocks: list[CodeBlock] = []
    backends: tuple[str, ...] | None = None
    pending_no_run: tuple[int, str] | None = None
    pending_only: tuple[int, tuple[str, ...]] | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        opening = FENCE.match(line)
        if opening is None:
            comment = COMMENT.match(line)
            if comment is not None:
                body = comment["body"]
                no_run = NO_RUN.match(body)
                marker = BACKENDS_MARKER.match(body)
                only = ONLY_MARKER.match(body)
                if no_run is not None:
                    pending_no_run = (index + 1, (no_run["reason"] or "").strip())
                elif only is not None:
                    where = f"{path}:{index + 1}"
                    pending_only = (index + 1, _backends(only["names"], where))
                elif marker is not None:
                    if backends is not None:
                        raise DocsFormatError(f"{path}:{index + 1}: a second backends marker")
                    backends = _backends(marker["names"], f"{path}:{index + 1}")
            elif line.strip() and (pending_no_run or pending_only):
                raise DocsFormatError(
                    f"{path}:{_marker_line(pending_no_run, pending_only)}: a no-run or only "
                    "marker must come right before a ```python block (only blank lines between)"
                )
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if end == len(lines):
            raise DocsFormatError(f"{path}:{index + 1}: a fence that is never closed")
        info = opening["info"].split()
        language = info[0].lstrip("{.").lower() if info else ""
        if language in PYTHON_LANGUAGES:
            body_lines = [_dedent(raw, indent) for raw in lines[index + 1 : end]]
            source, snippet_file = _resolve_snippets(body_lines, root, f"{path}:{index + 1}")
            runs = pending_no_run is None
            reason = "" if pending_no_run is None else pending_no_run[1]
            if not runs and not reason:
                raise DocsFormatError(
                    f"{path}:{pending_no_run and pending_no_run[0]}: a no-run marker needs a "
                    "reason: <!-- no-run: why this block cannot run -->"
                )
            only_backends = None if pending_only is None else pending_only[1]
            blocks.append(CodeBlock(index + 1, source, runs, reason, snippet_file, only_backends))
        elif pending_no_run or pending_only:
            raise DocsFormatError(
                f"{path}:{_marker_line(pending_no_run, pending_only)}: a no-run or only marker "
                f"before a {language or 'plain'} block; only ```python blocks run"
            )
        pending_no_run = pending_only = None
        index = end + 1
    if pending_no_run or pending_only:
        raise DocsFormatError(
            f"{path}:{_marker_line(pending_no_run, pending_only)}: a marker with no block after it"
        )
    page_backends = backends or ("sqlite",)
    for block in blocks:
        if block.only is not None and not set(block.only) & set(page_backends):
            raise DocsFormatError(
                f"{path}:{block.line}: a block only for {', '.join(block.only)} on a page that "
                f"runs on {', '.join(page_backends)} would never run; "
                "name the backend in the page's <!-- backends: … --> marker"
            )
    return DocPage(path, page_backends, tuple(blocks))


def _marker_line(*markers: tuple[int, object] | None) -> int:
    return min(marker[0] for marker in markers if marker is not None)


def _backends(names: str, where: str) -> tuple[str, ...]:
    chosen = tuple(name.strip() for name in names.split(",") if name.strip())
    unknown = [name for name in chosen if name not in BACKENDS]
    if unknown or not chosen:
        raise DocsFormatError(
            f"{where}: backends marker names {', '.join(unknown) or 'nothing'}; "
            f"choose from {', '.join(BACKENDS)}"
        )
    return chosen


def _dedent(line: str, indent: int) -> str:
    # A block inside a list item is indented like its fence.
    prefix = line[:indent]
    return line[indent:] if not prefix.strip() else line


def _resolve_snippets(lines: list[str], root: Path, where: str) -> tuple[str, Path | None]:
    out: list[str] = []
    files: list[Path] = []
    for line in lines:
        if BARE_SNIPPET.match(line):
            raise DocsFormatError(
                f'{where}: use the one-line snippet form --8<-- "path" inside code blocks'
            )
        snippet = SNIPPET.match(line)
        if snippet is None:
            out.append(line)
            continue
        path, pulled = _read_snippet(root, snippet["spec"], where)
        files.append(path)
        out.extend(snippet["indent"] + pulled_line for pulled_line in pulled)
    whole_file = files[0] if len(files) == 1 and len(lines) == 1 else None
    return "\n".join(out) + "\n", whole_file


def _read_snippet(root: Path, spec: str, where: str) -> tuple[Path, list[str]]:
    name, _, selector = spec.partition(":")
    path = root / name
    if not path.is_file():
        raise DocsFormatError(f"{where}: snippet {name!r} is not a file of the repository")
    lines = path.read_text(encoding="utf-8").splitlines()
    if not selector:
        chosen = lines
    elif re.fullmatch(r"\d*(:\d*)?", selector):
        start_text, _, end_text = selector.partition(":")
        start = int(start_text) if start_text else 1
        end = int(end_text) if end_text else len(lines)
        chosen = lines[start - 1 : end]
    else:
        chosen = _section(lines, selector, f"{where}: snippet {spec!r}")
    return path, [line for line in chosen if not SECTION_MARK.match(line)]


def _section(lines: list[str], name: str, where: str) -> list[str]:
    inside = False
    found: list[str] = []
    for line in lines:
        mark = SECTION_MARK.match(line)
        if mark is not None and mark["name"] == name:
            if mark["kind"] == "start":
                inside = True
                continue
            return found
        if inside:
            found.append(line)
    raise DocsFormatError(f"{where}: no section [start:{name}] … [end:{name}]")


# -- running ----------------------------------------------------------------------------


class _SkipDatabaseURL(ast.NodeTransformer):
    """Drop top-level ``DATABASE_URL = …``: the test supplies the URL."""

    def visit_Module(self, node: ast.Module) -> ast.Module:
        node.body = [
            ast.copy_location(ast.Pass(), statement) if _assigns_url(statement) else statement
            for statement in node.body
        ]
        return node


def _assigns_url(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign):
        targets = [statement.target]
    else:
        return False
    return any(isinstance(t, ast.Name) and t.id == "DATABASE_URL" for t in targets)


def _compile(page: DocPage, block: CodeBlock) -> types.CodeType:
    if block.snippet_file is not None:
        filename, offset = str(block.snippet_file), 0
    else:
        # Line numbers of the page itself, so a traceback points into the .md file.
        filename, offset = str(page.path), block.line
    tree = ast.parse(block.source, filename=filename)
    tree = _SkipDatabaseURL().visit(tree)
    ast.increment_lineno(tree, offset)
    code: types.CodeType = compile(
        tree, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
    return code


@contextlib.contextmanager
def _as_main_module(module: types.ModuleType) -> Iterator[None]:
    # Like runpy: the page is ``__main__`` while it runs, so an example's
    # ``if __name__ == "__main__":`` runs, and code that looks classes up by
    # their module (string annotations, pickling) finds the page's namespace.
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = module
    try:
        yield
    finally:
        if saved is not None:
            sys.modules["__main__"] = saved
        else:
            del sys.modules["__main__"]


@contextlib.contextmanager
def _logging_restored() -> Iterator[None]:
    saved = []
    for name in PAGE_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, list(logger.handlers), logger.propagate))
    try:
        yield
    finally:
        for logger, level, handlers, propagate in saved:
            logger.setLevel(level)
            logger.handlers[:] = handlers
            logger.propagate = propagate


def run_page(
    page: DocPage, database_url: str, backend: str = "sqlite", *, block_timeout: float = 120.0
) -> dict[str, Any]:
    """Run *page*'s blocks for *backend* in order in one namespace; return the namespace.

    A block with top-level ``await`` runs as a coroutine on the page's own
    event loop, kept for the whole page; any other block runs directly with
    no loop running, so ``asyncio.run(...)`` works in it. *block_timeout*
    bounds each awaiting block, so a hung example fails instead of hanging
    the suite. Blocks marked no-run, or only for another backend, are
    compiled (they must be valid Python) but not run.
    """
    module = types.ModuleType("__main__")
    module.__dict__["DATABASE_URL"] = database_url
    with _as_main_module(module), _logging_restored(), asyncio.Runner() as runner:
        for block in page.blocks:
            code = _compile(page, block)
            if not block.runs_on(backend):
                continue
            if code.co_flags & inspect.CO_COROUTINE:
                coroutine = types.FunctionType(code, module.__dict__)()
                runner.run(asyncio.wait_for(coroutine, block_timeout))
            else:
                exec(code, module.__dict__)
        left_open = _close_engines(module.__dict__, runner, block_timeout)
    if left_open:
        raise DocsFormatError(
            f"{page.name}: engine(s) {', '.join(left_open)} still hold connections when the "
            "page ends; show `await engine.dispose()` (or `async with engine:`) on the page"
        )
    return module.__dict__


def _close_engines(namespace: dict[str, Any], runner: asyncio.Runner, timeout: float) -> list[str]:
    """Dispose of the page's engines that still hold connections; return their names."""
    left_open: list[str] = []
    for name, value in namespace.items():
        if isinstance(value, Engine) and value.pool.stats().connections:
            left_open.append(name)
            # Best effort: an engine used on another (closed) loop cannot be disposed here.
            with contextlib.suppress(Exception):
                runner.run(asyncio.wait_for(value.dispose(), timeout))
    return left_open
