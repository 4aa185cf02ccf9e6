"""Every error aorm raises, in one tree.

::

    AormError
    ├── ArgumentError                 bad arguments to a public API (unknown URL scheme, …)
    ├── InvalidStateError             an API used in the wrong lifecycle state
    │   ├── ConcurrentUseError        a session used by two tasks at once
    │   ├── PendingRollbackError      a session whose flush failed, used before rollback()
    │   ├── ResourceClosedError       a closed pool, engine, connection or result used again
    │   └── WrongEventLoopError       a pool used from an event loop other than its own
    ├── PoolError
    │   ├── PoolTimeout               no connection within the timeout
    │   └── PoolOverloaded            too many tasks already waiting (max_waiting)
    ├── CompileError                  a statement that cannot be turned into SQL
    ├── MappingError                  a class/attribute mapping mistake, found at configure time
    ├── NoResultFound                 one() / scalar_one() found no row
    ├── MultipleResultsFound          one() / one_or_none() / scalar_one() found several rows
    ├── StaleDataError                an UPDATE/DELETE matched fewer rows than expected
    ├── LazyLoadError                 sync access to an unloaded relationship
    ├── ExpiredAttributeError         sync access to an expired column attribute
    └── DBAPIError                    the database said no; the driver error is ``__cause__``
        ├── InterfaceError            misuse of the driver interface
        └── DatabaseError
            ├── DataError             a value that does not fit its column
            ├── OperationalError      the database could not do it now
            │   └── DisconnectionError  the connection died; it was invalidated
            ├── IntegrityError        a constraint was violated
            ├── InternalError
            ├── ProgrammingError      bad SQL, unknown table or column
            └── NotSupportedError

Driver errors are translated into this tree at the dialect boundary only
(``raise … from driver_error``), so the same mistake raises the same class on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

__all__ = [
    "AormError",
    "ArgumentError",
    "CompileError",
    "ConcurrentUseError",
    "DBAPIError",
    "DataError",
    "DatabaseError",
    "DisconnectionError",
    "ExpiredAttributeError",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "InvalidStateError",
    "LazyLoadError",
    "MappingError",
    "MultipleResultsFound",
    "NoResultFound",
    "NotSupportedError",
    "OperationalError",
    "PendingRollbackError",
    "PoolError",
    "PoolOverloaded",
    "PoolTimeout",
    "ProgrammingError",
    "ResourceClosedError",
    "StaleDataError",
    "WrongEventLoopError",
]


class AormError(Exception):
    """Base class of every error aorm raises."""


class ArgumentError(AormError, ValueError):
    """A public API was called with arguments it cannot accept."""


class InvalidStateError(AormError):
    """An object was used in a lifecycle state that does not allow the call."""


class ConcurrentUseError(InvalidStateError):
    """A session (or connection) was used by a second task while an operation was in flight."""


class PendingRollbackError(InvalidStateError):
    """A session whose flush failed was used again before ``rollback()``."""


class ResourceClosedError(InvalidStateError):
    """A closed pool, engine, connection, transaction or result was used."""


class WrongEventLoopError(InvalidStateError):
    """A pool or engine was used from an event loop other than the one it was opened on."""


class PoolError(AormError):
    """A connection could not be handed out by the pool."""


class PoolTimeout(PoolError, TimeoutError):
    """No connection became free within the timeout."""


class PoolOverloaded(PoolError):
    """Too many tasks are already waiting for a connection (``max_waiting``)."""


class CompileError(AormError):
    """A statement cannot be compiled to SQL for this dialect."""


class MappingError(AormError):
    """A mapped class or attribute is declared wrongly."""


class NoResultFound(AormError):
    """A query that must return a row returned none."""


class MultipleResultsFound(AormError):
    """A query that must return at most one row returned several."""


class StaleDataError(AormError):
    """An UPDATE or DELETE matched fewer rows than the session expected."""


class LazyLoadError(AormError):
    """An unloaded relationship was read synchronously; it must be awaited or eager-loaded."""


class ExpiredAttributeError(AormError):
    """An expired column attribute was read synchronously; it must be refreshed first."""


class DBAPIError(AormError):
    """The database or its driver refused an operation; the driver's error is ``__cause__``.

    What the database named, where it did (mostly for :class:`IntegrityError`):
    :attr:`constraint`, :attr:`table` and :attr:`columns`; None / empty when
    the backend does not say (SQLite names no constraint for UNIQUE and NOT
    NULL, only the table and columns).
    """

    def __init__(
        self,
        message: str,
        *,
        statement: str | None = None,
        constraint: str | None = None,
        table: str | None = None,
        columns: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        #: The SQL that failed, as sent to the driver (None outside a statement).
        self.statement = statement
        #: The name of the violated constraint, when the database gives it.
        self.constraint = constraint
        #: The table the error is about, when the database gives it.
        self.table = table
        #: The columns the error is about (a unique key's, a NOT NULL column), if known.
        self.columns = columns

    @property
    def constraint_name(self) -> str | None:
        """Same as :attr:`constraint` (asyncpg's name for it)."""
        return self.constraint

    @property
    def table_name(self) -> str | None:
        """Same as :attr:`table` (asyncpg's name for it)."""
        return self.table


class InterfaceError(DBAPIError):
    """The driver interface was misused."""


class DatabaseError(DBAPIError):
    """The database reported an error."""


class DataError(DatabaseError):
    """A value does not fit its column's type, or is invalid for it."""


class OperationalError(DatabaseError):
    """The database could not carry out the operation (locks, resources, connection)."""


class DisconnectionError(OperationalError):
    """The connection died mid-use; it has been invalidated and will be replaced."""


class IntegrityError(DatabaseError):
    """A constraint (unique, foreign key, not null, check) was violated."""


class InternalError(DatabaseError):
    """The database reported an internal error."""


class ProgrammingError(DatabaseError):
    """The SQL was wrong: syntax, unknown table or column, wrong parameter count."""


class NotSupportedError(DatabaseError):
    """The database does not support the requested feature."""


for _name in __all__:
    globals()[_name].__module__ = "aorm.exc"
del _name
