"""What the pytest plugin reads from pytest's configuration: the URL, the metadata, loop scopes.

* The database URL: ``--aorm-url`` on the command line, else the
  ``AORM_TEST_URL`` environment variable, else the ``aorm_url`` ini option,
  else a SQLite file in a temporary directory made for the test session.
* The metadata whose tables the tests need: the ``aorm_metadata`` ini option,
  ``"package.module:attribute"`` naming a ``MetaData`` or a declarative base
  (whose ``.metadata`` is meant), unless the ``aorm_metadata`` fixture is
  overridden.
* Event-loop scopes (pytest-asyncio): aorm's fixtures run on the loop of
  ``asyncio_default_fixture_loop_scope`` (``function`` when it is unset), and
  a test using them must run on that same loop.
"""

from __future__ import annotations

import importlib
import inspect
import os
from pathlib import Path
from typing import Literal, NoReturn, TypeAlias

import pytest

from aorm.sql.schema import MetaData

__all__ = [
    "METADATA_INI",
    "SCOPES",
    "URL_ENVIRONMENT",
    "URL_INI",
    "URL_OPTION",
    "ScopeName",
    "configured_url",
    "default_sqlite_url",
    "fixture_loop_scope",
    "load_metadata",
    "loop_scope_of_test",
]

#: The command-line option naming the test database.
URL_OPTION = "--aorm-url"
#: The environment variable naming it (below the option).
URL_ENVIRONMENT = "AORM_TEST_URL"
#: The ini option naming it (below the environment variable).
URL_INI = "aorm_url"
#: The ini option naming the metadata: ``"package.module:attribute"``.
METADATA_INI = "aorm_metadata"

#: A pytest fixture scope.
ScopeName: TypeAlias = Literal["function", "class", "module", "package", "session"]
#: The fixture scopes, narrowest first.
SCOPES: tuple[ScopeName, ...] = ("function", "class", "module", "package", "session")


def configured_url(config: pytest.Config) -> str | None:
    """The URL the run was given (option, environment, ini, in that order), or None."""
    option = config.getoption("aorm_url", default=None)
    if option:
        return str(option)
    environment = os.environ.get(URL_ENVIRONMENT)
    if environment:
        return environment
    ini = config.getini(URL_INI)
    return str(ini) if ini else None


def default_sqlite_url(directory: Path) -> str:
    """A SQLite file in *directory* (a temporary one, made per test session)."""
    return f"sqlite:///{directory / 'aorm-test.db'}"


def load_metadata(spec: str) -> MetaData:
    """The ``MetaData`` named by *spec*, ``"package.module:attribute.path"``.

    The object found may also be a declarative base (or any object with a
    ``metadata`` attribute that is a ``MetaData``). A bad spec fails the
    test with a message naming the spec and what went wrong.
    """
    module_name, colon, path = spec.strip().partition(":")
    if not colon or not module_name or not path:
        _fail(f"{METADATA_INI} = {spec!r} must read 'package.module:attribute'")
    try:
        found: object = importlib.import_module(module_name)
    except ImportError as error:
        _fail(f"{METADATA_INI} = {spec!r}: cannot import {module_name!r} ({error})")
    for name in path.split("."):
        try:
            found = getattr(found, name)
        except AttributeError:
            _fail(f"{METADATA_INI} = {spec!r}: {name!r} not found")
    if not isinstance(found, MetaData):
        found = getattr(found, "metadata", found)
    if not isinstance(found, MetaData):
        _fail(
            f"{METADATA_INI} = {spec!r} names {type(found).__name__}, which is neither a "
            "MetaData nor a declarative base"
        )
    return found


def fixture_loop_scope(config: pytest.Config) -> ScopeName:
    """The scope of the event loop aorm's async fixtures run on.

    pytest-asyncio's ``asyncio_default_fixture_loop_scope``; unset (or
    ``fixture-scope``) it is ``function``, which is where those fixtures'
    own scope puts them.
    """
    return _scope(_ini(config, "asyncio_default_fixture_loop_scope")) or "function"


def loop_scope_of_test(item: pytest.Item) -> ScopeName | None:
    """The scope of the event loop *item* runs on (None for a test that is not async)."""
    marker = item.get_closest_marker("asyncio")
    if marker is not None:
        chosen = _scope(marker.kwargs.get("loop_scope") or marker.kwargs.get("scope"))
        if chosen is not None:
            return chosen
    elif not _is_coroutine_test(item):
        return None
    return _scope(_ini(item.config, "asyncio_default_test_loop_scope")) or "function"


def _is_coroutine_test(item: pytest.Item) -> bool:
    return inspect.iscoroutinefunction(getattr(item, "function", None))


def _scope(value: object) -> ScopeName | None:
    for scope in SCOPES:
        if value == scope:
            return scope
    return None


def _ini(config: pytest.Config, name: str) -> object:
    try:
        return config.getini(name)
    except ValueError:
        # Not an ini option of this run: pytest-asyncio is not installed.
        return None


def _fail(message: str) -> NoReturn:
    pytest.fail(message, pytrace=False)
