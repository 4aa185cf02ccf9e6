"""Result, ScalarResult, MappingResult and Row."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from aorm import exc
from aorm.engine import Engine, Result, Row
from aorm.engine.row import RowKeys
from aorm.sql.text import text


def make(rows: list[tuple[Any, ...]], keys: tuple[str, ...] = ("id", "name")) -> Result:
    return Result(keys, rows)


ROWS = [(1, "a"), (2, "b"), (3, "c")]


def test_rows_are_tuple_like_with_named_access() -> None:
    row = make(ROWS).first()
    assert row is not None
    assert row == (1, "a")
    assert tuple(row) == (1, "a")
    identifier, name = row
    assert (identifier, name) == (1, "a")
    assert (row[0], row[-1], row[0:1]) == (1, "a", (1,))
    assert (row.id, row.name, row["name"]) == (1, "a", "a")
    assert row._mapping["id"] == 1
    assert row._fields == ("id", "name")
    assert row._asdict() == {"id": 1, "name": "a"}
    assert len(row) == 2
    assert "a" in row
    assert hash(row) == hash((1, "a"))
    assert repr(row) == "(1, 'a')"
    assert row < (2, "a")


def test_unknown_columns_name_the_known_ones() -> None:
    row = Row(RowKeys(("id", "name")), (1, "a"))
    with pytest.raises(AttributeError, match="no column 'nope'; columns: id, name"):
        _ = row.nope
    with pytest.raises(KeyError, match="no column 'nope'"):
        _ = row["nope"]
    with pytest.raises(exc.InvalidStateError, match="read-only"):
        row.id = 5


def test_rows_pickle() -> None:
    row = Row(RowKeys(("id", "name")), (1, "a"))
    again = pickle.loads(pickle.dumps(row))
    assert again == row
    assert again.name == "a"


def test_all_and_iteration_consume() -> None:
    result = make(ROWS)
    assert list(result.all()) == ROWS
    assert result.all() == []
    assert [tuple(r) for r in make(ROWS)] == ROWS
    result = make(ROWS)
    assert result.fetchone() == (1, "a")
    assert list(result.fetchmany(5)) == [(2, "b"), (3, "c")]
    assert result.fetchone() is None


def test_first_one_and_friends() -> None:
    assert make(ROWS).first() == (1, "a")
    assert make([]).first() is None
    assert make([(1, "a")]).one() == (1, "a")
    assert make([]).one_or_none() is None
    with pytest.raises(exc.NoResultFound):
        make([]).one()
    with pytest.raises(exc.MultipleResultsFound):
        make(ROWS).one()
    with pytest.raises(exc.MultipleResultsFound):
        make(ROWS).one_or_none()


def test_first_closes_the_result() -> None:
    result = make(ROWS)
    result.first()
    assert result.closed
    with pytest.raises(exc.ResourceClosedError, match="closed"):
        result.all()


def test_scalar_methods() -> None:
    assert make(ROWS).scalar() == 1
    assert make([]).scalar() is None
    assert make([(7, "x")]).scalar_one() == 7
    assert make([]).scalar_one_or_none() is None
    with pytest.raises(exc.NoResultFound):
        make([]).scalar_one()
    with pytest.raises(exc.MultipleResultsFound):
        make(ROWS).scalar_one_or_none()


def test_scalars_and_mappings_are_views() -> None:
    assert make(ROWS).scalars().all() == [1, 2, 3]
    assert make(ROWS).scalars(1).all() == ["a", "b", "c"]
    assert list(make(ROWS).scalars()) == [1, 2, 3]
    assert make(ROWS).scalars().first() == 1
    assert make([(5, "z")]).scalars().one() == 5
    assert make([]).scalars().one_or_none() is None
    mappings = make(ROWS).mappings()
    assert mappings.keys() == ["id", "name"]
    assert list(mappings.all()) == [
        {"id": 1, "name": "a"},
        {"id": 2, "name": "b"},
        {"id": 3, "name": "c"},
    ]
    result = make(ROWS)
    assert result.scalars().fetchone() == 1
    assert result.fetchone() == (2, "b")


def test_unique_drops_repeats() -> None:
    repeated = [(1, "a"), (1, "a"), (2, "b"), (1, "a")]
    assert list(make(repeated).unique().all()) == [(1, "a"), (2, "b")]
    assert make(repeated).scalars().unique().all() == [1, 2]
    assert list(make(repeated).unique(lambda row: row[1]).all()) == [(1, "a"), (2, "b")]
    assert list(make(repeated).unique().fetchmany(2)) == [(1, "a"), (2, "b")]
    assert make([(1, "a"), (1, "a")]).unique().one() == (1, "a")
    unhashable = Result(("doc",), [({"a": 1},), ({"a": 1},)])
    assert unhashable.scalars().unique().all() == [{"a": 1}]


def test_partitions() -> None:
    assert [list(part) for part in make(ROWS).partitions(2)] == [[(1, "a"), (2, "b")], [(3, "c")]]


def test_a_result_without_rows_says_so() -> None:
    result = Result((), [], rowcount=3, returns_rows=False)
    assert result.rowcount == 3
    assert not result.returns_rows
    with pytest.raises(exc.ResourceClosedError, match="does not return rows"):
        result.all()
    with pytest.raises(exc.ResourceClosedError, match="rowcount is 3"):
        result.scalar()


def test_result_processors_convert_values_but_not_null() -> None:
    result = Result(("a", "b"), [(1, "x"), (None, "y")], processors=(lambda v: v * 10, None))
    assert list(result.all()) == [(10, "x"), (None, "y")]


async def test_the_result_api_over_a_real_query(engine: Engine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(20))"))
        insert = await conn.execute(
            text("INSERT INTO people (id, name) VALUES (:id, :name)"),
            [{"id": 1, "name": "ann"}, {"id": 2, "name": "bob"}, {"id": 3, "name": "cy"}],
        )
        assert not insert.returns_rows
        query = text("SELECT id, name FROM people ORDER BY id")
        result = await conn.execute(query)
        assert result.keys() == ["id", "name"]
        rows = result.all()
        assert list(rows) == [(1, "ann"), (2, "bob"), (3, "cy")]
        assert [row.name for row in rows] == ["ann", "bob", "cy"]
        assert (await conn.execute(query)).scalars().all() == [1, 2, 3]
        assert (await conn.execute(query)).mappings().first() == {"id": 1, "name": "ann"}
        one = text("SELECT name FROM people WHERE id = :id")
        assert (await conn.execute(one, {"id": 2})).scalar_one() == "bob"
        assert (await conn.execute(one, {"id": 9})).scalar_one_or_none() is None
        with pytest.raises(exc.NoResultFound):
            (await conn.execute(one, {"id": 9})).one()
        with pytest.raises(exc.MultipleResultsFound):
            (await conn.execute(query)).one()
        assert await conn.scalar(text("SELECT count(*) FROM people")) == 3
        assert (await conn.scalars(query)).all() == [1, 2, 3]
        update = await conn.execute(text("UPDATE people SET name = 'x' WHERE id > :id"), {"id": 1})
        assert update.rowcount == 2
        empty = await conn.execute(text("SELECT id, name FROM people WHERE id < 0"))
        assert empty.keys() == ["id", "name"]
        assert empty.all() == []
