"""Many rows and long IN lists: never over a bind-parameter limit, keys in input order."""

from __future__ import annotations

from aorm.engine import Engine
from aorm.sql import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
)

metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(20), nullable=False),
    Column("n", Integer, nullable=False),
    Column("blob", LargeBinary),
)


async def test_fifty_thousand_rows_return_their_keys_in_input_order(engine: Engine) -> None:
    await metadata.create_all(engine)
    rows = [{"code": f"c{i}", "n": (i * 7919) % 50_000} for i in range(50_000)]
    async with engine.begin() as conn:
        result = await conn.execute(
            insert(items).returning(items.c.id, items.c.code, items.c.n), rows
        )
        returned = result.all()
        assert [(code, n) for _, code, n in returned] == [(r["code"], r["n"]) for r in rows]
        ids = [row_id for row_id, _, _ in returned]
        assert ids == sorted(ids)
        assert len(set(ids)) == 50_000
        stored = await conn.execute(select(items.c.code).where(items.c.id == ids[-1]))
        assert stored.scalar_one() == "c49999"


async def test_in_with_a_hundred_thousand_values(engine: Engine) -> None:
    await metadata.create_all(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(items), [{"code": f"c{i}", "n": i} for i in range(1000)])
        wanted = list(range(-50_000, 50_000))
        count = await conn.execute(
            select(func.count()).select_from(items).where(items.c.n.in_(wanted))
        )
        assert count.scalar_one() == 1000
        outside = await conn.execute(
            select(func.count()).select_from(items).where(items.c.n.not_in(wanted[:50_500]))
        )
        assert outside.scalar_one() == 500
        codes = [f"c{i}" for i in range(0, 100_000, 2)]
        matched = await conn.execute(
            select(func.count()).select_from(items).where(items.c.code.in_(codes))
        )
        assert matched.scalar_one() == 500


async def test_one_compiled_statement_serves_every_list_length(engine: Engine) -> None:
    await metadata.create_all(engine)
    stmt = select(items.c.id).where(items.c.n.in_(bindparam("ns")))
    async with engine.connect() as conn:
        before = engine.dialect.compiled_cache.stats()
        for size in (0, 1, 10, 1000, 100_000):
            await conn.execute(stmt, {"ns": list(range(size))})
        after = engine.dialect.compiled_cache.stats()
    assert after.misses - before.misses == 1
    assert after.hits - before.hits == 4


async def test_in_with_binary_values(engine: Engine) -> None:
    await metadata.create_all(engine)
    blobs = [bytes([i, 255 - i]) for i in range(50)] + [b"", None]
    async with engine.begin() as conn:
        await conn.execute(
            insert(items), [{"code": str(i), "n": i, "blob": b} for i, b in enumerate(blobs)]
        )
        wanted = [bytes([i, 255 - i]) for i in range(0, 50, 5)] + [b""]
        found = await conn.execute(
            select(items.c.n).where(items.c.blob.in_(wanted)).order_by(items.c.n)
        )
        assert found.scalars().all() == [*range(0, 50, 5), 50]
        rest = await conn.execute(
            select(func.count()).select_from(items).where(items.c.blob.not_in(wanted))
        )
        assert rest.scalar_one() == 40  # the NULL row matches neither IN nor NOT IN
