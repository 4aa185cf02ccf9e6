"""The awaited reads of :class:`~aorm.session.AsyncSession`: queries, get, refresh, merge, load.

Each is one operation of the session (see :mod:`aorm.session._guard`) and
hands the work to :mod:`aorm.session.executing` or
:mod:`aorm.session.cascades`. The overloads give a type checker each
result's row type, from the statement's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, cast, overload

from aorm.engine.async_result import AsyncResult, AsyncScalarResult
from aorm.engine.result import Result, ScalarResult
from aorm.exc import ArgumentError
from aorm.orm.attributes import InstrumentedAttribute
from aorm.session import cascades, executing
from aorm.session.query import Query
from aorm.session.state import InstanceState

if TYPE_CHECKING:
    from aorm.session.session import AsyncSession
    from aorm.sql.ddl import DDLElement
    from aorm.sql.dml import DMLStatement
    from aorm.sql.select import Select
    from aorm.sql.select_base import CompoundSelect
    from aorm.sql.text import TextClause

    # Every statement but a SELECT: its result is untyped. Listing them (rather
    # than taking Any) keeps a SELECT with an untyped column from matching
    # both overloads, which would make its whole result Any.
    _OtherStatement: TypeAlias = TextClause | DMLStatement | DDLElement | CompoundSelect

__all__ = ["SessionQueries", "check_attribute_names"]

ModelT = TypeVar("ModelT")
ValueT = TypeVar("ValueT")
# For type checkers: a statement's row shape, and its first column's type.
_RowT = TypeVar("_RowT", bound=tuple[Any, ...])
_T0 = TypeVar("_T0")


def _session(queries: SessionQueries) -> AsyncSession:
    # The one class these methods belong to.
    return cast("AsyncSession", queries)


class SessionQueries:
    """The query methods of :class:`~aorm.session.AsyncSession`, its only subclass."""

    __slots__ = ()

    if TYPE_CHECKING:

        def _operation(self, name: str) -> contextlib.AbstractContextManager[None]: ...

        def _own_state(self, obj: object, what: str) -> InstanceState: ...

    @overload
    async def execute(
        self,
        statement: Select[_RowT],
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> Result[_RowT]: ...

    @overload
    async def execute(
        self,
        statement: _OtherStatement,
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> Result[Any]: ...

    async def execute(
        self,
        statement: Any,
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> Result[Any]:
        """Run *statement* in the session's transaction (after an autoflush).

        ``select(Model)`` rows hold objects (through the identity map; the
        ``populate_existing`` execution option overwrites the loaded ones);
        bulk ``update()`` / ``delete()`` keep the identity map truthful (see
        :mod:`aorm.session.bulk`); anything else runs as on a connection.
        """
        with self._operation("execute"):
            return await executing.execute(_session(self), statement, params, execution_options)

    @overload
    async def scalars(
        self,
        statement: Select[tuple[_T0, *tuple[Any, ...]]],
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> ScalarResult[_T0]: ...

    @overload
    async def scalars(
        self,
        statement: _OtherStatement,
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> ScalarResult[Any]: ...

    async def scalars(
        self,
        statement: Any,
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> ScalarResult[Any]:
        """The first item of each row: ``(await session.scalars(select(User))).all()``."""
        with self._operation("scalars"):
            result = await executing.execute(_session(self), statement, params, execution_options)
        return result.scalars()

    @overload
    async def scalar(
        self,
        statement: Select[tuple[_T0, *tuple[Any, ...]]],
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> _T0 | None: ...

    @overload
    async def scalar(
        self,
        statement: _OtherStatement,
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> Any: ...

    async def scalar(
        self,
        statement: Any,
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> Any:
        """The first item of the first row, or None."""
        with self._operation("scalar"):
            result = await executing.execute(_session(self), statement, params, execution_options)
        return result.scalar()

    @overload
    async def stream(
        self,
        statement: Select[_RowT],
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
        chunk_size: int = 1000,
    ) -> AsyncResult[_RowT]: ...

    @overload
    async def stream(
        self,
        statement: _OtherStatement,
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
        chunk_size: int = 1000,
    ) -> AsyncResult[Any]: ...

    async def stream(
        self,
        statement: Any,
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
        chunk_size: int = 1000,
    ) -> AsyncResult[Any]:
        """Rows read *chunk_size* at a time while iterated (``async for row in result``).

        The rows must be read before the transaction ends.
        """
        with self._operation("stream"):
            return await executing.stream(
                _session(self), statement, params, execution_options, chunk_size
            )

    @overload
    async def stream_scalars(
        self,
        statement: Select[tuple[_T0, *tuple[Any, ...]]],
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
        chunk_size: int = 1000,
    ) -> AsyncScalarResult[_T0]: ...

    @overload
    async def stream_scalars(
        self,
        statement: _OtherStatement,
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
        chunk_size: int = 1000,
    ) -> AsyncScalarResult[Any]: ...

    async def stream_scalars(
        self,
        statement: Any,
        params: Any = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
        chunk_size: int = 1000,
    ) -> AsyncScalarResult[Any]:
        """The first item of each streamed row (see :meth:`stream`)."""
        with self._operation("stream_scalars"):
            result = await executing.stream(
                _session(self), statement, params, execution_options, chunk_size
            )
        return result.scalars()

    async def get(
        self,
        entity: type[ModelT],
        ident: Any,
        *,
        populate_existing: bool = False,
        with_for_update: bool | None = None,
    ) -> ModelT | None:
        """The *entity* object with primary key *ident* (a tuple for composite keys), or None.

        Answered from the identity map without SQL unless the object there
        is expired; otherwise loaded (after an autoflush).
        """
        with self._operation("get"):
            found: ModelT | None = await executing.get(
                _session(self),
                entity,
                ident,
                populate_existing=populate_existing,
                with_for_update=bool(with_for_update),
            )
            return found

    async def refresh(self, obj: object, attribute_names: Iterable[str] | None = None) -> None:
        """Reload *obj*'s attributes (all columns, or *attribute_names*) from the database.

        Unflushed changes to the reloaded attributes are discarded; they are
        no longer expired. Raises :class:`~aorm.exc.NoResultFound` if the row is gone.
        Refreshing every attribute expires the objects reached along
        ``refresh-expire`` cascades (they are not reloaded).
        """
        with self._operation("refresh"):
            state = self._own_state(obj, "refresh")
            names = None if attribute_names is None else list(attribute_names)
            if names is not None:
                check_attribute_names(state, names)
            related = (
                cascades.cascade_targets(_session(self), state, "refresh-expire")
                if names is None
                else []
            )
            await executing.refresh(_session(self), state, names)
            cascades.expire_states(_session(self), related)

    async def merge(self, obj: ModelT, *, load: bool = True) -> ModelT:
        """The session's copy of *obj*, with *obj*'s loaded column values copied onto it.

        Found in the identity map, else loaded by primary key (*load*), else
        a new pending object. *obj* itself is not added. Objects it reaches
        along ``merge`` cascades are merged too, and the copy refers to their
        copies.
        """
        with self._operation("merge"):
            merged: ModelT = await cascades.merge(_session(self), obj, load=load)
            return merged

    @overload
    async def load(self, obj: object, attribute: InstrumentedAttribute[ValueT]) -> ValueT: ...

    @overload
    async def load(self, obj: object, attribute: str) -> Any: ...

    async def load(self, obj: object, attribute: InstrumentedAttribute[Any] | str) -> Any:
        """The value of *obj*'s *attribute* (``Author.books`` or ``"books"``), loaded if needed.

        The typed twin of ``await obj.awaitable_attrs.books``: a type checker
        knows ``await session.load(author, Author.books)`` is a
        ``list[Book]``. No query when the value is loaded already.
        """
        with self._operation("load"):
            state = self._own_state(obj, "load")
            if isinstance(attribute, str):
                key = attribute
            else:
                if not isinstance(attribute, InstrumentedAttribute) or not isinstance(
                    obj, attribute.class_
                ):
                    raise ArgumentError(
                        f"load() takes an attribute of {type(obj).__name__} (or its name), "
                        f"not {attribute!r}"
                    )
                key = attribute.key
            return await executing.load_attribute(_session(self), state, key)

    async def _load_attribute(self, state: InstanceState, key: str) -> Any:
        """The value of *key* on *state*'s object, loading it if it is expired or unloaded."""
        with self._operation("awaitable_attrs"):
            return await executing.load_attribute(_session(self), state, key)

    def query(self, *entities: Any) -> Query[Any]:
        """A legacy query: ``await session.query(User).filter_by(name="x").all()``."""
        return Query(_session(self), entities)


def check_attribute_names(state: InstanceState, names: Sequence[str]) -> None:
    """ArgumentError naming those of *names* that are no mapped attribute of *state*'s class."""
    mapper = state.mapper
    unknown = [n for n in names if n not in mapper.attrs]
    if unknown:
        raise ArgumentError(
            f"{mapper.class_.__name__} has no mapped attribute {', '.join(map(repr, unknown))}"
        )
