"""SQLite (sqlite3 / aiosqlite) errors translated into :mod:`aorm.exc`.

SQLite reports most mistakes as ``OperationalError`` with result code
``SQLITE_ERROR`` (a syntax error, an unknown table or column), where
PostgreSQL reports them as syntax/access errors. We classify by the extended
result code so the same mistake raises the same :mod:`aorm.exc` class on both
backends: bad SQL is :class:`~aorm.exc.ProgrammingError`, a violated
constraint :class:`~aorm.exc.IntegrityError`, a value that does not fit
:class:`~aorm.exc.DataError`, a closed connection
:class:`~aorm.exc.DisconnectionError`.
"""

from __future__ import annotations

import re
import sqlite3

from aorm import exc

__all__ = ["translate_sqlite_error"]

# "UNIQUE constraint failed: t.c, t.d" / "NOT NULL constraint failed: t.c"
_COLUMN_CONSTRAINT = re.compile(
    r"(?:UNIQUE|NOT NULL|PRIMARY KEY) constraint failed: (?P<table>[^.\s,]+)\."
)
# The "t.c, t.d" list after the colon.
_CONSTRAINT_COLUMNS = re.compile(r"constraint failed: (?P<columns>[^\n]+)")
# "CHECK constraint failed: ck_name" (the name, or the expression when unnamed)
_CHECK_CONSTRAINT = re.compile(r"CHECK constraint failed: (?P<name>\w+)$")

_BY_CODE_PREFIX: tuple[tuple[str, type[exc.DBAPIError]], ...] = (
    ("SQLITE_CONSTRAINT", exc.IntegrityError),
    ("SQLITE_MISMATCH", exc.DataError),
    ("SQLITE_TOOBIG", exc.DataError),
    ("SQLITE_RANGE", exc.ProgrammingError),
    ("SQLITE_AUTH", exc.ProgrammingError),
    ("SQLITE_PERM", exc.ProgrammingError),
    ("SQLITE_MISUSE", exc.InterfaceError),
    ("SQLITE_INTERNAL", exc.InternalError),
    ("SQLITE_CORRUPT", exc.InternalError),
    ("SQLITE_NOTADB", exc.InternalError),
    ("SQLITE_ERROR", exc.ProgrammingError),
)

# Generic SQLITE_ERROR messages that are about the moment, not the SQL.
_OPERATIONAL_MESSAGES = (
    "cannot start a transaction within a transaction",
    "cannot commit - no transaction is active",
    "cannot rollback - no transaction is active",
    "database schema has changed",
    "no such savepoint",
)

_BY_DRIVER_CLASS: tuple[tuple[type[Exception], type[exc.DBAPIError]], ...] = (
    (sqlite3.IntegrityError, exc.IntegrityError),
    (sqlite3.DataError, exc.DataError),
    (sqlite3.OperationalError, exc.OperationalError),
    (sqlite3.NotSupportedError, exc.NotSupportedError),
    (sqlite3.InternalError, exc.InternalError),
    (sqlite3.ProgrammingError, exc.ProgrammingError),
    (sqlite3.InterfaceError, exc.InterfaceError),
    (sqlite3.DatabaseError, exc.DatabaseError),
)


def _error_class(error: Exception) -> type[exc.DBAPIError]:
    message = str(error)
    if isinstance(error, ValueError) and not isinstance(error, sqlite3.Error):
        # aiosqlite's "Connection closed" / "no active connection".
        return exc.DisconnectionError
    if isinstance(error, sqlite3.ProgrammingError):
        if "closed database" in message:
            return exc.DisconnectionError
        if message.startswith("Error binding parameter"):
            return exc.DataError
    if isinstance(error, sqlite3.InterfaceError) and message.startswith("Error binding"):
        return exc.DataError
    code = getattr(error, "sqlite_errorname", None)
    if isinstance(code, str):
        if code == "SQLITE_ERROR" and message.startswith(_OPERATIONAL_MESSAGES):
            return exc.OperationalError
        for prefix, cls in _BY_CODE_PREFIX:
            if code.startswith(prefix):
                return cls
    for driver_cls, cls in _BY_DRIVER_CLASS:
        if isinstance(error, driver_cls):
            return cls
    return exc.DatabaseError


def translate_sqlite_error(error: Exception, sql: str | None) -> exc.DBAPIError:
    """The :mod:`aorm.exc` error for *error*, raised while running *sql*.

    The caller raises it ``from error`` so the driver's error is ``__cause__``.
    """
    cls = _error_class(error)
    message = str(error) or type(error).__name__
    table: str | None = None
    constraint: str | None = None
    columns: tuple[str, ...] = ()
    if cls is exc.IntegrityError:
        if (match := _COLUMN_CONSTRAINT.search(message)) is not None:
            table = match.group("table")
            listed = _CONSTRAINT_COLUMNS.search(message)
            if listed is not None:
                columns = tuple(
                    item.strip().rpartition(".")[2] for item in listed.group("columns").split(",")
                )
        elif (match := _CHECK_CONSTRAINT.search(message)) is not None:
            constraint = match.group("name")
    if cls is exc.DisconnectionError:
        message = f"the SQLite connection is closed ({message})"
    if sql is not None:
        message = f"{message}\n[SQL: {sql}]"
    return cls(message, statement=sql, constraint=constraint, table=table, columns=columns)
