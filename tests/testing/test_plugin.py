"""The pytest plugin, from the outside: small test suites that use it, run in a subprocess.

Each test writes an app (a model, a ``conftest.py``, tests using the
``aorm_*`` fixtures) into pytester's directory and runs pytest on it, on the
backend under test (its database passed with ``--aorm-url``).
"""

from __future__ import annotations

import asyncio
from textwrap import dedent

import pytest

from aorm.engine import create_engine
from aorm.sql import text

#: Seconds one inner pytest run may take.
RUN_TIMEOUT = 120

MODELS = """
    from aorm.orm import DeclarativeBase, Mapped, mapped_column
    from aorm.sql import String


    class Base(DeclarativeBase):
        pass


    class Item(Base):
        __tablename__ = "items"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
"""

INI = """
    [pytest]
    asyncio_mode = {mode}
    asyncio_default_fixture_loop_scope = {scope}
    asyncio_default_test_loop_scope = {scope}
    filterwarnings = error
    aorm_metadata = models:Base
"""

ISOLATION_TESTS = """
    import pytest

    from aorm.session import inspect
    from aorm.sql import select, text
    from models import Item

    pytestmark = pytest.mark.asyncio
    ENGINES = []


    async def names(session):
        return list((await session.scalars(select(Item.name).order_by(Item.id))).all())


    async def test_commits_work_inside_a_test(aorm_session, aorm_engine):
        ENGINES.append(aorm_engine)
        aorm_session.add(Item(name="first"))
        await aorm_session.commit()
        aorm_session.add(Item(name="second"))
        await aorm_session.commit()
        assert await names(aorm_session) == ["first", "second"]


    async def test_the_next_test_does_not_see_them(aorm_session, aorm_engine):
        ENGINES.append(aorm_engine)
        assert await names(aorm_session) == []


    async def test_rollback_works_inside_a_test(aorm_session):
        aorm_session.add(Item(name="kept"))
        await aorm_session.commit()
        dropped = Item(name="dropped")
        aorm_session.add(dropped)
        await aorm_session.flush()
        await aorm_session.rollback()
        assert inspect(dropped).transient
        assert await names(aorm_session) == ["kept"]
        aorm_session.add(Item(name="after"))
        await aorm_session.commit()
        assert await names(aorm_session) == ["kept", "after"]


    async def test_sessionmaker_sessions_share_the_transaction(aorm_sessionmaker, aorm_session):
        async with aorm_sessionmaker.begin() as session:
            session.add(Item(name="made"))
        assert await names(aorm_session) == ["made"]


    async def test_the_connection_sees_nothing_of_earlier_tests(aorm_connection, aorm_engine):
        ENGINES.append(aorm_engine)
        result = await aorm_connection.execute(text("SELECT count(*) FROM items"))
        assert result.scalar() == 0
        assert aorm_engine.echo  # aorm_engine_options from conftest.py


    async def test_engines_follow_the_loop_scope():
        assert len(ENGINES) == 3
        assert len({{id(engine) for engine in ENGINES}}) == {engines}
"""

CONFTEST_WITH_OPTIONS = """
    import pytest


    @pytest.fixture(scope="session")
    def aorm_engine_options():
        return {"echo": True}
"""


def _write_app(pytester: pytest.Pytester, *, mode: str = "auto", scope: str = "function") -> None:
    pytester.makefile(".py", models=dedent(MODELS))
    pytester.makeini(dedent(INI.format(mode=mode, scope=scope)))


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The inner runs inherit the environment; a URL set there would win over the tests'.
    monkeypatch.delenv("AORM_TEST_URL", raising=False)


async def _table_names(url: str) -> list[str]:
    async with create_engine(url) as engine, engine.connect() as conn:
        if engine.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        else:
            query = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        return [row[0] for row in (await conn.execute(text(query))).all()]


@pytest.mark.parametrize(
    ("mode", "scope", "engines"),
    [
        pytest.param("auto", "function", 3, id="function-loops"),
        pytest.param("strict", "session", 1, id="session-loop-strict-mode"),
    ],
)
def test_each_test_is_rolled_back_after_it(
    pytester: pytest.Pytester, db_url: str, mode: str, scope: str, engines: int
) -> None:
    _write_app(pytester, mode=mode, scope=scope)
    pytester.makeconftest(dedent(CONFTEST_WITH_OPTIONS))
    pytester.makepyfile(test_isolation=dedent(ISOLATION_TESTS.format(engines=engines)))
    result = pytester.runpytest_subprocess("--aorm-url", db_url, "-v", timeout=RUN_TIMEOUT)
    result.assert_outcomes(passed=6)
    # The tables were made for the run and dropped after it.
    assert asyncio.run(_table_names(db_url)) == []


