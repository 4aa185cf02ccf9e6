"""Mistakes a type checker must catch: one mypy run over code that must fail, error by error.

Each line of :data:`REJECTED` marked ``# E: <code>`` must get that mypy
error code (possibly with others), and no other line may get an error. The snippet is written to a
temporary file (it is not part of the checked sources) and mypy keeps its
cache in the temporary directory too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api as mypy_api

REPOSITORY = Path(__file__).resolve().parents[2]

REJECTED = """\
from aorm.session import AsyncSession
from aorm.sql import Select, select
from tests.typing.models import Address, User


async def wrong_value_types(session: AsyncSession) -> None:
    user = User(name=1)  # E: arg-type
    user.name = 1  # E: assignment
    user.nickname.upper()  # E: union-attr
    name: int = (await session.scalars(select(User.name))).one()  # E: assignment


async def forgotten_awaits(session: AsyncSession) -> str:
    users = session.scalars(select(User)).all()  # E: attr-defined
    found = session.get(User, 1)
    return found.name  # E: attr-defined


async def optional_results(session: AsyncSession) -> str:
    user = await session.get(User, 1)
    return user.name  # E: union-attr


async def wrong_row_shapes(session: AsyncSession) -> None:
    stmt: Select[tuple[Address]] = select(User).where(User.id == 1)  # E: assignment
    result = await session.execute(select(User.id, User.name))
    row: tuple[int, int] | None = result.tuples().first()  # E: assignment
    emails: list[int] = (await session.scalars(select(Address.email))).all()  # E: assignment
"""

_MARK = re.compile(r"#\s*E:\s*([\w-]+)")
_ERROR = re.compile(r"^[^:]+:(\d+): error: .*\[([\w-]+)\]$")


def test_mypy_rejects_the_mistakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPOSITORY)  # where mypy finds aorm and the test models
    snippet = tmp_path / "rejected.py"
    snippet.write_text(REJECTED)
    expected = {
        number: match.group(1)
        for number, line in enumerate(REJECTED.splitlines(), 1)
        if (match := _MARK.search(line)) is not None
    }
    out, err, status = mypy_api.run(
        [
            "--strict",
            "--no-error-summary",
            "--show-error-codes",
            "--config-file",
            str(REPOSITORY / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "mypy_cache"),
            str(snippet),
        ]
    )
    assert status == 1, out + err
    found: dict[int, set[str]] = {}
    for line in out.splitlines():
        match = _ERROR.match(line)
        if match is not None:
            found.setdefault(int(match.group(1)), set()).add(match.group(2))
    assert sorted(found) == sorted(expected), out
    for number, code in expected.items():
        assert code in found[number], f"line {number}: expected [{code}]\n{out}"
