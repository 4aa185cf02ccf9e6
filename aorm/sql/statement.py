"""What every executable statement shares: generative copying, options and its cache key."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Self

from aorm.sql.cache_key import KeyContext
from aorm.sql.elements import (
    BindParameter,
    BooleanClauseList,
    ClauseElement,
    ColumnElement,
    coerce_where,
)
from aorm.sql.operators import AND

__all__ = ["Executable", "HasWhere"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class Executable(ClauseElement):
    """A statement that can be executed: SELECT, INSERT, UPDATE, DELETE.

    Statements are immutable; builder methods return changed copies. Loader
    options (:meth:`options`) and execution options (:meth:`execution_options`)
    are stored for higher layers and never change the SQL or the cache key.
    """

    _options: tuple[Any, ...] = ()
    _execution_options: Mapping[str, Any] = _EMPTY
    _key_memo: tuple[Hashable, list[BindParameter], bool] | None = None

    def _generate(self) -> Self:
        new = self.__class__.__new__(self.__class__)
        new.__dict__.update(self.__dict__)
        new._key_memo = None
        return new

    def options(self, *options: Any) -> Self:
        """A copy carrying more option objects (kept as they are; see :attr:`applied_options`)."""
        new = self._generate()
        new._options = self._options + options
        new._key_memo = self._key_memo  # options do not change the SQL
        return new

    @property
    def applied_options(self) -> tuple[Any, ...]:
        """The objects given to :meth:`options`, in order."""
        return self._options

    def execution_options(self, **options: Any) -> Self:
        """A copy carrying more execution options (merged over the current ones)."""
        new = self._generate()
        new._execution_options = MappingProxyType({**self._execution_options, **options})
        new._key_memo = self._key_memo
        return new

    def get_execution_options(self) -> dict[str, Any]:
        """The execution options given so far."""
        return dict(self._execution_options)

    def _key_parts(self) -> tuple[Hashable, list[BindParameter], bool]:
        memo = self._key_memo
        if memo is None:
            ctx = KeyContext()
            shape = self._gen_key(ctx)
            binds = ctx.binds
            memo = (shape, binds, any(b.callable_ is not None for b in binds))
            self._key_memo = memo
        return memo

    def _cache_key(self) -> tuple[Hashable, Sequence[Any]]:
        """The statement's shape and its values (Python defaults evaluated now), in slot order."""
        shape, binds, has_callables = self._key_parts()
        if has_callables:
            return shape, [b.value if b.callable_ is None else b.callable_() for b in binds]
        return shape, [b.value for b in binds]


class HasWhere(Executable):
    """``where()`` / ``filter()`` for SELECT, UPDATE and DELETE."""

    _where: tuple[ColumnElement, ...] = ()

    def where(self, *criteria: Any) -> Self:
        """Add WHERE criteria (ANDed with those already there)."""
        new = self._generate()
        new._where = self._where + tuple(coerce_where(c) for c in criteria)
        return new

    def filter(self, *criteria: Any) -> Self:
        """Same as :meth:`where`."""
        return self.where(*criteria)

    @property
    def where_criteria(self) -> tuple[ColumnElement, ...]:
        """The WHERE criteria, in order (ANDed)."""
        return self._where

    @property
    def whereclause(self) -> ColumnElement | None:
        """The WHERE criteria as one expression, or None."""
        if not self._where:
            return None
        if len(self._where) == 1:
            return self._where[0]
        return BooleanClauseList(AND, self._where)
