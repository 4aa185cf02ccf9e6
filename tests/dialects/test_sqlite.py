"""SQLite specifics: connection setup, the writer lock, lazy BEGIN IMMEDIATE, recovery."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aorm import exc
from aorm.dialects._errors_sqlite import translate_sqlite_error
from aorm.dialects.sqlite import SQLiteConnection, SQLiteDialect
from aorm.engine.url import make_url
from aorm.sql.text import text

pytestmark = pytest.mark.sqlite_only


def make_dialect(path: Path, **kwargs: object) -> SQLiteDialect:
    return SQLiteDialect(make_url(f"sqlite:///{path}"), **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def dialect(tmp_path: Path) -> SQLiteDialect:
    return make_dialect(tmp_path / "db.sqlite")


@pytest.fixture
async def pair(dialect: SQLiteDialect) -> AsyncIterator[tuple[SQLiteConnection, SQLiteConnection]]:
    """Two connections to one file database, with a table ``t(v)``."""
    first = dialect.wrap(await dialect.connect())
    second = dialect.wrap(await dialect.connect())
    await run(first, "CREATE TABLE t (v INTEGER)")
    try:
        yield first, second
    finally:
        for conn in (first, second):
            await conn.discard()


def sqlite_in_transaction(conn: SQLiteConnection) -> bool:
    """Whether SQLite itself has a transaction open (read fresh each call)."""
    return bool(conn.raw.in_transaction)


def is_broken(conn: SQLiteConnection) -> bool:
    """Whether the connection is marked broken (read fresh each call)."""
    return conn.broken


async def run(conn: SQLiteConnection, sql: str) -> list[tuple[object, ...]]:
    compiled, literals = conn.dialect.compile(text(sql))
    return (await conn.execute(compiled, compiled.bind(literals, None))).rows


async def test_file_connections_use_wal_foreign_keys_and_a_busy_timeout(
    dialect: SQLiteDialect,
) -> None:
    conn = dialect.wrap(await dialect.connect())
    try:
        assert await run(conn, "PRAGMA journal_mode") == [("wal",)]
        assert await run(conn, "PRAGMA foreign_keys") == [(1,)]
        assert await run(conn, "PRAGMA busy_timeout") == [(30000,)]
        assert conn.raw.isolation_level is None
    finally:
        await conn.discard()


async def test_timeout_comes_from_connect_args_or_the_url(tmp_path: Path) -> None:
    assert make_dialect(tmp_path / "a.db", connect_args={"timeout": 2}).busy_timeout == 2.0
    url = make_url(f"sqlite:///{tmp_path / 'b.db'}?timeout=1.5")
    dialect = SQLiteDialect(url)
    assert dialect.busy_timeout == 1.5
    conn = dialect.wrap(await dialect.connect())
    try:
        assert await run(conn, "PRAGMA busy_timeout") == [(1500,)]
    finally:
        await conn.discard()


def test_bad_sqlite_urls_are_refused(tmp_path: Path) -> None:
    with pytest.raises(exc.ArgumentError, match="unknown SQLite URL option"):
        SQLiteDialect(make_url(f"sqlite:///{tmp_path / 'a.db'}?mode=ro"))
    with pytest.raises(exc.ArgumentError, match="number of seconds"):
        SQLiteDialect(make_url(f"sqlite:///{tmp_path / 'a.db'}?timeout=soon"))
    with pytest.raises(exc.ArgumentError, match="must not set isolation_level"):
        make_dialect(tmp_path / "a.db", connect_args={"isolation_level": "DEFERRED"})


async def test_memory_databases_need_one_shared_connection() -> None:
    dialect = SQLiteDialect(make_url("sqlite:///:memory:"))
    assert dialect.memory
    assert dialect.single_connection
    conn = dialect.wrap(await dialect.connect())
    try:
        assert await run(conn, "PRAGMA journal_mode") == [("memory",)]
        assert await run(conn, "PRAGMA foreign_keys") == [(1,)]
    finally:
        await conn.discard()


async def test_a_deferred_transaction_takes_the_lock_at_its_first_write(
    pair: tuple[SQLiteConnection, SQLiteConnection],
) -> None:
    first, _ = pair
    lock = first.dialect.writer_lock
    await first.begin()
    assert first.in_transaction
    await run(first, "SELECT count(*) FROM t")
    # Reads before the first write run outside any SQLite transaction.
    assert not sqlite_in_transaction(first)
    assert not lock.locked()
    await run(first, "INSERT INTO t VALUES (1)")
    assert sqlite_in_transaction(first)
    assert lock.locked()
    await first.commit()
    assert not lock.locked()
    assert not first.in_transaction


async def test_an_immediate_transaction_takes_the_lock_at_once(
    pair: tuple[SQLiteConnection, SQLiteConnection],
) -> None:
    first, _ = pair
    await first.begin(immediate=True)
    assert first.dialect.writer_lock.locked()
    assert sqlite_in_transaction(first)
    await first.rollback()
    assert not first.dialect.writer_lock.locked()


async def test_a_read_only_transaction_never_takes_the_lock(
    pair: tuple[SQLiteConnection, SQLiteConnection],
) -> None:
    first, _ = pair
    await first.begin()
    await run(first, "SELECT * FROM t")
    await first.commit()
    assert not first.dialect.writer_lock.locked()


async def test_serializable_makes_every_transaction_immediate(tmp_path: Path) -> None:
    dialect = make_dialect(tmp_path / "s.db", isolation_level="SERIALIZABLE")
    conn = dialect.wrap(await dialect.connect())
    try:
        await conn.begin()
        assert dialect.writer_lock.locked()
        await conn.rollback()
    finally:
        await conn.discard()


async def test_autocommit_writes_hold_the_lock_only_for_the_statement(tmp_path: Path) -> None:
    dialect = make_dialect(tmp_path / "a.db", isolation_level="AUTOCOMMIT")
    conn = dialect.wrap(await dialect.connect())
    try:
        await conn.begin()
        assert not conn.in_transaction
        await run(conn, "CREATE TABLE t (v INTEGER)")
        await run(conn, "INSERT INTO t VALUES (1)")
        assert not dialect.writer_lock.locked()
        assert not conn.raw.in_transaction
    finally:
        await conn.discard()


async def test_a_writer_waits_for_the_lock_and_then_sees_the_latest_data(
    pair: tuple[SQLiteConnection, SQLiteConnection],
) -> None:
    first, second = pair
    await first.begin()
    await run(first, "INSERT INTO t VALUES (1)")
    await second.begin()
    assert await run(second, "SELECT count(*) FROM t") == [(0,)]
    waiting = asyncio.create_task(run(second, "INSERT INTO t SELECT count(*) + 10 FROM t"))
    async with asyncio.timeout(10):
        # Polls a condition, not a clock: done once the task queues on the lock.
        while not first.dialect.writer_lock._waiters:  # noqa: ASYNC110
            await asyncio.sleep(0)
    await first.commit()
    await waiting
    await second.commit()
    assert sorted(await run(first, "SELECT v FROM t")) == [(1,), (11,)]


async def test_a_writer_cancelled_while_waiting_for_the_lock_stays_usable(
    pair: tuple[SQLiteConnection, SQLiteConnection],
) -> None:
    first, second = pair
    lock = first.dialect.writer_lock
    await first.begin(immediate=True)
    await second.begin()
    waiting = asyncio.create_task(run(second, "INSERT INTO t VALUES (2)"))
    async with asyncio.timeout(10):
        # Polls a condition, not a clock: done once the task queues on the lock.
        while not lock._waiters:  # noqa: ASYNC110
            await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert not second.broken
    assert lock.locked()
    await first.commit()
    assert not lock.locked()
    await run(second, "INSERT INTO t VALUES (3)")
    await second.commit()
    assert await run(first, "SELECT v FROM t") == [(3,)]


async def test_waiting_for_the_lock_is_bounded_by_the_busy_timeout(tmp_path: Path) -> None:
    dialect = make_dialect(tmp_path / "w.db", connect_args={"timeout": 0.2})
    first = dialect.wrap(await dialect.connect())
    second = dialect.wrap(await dialect.connect())
    try:
        await first.begin(immediate=True)
        await second.begin()
        with pytest.raises(exc.OperationalError, match="database is locked"):
            await run(second, "CREATE TABLE x (v INTEGER)")
        assert not second.broken
        await first.rollback()
        await run(second, "CREATE TABLE x (v INTEGER)")
        await second.commit()
    finally:
        await first.discard()
        await second.discard()


async def test_an_open_cursor_does_not_block_the_first_write(
    pair: tuple[SQLiteConnection, SQLiteConnection],
) -> None:
    first, second = pair
    for value in (1, 2, 3):
        await run(first, f"INSERT INTO t VALUES ({value})")
    await first.begin()
    compiled, literals = first.dialect.compile(text("SELECT v FROM t ORDER BY v"))
    cursor = await first.open_cursor(compiled, compiled.bind(literals, None), 1)
    assert await cursor.fetchmany(1) == [(1,)]
    # Another writer commits while the cursor's read snapshot is open.
    await run(second, "INSERT INTO t VALUES (4)")
    await run(first, "INSERT INTO t VALUES (5)")
    assert await cursor.fetchmany(5) == [(2,), (3,)]
    await cursor.close()
    await first.commit()
    assert len(await run(second, "SELECT v FROM t")) == 5


async def test_a_savepoint_in_a_deferred_transaction_takes_the_lock(
    pair: tuple[SQLiteConnection, SQLiteConnection],
) -> None:
    first, _ = pair
    await first.begin()
    await first.savepoint("sp")
    assert first.dialect.writer_lock.locked()
    await first.rollback_to_savepoint("sp")
    await first.rollback()
    assert not first.dialect.writer_lock.locked()


async def test_a_cancelled_call_is_recovered_and_frees_the_lock(
    pair: tuple[SQLiteConnection, SQLiteConnection],
) -> None:
    first, _ = pair
    started = asyncio.Event()
    release = threading.Event()
    loop = asyncio.get_running_loop()

    def block() -> int:
        loop.call_soon_threadsafe(started.set)
        release.wait(10)
        return 1

    await first.raw.create_function("block", 0, block)
    await first.begin()
    await run(first, "INSERT INTO t VALUES (1)")
    task = asyncio.create_task(run(first, "SELECT block()"))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert first.broken
    assert not first.dead
    release.set()
    assert await first.recover()
    assert not is_broken(first)
    assert not first.in_transaction
    assert not first.dialect.writer_lock.locked()
    assert await run(first, "SELECT count(*) FROM t") == [(0,)]


async def test_discard_closes_and_frees_the_lock(
    pair: tuple[SQLiteConnection, SQLiteConnection],
) -> None:
    first, _ = pair
    await first.begin(immediate=True)
    await first.discard()
    assert first.broken
    assert not first.dialect.writer_lock.locked()
    with pytest.raises(exc.InvalidStateError):
        await run(first, "SELECT 1")


def _sqlite_error(sql: str) -> sqlite3.Error:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("CREATE TABLE p (id INTEGER PRIMARY KEY)")
        conn.execute(
            "CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p (id), "
            "n INTEGER NOT NULL DEFAULT 0, CONSTRAINT positive CHECK (n >= 0))"
        )
        conn.execute("INSERT INTO c (id) VALUES (1)")
        conn.execute(sql)
    except sqlite3.Error as error:
        return error
    finally:
        conn.close()
    raise AssertionError(f"{sql} did not fail")


@pytest.mark.parametrize(
    ("sql", "error", "table", "constraint"),
    [
        ("INSERT INTO c (id) VALUES (1)", exc.IntegrityError, "c", None),
        ("INSERT INTO c (id, n) VALUES (2, NULL)", exc.IntegrityError, "c", None),
        ("INSERT INTO c (id, n) VALUES (2, -1)", exc.IntegrityError, None, "positive"),
        ("INSERT INTO c (id, p) VALUES (2, 99)", exc.IntegrityError, None, None),
        ("INSERT INTO c (id) VALUES ('x')", exc.DataError, None, None),
        ("SELECT * FROM nope", exc.ProgrammingError, None, None),
        ("COMMIT", exc.OperationalError, None, None),
    ],
    ids=["unique", "not-null", "check", "foreign-key", "mismatch", "unknown-table", "no-tx"],
)
def test_sqlite_errors_translate_by_result_code(
    sql: str, error: type[exc.DBAPIError], table: str | None, constraint: str | None
) -> None:
    translated = translate_sqlite_error(_sqlite_error(sql), sql)
    assert type(translated) is error
    assert (translated.table, translated.constraint) == (table, constraint)
    assert sql in str(translated)


def test_binding_an_unsupported_value_is_a_data_error() -> None:
    conn = sqlite3.connect(":memory:")
    try:
        with pytest.raises(sqlite3.ProgrammingError) as caught:
            conn.execute("SELECT ?", ({},))
    finally:
        conn.close()
    assert type(translate_sqlite_error(caught.value, "SELECT ?")) is exc.DataError


def test_a_closed_aiosqlite_connection_is_a_disconnection() -> None:
    assert type(translate_sqlite_error(ValueError("Connection closed"), None)) is (
        exc.DisconnectionError
    )
    closed = sqlite3.ProgrammingError("Cannot operate on a closed database.")
    assert type(translate_sqlite_error(closed, None)) is exc.DisconnectionError
