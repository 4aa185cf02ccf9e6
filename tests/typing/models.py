"""The mapped classes of the typing tests (their own declarative base) and their rows."""

from __future__ import annotations

from aorm.orm import DeclarativeBase, Mapped, mapped_column, relationship
from aorm.session import AsyncSession
from aorm.sql.constraints import ForeignKey
from aorm.sql.types import String


class Base(DeclarativeBase):
    """The declarative base of the typing tests."""


class User(Base):
    """A user: a required and a nullable column, and a one-to-many."""

    __tablename__ = "typing_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    nickname: Mapped[str | None] = mapped_column(String(50))
    addresses: Mapped[list[Address]] = relationship(back_populates="user")


class Address(Base):
    """An address of a user (many-to-one back to it)."""

    __tablename__ = "typing_addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("typing_users.id"))
    email: Mapped[str] = mapped_column(String(100))
    user: Mapped[User] = relationship(back_populates="addresses")


async def seed(session: AsyncSession) -> None:
    """Two users (ada with a nickname and two addresses, bob with neither), committed."""
    ada = User(id=1, name="ada", nickname="countess")
    bob = User(id=2, name="bob", nickname=None)
    ada.addresses.extend(
        [Address(id=1, email="ada@example.com"), Address(id=2, email="ada@example.org")]
    )
    session.add_all([ada, bob])
    await session.commit()
