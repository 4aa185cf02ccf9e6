"""The pytest plugin: a test database, and a session per test whose work is thrown away.

Registered through the ``pytest11`` entry point, so installing aorm is
enough; it adds options and fixtures and does nothing until a test asks
for one of them (``-p no:aorm`` turns it off). The fixtures are async and
need pytest-asyncio.

Fixtures (see ``docs/testing.md``):

* ``aorm_url`` (session): the database URL (see :mod:`aorm.testing.config`).
* ``aorm_metadata`` (session): the ``MetaData`` whose tables the tests need,
  from the ``aorm_metadata`` ini option; override it in ``conftest.py``.
* ``aorm_engine_options`` (session): keyword arguments for ``create_engine``
  (none by default); override it to pass some.
* ``aorm_schema`` (session): the tables, created once before the first test
  that needs them (dropped first if they exist) and dropped after the last.
* ``aorm_engine``: an engine on the database, one per event loop: its scope
  is the scope of the loop the fixtures run on, so with pytest-asyncio's
  defaults there is one per test, and with session-scoped loops one per run.
* ``aorm_connection``: a connection with a transaction begun, rolled back
  after the test.
* ``aorm_session``: an ``AsyncSession`` joined to that transaction: its
  ``commit()`` releases a SAVEPOINT and its ``rollback()`` rolls back to one,
  so application code runs as written and the test still leaves nothing
  behind.
* ``aorm_sessionmaker``: an ``async_sessionmaker`` making such sessions, for
  application code that opens its own.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from types import ModuleType
from typing import Any, TypeVar, cast

import pytest

from aorm.engine.connection import Connection
from aorm.engine.create import create_engine
from aorm.engine.engine import Engine
from aorm.engine.transaction import TransactionState
from aorm.session.session import AsyncSession
from aorm.session.sessionmaker import async_sessionmaker
from aorm.sql.schema import MetaData
from aorm.testing.config import (
    METADATA_INI,
    URL_ENVIRONMENT,
    URL_INI,
    URL_OPTION,
    ScopeName,
    configured_url,
    default_sqlite_url,
    fixture_loop_scope,
    load_metadata,
    loop_scope_of_test,
)

__all__ = [
    "aorm_connection",
    "aorm_engine",
    "aorm_engine_options",
    "aorm_metadata",
    "aorm_schema",
    "aorm_session",
    "aorm_sessionmaker",
    "aorm_url",
    "pytest_addoption",
]

FixtureT = TypeVar("FixtureT", bound=Callable[..., Any])


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--aorm-url`` and the ``aorm_url`` / ``aorm_metadata`` ini options."""
    group = parser.getgroup("aorm", "aorm test database")
    group.addoption(
        URL_OPTION,
        dest="aorm_url",
        default=None,
        metavar="URL",
        help=f"database URL for aorm's fixtures (also {URL_ENVIRONMENT} or the {URL_INI} ini "
        "option; default: a SQLite file in a temporary directory)",
    )
    parser.addini(URL_INI, type="string", default="", help="database URL for aorm's fixtures")
    parser.addini(
        METADATA_INI,
        type="string",
        default="",
        help="'package.module:attribute' naming the MetaData (or declarative base) whose "
        "tables aorm's fixtures create",
    )


# -- pytest-asyncio, when it is there ----------------------------------------------


def _load_pytest_asyncio() -> ModuleType | None:
    try:
        return importlib.import_module("pytest_asyncio")
    except ImportError:
        # This plugin loads wherever aorm is installed: without pytest-asyncio
        # it must not break the run, only the tests that use its fixtures.
        return None


_PYTEST_ASYNCIO = _load_pytest_asyncio()


def _async_fixture(
    scope: ScopeName | Callable[[str, pytest.Config], ScopeName] = "function",
) -> Callable[[FixtureT], FixtureT]:
    """pytest-asyncio's fixture decorator (so strict mode runs them too), or a stand-in.

    Without pytest-asyncio, the fixture fails the tests that use it, saying so.
    """
    if _PYTEST_ASYNCIO is not None:
        decorator: Callable[[FixtureT], FixtureT] = _PYTEST_ASYNCIO.fixture(scope=scope)
        return decorator

    def stand_in(function: FixtureT) -> FixtureT:
        def needs_pytest_asyncio() -> None:
            pytest.fail(
                f"aorm's {function.__name__} fixture needs pytest-asyncio: "
                "pip install pytest-asyncio",
                pytrace=False,
            )

        needs_pytest_asyncio.__doc__ = function.__doc__
        fixture = pytest.fixture(scope=scope, name=function.__name__)(needs_pytest_asyncio)
        return cast(FixtureT, fixture)

    return stand_in


def _loop_scope(fixture_name: str, config: pytest.Config) -> ScopeName:
    """``aorm_engine``'s scope: the scope of the loop it runs on, so it ends with its loop."""
    return fixture_loop_scope(config)


# -- configuration -------------------------------------------------------------------