N_PLUS_ONE_TESTS = """
    from aorm.testing import assert_queries
    from models import Item


    async def test_one_get_per_item(aorm_session):
        items = [Item(name=f"item {n}") for n in range(4)]
        aorm_session.add_all(items)
        await aorm_session.commit()
        ids = [item.id for item in items]
        aorm_session.expunge_all()
        with assert_queries(aorm_session, 1):
            for item_id in ids:
                await aorm_session.get(Item, item_id)
"""


def test_assert_queries_catches_an_n_plus_one(pytester: pytest.Pytester, db_url: str) -> None:
    _write_app(pytester)
    pytester.makepyfile(test_n_plus_one=dedent(N_PLUS_ONE_TESTS))
    result = pytester.runpytest_subprocess("--aorm-url", db_url, timeout=RUN_TIMEOUT)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E * AssertionError: expected 1 statement, 4 were sent:",
            "E * 1. SELECT *items* [[]parameters: [[]1[]][]]",
            "E * 4. SELECT *items* [[]parameters: [[]4[]][]]",
        ]
    )


COMMITTING_THE_OUTER_TRANSACTION = """
    from models import Item


    async def test_commits_the_fixture_transaction(aorm_connection, aorm_session):
        aorm_session.add(Item(name="leaked"))
        await aorm_session.commit()
        await aorm_connection.commit()
"""


def test_committing_the_tests_transaction_is_an_error(
    pytester: pytest.Pytester, db_url: str
) -> None:
    _write_app(pytester)
    pytester.makepyfile(test_leak=dedent(COMMITTING_THE_OUTER_TRANSACTION))
    result = pytester.runpytest_subprocess("--aorm-url", db_url, timeout=RUN_TIMEOUT)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*the test committed the transaction of aorm_connection*"])


IN_MEMORY_TESTS = """
    from aorm.sql import func, select
    from models import Item


    async def test_first(aorm_session):
        aorm_session.add(Item(name="a"))
        await aorm_session.commit()


    async def test_second(aorm_session):
        count = await aorm_session.scalar(select(func.count()).select_from(Item))
        assert count == 0
"""


@pytest.mark.parametrize("scope", ["function", "session"])
def test_an_in_memory_sqlite_database_works(pytester: pytest.Pytester, scope: str) -> None:
    # SQLite's own kind of database: it lives in its engine's one connection.
    _write_app(pytester, scope=scope)
    pytester.makepyfile(test_memory=dedent(IN_MEMORY_TESTS))
    result = pytester.runpytest_subprocess("--aorm-url", "sqlite:///:memory:", timeout=RUN_TIMEOUT)
    result.assert_outcomes(passed=2)


def test_the_default_database_is_a_sqlite_file_of_the_run(pytester: pytest.Pytester) -> None:
    _write_app(pytester)
    pytester.makepyfile(test_memory=dedent(IN_MEMORY_TESTS))
    result = pytester.runpytest_subprocess(timeout=RUN_TIMEOUT)
    result.assert_outcomes(passed=2)
    assert len(list(pytester.path.rglob("aorm-test.db"))) == 1


def test_a_missing_metadata_is_explained(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    pytester.makepyfile(
        test_no_metadata="""
        async def test_it(aorm_session):
            pass
        """
    )
    result = pytester.runpytest_subprocess(timeout=RUN_TIMEOUT)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*aorm's fixtures need your MetaData: set aorm_metadata*"])


def test_tests_on_another_loop_than_the_fixtures_are_explained(
    pytester: pytest.Pytester,
) -> None:
    _write_app(pytester, scope="session")
    pytester.makepyfile(
        test_loops="""
        import pytest

        @pytest.mark.asyncio(loop_scope="function")
        async def test_it(aorm_session):
            pass
        """
    )
    result = pytester.runpytest_subprocess(timeout=RUN_TIMEOUT)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*aorm's fixtures run on the session-scoped event loop*this test runs on the function*"]
    )


def test_without_pytest_asyncio_the_fixtures_say_so(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\naorm_metadata = models:Base\n")
    pytester.makefile(".py", models=dedent(MODELS))
    # Shadows the installed package: importing it fails, as if it were not installed.
    pytester.makefile(".py", pytest_asyncio="raise ImportError('not installed')\n")
    pytester.makepyfile(
        test_sync="""
        def test_it(aorm_session):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:asyncio", timeout=RUN_TIMEOUT)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*aorm's aorm_session fixture needs pytest-asyncio*"])
