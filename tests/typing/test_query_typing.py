"""What a type checker sees of statements and results (mypy checks it; pytest runs it).

``select()`` is typed by what it selects (``Select[tuple[User]]``,
``Select[tuple[int, str]]``), the builder methods keep that type, and the
session, the connection and the results carry it through to the rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from typing import Any, assert_type

from aorm.engine import (
    AsyncResult,
    AsyncScalarResult,
    Engine,
    Result,
    Row,
    RowMapping,
    ScalarResult,
)
from aorm.engine.async_result import AsyncTupleResult
from aorm.engine.result import TupleResult
from aorm.session import AsyncSession, selectinload
from aorm.sql import (
    ColumnElement,
    CompoundSelect,
    ScalarSubquery,
    Select,
    func,
    select,
    text,
    union,
    update,
)
from aorm.sql.elements import Label
from aorm.sql.functions import Function, Over
from tests.typing.models import Address, User


def test_select_is_typed_by_what_it_selects() -> None:
    assert_type(select(User), Select[tuple[User]])
    assert_type(select(User.id, User.name), Select[tuple[int, str]])
    assert_type(select(User.nickname), Select[tuple[str | None]])
    assert_type(select(User, Address), Select[tuple[User, Address]])
    assert_type(
        select(User.id, User.name, User.nickname, Address.id, Address.email, Address.user_id, User),
        Select[tuple[int, str, str | None, int, str, int, User]],
    )
    # A typed function is typed in its place (func.count() is an int). An untyped
    # expression (an unknown function, arithmetic) or a table makes the row untyped;
    # a plain table column is Any in its place.
    assert_type(select(User, func.count()), Select[tuple[User, int]])
    assert_type(select(User, func.some_function()), Select[Any])
    assert_type(select(User, User.id + 1), Select[Any])
    assert_type(select(User.__table__), Select[tuple[Any, ...]])
    assert_type(select(User.__table__.c.name), Select[tuple[Any]])
    assert select(User.id, User.name).raw_entities == (User.id, User.name)


def test_builder_methods_keep_the_type() -> None:
    stmt = (
        select(User)
        .join(Address)
        .where(Address.email.contains("@"))
        .filter_by(email="ada@example.com")
        .order_by(User.id)
        .group_by(User.id)
        .having(func.count() > 0)
        .distinct()
        .limit(10)
        .offset(0)
        .options(selectinload(User.addresses))
        .execution_options(populate_existing=True)
        .with_for_update()
    )
    assert_type(stmt, Select[tuple[User]])
    assert stmt.limit_value == 10
    counted = select(func.count()).select_from(User)
    assert_type(counted, Select[tuple[int]])
    newest = select(func.max(User.id)).scalar_subquery()
    assert_type(newest, ScalarSubquery[int])
    assert_type(select(User.name).where(User.id == newest), Select[tuple[str]])
    assert_type(select(User.id).add_columns(User.name), Select[tuple[Any, ...]])
    assert_type(union(select(User.id), select(Address.id)), CompoundSelect)


async def test_session_scalars_are_the_selected_objects(session: AsyncSession) -> None:
    result = await session.scalars(select(User).order_by(User.id))
    assert_type(result, ScalarResult[User])
    users = result.all()
    assert_type(users, Sequence[User])
    assert [u.name for u in users] == ["ada", "bob"]
    assert_type((await session.scalars(select(User).where(User.id == 1))).one(), User)
    first = (await session.scalars(select(User).order_by(User.id))).first()
    assert_type(first, User | None)
    assert first is users[0]
    none = (await session.scalars(select(User).where(User.id == 99))).one_or_none()
    assert_type(none, User | None)
    assert none is None
    for user in await session.scalars(select(User)):
        assert_type(user, User)
        assert isinstance(user, User)
    names = (await session.scalars(select(User.name).order_by(User.name))).all()
    assert_type(names, Sequence[str])
    assert names == ["ada", "bob"]


async def test_scalar_subqueries_have_their_column_type(session: AsyncSession) -> None:
    highest = select(User.id).order_by(User.id.desc()).limit(1).scalar_subquery()
    assert_type(highest, ScalarSubquery[int])
    stmt = select(User.name, highest).where(User.id == 1)
    assert_type(stmt, Select[tuple[str, int]])
    row = (await session.execute(stmt)).tuples().one()
    assert_type(row, tuple[str, int])
    assert row == ("ada", 2)
    last = await session.scalar(select(User.name).where(User.id == highest))
    assert_type(last, str | None)
    assert last == "bob"


async def test_session_scalar_is_optional(session: AsyncSession) -> None:
    nickname = await session.scalar(select(User.nickname).where(User.id == 1))
    assert_type(nickname, str | None)
    assert nickname == "countess"
    name = await session.scalar(select(User.name).where(User.id == 99))
    assert_type(name, str | None)
    assert name is None
    count = await session.scalar(select(func.count()).select_from(User))
    assert_type(count, int | None)
    assert count == 2


async def test_session_execute_rows_have_the_selected_shape(session: AsyncSession) -> None:
    result = await session.execute(select(User.id, User.name).order_by(User.id))
    assert_type(result, Result[tuple[int, str]])
    rows = result.all()
    assert_type(rows, Sequence[Row[tuple[int, str]]])
    assert_type(rows[0]._tuple(), tuple[int, str])
    assert [r._tuple() for r in rows] == [(1, "ada"), (2, "bob")]
    assert rows[1].name == "bob"
    tuples = (await session.execute(select(User.id, User.name).order_by(User.id))).tuples()
    assert_type(tuples, TupleResult[tuple[int, str]])
    first = tuples.first()
    assert_type(first, tuple[int, str] | None)
    assert first == (1, "ada")
    ids = (await session.execute(select(User.id, User.name).order_by(User.id))).scalars()
    assert_type(ids, ScalarResult[int])
    assert ids.all() == [1, 2]
    one = (await session.execute(select(User.name).where(User.id == 2))).scalar_one()
    assert_type(one, str)
    assert one == "bob"
    maybe = (await session.execute(select(User.id).where(User.id == 5))).scalar_one_or_none()
    assert_type(maybe, int | None)
    assert maybe is None
    pairs = await session.execute(select(User, Address).join(Address).order_by(Address.id))
    assert_type(pairs, Result[tuple[User, Address]])
    user, address = pairs.all()[0]._tuple()
    assert_type(user, User)
    assert_type(address, Address)
    assert address.user is user


async def test_session_stream_is_typed(session: AsyncSession) -> None:
    stream = await session.stream(select(User.id, User.name).order_by(User.id))
    assert_type(stream, AsyncResult[tuple[int, str]])
    assert_type(stream.tuples(), AsyncTupleResult[tuple[int, str]])
    assert [row._tuple() async for row in stream] == [(1, "ada"), (2, "bob")]
    users = await session.stream_scalars(select(User).order_by(User.id))
    assert_type(users, AsyncScalarResult[User])
    async for user in users:
        assert_type(user, User)
        assert isinstance(user, User)
    everyone = await (await session.stream_scalars(select(User))).all()
    assert_type(everyone, Sequence[User])
    assert len(everyone) == 2
    name = await (await session.stream(select(User.name).where(User.id == 1))).scalar_one()
    assert_type(name, str)
    assert name == "ada"


async def test_statements_without_a_row_type_give_untyped_results(session: AsyncSession) -> None:
    raw = await session.execute(text("SELECT name FROM typing_users ORDER BY id"))
    assert_type(raw, Result[Any])
    assert raw.scalars().all() == ["ada", "bob"]
    changed = await session.execute(update(User).where(User.id == 2).values(nickname="b"))
    assert_type(changed, Result[Any])
    assert changed.rowcount == 1
    both = await session.execute(union(select(User.id), select(Address.id)))
    assert_type(both, Result[Any])
    assert sorted(both.scalars().all()) == [1, 2]


async def test_connection_results_are_typed(engine: Engine) -> None:
    async with engine.connect() as conn:
        result = await conn.execute(select(User.id, User.nickname).order_by(User.id))
        assert_type(result, Result[tuple[int, str | None]])
        assert [r._tuple() for r in result] == [(1, "countess"), (2, None)]
        names = await conn.scalars(select(User.name).order_by(User.id))
        assert_type(names, ScalarResult[str])
        assert names.all() == ["ada", "bob"]
        count = await conn.scalar(select(User.id).where(User.name == "bob"))
        assert_type(count, int | None)
        assert count == 2
        streamed = await conn.stream_scalars(select(Address.email).order_by(Address.id))
        assert_type(streamed, AsyncScalarResult[str])
        assert await streamed.all() == ["ada@example.com", "ada@example.org"]
        raw = await conn.execute(text("SELECT 1"))
        assert_type(raw, Result[Any])
        assert raw.scalar() == 1


def test_functions_are_typed_by_their_result() -> None:
    assert_type(func.count(), Function[int])
    assert_type(func.count(User.id), Function[int])
    assert_type(func.max(User.id), Function[int])
    assert_type(func.min(User.name), Function[str])
    assert_type(func.sum(Address.user_id), Function[int])
    assert_type(func.max(User.nickname), Function[str | None])
    assert_type(func.avg(User.id), Function[float])
    assert_type(func.lower(User.name), Function[str])
    assert_type(func.upper(User.name), Function[str])
    assert_type(func.length(User.name), Function[int])
    assert_type(func.now(), Function[datetime.datetime])
    assert_type(func.row_number().over(order_by=User.id), Over[int])
    # A function aorm knows nothing of, or an aggregate of a plain value, is untyped.
    assert_type(func.json_group_array(User.name), Function[Any])
    assert_type(func.max(5), Function[Any])
    assert isinstance(func.max(User.id), ColumnElement)


def test_comparisons_are_boolean_and_labels_keep_the_type() -> None:
    assert_type(User.name == "ada", ColumnElement[bool])
    assert_type(User.id > 1, ColumnElement[bool])
    assert_type(User.name.like("a%"), ColumnElement[bool])
    assert_type(User.id.in_([1, 2]), ColumnElement[bool])
    assert_type((User.id > 1) & (User.name != "x"), ColumnElement[bool])
    assert_type(func.count() > 0, ColumnElement[bool])
    assert_type(User.name.label("who"), Label[str])
    assert_type(func.count(User.id).label("n"), Label[int])
    assert_type(select(User.name.label("who"), func.count().label("n")), Select[tuple[str, int]])


async def test_function_results_reach_the_rows(session: AsyncSession) -> None:
    count = await session.scalar(select(func.count(User.id)))
    assert_type(count, int | None)
    assert count == 2
    highest = await session.scalar(select(func.max(User.id)))
    assert_type(highest, int | None)
    assert highest == 2
    total = await session.scalar(select(func.sum(Address.user_id)))
    assert_type(total, int | None)
    assert total == 2
    assert isinstance(total, int)
    mean = await session.scalar(select(func.avg(User.id)))
    assert_type(mean, float | None)
    assert mean == 1.5
    assert isinstance(mean, float)
    lowest = await session.scalar(select(func.min(User.name)))
    assert_type(lowest, str | None)
    assert lowest == "ada"
    shouted = (await session.execute(select(func.upper(User.name)).order_by(User.id))).scalars()
    assert_type(shouted, ScalarResult[str])
    assert list(shouted.all()) == ["ADA", "BOB"]
    rows = await session.execute(
        select(User.name.label("who"), func.count(Address.id).label("n"))
        .join(Address, isouter=True)
        .group_by(User.name)
        .order_by(User.name)
    )
    assert_type(rows, Result[tuple[str, int]])
    assert [row._tuple() for row in rows] == [("ada", 2), ("bob", 0)]
    none = await session.scalar(select(func.max(User.id)).where(User.id > 5))
    assert_type(none, int | None)
    assert none is None


async def test_fetching_many_rows_gives_sequences(session: AsyncSession, engine: Engine) -> None:
    users = (await session.scalars(select(User))).all()
    assert_type(users, Sequence[User])
    assert isinstance(users, list)  # a list at run time; typed as a Sequence
    result = await session.execute(select(User.id, User.name).order_by(User.id))
    assert_type(result.fetchmany(1), Sequence[Row[tuple[int, str]]])
    assert_type(result.tuples().all(), Sequence[tuple[int, str]])
    mappings = (await session.execute(select(User.name).order_by(User.id))).mappings()
    assert_type(mappings.all(), Sequence[RowMapping])
    parts = (await session.scalars(select(User.id).order_by(User.id))).partitions(1)
    assert_type(parts, Iterator[Sequence[int]])
    assert [list(part) for part in parts] == [[1], [2]]
    async with engine.connect() as conn:
        stream = await conn.stream(select(User.id, User.name).order_by(User.id))
        assert_type(await stream.fetchmany(1), Sequence[Row[tuple[int, str]]])
        assert_type(await stream.tuples().all(), Sequence[tuple[int, str]])
        names = await conn.stream_scalars(select(User.name).order_by(User.id))
        chunks = [list(chunk) async for chunk in names.partitions(1)]
        assert chunks == [["ada"], ["bob"]]
        streamed = await conn.stream(select(User.name).order_by(User.id))
        assert_type(await streamed.mappings().all(), Sequence[RowMapping])
