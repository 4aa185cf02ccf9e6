"""The loggers of docs/logging.md: their names, and the records each one emits."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

import aorm
from aorm.engine import create_engine
from aorm.session import transaction as session_transaction
from aorm.sql import text

DOCUMENTED = ("aorm.engine", "aorm.pool", "aorm.orm")
GET_LOGGER = re.compile(r"logging\.getLogger\((?P<arg>[^)]*)\)")


def test_every_logger_of_the_package_is_a_documented_one() -> None:
    package = Path(aorm.__file__).parent
    found: dict[str, str] = {}
    for path in package.rglob("*.py"):
        for match in GET_LOGGER.finditer(path.read_text(encoding="utf-8")):
            found[f"{path.relative_to(package)}:{match.start()}"] = match["arg"]
    assert found, "no logger found: the pattern is out of date"
    names = {where: arg.strip("\"'") for where, arg in found.items()}
    wrong = {
        where: name
        for where, name in names.items()
        if not any(name == good or name.startswith(f"{good}.") for good in DOCUMENTED)
    }
    assert not wrong, f"loggers outside {DOCUMENTED} (document them or rename): {wrong}"


def test_the_session_logs_on_the_orm_logger() -> None:
    assert session_transaction.logger.name == "aorm.orm"


async def test_echo_logs_statements_parameters_and_transactions(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aorm.engine")
    engine = create_engine(db_url, echo=True)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
            await conn.execute(text("INSERT INTO t (id) VALUES (:id)"), {"id": 7})
        async with engine.connect() as conn:
            await conn.execute(text("SELECT id FROM t WHERE id = :id"), {"id": 7})
            await conn.rollback()
    finally:
        await engine.dispose()
    records = [r for r in caplog.records if r.name == "aorm.engine"]
    assert {r.levelno for r in records} == {logging.INFO}
    messages = [r.getMessage() for r in records]
    assert messages[0].startswith("BEGIN")
    assert messages[1] == "CREATE TABLE t (id INTEGER PRIMARY KEY)\n[parameters: []]"
    assert messages[2].startswith("INSERT INTO t (id) VALUES (")
    assert messages[2].endswith("\n[parameters: [7]]")
    assert messages[3:] == [
        "COMMIT",
        "BEGIN (implicit)",
        messages[5],
        "ROLLBACK",
    ]
    assert messages[5].startswith("SELECT id FROM t WHERE id = ")


async def test_without_echo_no_statement_is_logged(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="aorm")
    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    assert [r for r in caplog.records if r.name.startswith("aorm")] == []


async def test_the_pool_logs_an_invalidated_connection(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="aorm.pool")
    engine = create_engine(db_url)
    try:
        raw = await engine.pool.acquire()
        await engine.pool.invalidate(raw)
        name = engine.pool.stats().name
    finally:
        await engine.dispose()
    records = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert records == [
        ("aorm.pool", logging.INFO, f"pool {name!r}: connection invalidated; closing it")
    ]
