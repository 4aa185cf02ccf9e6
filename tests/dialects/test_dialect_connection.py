"""The dialect interface, on both backends over real connections."""

from __future__ import annotations

from typing import Any

import pytest

from aorm import exc
from aorm.dialects.base import Dialect, DialectConnection, ExecResult
from aorm.dialects.registry import dialect_class_for
from aorm.engine.url import make_url
from aorm.sql.text import text


async def run(
    dconn: DialectConnection, sql: str, params: dict[str, Any] | None = None
) -> ExecResult:
    compiled, literals = dconn.dialect.compile(text(sql))
    return await dconn.execute(compiled, compiled.bind(literals, params))


def in_transaction(dconn: DialectConnection) -> bool:
    """Read fresh on each call (so type narrowing does not carry across awaits)."""
    return dconn.in_transaction


async def make_table(dconn: DialectConnection) -> None:
    await run(
        dconn,
        "CREATE TABLE items "
        "(id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL UNIQUE, qty INTEGER)",
    )


def test_dialect_info_matches_the_backend(dialect: Dialect, backend: str) -> None:
    assert dialect.name == backend
    if backend == "sqlite":
        assert (dialect.placeholder(1), dialect.placeholder(7)) == ("?", "?")
    else:
        assert (dialect.placeholder(1), dialect.placeholder(7)) == ("$1", "$7")
    assert dialect.quote_identifier('we"ird') == '"we""ird"'


def test_text_compiles_to_the_backend_bind_style(dialect: Dialect, backend: str) -> None:
    compiled, _ = dialect.compile(text("SELECT :a, :b"))
    assert compiled.sql == ("SELECT ?, ?" if backend == "sqlite" else "SELECT $1, $2")


async def test_execute_reports_rows_keys_and_rowcount(dconn: DialectConnection) -> None:
    created = await run(dconn, "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(20))")
    assert (created.returns_rows, created.rows, created.rowcount) == (False, [], -1)

    inserted = await run(
        dconn, "INSERT INTO t (id, name) VALUES (:id, :name)", {"id": 1, "name": "a"}
    )
    assert (inserted.returns_rows, inserted.rowcount) == (False, 1)

    returning = await run(
        dconn,
        "INSERT INTO t (id, name) VALUES (2, 'b'), (3, 'c') RETURNING id, name",
    )
    assert returning.returns_rows
    assert returning.keys == ("id", "name")
    assert sorted(returning.rows) == [(2, "b"), (3, "c")]
    assert returning.rowcount == 2

    selected = await run(dconn, "SELECT id, name FROM t WHERE id >= :low ORDER BY id", {"low": 2})
    assert selected.keys == ("id", "name")
    assert selected.rows == [(2, "b"), (3, "c")]
    assert selected.rowcount == -1

    assert (await run(dconn, "UPDATE t SET name = 'z' WHERE id < 3")).rowcount == 2
    assert (await run(dconn, "DELETE FROM t WHERE id = :id", {"id": 99})).rowcount == 0


async def test_an_empty_result_still_knows_its_columns(dconn: DialectConnection) -> None:
    result = await run(dconn, "SELECT 1 AS one, 2 AS two WHERE 1 = 0")
    assert result.rows == []
    assert result.keys == ("one", "two")


async def test_executemany_runs_every_parameter_set(dconn: DialectConnection) -> None:
    await make_table(dconn)
    compiled, literals = dconn.dialect.compile(
        text("INSERT INTO items (id, name, qty) VALUES (:id, :name, :qty)")
    )
    rows = [{"id": i, "name": f"n{i}", "qty": i * 10} for i in range(1, 6)]
    rowcount = await dconn.executemany(compiled, [compiled.bind(literals, r) for r in rows])
    assert rowcount == (5 if dconn.dialect.capabilities.sane_multi_rowcount else -1)
    total = await run(dconn, "SELECT count(*), sum(qty) FROM items")
    assert total.rows == [(5, 150)]


async def test_rollback_discards_and_commit_keeps(
    dialect: Dialect, dconn: DialectConnection
) -> None:
    await make_table(dconn)
    await dconn.begin()
    await run(dconn, "INSERT INTO items (id, name) VALUES (1, 'gone')")
    assert in_transaction(dconn)
    await dconn.rollback()
    assert not in_transaction(dconn)

    await dconn.begin()
    await run(dconn, "INSERT INTO items (id, name) VALUES (2, 'kept')")
    await dconn.commit()

    other = dialect.wrap(await dialect.connect())
    try:
        assert (await run(other, "SELECT name FROM items")).rows == [("kept",)]
    finally:
        await dialect.close(other.raw)


async def test_rollback_to_savepoint_keeps_the_work_before_it(dconn: DialectConnection) -> None:
    await make_table(dconn)
    await dconn.begin()
    await run(dconn, "INSERT INTO items (id, name) VALUES (1, 'before')")
    name = dconn.new_savepoint_name()
    await dconn.savepoint(name)
    await run(dconn, "INSERT INTO items (id, name) VALUES (2, 'inside')")
    await dconn.rollback_to_savepoint(name)
    inner = dconn.new_savepoint_name()
    await dconn.savepoint(inner)
    await run(dconn, "INSERT INTO items (id, name) VALUES (3, 'released')")
    await dconn.release_savepoint(inner)
    await dconn.commit()
    assert (await run(dconn, "SELECT id FROM items ORDER BY id")).rows == [(1,), (3,)]


async def test_a_savepoint_needs_a_transaction(dconn: DialectConnection) -> None:
    with pytest.raises(exc.InvalidStateError, match="needs an open transaction"):
        await dconn.savepoint("sp")


