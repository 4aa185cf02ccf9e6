"""PostgreSQL specifics: DSN, driver options, status parsing, server-side cursors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from aorm import exc
from aorm.dialects._errors_postgresql import is_disconnect, translate_postgresql_error
from aorm.dialects.postgresql import PGConnection, PGDialect, parse_status_rowcount
from aorm.engine.url import make_url
from aorm.sql.text import text

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[PGConnection]:
    dialect = PGDialect(make_url(pg_url))
    conn = dialect.wrap(await dialect.connect())
    try:
        yield conn
    finally:
        await conn.discard()


async def scalar(conn: PGConnection, sql: str) -> object:
    compiled, literals = conn.dialect.compile(text(sql))
    return (await conn.execute(compiled, compiled.bind(literals, None))).rows[0][0]


@pytest.mark.parametrize(
    ("status", "count"),
    [
        ("INSERT 0 5", 5),
        ("UPDATE 3", 3),
        ("DELETE 0", 0),
        ("SELECT 7", 7),
        ("MERGE 2", 2),
        ("CREATE TABLE", -1),
        ("BEGIN", -1),
        ("", -1),
    ],
)
def test_command_status_gives_the_rowcount(status: str, count: int) -> None:
    assert parse_status_rowcount(status) == count


def test_the_dsn_encodes_credentials_and_passes_options_through() -> None:
    url = make_url("postgresql+asyncpg://us%40er:p%3Aw%2Fd@db.example:6432/my%20db?sslmode=disable")
    assert url.password == "p:w/d"
    assert PGDialect(url).dsn == (
        "postgresql://us%40er:p%3Aw%2Fd@db.example:6432/my%20db?sslmode=disable"
    )
    assert PGDialect(make_url("postgresql://[::1]:5432/x")).dsn == "postgresql://[::1]:5432/x"
    assert PGDialect(make_url("postgres://h/d")).dsn == "postgresql://h/d"


def test_prepared_statements_false_turns_the_statement_cache_off() -> None:
    url = make_url("postgresql://h/d")
    assert PGDialect(url, prepared_statements=False).connect_args == {"statement_cache_size": 0}
    assert PGDialect(url).connect_args == {}
    with pytest.raises(exc.ArgumentError, match="prepared_statements=False contradicts"):
        PGDialect(url, prepared_statements=False, connect_args={"statement_cache_size": 50})


async def test_application_name_from_the_url_or_connect_args(pg_url: str) -> None:
    by_url = PGDialect(make_url(f"{pg_url}?application_name=from_url"))
    by_args = PGDialect(
        make_url(pg_url), connect_args={"server_settings": {"application_name": "from_args"}}
    )
    for dialect, expected in ((by_url, "from_url"), (by_args, "from_args")):
        conn = dialect.wrap(await dialect.connect())
        try:
            assert await scalar(conn, "SHOW application_name") == expected
        finally:
            await conn.discard()


async def test_stream_uses_a_server_side_cursor_in_the_transaction(pg: PGConnection) -> None:
    await pg.begin()
    compiled, literals = pg.dialect.compile(text("SELECT g FROM generate_series(1, 10) AS g"))
    cursor = await pg.open_cursor(compiled, compiled.bind(literals, None), 4)
    ours = "SELECT count(*) FROM pg_cursors WHERE name LIKE 'aorm%'"
    assert await scalar(pg, ours) == 1
    assert await cursor.fetchmany(4) == [(1,), (2,), (3,), (4,)]
    await cursor.close()
    assert await scalar(pg, ours) == 0
    await pg.rollback()


async def test_cursors_of_any_shape_can_follow_and_overlap(pg: PGConnection) -> None:
    await pg.begin()
    wide, wide_literals = pg.dialect.compile(text("SELECT 1 AS a, 2 AS b"))
    narrow, narrow_literals = pg.dialect.compile(text("SELECT 3 AS c"))
    for _ in range(2):
        first = await pg.open_cursor(wide, wide.bind(wide_literals, None), 10)
        second = await pg.open_cursor(wide, wide.bind(wide_literals, None), 10)
        third = await pg.open_cursor(narrow, narrow.bind(narrow_literals, None), 10)
        assert (first.keys, third.keys) == (("a", "b"), ("c",))
        assert await first.fetchmany(10) == [(1, 2)]
        assert await second.fetchmany(10) == [(1, 2)]
        assert await third.fetchmany(10) == [(3,)]
        for cursor in (first, second, third):
            await cursor.close()
    await pg.rollback()


async def test_stream_outside_a_transaction_fetches_in_one_go(pg_url: str) -> None:
    dialect = PGDialect(make_url(pg_url), isolation_level="AUTOCOMMIT")
    conn = dialect.wrap(await dialect.connect())
    try:
        await conn.begin()
        assert not conn.in_transaction
        compiled, literals = dialect.compile(text("SELECT g FROM generate_series(1, 3) AS g"))
        cursor = await conn.open_cursor(compiled, compiled.bind(literals, None), 2)
        assert await cursor.fetchmany(2) == [(1,), (2,)]
        assert await cursor.fetchmany(2) == [(3,)]
        await cursor.close()
    finally:
        await conn.discard()


async def test_isolation_level_is_set_on_begin(pg_url: str) -> None:
    dialect = PGDialect(make_url(pg_url), isolation_level="REPEATABLE READ")
    conn = dialect.wrap(await dialect.connect())
    try:
        await conn.begin()
        assert await scalar(conn, "SHOW transaction_isolation") == "repeatable read"
        await conn.rollback()
    finally:
        await conn.discard()


async def test_commit_of_a_failed_transaction_raises(pg: PGConnection) -> None:
    await pg.begin()
    with pytest.raises(exc.ProgrammingError):
        await scalar(pg, "SELECT * FROM no_such_table")
    with pytest.raises(exc.InternalError, match="rolled it back"):
        await pg.commit()
    assert not pg.in_transaction
    assert not pg.raw.is_in_transaction()


async def test_errors_name_the_constraint_and_table(pg: PGConnection) -> None:
    await pg.begin()
    compiled, _ = pg.dialect.compile(
        text("CREATE TABLE t (id INTEGER CONSTRAINT t_positive CHECK (id > 0))")
    )
    await pg.execute(compiled, [])
    with pytest.raises(exc.IntegrityError) as caught:
        await scalar(pg, "INSERT INTO t VALUES (-1) RETURNING id")
    assert (caught.value.constraint, caught.value.table) == ("t_positive", "t")
    assert isinstance(caught.value.__cause__, asyncpg.CheckViolationError)
    await pg.rollback()


async def test_a_wrong_number_of_arguments_is_a_programming_error(pg: PGConnection) -> None:
    compiled, _ = pg.dialect.compile(text("SELECT :a::int"))
    with pytest.raises(exc.ProgrammingError, match="expects 1 argument"):
        await pg.execute(compiled, [])


async def test_a_value_the_driver_cannot_encode_is_a_data_error(pg: PGConnection) -> None:
    compiled, literals = pg.dialect.compile(text("SELECT :a::int"))
    with pytest.raises(exc.DataError):
        await pg.execute(compiled, compiled.bind(literals, {"a": "not a number"}))


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (asyncpg.UniqueViolationError("dup"), exc.IntegrityError),
        (asyncpg.NotNullViolationError("null"), exc.IntegrityError),
        (asyncpg.ForeignKeyViolationError("fk"), exc.IntegrityError),
        (asyncpg.PostgresSyntaxError("syntax"), exc.ProgrammingError),
        (asyncpg.UndefinedTableError("table"), exc.ProgrammingError),
        (asyncpg.InvalidTextRepresentationError("text"), exc.DataError),
        (asyncpg.SerializationError("serial"), exc.OperationalError),
        (asyncpg.DeadlockDetectedError("deadlock"), exc.OperationalError),
        (asyncpg.QueryCanceledError("canceled"), exc.OperationalError),
        (asyncpg.FeatureNotSupportedError("nope"), exc.NotSupportedError),
        (asyncpg.AdminShutdownError("terminated"), exc.DisconnectionError),
        (asyncpg.ConnectionDoesNotExistError("gone"), exc.DisconnectionError),
        (asyncpg.InterfaceError("connection is closed"), exc.DisconnectionError),
        (ConnectionResetError("reset"), exc.DisconnectionError),
        (asyncpg.InterfaceError("another operation is in progress"), exc.InterfaceError),
    ],
    ids=lambda value: type(value).__name__,
)
def test_sqlstates_translate_by_class(error: Exception, expected: type[exc.DBAPIError]) -> None:
    assert type(translate_postgresql_error(error, "SQL", None)) is expected


def test_a_closed_connection_makes_any_error_a_disconnection() -> None:
    class Closed:
        def is_closed(self) -> bool:
            return True

    assert is_disconnect(RuntimeError("whatever"), Closed())
    assert not is_disconnect(TimeoutError(), None)
