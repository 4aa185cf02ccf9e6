"""The dialect's compiled-statement cache: one compile per statement shape."""

from __future__ import annotations

from aorm.engine import Engine
from aorm.sql import Column, Integer, MetaData, String, Table, delete, insert, select, update

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
)


async def test_same_shapes_hit_the_cache(engine: Engine) -> None:
    await metadata.create_all(engine)
    cache = engine.dialect.compiled_cache
    async with engine.begin() as conn:
        start = cache.stats()
        for i in range(5):
            await conn.execute(insert(things).values(name=f"n{i}"))
            await conn.execute(select(things).where(things.c.id == i).limit(i + 1).offset(i))
            await conn.execute(update(things).where(things.c.id == i).values(name="u"))
            await conn.execute(delete(things).where(things.c.name == f"x{i}"))
        end = cache.stats()
        assert end.misses - start.misses == 4
        assert end.hits - start.hits == 16
        names = await conn.execute(select(things.c.name).order_by(things.c.id))
        assert names.scalars().all() == ["u", "u", "u", "u", "n4"]


async def test_a_new_shape_is_a_miss(engine: Engine) -> None:
    await metadata.create_all(engine)
    cache = engine.dialect.compiled_cache
    async with engine.connect() as conn:
        await conn.execute(select(things).where(things.c.id == 1))
        start = cache.stats()
        await conn.execute(select(things).where(things.c.id != 1))
        await conn.execute(select(things).where(things.c.id == 1).limit(1))
        assert cache.stats().misses - start.misses == 2
