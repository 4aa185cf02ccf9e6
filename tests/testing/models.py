"""The mapped class the tests of ``aorm.testing`` use (their own declarative base)."""

from __future__ import annotations

from aorm.orm import DeclarativeBase, Mapped, mapped_column
from aorm.sql import String


class Base(DeclarativeBase):
    """The declarative base of these tests."""


class Item(Base):
    """A row with a generated key."""

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
