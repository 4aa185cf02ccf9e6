"""begin(), begin_nested() savepoints, engine.begin(), and transaction lifecycle errors."""

from __future__ import annotations

import pytest

from aorm import exc
from aorm.engine import Engine, TransactionState
from aorm.sql.text import text
from tests.engine.support import count_rows

INSERT = text("INSERT INTO t (id) VALUES (:id)")


@pytest.fixture
async def table(engine: Engine) -> Engine:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
    return engine


async def ids(engine: Engine) -> list[int]:
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT id FROM t ORDER BY id"))).scalars())


async def test_engine_begin_commits_on_success(table: Engine) -> None:
    async with table.begin() as conn:
        await conn.execute(INSERT, {"id": 1})
        assert conn.in_transaction()
    assert await ids(table) == [1]
    assert table.pool.stats().checked_out == 0


async def test_engine_begin_rolls_back_on_error(table: Engine) -> None:
    async def fail_inside() -> None:
        async with table.begin() as conn:
            await conn.execute(INSERT, {"id": 1})
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_inside()
    assert await ids(table) == []
    assert table.pool.stats().checked_out == 0


async def test_conn_begin_as_context_manager_and_awaitable(table: Engine) -> None:
    async with table.connect() as conn:
        async with conn.begin() as tx:
            await conn.execute(INSERT, {"id": 1})
            assert tx.is_active
        assert tx.state is TransactionState.COMMITTED
        assert not conn.in_transaction()

        tx = await conn.begin()
        await conn.execute(INSERT, {"id": 2})
        await tx.rollback()
        assert tx.state is TransactionState.ROLLED_BACK

        tx = await conn.begin()
        await conn.execute(INSERT, {"id": 3})
        await tx.commit()
    assert await ids(table) == [1, 3]


async def test_a_block_that_raises_rolls_its_transaction_back(table: Engine) -> None:
    async with table.connect() as conn:

        async def fail_inside() -> None:
            async with conn.begin():
                await conn.execute(INSERT, {"id": 1})
                raise ValueError("nope")

        with pytest.raises(ValueError, match="nope"):
            await fail_inside()
        assert not conn.in_transaction()
    assert await ids(table) == []


async def test_begin_inside_a_transaction_is_refused(table: Engine) -> None:
    async with table.connect() as conn:
        await conn.execute(INSERT, {"id": 1})
        with pytest.raises(exc.InvalidStateError, match=r"\(a statement began it\)"):
            await conn.begin()
        await conn.rollback()
        async with conn.begin():
            with pytest.raises(exc.InvalidStateError, match="use begin_nested"):
                await conn.begin()


async def test_commit_on_a_finished_transaction_is_refused(table: Engine) -> None:
    async with table.connect() as conn:
        tx = await conn.begin()
        await tx.commit()
        with pytest.raises(exc.InvalidStateError, match="already committed"):
            await tx.commit()
        await tx.rollback()
        with pytest.raises(exc.InvalidStateError, match="already started"):
            await tx.start()
        unstarted = conn.begin()
        with pytest.raises(exc.InvalidStateError, match="not started"):
            await unstarted.commit()
        with pytest.raises(exc.InvalidStateError, match="never started"):
            await unstarted.rollback()


async def test_a_savepoint_rolls_back_alone(table: Engine) -> None:
    async with table.begin() as conn:
        await conn.execute(INSERT, {"id": 1})
        savepoint = conn.begin_nested()

        async def fail_inside() -> None:
            async with savepoint:
                await conn.execute(INSERT, {"id": 2})
                await conn.execute(INSERT, {"id": 1})

        with pytest.raises(exc.IntegrityError):
            await fail_inside()
        assert savepoint.state is TransactionState.ROLLED_BACK
        assert not conn.in_nested_transaction()
        await conn.execute(INSERT, {"id": 3})
    assert await ids(table) == [1, 3]


async def test_a_released_savepoint_keeps_its_work(table: Engine) -> None:
    async with table.begin() as conn:
        async with conn.begin_nested() as savepoint:
            await conn.execute(INSERT, {"id": 1})
            assert conn.get_nested_transaction() is savepoint
        assert savepoint.state is TransactionState.COMMITTED
    assert await ids(table) == [1]


async def test_nested_savepoints_and_explicit_rollback(table: Engine) -> None:
    async with table.connect() as conn:
        outer = await conn.begin_nested()
        assert conn.in_transaction()
        root = conn.get_transaction()
        assert root is not None
        assert root.autobegun
        await conn.execute(INSERT, {"id": 1})
        inner = await conn.begin_nested()
        await conn.execute(INSERT, {"id": 2})
        await outer.rollback()
        assert inner.state is TransactionState.ROLLED_BACK
        assert outer.state is TransactionState.ROLLED_BACK
        await conn.execute(INSERT, {"id": 3})
        await conn.commit()
    assert await ids(table) == [3]


async def test_committing_the_connection_releases_open_savepoints(table: Engine) -> None:
    async with table.connect() as conn:
        await conn.execute(INSERT, {"id": 1})
        savepoint = await conn.begin_nested()
        await conn.execute(INSERT, {"id": 2})
        await conn.commit()
        assert savepoint.state is TransactionState.COMMITTED
    assert await ids(table) == [1, 2]


async def test_a_savepoint_outlived_by_its_rollback_is_refused(table: Engine) -> None:
    async with table.connect() as conn:
        savepoint = await conn.begin_nested()
        await conn.rollback()
        assert savepoint.state is TransactionState.ROLLED_BACK
        with pytest.raises(exc.InvalidStateError, match="already rolled back"):
            await savepoint.commit()


async def test_close_rolls_back_the_transaction_objects(table: Engine) -> None:
    conn = await table.connect()
    tx = await conn.begin()
    savepoint = await conn.begin_nested()
    await conn.execute(INSERT, {"id": 1})
    await conn.close()
    assert tx.state is TransactionState.ROLLED_BACK
    assert savepoint.state is TransactionState.ROLLED_BACK
    assert await count_rows(table, "t") == 0
