"""``examples/fastapi_app.py``: the CRUD API, driven in-process through httpx on both backends.

FastAPI and httpx come with the ``examples`` extra (``pip install -e '.[examples]'``,
which ``nox -s tests`` installs); without them these tests are skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the FastAPI example needs the examples extra: fastapi")
pytest.importorskip("httpx", reason="the FastAPI example needs the examples extra: httpx")

import httpx
from fastapi import FastAPI
from fastapi_app import Author, Book, create_app  # examples/fastapi_app.py (see conftest.py)

from aorm import Engine, func, select


@dataclass
class Api:
    """The app, running (its lifespan entered), with a client talking to it."""

    app: FastAPI
    client: httpx.AsyncClient

    @property
    def engine(self) -> Engine:
        """The engine the app made when it started."""
        engine: Engine = self.app.state.sessionmaker.bind
        return engine


@pytest.fixture
async def api(db_url: str) -> AsyncIterator[Api]:
    app = create_app(db_url)
    # httpx's ASGITransport sends requests only; the lifespan is entered here.
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield Api(app, client)


async def _post(api: Api, url: str, body: dict[str, Any]) -> Any:
    response = await api.client.post(url, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_then_get_an_author(api: Api) -> None:
    created = await _post(api, "/authors", {"name": "George Orwell"})
    assert created == {"id": created["id"], "name": "George Orwell", "books": []}

    response = await api.client.get(f"/authors/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


async def test_add_books_and_read_them_back(api: Api) -> None:
    orwell = await _post(api, "/authors", {"name": "George Orwell"})
    first = await _post(api, f"/authors/{orwell['id']}/books", {"title": "1984"})
    second = await _post(api, f"/authors/{orwell['id']}/books", {"title": "Animal Farm"})
    assert first["author_id"] == second["author_id"] == orwell["id"]

    response = await api.client.get(f"/authors/{orwell['id']}")
    assert response.json()["books"] == [first, second]


async def test_list_authors_loads_the_books_in_two_queries(api: Api) -> None:
    for n in range(3):
        author = await _post(api, "/authors", {"name": f"author {n}"})
        for m in range(n):
            await _post(api, f"/authors/{author['id']}/books", {"title": f"book {n}.{m}"})
    statements: list[str] = []

    def record(sql: str, parameters: Any) -> None:
        statements.append(sql)

    api.engine.add_listener("before_execute", record)
    try:
        response = await api.client.get("/authors")
    finally:
        api.engine.remove_listener("before_execute", record)
    assert response.status_code == 200
    listed = response.json()
    assert [author["name"] for author in listed] == ["author 0", "author 1", "author 2"]
    assert [[book["title"] for book in author["books"]] for author in listed] == [
        [],
        ["book 1.0"],
        ["book 2.0", "book 2.1"],
    ]
    # The authors, then their books with one IN query (selectinload): no N+1.
    selects = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, statements


async def test_a_missing_author_is_404(api: Api) -> None:
    for method, url in [
        ("GET", "/authors/404"),
        ("POST", "/authors/404/books"),
        ("DELETE", "/authors/404"),
    ]:
        body = {"title": "orphan"} if method == "POST" else None
        response = await api.client.request(method, url, json=body)
        assert response.status_code == 404, (method, url)
        assert response.json() == {"detail": "no author with id 404"}


async def test_invalid_bodies_are_rejected(api: Api) -> None:
    response = await api.client.post("/authors", json={"name": ""})
    assert response.status_code == 422
    author = await _post(api, "/authors", {"name": "Ada"})
    response = await api.client.post(f"/authors/{author['id']}/books", json={})
    assert response.status_code == 422


async def test_deleting_an_author_deletes_their_books(api: Api) -> None:
    orwell = await _post(api, "/authors", {"name": "George Orwell"})
    huxley = await _post(api, "/authors", {"name": "Aldous Huxley"})
    await _post(api, f"/authors/{orwell['id']}/books", {"title": "1984"})
    await _post(api, f"/authors/{orwell['id']}/books", {"title": "Animal Farm"})
    kept = await _post(api, f"/authors/{huxley['id']}/books", {"title": "Brave New World"})

    response = await api.client.delete(f"/authors/{orwell['id']}")
    assert response.status_code == 204
    assert response.content == b""

    assert (await api.client.get(f"/authors/{orwell['id']}")).status_code == 404
    async with api.engine.connect() as conn:
        titles = (await conn.execute(select(Book.title))).scalars().all()
    assert titles == [kept["title"]]


async def test_concurrent_requests_each_get_their_own_session(api: Api) -> None:
    created = await asyncio.gather(
        *(_post(api, "/authors", {"name": f"writer {n}"}) for n in range(20))
    )
    assert len({author["id"] for author in created}) == 20
    async with api.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(Author)) == 20
    # Every request's session gave its connection back.
    assert api.engine.pool.stats().checked_out == 0


async def test_shutting_down_disposes_of_the_engine(db_url: str) -> None:
    app = create_app(db_url)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        assert (await client.post("/authors", json={"name": "Ada"})).status_code == 201
        engine: Engine = app.state.sessionmaker.bind
        assert engine.pool.stats().idle >= 1
    assert engine.pool.stats().connections == 0
