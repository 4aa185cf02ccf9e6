"""``Row``: one result row, a tuple with column access by name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Generic, overload

from aorm._typing import RowT
from aorm.exc import InvalidStateError

__all__ = ["Row", "RowKeys", "RowMapping", "row_keys"]

# RowKeys by column names: most results repeat a few shapes, and building the
# name -> position map for every execution would cost more than the lookup.
_ROW_KEYS: dict[tuple[str, ...], RowKeys] = {}
_ROW_KEYS_LIMIT = 1024


class RowKeys:
    """The column names of a result, with a name → position map shared by its rows."""

    __slots__ = ("index", "keys")

    def __init__(self, keys: Sequence[str]) -> None:
        #: Column names, in order.
        self.keys: tuple[str, ...] = tuple(keys)
        # The first column of a name wins, as in SQL.
        index: dict[str, int] = {}
        for position, key in enumerate(self.keys):
            index.setdefault(key, position)
        #: Name → position.
        self.index = index

    def position(self, key: str) -> int:
        """The position of column *key*; ``KeyError`` naming the columns if absent."""
        try:
            return self.index[key]
        except KeyError:
            raise KeyError(
                f"no column {key!r} in this row; columns: {', '.join(self.keys) or '(none)'}"
            ) from None


def row_keys(keys: Sequence[str]) -> RowKeys:
    """The (shared, immutable in use) :class:`RowKeys` for *keys*."""
    names = keys if type(keys) is tuple else tuple(keys)
    found = _ROW_KEYS.get(names)
    if found is None:
        if len(_ROW_KEYS) >= _ROW_KEYS_LIMIT:
            _ROW_KEYS.clear()
        found = _ROW_KEYS[names] = RowKeys(names)
    return found


class Row(Sequence[Any], Generic[RowT]):
    """A result row: a tuple (index, unpack, compare with tuples) with named access.

    ``row[0]``, ``row.name``, ``row["name"]`` and ``row._mapping["name"]`` all
    work; ``row._fields`` lists the names. For type checkers a row is generic
    over its shape (``Row[tuple[int, str]]``); :meth:`_tuple` gives the values
    with that type.
    """

    __slots__ = ("_data", "_meta")

    _data: tuple[Any, ...]
    _meta: RowKeys

    def __init__(self, meta: RowKeys, data: tuple[Any, ...]) -> None:
        # Straight to the slots: ``__setattr__`` refuses writes (and would cost
        # a Python-level call per attribute for every row of every result).
        _set_meta(self, meta)
        _set_data(self, data)

    @overload
    def __getitem__(self, key: int) -> Any: ...

    @overload
    def __getitem__(self, key: str) -> Any: ...

    @overload
    def __getitem__(self, key: slice) -> tuple[Any, ...]: ...

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, str):
            return self._data[self._meta.position(key)]
        return self._data[key]

    def __getattr__(self, name: str) -> Any:
        if name in ("_data", "_meta"):
            # Not yet set (e.g. while unpickling): no recursion into ourselves.
            raise AttributeError(name)
        position = self._meta.index.get(name)
        if position is None:
            raise AttributeError(
                f"Row has no column {name!r}; columns: {', '.join(self._meta.keys) or '(none)'}"
            )
        return self._data[position]

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("_data", "_meta"):
            object.__setattr__(self, name, value)
            return
        raise InvalidStateError("a Row is read-only")

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._data)

    def __contains__(self, value: object) -> bool:
        return value in self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Row):
            return self._data == other._data
        if isinstance(other, tuple):
            return self._data == other
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __lt__(self, other: object) -> bool:
        if isinstance(other, Row):
            return self._data < other._data
        if isinstance(other, tuple):
            return self._data < other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._data)

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_row, (self._meta.keys, self._data))

    @property
    def _fields(self) -> tuple[str, ...]:
        """The column names."""
        return self._meta.keys

    @property
    def _mapping(self) -> RowMapping:
        """A read-only mapping view: column name → value."""
        return RowMapping(self._meta, self._data)

    def _asdict(self) -> dict[str, Any]:
        """A new ``dict`` of column name → value."""
        return dict(zip(self._meta.keys, self._data, strict=True))

    def _tuple(self) -> RowT:
        """The values as a plain tuple (typed by the statement: ``tuple[int, str]``)."""
        return self._data  # type: ignore[return-value]  # the shape is the statement's


# The slot descriptors, bound once: what ``Row.__init__`` writes through.
_set_meta = Row._meta.__set__  # type: ignore[attr-defined]
_set_data = Row._data.__set__  # type: ignore[attr-defined]


def _rebuild_row(keys: tuple[str, ...], data: tuple[Any, ...]) -> Row[Any]:
    return Row(RowKeys(keys), data)


class RowMapping(Mapping[str, Any]):
    """A row seen as a read-only mapping of column name → value."""

    __slots__ = ("_data", "_meta")

    def __init__(self, meta: RowKeys, data: tuple[Any, ...]) -> None:
        self._meta = meta
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[self._meta.position(key)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._meta.keys)

    def __len__(self) -> int:
        return len(self._meta.keys)

    def __contains__(self, key: object) -> bool:
        return key in self._meta.index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._data)

    def __repr__(self) -> str:
        return repr(dict(self.items()))
