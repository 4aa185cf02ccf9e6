"""Running bulk ``update()`` / ``delete()`` through the session, keeping objects truthful.

See :mod:`aorm.session.bulk` for the strategies (``synchronize_session``
execution option: ``"auto"`` (default), ``"evaluate"``, ``"fetch"``,
``False``). Objects changed by a bulk statement are recorded in the
transaction like flushed ones, so a rollback expires (or restores) them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aorm.engine.result import Result
from aorm.exc import ArgumentError
from aorm.orm.mapper import Mapper
from aorm.session.bulk import Unevaluable, compile_value, compile_where, referenced_keys
from aorm.sql.dml import Delete, Update

if TYPE_CHECKING:
    from aorm.session.session import AsyncSession
    from aorm.session.state import InstanceState

__all__ = ["execute_bulk"]

_STRATEGIES = ("auto", "evaluate", "fetch", False)


def _set_pairs(statement: Update) -> list[tuple[Any, Any]]:
    # The SET list with onupdate= columns added, as the compiler writes it.
    return list(statement._effective_values())


class _Plan:
    """The evaluate strategy for one mapper: which objects match, what they become."""

    def __init__(
        self,
        mapper: Mapper[Any],
        where: Callable[[Mapping[str, Any]], Any],
        values: list[tuple[str, Callable[[Mapping[str, Any]], Any] | None]],
    ) -> None:
        self.mapper = mapper
        self.where = where
        self.values = values


def _evaluate_plan(
    statement: Update | Delete, mapper: Mapper[Any], states: list[InstanceState]
) -> _Plan:
    criteria = statement.where_criteria
    needed: set[str] = set()
    for criterion in criteria:
        needed |= referenced_keys(criterion, mapper)
    where = compile_where(criteria, mapper)
    values: list[tuple[str, Callable[[Mapping[str, Any]], Any] | None]] = []
    if isinstance(statement, Update):
        for column, element in _set_pairs(statement):
            key = mapper.column_to_key[column]
            try:
                values.append((key, compile_value(element, mapper)))
                needed |= referenced_keys(element, mapper)
            except Unevaluable:
                values.append((key, None))
    for state in states:
        obj = state.object
        if obj is None or not needed <= obj.__dict__.keys():
            raise Unevaluable("an object's attributes needed by the criteria are not loaded")
    return _Plan(mapper, where, values)


async def execute_bulk(
    session: AsyncSession,
    statement: Update | Delete,
    params: Any,
    options: Mapping[str, Any],
) -> Result:
    """Run bulk *statement* and bring the session's objects of its table in line."""
    sync = options.get("synchronize_session", "auto")
    if sync not in _STRATEGIES:
        raise ArgumentError(
            f"synchronize_session must be 'auto', 'evaluate', 'fetch' or False, not {sync!r}"
        )
    table = statement.table
    by_mapper: dict[int, list[InstanceState]] = {}
    mappers: dict[int, Mapper[Any]] = {}
    for state in session._identity_map.states():
        if state.mapper.table is table:
            by_mapper.setdefault(id(state.mapper), []).append(state)
            mappers[id(state.mapper)] = state.mapper
    conn = await session._connection()
    if sync is False or not by_mapper:
        return await conn.execute(statement, params)
    many = params is not None and not isinstance(params, Mapping)
    plans: list[_Plan] = []
    if sync != "fetch":
        try:
            if many:
                raise Unevaluable("several parameter sets")
            plans = [_evaluate_plan(statement, mappers[m], s) for m, s in by_mapper.items()]
        except Unevaluable as exc:
            if sync == "evaluate":
                raise ArgumentError(
                    f"synchronize_session='evaluate' cannot evaluate this statement in Python "
                    f"({exc}); use 'fetch'"
                ) from None
            plans = []
    if plans:
        matched: list[tuple[_Plan, InstanceState, list[tuple[str, Any]]]] = []
        for plan in plans:
            for state in by_mapper[id(plan.mapper)]:
                d = state.object.__dict__
                try:
                    if plan.where(d) is not True:
                        continue
                    new = [(k, _compute(f, d)) for k, f in plan.values]
                except Unevaluable:
                    new = [(k, _UNKNOWN) for k, _ in plan.values]
                matched.append((plan, state, new))
        result = await conn.execute(statement, params)
        for _plan, state, new in matched:
            _apply(session, state, statement, new)
        return result
    return await _fetch(session, conn, statement, params, by_mapper, mappers)


_UNKNOWN = object()


def _compute(evaluator: Callable[[Mapping[str, Any]], Any] | None, d: Mapping[str, Any]) -> Any:
    if evaluator is None:
        return _UNKNOWN
    return evaluator(d)


def _apply(
    session: AsyncSession,
    state: InstanceState,
    statement: Update | Delete,
    new: list[tuple[str, Any]],
) -> None:
    tx = session._ensure_transaction()
    obj = state.object
    if isinstance(statement, Delete):
        state.flushed_deleted = True
        state.reset_changes()
        if state.key is not None:
            session._identity_map.discard(state.key, obj)
        session._deleted.pop(state, None)
        tx.record_deleted(state)
        return
    was_modified = state.modified
    d = obj.__dict__
    known = [(k, v) for k, v in new if v is not _UNKNOWN]
    unknown = [k for k, v in new if v is _UNKNOWN]
    for key, value in known:
        d[key] = value
    state.discard_changes([k for k, _ in new])
    state.loaded_keys([k for k, _ in known])
    if unknown:
        state.expire(unknown)
    if was_modified and not state.modified:
        session._state_clean(state)
    tx.record_updated(state)


async def _fetch(
    session: AsyncSession,
    conn: Any,
    statement: Update | Delete,
    params: Any,
    by_mapper: dict[int, list[InstanceState]],
    mappers: dict[int, Mapper[Any]],
) -> Result:
    """The fetch strategy: RETURNING the keys (and new values) of the rows touched."""
    any_mapper = next(iter(mappers.values()))
    pk_columns = [any_mapper.columns[k] for k in any_mapper.pk_keys]
    set_columns = (
        [column for column, _ in _set_pairs(statement)] if isinstance(statement, Update) else []
    )
    user_width = len(statement.returning_columns)
    extended = statement.returning(*pk_columns, *set_columns)
    result = await conn.execute(extended, params)
    keys = result.keys()
    rows = result.tuples().all()
    npk = len(pk_columns)
    touched: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for row in rows:
        extra = row[user_width:]
        touched[tuple(extra[:npk])] = extra[npk:]
    for mapper_id, states in by_mapper.items():
        mapper = mappers[mapper_id]
        set_keys = [mapper.column_to_key[c] for c in set_columns]
        for state in states:
            if state.key is None or state.key[1:] not in touched:
                continue
            values = touched[state.key[1:]]
            _apply(session, state, statement, list(zip(set_keys, values, strict=True)))
    return Result(
        keys[:user_width],
        [row[:user_width] for row in rows],
        rowcount=result.rowcount,
        returns_rows=user_width > 0,
    )
