"""What a mapper maps: :class:`MapperAttribute` and its column kind, :class:`ColumnProperty`.

Relationships are the other kind (:mod:`aorm.orm.relationships`). Each
property knows its key and, once its class is mapped, its mapper and the
class-level attribute (the descriptor) that stands for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aorm.sql.schema import Column

if TYPE_CHECKING:
    from aorm.orm.attributes import InstrumentedAttribute
    from aorm.orm.mapper import Mapper

__all__ = ["ColumnProperty", "MapperAttribute"]


class MapperAttribute:
    """One mapped attribute of a class: a column or a relationship."""

    #: True for relationships, False for columns.
    is_relationship: bool = False

    def __init__(self) -> None:
        #: The attribute name on the class (set when the class is mapped).
        self.key: str = ""
        #: The mapper of the class this attribute belongs to.
        self.parent: Mapper[Any] | None = None
        #: The class-level descriptor for this attribute.
        self.attribute: InstrumentedAttribute[Any] | None = None

    @property
    def class_name(self) -> str:
        """``Class.attr``, for messages."""
        owner = self.parent.class_.__name__ if self.parent is not None else "?"
        return f"{owner}.{self.key}"


class ColumnProperty(MapperAttribute):
    """A column mapped to an attribute: ``mapper.attrs["name"].column``."""

    def __init__(self, column: Column) -> None:
        super().__init__()
        #: The table column; its SQL name may differ from :attr:`key`.
        self.column = column

    def __repr__(self) -> str:
        return f"ColumnProperty({self.class_name}, {self.column!r})"
