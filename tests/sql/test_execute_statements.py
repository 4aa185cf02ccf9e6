"""SELECT forms, DML, upserts and functions against real databases."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest

from aorm.engine import Engine
from aorm.exc import DataError, IntegrityError
from aorm.sql import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
    update,
)

metadata = MetaData()
authors = Table(
    "authors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
    Column("visits", Integer, nullable=False, server_default="0"),
)
books = Table(
    "books",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("author_id", ForeignKey("authors.id", ondelete="CASCADE")),
    Column("title", String(100), nullable=False),
    Column("price", Numeric(8, 2)),
    Column("pages", Integer),
)
nodes = Table(
    "nodes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("parent_id", ForeignKey("nodes.id")),
    Column("label", String(20)),
)

AUTHORS = [{"name": "Orwell"}, {"name": "Huxley"}, {"name": "Atwood"}]
BOOKS = [
    {"author_id": 1, "title": "1984", "price": Decimal("9.99"), "pages": 328},
    {"author_id": 1, "title": "Animal Farm", "price": Decimal("5.50"), "pages": 112},
    {"author_id": 2, "title": "Brave New World", "price": Decimal("12.00"), "pages": 311},
    {"author_id": None, "title": "Anonymous", "price": None, "pages": None},
]


async def _load(engine: Engine) -> None:
    await metadata.create_all(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(authors), AUTHORS)
        await conn.execute(insert(books), BOOKS)


async def test_joins_inferred_explicit_and_outer(engine: Engine) -> None:
    await _load(engine)
    async with engine.connect() as conn:
        inner = await conn.execute(
            select(authors.c.name, books.c.title).join(books).order_by(books.c.id)
        )
        assert list(inner.all()) == [
            ("Orwell", "1984"),
            ("Orwell", "Animal Farm"),
            ("Huxley", "Brave New World"),
        ]
        outer = await conn.execute(
            select(authors.c.name, func.count(books.c.id).label("n"))
            .outerjoin(books, books.c.author_id == authors.c.id)
            .group_by(authors.c.name)
            .order_by(authors.c.name)
        )
        assert list(outer.mappings().all()) == [
            {"name": "Atwood", "n": 0},
            {"name": "Huxley", "n": 1},
            {"name": "Orwell", "n": 2},
        ]


async def test_group_by_having_and_aggregates(engine: Engine) -> None:
    await _load(engine)
    async with engine.connect() as conn:
        result = await conn.execute(
            select(
                books.c.author_id,
                func.count().label("n"),
                func.sum(books.c.pages).label("pages"),
                func.max(books.c.price).label("top"),
                func.avg(books.c.pages).label("mean"),
            )
            .group_by(books.c.author_id)
            .having(func.count() > 1)
        )
        assert list(result.all()) == [(1, 2, 440, Decimal("9.99"), 220.0)]


async def test_subquery_cte_and_scalar_subquery(engine: Engine) -> None:
    await _load(engine)
    counts = (
        select(books.c.author_id, func.count().label("n")).group_by(books.c.author_id).subquery()
    )
    prolific = select(counts.c.author_id).where(counts.c.n > 1).cte("prolific")
    latest = select(func.max(books.c.id)).where(books.c.author_id == authors.c.id).scalar_subquery()
    async with engine.connect() as conn:
        joined = await conn.execute(
            select(authors.c.name, counts.c.n).join(counts, counts.c.author_id == authors.c.id)
        )
        assert sorted(joined.all()) == [("Huxley", 1), ("Orwell", 2)]
        via_cte = await conn.execute(
            select(authors.c.name).where(authors.c.id.in_(select(prolific.c.author_id)))
        )
        assert via_cte.scalars().all() == ["Orwell"]
        newest = await conn.execute(
            select(authors.c.name, latest.label("latest")).order_by(authors.c.id)
        )
        assert list(newest.all()) == [("Orwell", 2), ("Huxley", 3), ("Atwood", None)]


async def test_recursive_cte_walks_a_tree(engine: Engine) -> None:
    await metadata.create_all(engine)
    async with engine.begin() as conn:
        await conn.execute(
            insert(nodes),
            [
                {"id": 1, "parent_id": None, "label": "root"},
                {"id": 2, "parent_id": 1, "label": "a"},
                {"id": 3, "parent_id": 2, "label": "b"},
                {"id": 4, "parent_id": 1, "label": "c"},
                {"id": 5, "parent_id": None, "label": "other"},
            ],
        )
        tree = select(nodes.c.id, nodes.c.label).where(nodes.c.id == 1).cte("tree", recursive=True)
        tree = tree.union_all(
            select(nodes.c.id, nodes.c.label).join(tree, nodes.c.parent_id == tree.c.id)
        )
        result = await conn.execute(select(tree.c.label).order_by(tree.c.id))
        assert result.scalars().all() == ["root", "a", "b", "c"]


async def test_exists_union_case_cast_and_functions(engine: Engine) -> None:
    await _load(engine)
    has_books = exists().where(books.c.author_id == authors.c.id)
    async with engine.connect() as conn:
        with_books = await conn.execute(
            select(authors.c.name).where(has_books).order_by(authors.c.name)
        )
        assert with_books.scalars().all() == ["Huxley", "Orwell"]
        without = await conn.execute(select(authors.c.name).where(~has_books))
        assert without.scalars().all() == ["Atwood"]
        names = await conn.execute(
            union_all(select(authors.c.name), select(books.c.title)).order_by(authors.c.name)
        )
        assert names.scalars().all()[:3] == ["1984", "Animal Farm", "Anonymous"]
        sized = await conn.execute(
            select(
                books.c.title,
                case((books.c.pages > 300, "long"), (books.c.pages > 0, "short"), else_="?"),
                cast(books.c.pages, String(10)),
                func.upper(books.c.title),
                func.length(books.c.title),
                func.coalesce(books.c.pages, 0),
                literal("x"),
            ).order_by(books.c.id)
        )
        assert list(sized.all()[1:]) == [
            ("Animal Farm", "short", "112", "ANIMAL FARM", 11, 112, "x"),
            ("Brave New World", "long", "311", "BRAVE NEW WORLD", 15, 311, "x"),
            ("Anonymous", "?", None, "ANONYMOUS", 9, 0, "x"),
        ]
        now = (await conn.execute(select(func.now()))).scalar_one()
        assert isinstance(now, datetime.datetime)
        assert now.tzinfo is not None
        assert abs((now - datetime.datetime.now(datetime.UTC)).total_seconds()) < 3600


async def test_update_delete_returning_and_server_defaults(engine: Engine) -> None:
    await _load(engine)
    async with engine.begin() as conn:
        bumped = await conn.execute(
            update(authors)
            .where(authors.c.name.in_(["Orwell", "Atwood"]))
            .values(visits=authors.c.visits + 5)
            .returning(authors.c.name, authors.c.visits)
        )
        assert sorted(bumped.all()) == [("Atwood", 5), ("Orwell", 5)]
        gone = await conn.execute(
            delete(books).where(books.c.author_id.is_(None)).returning(books.c.title)
        )
        assert gone.scalars().all() == ["Anonymous"]
        await conn.execute(
            update(books).where(books.c.id == bindparam("book")).values(pages=bindparam("n")),
            [{"book": 1, "n": 1}, {"book": 2, "n": 2}],
        )
        pages = await conn.execute(select(books.c.pages).order_by(books.c.id))
        assert pages.scalars().all() == [1, 2, 311]


async def test_insert_from_select_and_update_from(engine: Engine) -> None:
    await _load(engine)
    async with engine.begin() as conn:
        await conn.execute(
            insert(books).from_select(
                ["author_id", "title"],
                select(authors.c.id, authors.c.name + " (collected)").where(authors.c.id == 3),
            )
        )
        await conn.execute(
            update(books)
            .values(pages=authors.c.visits)
            .where(books.c.author_id == authors.c.id, authors.c.name == "Atwood")
        )
        row = await conn.execute(select(books.c.title, books.c.pages).where(books.c.author_id == 3))
        assert row.one() == ("Atwood (collected)", 0)


@pytest.mark.parametrize("with_returning", [False, True])
async def test_upserts(engine: Engine, with_returning: bool) -> None:
    await _load(engine)
    async with engine.begin() as conn:
        stmt = insert(authors).values(name="Orwell", visits=10)
        nothing = stmt.on_conflict_do_nothing(index_elements=["name"])
        updating = stmt.on_conflict_do_update(
            index_elements=[authors.c.name],
            set_={"visits": authors.c.visits + stmt.excluded.visits},
            where=authors.c.visits < 100,
        )
        if with_returning:
            skipped = await conn.execute(nothing.returning(authors.c.id))
            assert skipped.all() == []
            changed = await conn.execute(updating.returning(authors.c.id, authors.c.visits))
            assert list(changed.all()) == [(1, 10)]
        else:
            await conn.execute(nothing)
            await conn.execute(updating)
        await conn.execute(updating)
        rows = await conn.execute(
            insert(authors)
            .on_conflict_do_update(index_elements=["name"], set_={"visits": 99})
            .returning(authors.c.name, authors.c.visits),
            [{"name": "Huxley"}, {"name": "New"}],
        )
        assert list(rows.all()) == [("Huxley", 99), ("New", 0)]
        total = await conn.execute(select(authors.c.visits).where(authors.c.name == "Orwell"))
        assert total.scalar_one() == 20


async def test_python_defaults_and_onupdate(engine: Engine) -> None:
    counter = itertools.count(1)
    table = Table(
        "stamped",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("n", Integer, default=lambda: next(counter), onupdate=lambda: 100),
        Column("at", DateTime, default=datetime.datetime(2024, 1, 1)),
        Column("label", String(10)),
    )
    await table.metadata.create_all(engine)
    async with engine.begin() as conn:
        await conn.execute(insert(table).values(label="one"))
        await conn.execute(insert(table), [{"label": "two"}, {"label": "three", "n": 0}])
        await conn.execute(update(table).where(table.c.label == "two").values(label="2"))
        rows = await conn.execute(select(table.c.n, table.c.at, table.c.label).order_by(table.c.id))
        assert list(rows.all()) == [
            (1, datetime.datetime(2024, 1, 1), "one"),
            (100, datetime.datetime(2024, 1, 1), "2"),
            (0, datetime.datetime(2024, 1, 1), "three"),
        ]


async def test_bad_values_raise_data_error_before_sending(engine: Engine) -> None:
    await _load(engine)
    async with engine.begin() as conn:
        with pytest.raises(DataError, match=r"books\.pages"):
            await conn.execute(select(books).where(books.c.pages == "many"))
        with pytest.raises(DataError, match=r"authors\.name"):
            await conn.execute(insert(authors), [{"name": "ok"}, {"name": 5}])
        with pytest.raises(DataError, match=r"books\.price"):
            await conn.execute(update(books).values(price=1.5))
        with pytest.raises(DataError, match=r"books\.id"):
            await conn.execute(select(books).where(books.c.id.in_([1, "2"])))


async def test_constraint_violations_are_integrity_errors(engine: Engine) -> None:
    await _load(engine)
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(authors).values(name="Orwell"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(books).values(author_id=99, title="x"))


async def test_text_inside_statements(engine: Engine) -> None:
    await _load(engine)
    async with engine.connect() as conn:
        result = await conn.execute(
            select(authors.c.name).where(text("visits >= :v")).order_by(authors.c.id), {"v": 0}
        )
        assert result.scalars().all() == ["Orwell", "Huxley", "Atwood"]
