"""repr() of engines, connections and pools: state at a glance, no password, no IO."""

from __future__ import annotations

from aorm.engine import Engine, create_engine
from aorm.sql import text


async def test_engine_repr_names_url_dialect_and_pool(engine: Engine) -> None:
    text_ = repr(engine)
    assert text_.startswith(f"<Engine {engine.url.render(hide_password=True)} ")
    assert f"dialect={engine.dialect.name}" in text_
    assert "Pool size=5 max_overflow=10 checked_out=0>" in text_
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        assert "checked_out=1" in repr(engine)
    await engine.dispose()
    assert repr(engine).endswith("no pool (disposed)>")  # and repr did not make a new one
    assert engine._pool is None


def test_engine_repr_hides_the_password() -> None:
    engine = create_engine("postgresql://user:hunter2@localhost:1/db", pool_size=3)
    assert "hunter2" not in repr(engine)
    assert "size=3" in repr(engine)


async def test_connection_repr_shows_state_and_transaction(engine: Engine) -> None:
    conn = engine.connect()
    assert repr(conn).startswith("<Connection new ")
    await conn.start()
    assert repr(conn).startswith("<Connection open, idle ")
    await conn.execute(text("SELECT 1"))
    assert repr(conn).startswith("<Connection open, in a transaction ")
    async with conn.begin_nested():
        assert "with 1 savepoint(s)" in repr(conn)
    await conn.rollback()
    assert repr(conn).startswith("<Connection open, idle ")
    await conn.close()
    assert repr(conn) == f"<Connection closed {engine.url.render(hide_password=True)}>"


async def test_pool_repr_shows_its_gauges(engine: Engine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        shown = repr(engine.pool)
    for part in ("open", "size=5", "max_overflow=10", "checked_out=1", "overflow=0", "idle=0"):
        assert part in shown
    assert "idle=1" in repr(engine.pool)


async def test_result_repr_shows_columns_and_what_is_left(engine: Engine) -> None:
    async with engine.connect() as conn:
        result = await conn.execute(text("SELECT 1 AS a, 2 AS b UNION ALL SELECT 3, 4"))
        assert repr(result) == "<Result (a, b) 2 row(s) not read>"
        row = result.first()
        assert repr(row) == "(1, 2)"  # a Row shows as the tuple it is
        assert repr(result) == "<Result (a, b) closed>"
        scalars = (await conn.execute(text("SELECT 1 AS a"))).scalars()
        assert repr(scalars) == "<ScalarResult (a) 1 row(s) not read>"
        await conn.execute(text("CREATE TABLE t (x INTEGER)"))
        inserted = await conn.execute(text("INSERT INTO t (x) VALUES (1)"))
        assert repr(inserted) == "<Result returns no rows, rowcount=1>"


async def test_a_streamed_result_repr_shows_its_columns_and_progress(engine: Engine) -> None:
    async with engine.connect() as conn:
        result = await conn.stream(text("SELECT 1 AS one, 2 AS two"))
        assert repr(result).startswith("<AsyncResult (one, two) streaming, chunks of ")
        assert [tuple(row) for row in await result.all()] == [(1, 2)]
        assert repr(result) == "<AsyncResult (one, two) cursor done, 0 row(s) not read>"
        await result.close()
        assert repr(result) == "<AsyncResult (one, two) closed>"
