"""The code-block conventions: markers, snippets, DATABASE_URL, top-level await, leaks."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path

import pytest

from tests.docs.doc_pages import DOCS_DIR, REPOSITORY, DocsFormatError, parse_page, run_page

PAGE = DOCS_DIR / "example.md"


def page_of(markdown: str) -> str:
    return textwrap.dedent(markdown).lstrip()


def test_python_blocks_are_collected_and_other_fences_are_not() -> None:
    page = parse_page(
        PAGE,
        page_of(
            """
            # Title

            ```python
            a = 1
            ```

            ```console
            $ not python
            ```

            ```py title="b.py"
            b = a + 1
            ```

            1. In a list:

                ```python
                c = b + 1
                ```
            """
        ),
    )
    assert [block.source for block in page.blocks] == ["a = 1\n", "b = a + 1\n", "c = b + 1\n"]
    assert [block.line for block in page.blocks] == [3, 11, 17]
    assert page.backends == ("sqlite",)


def test_no_run_marks_the_next_block_with_its_reason() -> None:
    page = parse_page(
        PAGE,
        page_of(
            """
            <!-- no-run: a FastAPI app needs a server -->

            ```python
            app = object()
            ```

            ```python
            x = 1
            ```
            """
        ),
    )
    assert [(block.runs, block.reason) for block in page.blocks] == [
        (False, "a FastAPI app needs a server"),
        (True, ""),
    ]


@pytest.mark.parametrize(
    ("markdown", "message"),
    [
        ("<!-- no-run: why -->\n\nSome text.\n\n```python\nx = 1\n```\n", "right before"),
        ("<!-- no-run -->\n```python\nx = 1\n```\n", "needs a reason"),
        ("<!-- no-run: why -->\n```console\n$ x\n```\n", "only ```python blocks run"),
        ("<!-- no-run: why -->\n", "no block after it"),
        ("<!-- only: postgresql -->\n\ntext\n", "right before"),
        ("<!-- only: postgresql -->\n```python\nx = 1\n```\n", "would never run"),
        ("<!-- only: oracle -->\n```python\nx = 1\n```\n", "oracle"),
        ("```python\nx = 1\n", "never closed"),
        ("<!-- backends: sqlite, mysql -->\n", "mysql"),
        ("<!-- backends: sqlite -->\n<!-- backends: postgresql -->\n", "second backends"),
        ('```python\n--8<-- "examples/nowhere.py"\n```\n', "not a file"),
        ("```python\n--8<--\nexamples/quickstart.py\n--8<--\n```\n", "one-line snippet form"),
    ],
)
def test_convention_mistakes_are_named(markdown: str, message: str) -> None:
    with pytest.raises(DocsFormatError, match=message):
        parse_page(PAGE, markdown)


def test_the_backends_marker_chooses_the_backends() -> None:
    page = parse_page(PAGE, "<!-- backends: sqlite, postgresql -->\n")
    assert page.backends == ("sqlite", "postgresql")


def test_only_runs_a_block_on_the_backends_it_names() -> None:
    page = parse_page(
        PAGE,
        page_of(
            """
            <!-- backends: sqlite, postgresql -->

            ```python
            ran = ["both"]
            ```

            <!-- only: postgresql -->
            ```python
            ran.append("postgresql")
            ```
            """
        ),
    )
    assert page.blocks[1].only == ("postgresql",)
    assert run_page(page, "sqlite:///unused.db", "sqlite")["ran"] == ["both"]
    assert run_page(page, "sqlite:///unused.db", "postgresql")["ran"] == ["both", "postgresql"]


def test_snippets_are_read_from_the_repository(tmp_path: Path) -> None:
    example = REPOSITORY / "examples" / "quickstart.py"
    whole = example.read_text(encoding="utf-8")
    lines = whole.splitlines()
    page = parse_page(
        PAGE,
        page_of(
            """
            ```python
            --8<-- "examples/quickstart.py"
            ```

            ```python
            before = 1
            --8<-- "examples/quickstart.py:1:2"
            ```
            """
        ),
    )
    first, second = page.blocks
    assert first.source == whole if whole.endswith("\n") else whole + "\n"
    assert first.snippet_file == example
    assert second.source == "\n".join(["before = 1", *lines[:2]]) + "\n"
    assert second.snippet_file is None


def test_snippet_sections_and_line_ranges(tmp_path: Path) -> None:
    (tmp_path / "sections.py").write_text(
        "a = 1\n# --8<-- [start:part]\nb = 2\n# --8<-- [end:part]\nc = 3\n"
    )

    def pulled(spec: str) -> str:
        page = parse_page(PAGE, f'```python\n--8<-- "{spec}"\n```\n', root=tmp_path)
        return page.blocks[0].source

    assert pulled("sections.py:part") == "b = 2\n"
    # The section markers never show (as pymdownx.snippets drops them).
    assert pulled("sections.py") == "a = 1\nb = 2\nc = 3\n"
    assert pulled("sections.py:5:5") == "c = 3\n"
    with pytest.raises(DocsFormatError, match="no section"):
        pulled("sections.py:missing")


def run(markdown: str, url: str = "sqlite:///unused.db") -> dict[str, object]:
    return run_page(parse_page(PAGE, page_of(markdown)), url)


def test_blocks_share_one_namespace_and_may_await_at_the_top_level() -> None:
    namespace = run(
        """
        ```python
        import asyncio

        async def double(x):
            await asyncio.sleep(0)
            return 2 * x
        ```

        ```python
        value = await double(21)
        loop = asyncio.get_running_loop()
        ```

        ```python
        same_loop = (await asyncio.sleep(0, asyncio.get_running_loop())) is loop
        ```
        """
    )
    assert namespace["value"] == 42
    assert namespace["same_loop"] is True


def test_blocks_without_await_may_call_asyncio_run() -> None:
    namespace = run(
        """
        ```python
        import asyncio

        async def main():
            return "ran"

        result = asyncio.run(main())
        ```
        """
    )
    assert namespace["result"] == "ran"


def test_the_page_runs_as_main() -> None:
    namespace = run(
        """
        ```python
        ran_as_main = __name__ == "__main__"
        ```
        """
    )
    assert namespace["ran_as_main"] is True


def test_database_url_comes_from_the_test() -> None:
    namespace = run(
        """
        ```python
        DATABASE_URL = "postgresql://user:pw@db.example/app"   # for the reader
        seen = DATABASE_URL
        ```
        """,
        url="sqlite:///from-the-test.db",
    )
    assert namespace["seen"] == "sqlite:///from-the-test.db"


def test_no_run_blocks_must_still_compile() -> None:
    with pytest.raises(SyntaxError):
        run(
            """
            <!-- no-run: illustration -->
            ```python
            def broken(:
            ```
            """
        )


def test_a_failing_block_points_at_its_page_line() -> None:
    with pytest.raises(ZeroDivisionError) as caught:
        run(
            """
            Text.

            ```python
            x = 1
            y = x / 0
            ```
            """
        )
    frames = traceback.extract_tb(caught.value.__traceback__)
    assert (str(PAGE), 5) in [(frame.filename, frame.lineno) for frame in frames]


def test_an_engine_left_open_fails_the_page(tmp_path: Path) -> None:
    with pytest.raises(DocsFormatError, match=r"engine\(s\) engine still hold connections"):
        run(
            """
            ```python
            from aorm.engine import create_engine
            from aorm.sql import text

            engine = create_engine(DATABASE_URL)
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            ```
            """,
            url=f"sqlite:///{tmp_path / 'left-open.db'}",
        )


def run_in_process(tmp_path: Path, markdown: str) -> subprocess.CompletedProcess[str]:
    page = tmp_path / "page.md"
    page.write_text(page_of(markdown), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    return subprocess.run(
        [sys.executable, "-W", "error", "-m", "tests.docs.page_runner", str(page), "sqlite", url],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


MAPPING_PAGE = """
    ```python
    from aorm.orm import Base
    from aorm.sql import Column, Integer

    class Author(Base):
        __tablename__ = "authors"
        id = Column(Integer, primary_key=True)
    ```
    """


def test_each_run_has_its_own_process_so_mappings_do_not_collide(tmp_path: Path) -> None:
    for _ in range(2):
        result = run_in_process(tmp_path, MAPPING_PAGE)
        assert result.returncode == 0, result.stderr


def test_a_failing_page_exits_with_the_page_line_in_the_traceback(tmp_path: Path) -> None:
    result = run_in_process(tmp_path, "Text.\n\n```python\nx = 1\nassert x == 2\n```\n")
    assert result.returncode == 1
    assert f'File "{tmp_path / "page.md"}", line 5' in result.stderr
    assert "AssertionError" in result.stderr


def test_warnings_fail_a_page(tmp_path: Path) -> None:
    result = run_in_process(
        tmp_path,
        """
        ```python
        import warnings
        warnings.warn("old", DeprecationWarning)
        ```
        """,
    )
    assert result.returncode == 1
    assert "DeprecationWarning: old" in result.stderr


def test_exceptions_python_can_only_ignore_fail_a_page(tmp_path: Path) -> None:
    result = run_in_process(
        tmp_path,
        """
        ```python
        class Broken:
            def __del__(self):
                raise RuntimeError("in __del__")

        Broken()
        ```
        """,
    )
    assert result.returncode == 1
    assert "RuntimeError: in __del__" in result.stderr
