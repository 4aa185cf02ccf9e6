"""Connection: statements, commit as you go, lifecycle, misuse, listeners and echo."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from aorm import exc
from aorm.engine import Connection, ConnectionState, Engine, TransactionState, create_engine
from aorm.sql.text import text
from tests.engine.support import Backend, count_rows

CREATE = text("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(20))")
INSERT = text("INSERT INTO t (id, name) VALUES (:id, :name)")


async def make_table(engine: Engine) -> None:
    async with engine.begin() as conn:
        await conn.execute(CREATE)


async def test_text_binds_named_parameters(engine: Engine) -> None:
    async with engine.connect() as conn:
        result = await conn.execute(
            text("SELECT CAST(:a AS INTEGER) + CAST(:b AS INTEGER) AS total, :name AS name"),
            {"a": 2, "b": 3, "name": "five"},
        )
        row = result.one()
        assert (row.total, row.name) == (5, "five")
        repeated = text("SELECT CAST(:x AS INTEGER) * CAST(:x AS INTEGER)")
        assert await conn.scalar(repeated, {"x": 7}) == 49


async def test_a_missing_parameter_is_named_before_anything_is_sent(engine: Engine) -> None:
    async with engine.connect() as conn:
        with pytest.raises(exc.ArgumentError, match="'b'"):
            await conn.execute(text("SELECT :a, :b"), {"a": 1})
        assert not conn.in_transaction()


async def test_parameters_must_be_a_mapping_or_a_list_of_them(engine: Engine) -> None:
    async with engine.connect() as conn:
        with pytest.raises(exc.ArgumentError, match="mapping or a list of mappings"):
            await conn.execute(text("SELECT 1"), (1, 2))
        with pytest.raises(exc.ArgumentError, match="holds a int"):
            await conn.execute(text("SELECT 1"), [1])
        with pytest.raises(exc.ArgumentError, match="empty list"):
            await conn.execute(text("SELECT 1"), [])
        with pytest.raises(exc.ArgumentError, match="mapping or a list of mappings"):
            await conn.execute(text("SELECT 1"), "x")


async def test_a_list_of_parameter_sets_runs_executemany(engine: Engine) -> None:
    await make_table(engine)
    async with engine.connect() as conn:
        result = await conn.execute(INSERT, [{"id": i, "name": f"n{i}"} for i in range(10)])
        sane = engine.dialect.capabilities.sane_multi_rowcount
        assert result.rowcount == (10 if sane else -1)
        await conn.commit()
    assert await count_rows(engine, "t") == 10


async def test_many_parameter_sets_with_returning_give_every_row(engine: Engine) -> None:
    await make_table(engine)
    async with engine.begin() as conn:
        result = await conn.execute(
            text("INSERT INTO t (id, name) VALUES (:id, :name) RETURNING id, name"),
            [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
        )
        assert list(result.all()) == [(1, "a"), (2, "b")]
        assert result.rowcount == 2


async def test_commit_as_you_go(engine: Engine) -> None:
    await make_table(engine)
    async with engine.connect() as conn:
        assert not conn.in_transaction()
        await conn.execute(INSERT, {"id": 1, "name": "first"})
        tx = conn.get_transaction()
        assert tx is not None
        assert tx.autobegun
        assert tx.is_active
        await conn.commit()
        assert tx.state is TransactionState.COMMITTED
        assert not conn.in_transaction()
        await conn.execute(INSERT, {"id": 2, "name": "dropped"})
        await conn.rollback()
        await conn.execute(INSERT, {"id": 3, "name": "third"})
        await conn.commit()
    async with engine.connect() as conn:
        names = (await conn.execute(text("SELECT name FROM t ORDER BY id"))).scalars().all()
    assert names == ["first", "third"]


async def test_closing_without_commit_rolls_back(engine: Engine) -> None:
    await make_table(engine)
    async with engine.connect() as conn:
        await conn.execute(INSERT, {"id": 1, "name": "lost"})
        tx = conn.get_transaction()
    assert tx is not None
    assert tx.state is TransactionState.ROLLED_BACK
    assert await count_rows(engine, "t") == 0
    assert engine.pool.stats().checked_out == 0


async def test_commit_and_rollback_without_a_transaction_do_nothing(engine: Engine) -> None:
    async with engine.connect() as conn:
        await conn.commit()
        await conn.rollback()
        assert not conn.in_transaction()


async def test_await_connect_then_close(engine: Engine) -> None:
    conn = await engine.connect()
    assert conn.state is ConnectionState.OPEN
    assert conn.driver_connection is not None
    assert engine.pool.stats().checked_out == 1
    await conn.close()
    await conn.close()
    assert conn.closed
    assert conn.driver_connection is None
    assert engine.pool.stats().checked_out == 0


async def test_a_closed_connection_refuses_work(engine: Engine) -> None:
    async with engine.connect() as conn:
        pass
    with pytest.raises(exc.ResourceClosedError, match="closed"):
        await conn.execute(text("SELECT 1"))
    with pytest.raises(exc.ResourceClosedError):
        await conn.begin()
    with pytest.raises(exc.InvalidStateError, match="already started"):
        await conn.start()


async def test_an_unstarted_connection_says_how_to_start_it(engine: Engine) -> None:
    conn = engine.connect()
    assert conn.state is ConnectionState.NEW
    with pytest.raises(exc.InvalidStateError, match=r"async with engine\.connect"):
        await conn.execute(text("SELECT 1"))


async def test_concurrent_use_of_one_connection_is_refused(
    engine: Engine, backend_tools: Backend
) -> None:
    async with engine.connect() as conn:
        await backend_tools.prepare_slow(conn)
        slow = asyncio.create_task(conn.execute(text(backend_tools.slow_sql)))
        await backend_tools.wait_running(conn, backend_tools.slow_sql)
        with pytest.raises(exc.ConcurrentUseError, match="one task at a time"):
            await conn.execute(text("SELECT 1"))
        slow.cancel()
        backend_tools.release_slow()
        with pytest.raises(asyncio.CancelledError):
            await slow
    assert engine.pool.stats().checked_out == 0


async def test_close_during_another_tasks_operation_hands_back_when_it_ends(
    engine: Engine, backend_tools: Backend
) -> None:
    conn = await engine.connect()
    await backend_tools.prepare_slow(conn)
    slow = asyncio.create_task(conn.execute(text(backend_tools.slow_sql)))
    await backend_tools.wait_running(conn, backend_tools.slow_sql)
    await conn.close()
    assert conn.closed
    assert engine.pool.stats().checked_out == 1
    slow.cancel()
    backend_tools.release_slow()
    with pytest.raises(asyncio.CancelledError):
        await slow
    assert engine.pool.stats().checked_out == 0
    with pytest.raises(exc.ResourceClosedError):
        await conn.execute(text("SELECT 1"))


async def test_before_execute_listeners_see_every_statement(engine: Engine) -> None:
    seen: list[tuple[str, Any]] = []

    def listener(sql: str, params: Any) -> None:
        seen.append((sql, params))

    engine.add_listener("before_execute", listener)
    await make_table(engine)
    async with engine.connect() as conn:
        await conn.execute(INSERT, {"id": 1, "name": "x"})
        await conn.execute(INSERT, [{"id": 2, "name": "y"}, {"id": 3, "name": "z"}])
    placeholder = engine.dialect.placeholder
    insert_sql = f"INSERT INTO t (id, name) VALUES ({placeholder(1)}, {placeholder(2)})"
    assert seen[1:] == [(insert_sql, [1, "x"]), (insert_sql, [(2, "y"), (3, "z")])]
    engine.remove_listener("before_execute", listener)
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    assert len(seen) == 3
    with pytest.raises(exc.ArgumentError, match="not a 'before_execute' listener"):
        engine.remove_listener("before_execute", listener)
    with pytest.raises(exc.ArgumentError, match="unknown engine event 'after_party'"):
        engine.add_listener("after_party", listener)  # type: ignore[arg-type]


async def test_echo_logs_statements_and_parameters(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aorm.engine")
    async with create_engine(db_url, echo=True) as engine, engine.connect() as conn:
        await conn.execute(text("SELECT :marker AS m"), {"marker": "echo-me"})
        await conn.commit()
    records = [r for r in caplog.records if r.name == "aorm.engine"]
    messages = [r.getMessage() for r in records]
    assert all(r.levelno == logging.INFO for r in records)
    assert any("SELECT" in m and "AS m" in m and "'echo-me'" in m for m in messages)
    assert "COMMIT" in messages


async def test_no_echo_no_statement_logs(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="aorm.engine")
    async with create_engine(db_url) as engine, engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    assert [r for r in caplog.records if r.name == "aorm.engine"] == []


async def test_many_tasks_share_one_engine(engine: Engine) -> None:
    await make_table(engine)

    async def work(i: int) -> None:
        async with engine.begin() as conn:
            await conn.execute(INSERT, {"id": i, "name": f"task{i}"})

    await asyncio.gather(*(work(i) for i in range(40)))
    assert await count_rows(engine, "t") == 40
    stats = engine.pool.stats()
    assert stats.checked_out == 0
    assert stats.connections <= stats.max_size


async def test_connection_repr_names_the_state(engine: Engine) -> None:
    conn: Connection = engine.connect()
    assert "new" in repr(conn)
