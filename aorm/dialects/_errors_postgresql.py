"""asyncpg errors translated into :mod:`aorm.exc`, by SQLSTATE class.

The mapping follows the SQLSTATE classes (the first two characters), so the
same mistake raises the same :mod:`aorm.exc` class as on SQLite: class 23 is
:class:`~aorm.exc.IntegrityError`, 22 :class:`~aorm.exc.DataError`, 42
:class:`~aorm.exc.ProgrammingError`, 08 and the administrator shutdowns
(``pg_terminate_backend``) :class:`~aorm.exc.DisconnectionError`.
"""

from __future__ import annotations

import re
from typing import Any

from aorm import exc

__all__ = ["is_disconnect", "translate_postgresql_error"]

# SQLSTATEs (exact) whose meaning beats their class.
_BY_SQLSTATE: dict[str, type[exc.DBAPIError]] = {
    "57P01": exc.DisconnectionError,  # admin_shutdown (pg_terminate_backend)
    "57P02": exc.DisconnectionError,  # crash_shutdown
    "57P03": exc.DisconnectionError,  # cannot_connect_now
    "57P05": exc.DisconnectionError,  # idle_session_timeout
    "25P03": exc.DisconnectionError,  # idle_in_transaction_session_timeout
}

# SQLSTATE classes (first two characters).
_BY_CLASS: dict[str, type[exc.DBAPIError]] = {
    "08": exc.DisconnectionError,  # connection exception
    "0A": exc.NotSupportedError,  # feature not supported
    "21": exc.ProgrammingError,  # cardinality violation
    "22": exc.DataError,  # data exception
    "23": exc.IntegrityError,  # integrity constraint violation
    "24": exc.ProgrammingError,  # invalid cursor state
    "25": exc.InternalError,  # invalid transaction state
    "26": exc.ProgrammingError,  # invalid SQL statement name
    "27": exc.OperationalError,  # triggered data change violation
    "28": exc.OperationalError,  # invalid authorization specification
    "2B": exc.InternalError,  # dependent privilege descriptors still exist
    "2D": exc.InternalError,  # invalid transaction termination
    "34": exc.ProgrammingError,  # invalid cursor name
    "3B": exc.InternalError,  # savepoint exception
    "3D": exc.ProgrammingError,  # invalid catalog name
    "3F": exc.ProgrammingError,  # invalid schema name
    "40": exc.OperationalError,  # transaction rollback (serialization, deadlock)
    "42": exc.ProgrammingError,  # syntax error or access rule violation
    "44": exc.IntegrityError,  # WITH CHECK OPTION violation
    "53": exc.OperationalError,  # insufficient resources
    "54": exc.OperationalError,  # program limit exceeded
    "55": exc.OperationalError,  # object not in prerequisite state (lock not available)
    "57": exc.OperationalError,  # operator intervention (query canceled)
    "58": exc.OperationalError,  # system error
    "F0": exc.InternalError,  # configuration file error
    "HV": exc.OperationalError,  # foreign data wrapper error
    "P0": exc.InternalError,  # PL/pgSQL error
    "XX": exc.InternalError,  # internal error
}


def is_disconnect(error: BaseException, raw: Any) -> bool:
    """True if *error* means the connection *raw* is dead."""
    if isinstance(error, OSError) and not isinstance(error, TimeoutError):
        # Socket errors; a timeout alone says nothing about the connection.
        return True
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and (sqlstate.startswith("08") or sqlstate in _BY_SQLSTATE):
        return True
    if raw is not None:
        try:
            closed = bool(raw.is_closed())
        except Exception:
            closed = False
        if closed:
            return True
    # asyncpg is imported by the first PostgreSQL connect (not by ``import aorm``).
    import asyncpg

    return isinstance(error, asyncpg.InterfaceError) and "connection is closed" in str(error)


def _error_class(error: Exception, raw: Any) -> type[exc.DBAPIError]:
    if is_disconnect(error, raw):
        return exc.DisconnectionError
    import asyncpg
    import asyncpg.exceptions._base as asyncpg_base

    if isinstance(error, asyncpg.PostgresError):
        sqlstate = str(getattr(error, "sqlstate", "") or "")
        if sqlstate in _BY_SQLSTATE:
            return _BY_SQLSTATE[sqlstate]
        return _BY_CLASS.get(sqlstate[:2], exc.DatabaseError)
    if isinstance(error, asyncpg_base.DataError):
        # A Python value the driver could not encode for its parameter.
        return exc.DataError
    if isinstance(error, asyncpg.InterfaceError):
        message = str(error)
        if "argument" in message and "expects" in message:
            # "the server expects 2 arguments for this query, 1 was passed"
            return exc.ProgrammingError
        return exc.InterfaceError
    if isinstance(error, asyncpg_base.InternalClientError):
        return exc.InternalError
    return exc.DatabaseError


def translate_postgresql_error(error: Exception, sql: str | None, raw: Any) -> exc.DBAPIError:
    """The :mod:`aorm.exc` error for *error*, raised while running *sql* on *raw*.

    The caller raises it ``from error`` so the driver's error is ``__cause__``.
    The constraint and table names come from the server's error fields.
    """
    cls = _error_class(error, raw)
    message = str(error) or type(error).__name__
    detail = getattr(error, "detail", None)
    # asyncpg's own text usually carries the DETAIL line already.
    if isinstance(detail, str) and detail and detail not in message:
        message = f"{message}\nDETAIL: {detail}"
    constraint = getattr(error, "constraint_name", None)
    table = getattr(error, "table_name", None)
    columns = _columns(error, detail)
    if cls is exc.DisconnectionError:
        message = f"the PostgreSQL connection is closed ({message})"
    if sql is not None:
        message = f"{message}\n[SQL: {sql}]"
    return cls(
        message,
        statement=sql,
        constraint=constraint if isinstance(constraint, str) else None,
        table=table if isinstance(table, str) else None,
        columns=columns,
    )


# DETAIL of a unique violation: "Key (a, b)=(1, 2) already exists."
_KEY_DETAIL = re.compile(r"^Key \((?P<columns>[^)]*)\)=")


def _columns(error: Exception, detail: object) -> tuple[str, ...]:
    """The columns a constraint error is about: the server's column, or the key's."""
    column = getattr(error, "column_name", None)
    if isinstance(column, str) and column:
        return (column,)
    if isinstance(detail, str) and (match := _KEY_DETAIL.match(detail)) is not None:
        return tuple(name.strip().strip('"') for name in match.group("columns").split(","))
    return ()