async def test_begin_twice_is_refused(dconn: DialectConnection) -> None:
    await dconn.begin()
    with pytest.raises(exc.InvalidStateError, match="already open"):
        await dconn.begin()
    await dconn.rollback()


async def test_cursor_fetches_in_chunks(dconn: DialectConnection) -> None:
    await dconn.begin()
    compiled, literals = dconn.dialect.compile(
        text("SELECT n FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) AS s ORDER BY n")
    )
    cursor = await dconn.open_cursor(compiled, compiled.bind(literals, None), 2)
    assert cursor.keys == ("n",)
    assert await cursor.fetchmany(2) == [(1,), (2,)]
    assert await cursor.fetchmany(2) == [(3,)]
    assert await cursor.fetchmany(2) == []
    await cursor.close()
    await cursor.close()
    await dconn.rollback()


async def test_finish_rolls_back_what_is_open(dialect: Dialect, dconn: DialectConnection) -> None:
    await make_table(dconn)
    await dconn.begin(immediate=True)
    await run(dconn, "INSERT INTO items (id, name) VALUES (1, 'x')")
    await dconn.finish()
    assert not dconn.in_transaction
    assert (await run(dconn, "SELECT count(*) FROM items")).rows == [(0,)]


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("INSERT INTO items (id, name) VALUES (2, 'dup')", exc.IntegrityError),
        ("INSERT INTO items (id, name) VALUES (1, 'other')", exc.IntegrityError),
        ("INSERT INTO items (id, name) VALUES (3, NULL)", exc.IntegrityError),
        ("SELEC 1", exc.ProgrammingError),
        ("SELECT * FROM no_such_table", exc.ProgrammingError),
        ("SELECT no_such_column FROM items", exc.ProgrammingError),
        ("CREATE TABLE items (x INTEGER)", exc.ProgrammingError),
    ],
    ids=[
        "unique",
        "primary-key",
        "not-null",
        "syntax",
        "unknown-table",
        "unknown-column",
        "exists",
    ],
)
async def test_driver_errors_become_the_same_aorm_class(
    dconn: DialectConnection, sql: str, error: type[exc.DBAPIError]
) -> None:
    await make_table(dconn)
    await run(dconn, "INSERT INTO items (id, name) VALUES (1, 'dup')")
    with pytest.raises(error) as caught:
        await run(dconn, sql)
    assert type(caught.value) is error
    cause = caught.value.__cause__
    assert cause is not None
    assert type(cause).__module__.split(".")[0] in {"sqlite3", "asyncpg"}
    assert caught.value.statement == sql
    assert not dconn.broken


async def test_a_unique_violation_names_its_table(dconn: DialectConnection, backend: str) -> None:
    await make_table(dconn)
    await run(dconn, "INSERT INTO items (id, name) VALUES (1, 'dup')")
    with pytest.raises(exc.IntegrityError) as caught:
        await run(dconn, "INSERT INTO items (id, name) VALUES (2, 'dup')")
    assert caught.value.table == "items"
    if backend == "postgresql":
        assert caught.value.constraint == "items_name_key"


async def test_a_closed_driver_connection_is_a_disconnection(dconn: DialectConnection) -> None:
    await dialect_close(dconn)
    with pytest.raises(exc.DisconnectionError) as caught:
        await run(dconn, "SELECT 1")
    assert isinstance(caught.value, exc.OperationalError)
    assert caught.value.__cause__ is not None
    assert dconn.broken
    assert dconn.dead
    assert not await dconn.recover()
    with pytest.raises(exc.InvalidStateError, match="broken"):
        await run(dconn, "SELECT 1")


async def dialect_close(dconn: DialectConnection) -> None:
    await dconn.dialect.close(dconn.raw)


def test_compiled_statements_are_cached_by_shape(dialect: Dialect) -> None:
    first, _ = dialect.compile(text("SELECT :x"))
    again, _ = dialect.compile(text("SELECT :x"))
    assert again is first
    stats = dialect.compiled_cache.stats()
    assert (stats.hits, stats.misses, stats.size) == (1, 1, 1)


def test_statement_cache_size_zero_turns_caching_off(db_url: str) -> None:
    url = make_url(db_url)
    dialect = dialect_class_for(url.drivername)(url, statement_cache_size=0)
    first, _ = dialect.compile(text("SELECT 1"))
    again, _ = dialect.compile(text("SELECT 1"))
    assert again is not first
    assert dialect.compiled_cache.stats().size == 0


def test_a_negative_statement_cache_size_is_refused(db_url: str) -> None:
    url = make_url(db_url)
    with pytest.raises(exc.ArgumentError, match="statement_cache_size"):
        dialect_class_for(url.drivername)(url, statement_cache_size=-1)


def test_isolation_levels_are_checked(db_url: str, backend: str) -> None:
    url = make_url(db_url)
    cls = dialect_class_for(url.drivername)
    assert cls(url, isolation_level="serializable").isolation_level == "SERIALIZABLE"
    assert cls(url, isolation_level="AUTOCOMMIT").isolation_level == "AUTOCOMMIT"
    if backend == "postgresql":
        assert cls(url, isolation_level="repeatable_read").isolation_level == "REPEATABLE READ"
    else:
        with pytest.raises(exc.ArgumentError, match="READ COMMITTED"):
            cls(url, isolation_level="READ COMMITTED")
    with pytest.raises(exc.ArgumentError, match="'CHAOS' is not supported"):
        cls(url, isolation_level="CHAOS")
