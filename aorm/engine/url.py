"""Database URLs: ``backend[+driver]://user:password@host:port/database?options``.

SQLite URLs name a file: ``sqlite:///relative.db``, ``sqlite:////abs/path.db``;
``sqlite:///:memory:`` and ``sqlite://`` are an in-memory database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from aorm.exc import ArgumentError

__all__ = ["URL", "make_url"]

_EMPTY_QUERY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class URL:
    """A parsed database URL. ``str()`` and ``repr()`` hide the password."""

    #: The scheme as written, lower-cased: ``"sqlite"``, ``"postgresql+asyncpg"``, …
    drivername: str
    #: The decoded user name.
    username: str | None = None
    #: The decoded password.
    password: str | None = field(default=None, repr=False)
    host: str | None = None
    port: int | None = None
    #: The database name; for SQLite the file path or ``":memory:"``.
    database: str | None = None
    #: Query options, passed on to the dialect (and, for PostgreSQL, to asyncpg).
    query: Mapping[str, str] = field(default_factory=lambda: _EMPTY_QUERY, hash=False)

    def __post_init__(self) -> None:
        # Frozen means frozen: a caller's dict must not change the URL later.
        if not isinstance(self.query, MappingProxyType):
            object.__setattr__(self, "query", MappingProxyType(dict(self.query)))

    @classmethod
    def parse(cls, url: str) -> URL:
        """Parse *url*; :class:`~aorm.exc.ArgumentError` if it is not a database URL."""
        if not isinstance(url, str):
            raise ArgumentError(f"a database URL must be a string, got {type(url).__name__}")
        scheme, sep, rest = url.partition("://")
        if not sep or not scheme:
            raise ArgumentError(
                f"cannot parse database URL {_mask(url)!r}: expected backend://…, "
                "e.g. sqlite:///app.db or postgresql://user:pw@host/db"
            )
        drivername = scheme.lower()
        if drivername.split("+", 1)[0] == "sqlite":
            return cls._parse_sqlite(drivername, rest)
        parts = urlsplit(f"//{rest}")
        try:
            port = parts.port
        except ValueError:
            raise ArgumentError(f"invalid port in database URL {_mask(url)!r}") from None
        database = unquote(parts.path[1:]) if parts.path.startswith("/") else parts.path
        return cls(
            drivername=drivername,
            username=unquote(parts.username) if parts.username is not None else None,
            password=unquote(parts.password) if parts.password is not None else None,
            host=parts.hostname or None,
            port=port,
            database=database or None,
            query=_parse_query(parts.query, url),
        )

    @classmethod
    def _parse_sqlite(cls, drivername: str, rest: str) -> URL:
        location, _, query = rest.partition("?")
        netloc, slash, path = location.partition("/")
        if netloc:
            raise ArgumentError(
                f"a SQLite URL names a file, not a server: {drivername}://{netloc}/… "
                "(write sqlite:///relative.db or sqlite:////absolute/path.db)"
            )
        # After "sqlite://", one "/" separates the (empty) host from the path:
        # sqlite:///rel.db -> "rel.db", sqlite:////abs.db -> "/abs.db".
        database = path if slash else ""
        return cls(
            drivername=drivername,
            database=database or ":memory:",
            query=_parse_query(query, f"{drivername}://{rest}"),
        )

    @property
    def backend(self) -> str:
        """The backend part of the scheme: ``"sqlite"``, ``"postgresql"``, …"""
        return self.drivername.split("+", 1)[0]

    @property
    def driver(self) -> str | None:
        """The driver part of the scheme (``"asyncpg"``), or None when not written."""
        _, _, driver = self.drivername.partition("+")
        return driver or None

    def set(self, **changes: Any) -> URL:
        """A copy with the given fields replaced."""
        return replace(self, **changes)

    def render(self, *, hide_password: bool = True) -> str:
        """The URL as a string, with the password as ``***`` unless *hide_password* is False."""
        if self.backend == "sqlite":
            base = f"{self.drivername}:///{self.database or ''}"
            if self.database == ":memory:":
                base = f"{self.drivername}:///:memory:"
        else:
            auth = ""
            if self.username is not None:
                auth = quote(self.username, safe="")
                if self.password is not None:
                    secret = "***" if hide_password else quote(self.password, safe="")
                    auth += f":{secret}"
                auth += "@"
            host = self.host or ""
            if ":" in host:
                host = f"[{host}]"
            if self.port is not None:
                host += f":{self.port}"
            database = f"/{quote(self.database, safe='')}" if self.database else ""
            base = f"{self.drivername}://{auth}{host}{database}"
        if self.query:
            base += "?" + urlencode(dict(self.query))
        return base

    def __str__(self) -> str:
        return self.render(hide_password=True)

    def __repr__(self) -> str:
        return f"URL({self.render(hide_password=True)!r})"


def _parse_query(query: str, url: str) -> Mapping[str, str]:
    if not query:
        return _EMPTY_QUERY
    options: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in options:
            raise ArgumentError(f"URL option {key!r} given twice in {_mask(url)!r}")
        options[key] = value
    return MappingProxyType(options)


def _mask(url: str) -> str:
    """*url* with any password replaced by ``***`` (for error messages)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, tail = rest.partition("/")
    auth, at, host = netloc.rpartition("@")
    if at and ":" in auth:
        user = auth.split(":", 1)[0]
        netloc = f"{user}:***@{host}"
    return f"{scheme}{sep}{netloc}{slash}{tail}"


def make_url(url: str | URL) -> URL:
    """*url* as a :class:`URL` (parsed if it is a string)."""
    if isinstance(url, URL):
        return url
    return URL.parse(url)
