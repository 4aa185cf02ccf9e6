"""Two tables referring to each other: the cycle broken with ``post_update``, or refused clearly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from aorm.engine import Engine, create_engine
from aorm.exc import InvalidStateError
from aorm.orm import DeclarativeBase, Mapped, mapped_column, relationship
from aorm.session import AsyncSession
from aorm.sql.constraints import ForeignKey
from aorm.sql.select import select
from aorm.sql.types import String


class Base(DeclarativeBase):
    """The declarative base of these tests."""


# Table names chosen so that alphabetical order ("members" before "teams") is the wrong
# insert order: the flush must follow the foreign keys, not the names.
class Team(Base):
    """Refers to its captain through a post_update many-to-one (the cycle's second edge)."""

    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    captain_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    captain: Mapped[Member | None] = relationship(foreign_keys="Team.captain_id", post_update=True)
    members: Mapped[list[Member]] = relationship(
        back_populates="team", foreign_keys="Member.team_id", order_by="Member.id"
    )


class Member(Base):
    """Belongs to a team (an ordinary many-to-one: the team row goes first)."""

    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    team: Mapped[Team | None] = relationship(
        back_populates="members", foreign_keys="Member.team_id"
    )


class Club(Base):
    """Its president's side is a plain many-to-one: post_update is set on the other side."""

    __tablename__ = "clubs"
    id: Mapped[int] = mapped_column(primary_key=True)
    president_id: Mapped[int | None] = mapped_column(ForeignKey("fans.id"))
    president: Mapped[Fan | None] = relationship(
        back_populates="presiding", foreign_keys="Club.president_id"
    )


class Fan(Base):
    """Belongs to a club; presides over clubs through a post_update one-to-many."""

    __tablename__ = "fans"
    id: Mapped[int] = mapped_column(primary_key=True)
    club_id: Mapped[int | None] = mapped_column(ForeignKey("clubs.id"))
    club: Mapped[Club | None] = relationship(foreign_keys="Fan.club_id")
    presiding: Mapped[list[Club]] = relationship(
        back_populates="president", foreign_keys="Club.president_id", post_update=True
    )


class PlainBase(DeclarativeBase):
    """Models with the same cycle and no post_update."""


class Shop(PlainBase):
    """Refers to its owner without post_update."""

    __tablename__ = "shops"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("clerks.id"))
    owner: Mapped[Clerk | None] = relationship(foreign_keys="Shop.owner_id")


class Clerk(PlainBase):
    """Works in a shop."""

    __tablename__ = "clerks"
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    shop: Mapped[Shop | None] = relationship(foreign_keys="Clerk.shop_id")


