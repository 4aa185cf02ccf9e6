"""Rows of a self-referencing table ordered per row; cycles broken with post_update."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from aorm.engine import Engine
from aorm.exc import InvalidStateError
from aorm.session import AsyncSession
from aorm.sql.select import select
from tests.relationships.cascade_models import Node, Person

if TYPE_CHECKING:
    from tests.relationships.cascade_fixtures import StatementLog

pytest_plugins = ["tests.relationships.cascade_fixtures"]


def _tree() -> tuple[Node, list[Node], list[Node]]:
    """A root with two children, each with two children of its own."""
    children = [
        Node(label=f"child {i}", children=[Node(label=f"grandchild {i}.{j}") for j in range(2)])
        for i in range(2)
    ]
    root = Node(label="root", children=children)
    return root, children, [g for c in children for g in c.children]


async def _rows(session: AsyncSession) -> dict[str, tuple[str | None, str | None]]:
    """label -> (parent's label, favourite's label)."""
    nodes = (await session.scalars(select(Node))).all()
    by_id = {n.id: n.label for n in nodes}
    return {
        n.label: (
            by_id.get(n.parent_id) if n.parent_id else None,
            by_id.get(n.favorite_id) if n.favorite_id else None,
        )
        for n in nodes
    }


async def test_a_tree_three_levels_deep_in_one_flush(
    cascade_engine: Engine, cascade_session: AsyncSession, sql_log: StatementLog
) -> None:
    session = cascade_session
    root, children, grandchildren = _tree()
    # Added leaves first: the flush still inserts parents before their children.
    session.add_all([*grandchildren, root])
    sql_log.clear()
    await session.flush()
    # One batch per level, since each level needs the keys generated for the one above.
    assert sql_log.count("INSERT", "nodes") == 3
    assert all(c.parent_id == root.id for c in children)
    for child in children:
        assert all(g.parent_id == child.id for g in child.children)
    await session.commit()
    rows = await _rows(session)
    assert rows["root"] == (None, None)
    assert rows["grandchild 1.0"] == ("child 1", None)
    # Deleted with the delete cascade, from a session where nothing is loaded.
    async with AsyncSession(cascade_engine) as other:
        loaded_root = (await other.scalars(select(Node).where(Node.label == "root"))).one()
        await other.delete(loaded_root)
        assert len(other.deleted) == 7
        await other.commit()
        assert (await other.scalars(select(Node))).all() == []


async def test_two_rows_referring_to_each_other(
    cascade_session: AsyncSession, sql_log: StatementLog
) -> None:
    session = cascade_session
    alice, bob = Person(name="alice"), Person(name="bob")
    alice.best_friend = bob
    bob.best_friend = alice
    session.add_all([alice, bob])
    sql_log.clear()
    await session.flush()
    # Both rows are inserted without the reference, then one UPDATE batch writes it.
    assert [s.split()[0] for s in sql_log.statements] == ["INSERT", "UPDATE"]
    assert alice.best_friend_id == bob.id
    assert bob.best_friend_id == alice.id
    await session.commit()
    rows = await session.execute(select(Person.name, Person.best_friend_id).order_by(Person.id))
    assert [tuple(r) for r in rows.all()] == [("alice", bob.id), ("bob", alice.id)]
    # Deleting both: the references are cleared first, then the rows go.
    await session.delete(alice)
    await session.delete(bob)
    sql_log.clear()
    await session.commit()
    assert [s.split()[0] for s in sql_log.statements] == ["UPDATE", "DELETE"]
    assert (await session.scalars(select(Person))).all() == []


async def test_changing_a_post_update_reference(cascade_session: AsyncSession) -> None:
    session = cascade_session
    alice, bob, carol = Person(name="alice"), Person(name="bob"), Person(name="carol")
    session.add_all([alice, bob, carol])
    await session.commit()
    alice.best_friend = carol
    await session.commit()
    assert await session.scalar(select(Person.best_friend_id).where(Person.id == alice.id)) == (
        carol.id
    )
    alice.best_friend = None
    await session.commit()
    assert alice.best_friend_id is None
    assert await session.scalar(select(Person.best_friend_id).where(Person.id == alice.id)) is None


async def test_a_node_pointing_at_its_favourite_descendant(
    cascade_session: AsyncSession,
) -> None:
    session = cascade_session
    root, children, grandchildren = _tree()
    root.favorite = grandchildren[3]
    children[0].favorite = root  # pointing up works the same
    session.add(root)
    await session.commit()
    rows = await _rows(session)
    assert rows["root"] == (None, "grandchild 1.1")
    assert rows["child 0"] == ("root", "root")
    await session.delete(root)
    await session.commit()
    assert (await session.scalars(select(Node))).all() == []


async def test_moving_a_node_under_a_new_node(cascade_session: AsyncSession) -> None:
    session = cascade_session
    root, children, _ = _tree()
    session.add(root)
    await session.commit()
    middle = Node(label="middle")
    root.children.append(middle)
    middle.children.append(children[1])  # moves it (and its subtree) down a level
    await session.commit()
    rows = await _rows(session)
    assert rows["middle"] == ("root", None)
    assert rows["child 1"] == ("middle", None)
    assert rows["grandchild 1.0"] == ("child 1", None)


async def test_a_cycle_without_post_update_is_refused_clearly(
    cascade_session: AsyncSession,
) -> None:
    session = cascade_session
    first, second = Node(label="first"), Node(label="second")
    first.parent = second
    second.parent = first  # each is the other's parent: neither row can go first
    session.add_all([first, second])
    with pytest.raises(InvalidStateError, match=r"Node\.(parent|children).*post_update=True"):
        await session.flush()
    assert first.__dict__.get("id") is None
    assert second.__dict__.get("id") is None
    await session.rollback()
