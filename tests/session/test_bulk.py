"""Evaluating WHERE clauses in Python, with SQL's NULL logic (no database needed)."""

from __future__ import annotations

from typing import Any

import pytest

from aorm.session.bulk import Unevaluable, compile_value, compile_where, referenced_keys
from aorm.sql.expressions import and_, bindparam, not_, or_
from tests.session.models import Address, User

MAPPER = User.__mapper__


def _where(*criteria: Any) -> Any:
    return compile_where(criteria, MAPPER)


@pytest.mark.parametrize(
    ("criterion", "row", "expected"),
    [
        (User.age > 30, {"age": 36}, True),
        (User.age > 30, {"age": 20}, False),
        (User.age > 30, {"age": None}, None),
        (User.age == None, {"age": None}, True),  # noqa: E711 - SQL IS NULL
        (User.age != None, {"age": None}, False),  # noqa: E711 - SQL IS NOT NULL
        (User.age.in_([1, 2]), {"age": 2}, True),
        (User.age.in_([1, 2]), {"age": 3}, False),
        (User.age.not_in([1, 2]), {"age": 3}, True),
        (User.age.in_([1, None]), {"age": 3}, None),
        (User.age.between(1, 5), {"age": 5}, True),
        (User.age.between(1, 5), {"age": 6}, False),
        (and_(User.age > 1, User.name == "a"), {"age": 2, "name": "a"}, True),
        (and_(User.age > 1, User.name == "a"), {"age": None, "name": "b"}, False),
        (and_(User.age > 1, User.name == "a"), {"age": None, "name": "a"}, None),
        (or_(User.age > 1, User.name == "a"), {"age": None, "name": "a"}, True),
        (or_(User.age > 1, User.name == "a"), {"age": None, "name": "b"}, None),
        (not_(User.age > 1), {"age": 0}, True),
        (not_(User.age > 1), {"age": None}, None),
        (User.age + 1 == 3, {"age": 2}, True),
    ],
)
def test_sql_truth(criterion: Any, row: dict[str, Any], expected: Any) -> None:
    assert _where(criterion)(row) is expected


def test_values() -> None:
    assert compile_value(User.age * 2, MAPPER)({"age": 4}) == 8
    assert compile_value(User.age - 1, MAPPER)({"age": None}) is None


def test_referenced_keys() -> None:
    assert referenced_keys(and_(User.age > 1, User.name == "a"), MAPPER) == {"age", "name"}


@pytest.mark.parametrize(
    "criterion",
    [
        User.name.like("a%"),
        User.id == bindparam("given_later"),
        User.id == Address.user_id,
    ],
)
def test_unevaluable(criterion: Any) -> None:
    with pytest.raises(Unevaluable):
        _where(criterion)