class Log:
    """The SQL statements an engine sent."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, sql: str, params: Any) -> None:
        self.statements.append(sql)

    def verbs(self) -> list[tuple[str, str]]:
        """``(verb, table)`` of each statement sent."""
        found = []
        for sql in self.statements:
            verb = sql.split()[0].upper()
            names = ("teams", "members", "shops", "clerks", "clubs", "fans")
            table = next(t for t in names if t in sql)
            found.append((verb, table))
        return found


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[Engine]:
    """An engine with both groups of tables created (foreign keys in a cycle)."""
    async with create_engine(db_url) as made:
        await Base.metadata.create_all(made)
        await PlainBase.metadata.create_all(made)
        yield made


async def test_a_team_and_its_captain_in_one_flush(engine: Engine) -> None:
    log = Log()
    async with AsyncSession(engine) as session:
        red = Team(name="red")
        blue = Team(name="blue")
        alice, bob = Member(name="alice", team=red), Member(name="bob", team=blue)
        red.captain, blue.captain = alice, bob
        # Members added first: the flush still inserts the teams before them.
        session.add_all([alice, bob, red, blue])
        engine.add_listener("before_execute", log)
        await session.flush()
        assert log.verbs() == [("INSERT", "teams"), ("INSERT", "members"), ("UPDATE", "teams")]
        assert red.captain_id == alice.id
        assert alice.team_id == red.id
        await session.commit()
        ids = {"red": red.id, "blue": blue.id, "alice": alice.id, "bob": bob.id}
    async with AsyncSession(engine) as session:
        teams = (await session.scalars(select(Team).order_by(Team.id))).all()
        assert [(t.name, t.captain_id) for t in teams] == [
            ("red", ids["alice"]),
            ("blue", ids["bob"]),
        ]
        red, blue = teams
        red_captain = await session.get(Member, ids["alice"])
        blue_captain = await session.get(Member, ids["bob"])
        assert red_captain is not None
        assert blue_captain is not None
        assert red_captain.team_id == ids["red"]
        # Swap the captains: only the post_update column changes.
        red.captain, blue.captain = blue_captain, red_captain
        log.statements.clear()
        await session.commit()
        assert log.verbs() == [("UPDATE", "teams")]
        rows = await session.execute(select(Team.name, Team.captain_id).order_by(Team.id))
        assert [tuple(r) for r in rows.all()] == [("red", ids["bob"]), ("blue", ids["alice"])]
        # Delete everything in one flush: captains nulled, members go, then teams.
        for obj in (red, blue, red_captain, blue_captain):
            await session.delete(obj)
        log.statements.clear()
        await session.commit()
        # (The teams' members are loaded first: those left behind would get NULL team_id.)
        writes = [v for v in log.verbs() if v[0] != "SELECT"]
        assert writes == [("UPDATE", "teams"), ("DELETE", "members"), ("DELETE", "teams")]
        assert (await session.scalars(select(Team))).all() == []
        assert (await session.scalars(select(Member))).all() == []


async def test_a_captain_set_later_and_cleared(engine: Engine) -> None:
    async with AsyncSession(engine) as session:
        team = Team(name="green", members=[Member(name="carol"), Member(name="dan")])
        session.add(team)
        await session.commit()
        assert team.captain_id is None
        team.captain = team.members[1]
        await session.commit()
        assert await session.scalar(select(Team.captain_id)) == team.members[1].id
        team.captain = None
        await session.commit()
        assert await session.scalar(select(Team.captain_id)) is None


async def test_a_cycle_without_post_update_is_refused_clearly(engine: Engine) -> None:
    async with AsyncSession(engine) as session:
        shop, clerk = Shop(), Clerk()
        shop.owner = clerk
        clerk.shop = shop
        session.add_all([shop, clerk])
        with pytest.raises(InvalidStateError) as caught:
            await session.flush()
        message = str(caught.value)
        assert "tables 'clerks' and 'shops' refer to each other" in message
        assert "(through Clerk.shop, Shop.owner)" in message
        assert "post_update=True" in message
        assert shop.__dict__.get("id") is None
        await session.rollback()


async def test_a_cycle_without_post_update_is_fine_in_separate_flushes(
    engine: Engine,
) -> None:
    async with AsyncSession(engine) as session:
        shop = Shop()
        session.add(shop)
        await session.flush()
        clerk = Clerk(shop=shop)
        session.add(clerk)
        await session.flush()
        assert clerk.shop_id == shop.id
        shop.owner = clerk  # both rows exist: an ordinary UPDATE
        await session.commit()
        assert await session.scalar(select(Shop.owner_id)) == clerk.id


async def test_post_update_on_the_one_to_many_side(engine: Engine) -> None:
    log = Log()
    async with AsyncSession(engine) as session:
        club = Club()
        fan = Fan(club=club)
        fan.presiding.append(club)
        session.add_all([fan, club])
        engine.add_listener("before_execute", log)
        await session.commit()
        assert log.verbs() == [("INSERT", "clubs"), ("INSERT", "fans"), ("UPDATE", "clubs")]
        assert club.president_id == fan.id
        await session.delete(fan)
        await session.delete(club)
        log.statements.clear()
        await session.commit()
        writes = [v for v in log.verbs() if v[0] != "SELECT"]
        assert writes == [("UPDATE", "clubs"), ("DELETE", "fans"), ("DELETE", "clubs")]
        assert (await session.scalars(select(Club))).all() == []
