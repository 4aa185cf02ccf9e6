"""What a type checker sees of mapped classes and ``session.get`` (mypy checks it; pytest runs it).

Every ``assert_type`` here is checked by ``mypy`` (``tests`` is in its
``files``) and the same code runs on both backends, so the types are the
ones of values that really come back.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, assert_type

from aorm.orm import InstrumentedAttribute
from aorm.session import AsyncSession
from aorm.sql.elements import ColumnElement
from aorm.sql.schema import Column
from tests.typing.models import Address, User


def test_constructor_and_instance_attributes() -> None:
    user = User(name="ada", nickname=None)
    assert_type(user, User)
    assert_type(user.name, str)
    assert_type(user.nickname, str | None)
    assert_type(user.addresses, list[Address])
    address = Address(email="ada@example.com", user=user)
    assert_type(address.user, User)
    assert_type(address.email, str)
    assert user.addresses == [address]
    assert user.nickname is None


def test_class_attributes_are_typed_column_expressions() -> None:
    assert_type(User.name, InstrumentedAttribute[str])
    assert_type(User.nickname, InstrumentedAttribute[str | None])
    assert_type(User.addresses, InstrumentedAttribute[list[Address]])
    # The expression an attribute stands for carries its value type.
    assert_type(User.name.__clause_element__(), ColumnElement[str])
    assert_type(User.id.__clause_element__(), ColumnElement[int])
    assert isinstance(User.name.__clause_element__(), Column)
    # Comparisons build boolean SQL expressions.
    assert_type(User.name == "ada", ColumnElement[bool])
    assert isinstance(User.name == "ada", ColumnElement)


async def test_session_get_is_optional_of_the_model(session: AsyncSession) -> None:
    user = await session.get(User, 1)
    assert_type(user, User | None)
    assert user is not None
    assert_type(user.name, str)
    assert (user.name, user.nickname) == ("ada", "countess")
    missing = await session.get(User, 99)
    assert_type(missing, User | None)
    assert missing is None
    address = await session.get(Address, 2)
    assert address is not None
    assert_type(address.user_id, int)
    assert address.email == "ada@example.org"


async def test_session_get_without_await_is_a_coroutine(session: AsyncSession) -> None:
    pending: Coroutine[Any, Any, User | None] = session.get(User, 2)
    user = await pending
    assert_type(user, User | None)
    assert user is not None
    assert user.nickname is None


async def test_loaded_relationships_are_typed(session: AsyncSession) -> None:
    user = await session.get(User, 1)
    assert user is not None
    addresses = await session.load(user, User.addresses)
    assert_type(addresses, list[Address])
    assert sorted(a.email for a in addresses) == ["ada@example.com", "ada@example.org"]
    owner = await session.load(addresses[0], Address.user)
    assert_type(owner, User)
    assert owner is user