@pytest.fixture(scope="session")
def aorm_url(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test database URL: ``--aorm-url``, ``AORM_TEST_URL``, ``aorm_url`` ini, or SQLite.

    The default is a SQLite file in a temporary directory made for the test
    session. A database named here is for tests alone: the metadata's
    tables are dropped and created in it at the start, dropped at the end.
    """
    return configured_url(pytestconfig) or default_sqlite_url(tmp_path_factory.mktemp("aorm"))


@pytest.fixture(scope="session")
def aorm_metadata(pytestconfig: pytest.Config) -> MetaData:
    """The ``MetaData`` whose tables the tests need (the ``aorm_metadata`` ini option).

    Override it in ``conftest.py`` (session-scoped) to name it in code:
    ``return Base.metadata``.
    """
    spec = str(pytestconfig.getini(METADATA_INI) or "")
    if not spec:
        pytest.fail(
            f"aorm's fixtures need your MetaData: set {METADATA_INI} = "
            "'package.module:Base' in the pytest configuration, or define a session-scoped "
            "aorm_metadata fixture in conftest.py returning it",
            pytrace=False,
        )
    return load_metadata(spec)


@pytest.fixture(scope="session")
def aorm_engine_options() -> dict[str, Any]:
    """Keyword arguments for ``create_engine()`` (none); override it to pass some."""
    return {}


@pytest.fixture(scope="session")
def aorm_schema(
    aorm_url: str, aorm_metadata: MetaData, aorm_engine_options: dict[str, Any]
) -> Iterator[MetaData]:
    """The metadata, its tables created for the test session (and dropped after it).

    Runs on an event loop of its own, so that it does not depend on the
    loop scope the tests run with. An in-memory SQLite database lives in its
    engine's one connection: each ``aorm_engine`` creates the tables itself.
    """
    if create_engine(aorm_url, **aorm_engine_options).dialect.single_connection:
        yield aorm_metadata
        return
    _run_on_own_loop(lambda: _recreate_tables(aorm_url, aorm_metadata, aorm_engine_options))
    try:
        yield aorm_metadata
    finally:
        _run_on_own_loop(lambda: _drop_tables(aorm_url, aorm_metadata, aorm_engine_options))


def _run_on_own_loop(make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    # With a loop_factory the runner leaves the thread's current loop alone
    # (pytest-asyncio may have set one).
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        runner.run(make())


async def _recreate_tables(url: str, metadata: MetaData, options: dict[str, Any]) -> None:
    async with create_engine(url, **options) as engine:
        # Tables left by a run that was killed before it could drop them.
        await metadata.drop_all(engine)
        await metadata.create_all(engine)


async def _drop_tables(url: str, metadata: MetaData, options: dict[str, Any]) -> None:
    async with create_engine(url, **options) as engine:
        await metadata.drop_all(engine)


# -- engines, connections, sessions ----------------------------------------------------


@_async_fixture(scope=_loop_scope)
async def aorm_engine(
    aorm_url: str, aorm_schema: MetaData, aorm_engine_options: dict[str, Any]
) -> AsyncIterator[Engine]:
    """An engine on the test database, disposed of on its event loop before the loop closes.

    Its scope is the scope of the event loop aorm's fixtures run on
    (pytest-asyncio's ``asyncio_default_fixture_loop_scope``, ``function``
    when unset): a pool cannot outlive the loop its connections belong to.
    """
    async with create_engine(aorm_url, **aorm_engine_options) as engine:
        if engine.dialect.single_connection:
            await aorm_schema.create_all(engine)
        yield engine


@_async_fixture()
async def aorm_connection(
    aorm_engine: Engine, request: pytest.FixtureRequest
) -> AsyncIterator[Connection]:
    """A connection with a transaction begun, rolled back after the test.

    Sessions bound to it (``aorm_session``, ``aorm_sessionmaker``) work in
    SAVEPOINTs inside that transaction. A test that commits the transaction
    itself (``await aorm_connection.commit()``) fails at teardown: its
    writes would be left behind.
    """
    _check_loop_scopes(request)
    async with aorm_engine.connect() as conn:
        outer = await conn.begin()
        yield conn
        committed = outer.state is TransactionState.COMMITTED
    if committed:
        pytest.fail(
            "the test committed the transaction of aorm_connection, so its writes stay in "
            "the database; commit through a session (a savepoint) instead",
            pytrace=False,
        )


@_async_fixture()
async def aorm_session(aorm_connection: Connection) -> AsyncIterator[AsyncSession]:
    """An ``AsyncSession`` whose commits and rollbacks stay inside the test's transaction."""
    async with AsyncSession(aorm_connection, join_transaction_mode="create_savepoint") as session:
        yield session


@pytest.fixture
def aorm_sessionmaker(aorm_connection: Connection) -> async_sessionmaker:
    """An ``async_sessionmaker`` of sessions like ``aorm_session``, for code that makes its own.

    Its sessions share the test's one connection: use them one after
    another, not interleaved.
    """
    return async_sessionmaker(aorm_connection, join_transaction_mode="create_savepoint")


def _check_loop_scopes(request: pytest.FixtureRequest) -> None:
    """Fail clearly when the test runs on another event loop than aorm's fixtures."""
    item = request.node
    if not isinstance(item, pytest.Item):
        return
    test_scope = loop_scope_of_test(item)
    fixture_scope = fixture_loop_scope(request.config)
    if test_scope is None or test_scope == fixture_scope:
        return
    pytest.fail(
        f"aorm's fixtures run on the {fixture_scope}-scoped event loop "
        f"(asyncio_default_fixture_loop_scope), but this test runs on the {test_scope}-scoped "
        "one, and a database connection cannot move between event loops. Make the two equal: "
        f"set asyncio_default_test_loop_scope (or the test's asyncio marker) to "
        f"{fixture_scope!r}, or asyncio_default_fixture_loop_scope to {test_scope!r}",
        pytrace=False,
    )
