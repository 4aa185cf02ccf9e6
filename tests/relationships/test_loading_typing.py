"""What type checkers see of awaited loads (``mypy --strict`` checks this file; pytest runs it)."""

from __future__ import annotations

from collections.abc import Coroutine
from pathlib import Path
from typing import Any, assert_type

import pytest
from mypy import api as mypy_api

from aorm.session import AsyncSession, AwaitableAttrs, LoaderOption, selectinload
from tests.relationships.loading_models import Author, Book, Data, Node, Profile, Tag

REPOSITORY = Path(__file__).resolve().parents[2]


async def test_session_load_is_typed(session: AsyncSession, loading_data: Data) -> None:
    author = await session.get(Author, 1)
    assert author is not None
    books = await session.load(author, Author.books)
    assert_type(books, list[Book])
    book = books[0]
    assert_type(await session.load(book, Book.author), Author | None)
    assert_type(await session.load(author, Author.profile), Profile | None)
    assert_type(await session.load(book, Book.tags), list[Tag])
    assert_type(await session.load(book, "author"), Any)
    node = await session.get(Node, 4)
    assert node is not None
    assert_type(await session.load(node, Node.children), list[Node])
    assert [b.id for b in books] == [2, 5, 1]


async def test_load_without_await_is_a_coroutine(session: AsyncSession, loading_data: Data) -> None:
    author = await session.get(Author, 1)
    assert author is not None
    pending: Coroutine[Any, Any, list[Book]] = session.load(author, Author.books)
    books = await pending
    assert len(books) == 3


def test_awaitable_attrs_and_options_are_typed() -> None:
    author = Author(name="x")
    assert_type(author.awaitable_attrs, AwaitableAttrs)
    assert_type(selectinload(Author.books).selectinload(Book.tags), LoaderOption)


def test_mypy_catches_a_forgotten_await(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPOSITORY)  # where mypy finds the packages and its cache
    snippet = tmp_path / "forgotten_await.py"
    snippet.write_text(
        "from aorm.session import AsyncSession\n"
        "from tests.relationships.loading_models import Author, Book\n"
        "\n"
        "async def titles(session: AsyncSession, author: Author) -> list[str]:\n"
        "    books: list[Book] = session.load(author, Author.books)\n"
        "    return [book.title for book in books]\n"
    )
    out, _, status = mypy_api.run(
        [
            "--strict",
            "--no-error-summary",
            "--config-file",
            str(REPOSITORY / "pyproject.toml"),
            str(snippet),
        ]
    )
    assert status == 1
    assert 'Incompatible types in assignment (expression has type "Coroutine' in out
    assert "list[Book]" in out
