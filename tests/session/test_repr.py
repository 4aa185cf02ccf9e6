"""repr() of mapped objects and sessions: what a person debugging needs, with no IO."""

from __future__ import annotations

import re

from aorm.engine import Engine
from aorm.session import AsyncSession, inspect
from aorm.testing import assert_queries
from tests.session.models import Pair, User


async def test_a_model_repr_shows_its_key_and_state(engine: Engine) -> None:
    ann = User(name="ann", email="ann@example.com")
    assert re.fullmatch(r"<User transient at 0x[0-9a-f]+>", repr(ann))
    async with AsyncSession(engine) as session:
        session.add(ann)
        assert repr(ann).startswith("<User pending at 0x")
        await session.flush()
        # Other columns stay out of reprs (logs, tracebacks): they may be secrets.
        assert repr(ann) == f"<User id={ann.id} persistent>"
        await session.commit()

        session.expire(ann)
        with assert_queries(session, 0):  # neither IO nor an ExpiredAttributeError
            assert repr(ann) == f"<User id={ann.id} expired>"
        await session.refresh(ann)

        await session.delete(ann)
        await session.flush()
        assert repr(ann).endswith(" deleted>")
        await session.rollback()
        assert repr(ann).endswith(" persistent>")
        session.expunge(ann)
        assert repr(ann).endswith(" detached>")


async def test_repr_of_an_expired_object_does_not_query(engine: Engine) -> None:
    async with AsyncSession(engine, expire_on_commit=True) as session:
        pair = Pair(left=1, right=2)
        session.add(pair)
        await session.commit()
        assert inspect(pair).expired
        with assert_queries(session, 0):
            text = repr(pair)
        assert text == f"<Pair id={inspect(pair).identity[0]} expired>"  # type: ignore[index]
        await session.refresh(pair)
        assert repr(pair) == f"<Pair id={pair.id} persistent>"


async def test_a_session_repr_counts_its_objects(engine: Engine) -> None:
    async with AsyncSession(engine) as session:
        assert re.fullmatch(
            r"<AsyncSession \S+ no transaction new=0 dirty=0 deleted=0 identity_map=0>",
            repr(session),
        )
        a, b = User(name="a"), User(name="b")
        session.add_all([a, b])
        assert "new=2" in repr(session)
        await session.flush()
        text = repr(session)
        assert " in a transaction " in text
        assert "new=0 dirty=0 deleted=0 identity_map=2" in text
        a.name = "changed"
        assert "dirty=1" in repr(session)
        await session.delete(b)
        assert "deleted=1" in repr(session)
        async with session.begin_nested():
            assert " in a nested transaction " in repr(session)
        await session.rollback()
        assert " no transaction " in repr(session)


async def test_the_session_repr_hides_the_password() -> None:
    from aorm.engine import create_engine

    engine = create_engine("postgresql://user:hunter2@localhost:1/db")
    session = AsyncSession(engine)
    assert "hunter2" not in repr(session)
    assert "user:***@" in repr(session)
