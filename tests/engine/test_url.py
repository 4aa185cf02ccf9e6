"""Database URL parsing."""

from __future__ import annotations

import pytest

from aorm.engine.url import URL, make_url
from aorm.exc import ArgumentError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sqlite:///rel.db", URL("sqlite", database="rel.db")),
        ("sqlite:///dir/rel.db", URL("sqlite", database="dir/rel.db")),
        ("sqlite:////abs/path.db", URL("sqlite", database="/abs/path.db")),
        ("sqlite:///:memory:", URL("sqlite", database=":memory:")),
        ("sqlite://", URL("sqlite", database=":memory:")),
        ("sqlite:///", URL("sqlite", database=":memory:")),
        ("sqlite+aiosqlite:///rel.db", URL("sqlite+aiosqlite", database="rel.db")),
        ("SQLite:///rel.db?timeout=3", URL("sqlite", database="rel.db", query={"timeout": "3"})),
        (
            "postgresql://user:pw@host:5433/db",
            URL("postgresql", "user", "pw", "host", 5433, "db"),
        ),
        (
            "postgresql+asyncpg://u%40x:p%3Aw%2F%25@h/my%20db",
            URL("postgresql+asyncpg", "u@x", "p:w/%", "h", None, "my db"),
        ),
        ("postgres://h", URL("postgres", host="h")),
        ("postgresql://user@[::1]:5432/db", URL("postgresql", "user", None, "::1", 5432, "db")),
        (
            "postgresql://h/db?application_name=app&sslmode=disable",
            URL(
                "postgresql",
                host="h",
                database="db",
                query={"application_name": "app", "sslmode": "disable"},
            ),
        ),
        ("postgresql:///db", URL("postgresql", database="db")),
    ],
)
def test_urls_parse(text: str, expected: URL) -> None:
    assert make_url(text) == expected


def test_backend_and_driver() -> None:
    url = make_url("postgresql+asyncpg://h/d")
    assert (url.backend, url.driver) == ("postgresql", "asyncpg")
    assert (make_url("sqlite://").backend, make_url("sqlite://").driver) == ("sqlite", None)


def test_str_and_repr_hide_the_password() -> None:
    url = make_url("postgresql://user:s3cret@host:5432/db?sslmode=disable")
    assert str(url) == "postgresql://user:***@host:5432/db?sslmode=disable"
    assert "s3cret" not in repr(url)
    assert (
        url.render(hide_password=False) == "postgresql://user:s3cret@host:5432/db?sslmode=disable"
    )
    special = make_url("postgresql://u:p%40ss@h/d")
    assert special.render(hide_password=False) == "postgresql://u:p%40ss@h/d"


def test_sqlite_urls_render_back() -> None:
    for text in ("sqlite:///rel.db", "sqlite:////abs/path.db", "sqlite:///:memory:"):
        assert str(make_url(text)) == text


def test_set_returns_a_changed_copy() -> None:
    url = make_url("postgresql://u@h/a")
    changed = url.set(database="b", query={"x": "1"})
    assert (changed.database, dict(changed.query)) == ("b", {"x": "1"})
    assert url.database == "a"


def test_the_query_cannot_be_changed_through_the_callers_dict() -> None:
    options = {"a": "1"}
    url = URL("postgresql", host="h", query=options)
    options["a"] = "2"
    assert url.query["a"] == "1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not a url", "expected backend://"),
        ("://nothing", "expected backend://"),
        ("postgresql://h:notaport/db", "invalid port"),
        ("sqlite://host/file.db", "names a file, not a server"),
        ("postgresql://h/d?a=1&a=2", "'a' given twice"),
    ],
)
def test_bad_urls_raise_argument_error(text: str, message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        make_url(text)


def test_error_messages_hide_the_password() -> None:
    with pytest.raises(ArgumentError) as caught:
        make_url("postgresql://u:topsecret@h:bad/db")
    assert "topsecret" not in str(caught.value)


def test_make_url_passes_a_url_through() -> None:
    url = make_url("sqlite://")
    assert make_url(url) is url
