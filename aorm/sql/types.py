"""Column types: their DDL per dialect and how values cross the driver boundary."""

from __future__ import annotations

from typing import Any

from aorm.sql.compiled import Processor

__all__ = ["TypeEngine"]


class TypeEngine:
    """Base of every column type.

    A type answers three questions per dialect (``"sqlite"`` or
    ``"postgresql"``): its DDL, how a Python value is checked and converted on
    the way to the driver, and how a driver value is converted back. A
    processor of ``None`` means "pass through unchanged" and costs nothing.
    """

    #: The Python type values of this column have.
    python_type: type[Any] = object

    def ddl(self, dialect: str) -> str:
        """The column type as written in CREATE TABLE for *dialect*."""
        raise NotImplementedError

    def bind_processor(self, dialect: str, label: str) -> Processor | None:
        """Checks and converts a Python value for the driver.

        *label* (``"table.column"``) names the column in the
        :class:`~aorm.exc.DataError` raised for a value of the wrong type.
        """
        return None

    def result_processor(self, dialect: str) -> Processor | None:
        """Converts a driver value back to the Python value."""
        return None
