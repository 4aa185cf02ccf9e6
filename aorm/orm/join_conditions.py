"""How two mapped tables join: a relationship's direction and column pairs, from foreign keys.

Given the parent table, the target table, an optional ``secondary``
(association) table and the hints a relationship may carry
(``foreign_keys=``, ``remote_side=``, ``primaryjoin=``/``secondaryjoin=``),
:func:`compute_join` finds the one foreign key path between them and returns
a :class:`JoinInfo`. No path, several paths, or hints that contradict the
schema raise :class:`~aorm.exc.MappingError` naming the relationship.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from aorm.exc import ArgumentError, MappingError
from aorm.sql import operators as ops
from aorm.sql.elements import BinaryExpression, BooleanClauseList, ColumnElement
from aorm.sql.expressions import and_
from aorm.sql.schema import Column, Table

__all__ = ["JoinInfo", "RelationshipDirection", "compute_join", "mirror_join"]

ColumnPair = tuple[Column, Column]


class RelationshipDirection(enum.Enum):
    """Which side holds the foreign key."""

    #: The target's rows refer to the parent (``Author.books``).
    ONETOMANY = "one-to-many"
    #: The parent's row refers to the target (``Book.author``).
    MANYTOONE = "many-to-one"
    #: Rows of a secondary table refer to both (``Article.tags``).
    MANYTOMANY = "many-to-many"


@dataclass(frozen=True, eq=False)
class JoinInfo:
    """The computed join of a relationship (see :class:`RelationshipProperty` for the meaning)."""

    direction: RelationshipDirection
    #: ``(local, remote)``: local is a parent table column; remote a target (or secondary) column.
    local_remote_pairs: tuple[ColumnPair, ...]
    #: For many-to-many: ``(target column, secondary column)``.
    secondary_pairs: tuple[ColumnPair, ...]
    primaryjoin: ColumnElement
    secondaryjoin: ColumnElement | None
    #: The columns holding the reference (foreign key side).
    foreign_columns: tuple[Column, ...]


def _has(columns: Sequence[Column], column: Column) -> bool:
    return any(c is column for c in columns)


def _describe(pairs: Sequence[ColumnPair]) -> str:
    return ", ".join(f"{fk.fullname} -> {ref.fullname}" for fk, ref in pairs)


def _links(referring: Table, referred: Table, where: str) -> dict[Hashable, list[ColumnPair]]:
    """Foreign key pairs ``(fk column, referenced column)`` from *referring* to *referred*."""
    groups: dict[Hashable, list[ColumnPair]] = {}
    for fk in referring.foreign_keys:
        if not fk.references(referred):
            continue
        try:
            target = fk.column
        except ArgumentError as exc:
            raise MappingError(f"{where}: {exc}") from exc
        if target.table is referred and fk.parent is not None:
            groups.setdefault(id(fk.constraint), []).append((fk.parent, target))
    return groups


def _filter(
    groups: dict[Hashable, list[ColumnPair]], foreign_keys: Sequence[Column] | None
) -> list[list[ColumnPair]]:
    if foreign_keys is None:
        return list(groups.values())
    kept = [[p for p in pairs if _has(foreign_keys, p[0])] for pairs in groups.values()]
    return [pairs for pairs in kept if pairs]


def _eq_pairs(expression: ColumnElement, where: str, what: str) -> list[ColumnPair]:
    """The ``column == column`` comparisons of an AND-ed join expression."""
    parts: list[ColumnElement]
    if isinstance(expression, BooleanClauseList) and expression.operator is ops.AND:
        parts = list(expression.clauses)
    else:
        parts = [expression]
    pairs: list[ColumnPair] = []
    for part in parts:
        if (
            isinstance(part, BinaryExpression)
            and part.operator is ops.EQ
            and isinstance(part.left, Column)
            and isinstance(part.right, Column)
        ):
            pairs.append((part.left, part.right))
    if not pairs:
        raise MappingError(f"{where}: {what} has no 'column == column' comparison to join on")
    return pairs


def _orient(
    pairs: Sequence[ColumnPair], foreign_keys: Sequence[Column] | None, where: str
) -> list[ColumnPair]:
    """Each pair as ``(foreign column, referenced column)``."""
    result: list[ColumnPair] = []
    for a, b in pairs:
        if foreign_keys is not None:
            a_fk, b_fk = _has(foreign_keys, a), _has(foreign_keys, b)
        else:
            a_fk, b_fk = a.references(b), b.references(a)
        if a_fk == b_fk:
            raise MappingError(
                f"{where}: cannot tell which of {a.fullname} and {b.fullname} is the foreign "
                "key column; give foreign_keys="
            )
        result.append((a, b) if a_fk else (b, a))
    return result


def _single_path(
    candidates: list[list[ColumnPair]], where: str, parent: Table, target: Table
) -> list[ColumnPair]:
    if not candidates:
        raise MappingError(
            f"{where}: no foreign key relates tables {parent.name!r} and {target.name!r}; "
            "add a ForeignKey, or give foreign_keys= / primaryjoin="
        )
    if len(candidates) > 1:
        paths = "; ".join(_describe(pairs) for pairs in candidates)
        raise MappingError(
            f"{where}: more than one foreign key path between tables {parent.name!r} and "
            f"{target.name!r} ({paths}); give foreign_keys= to choose one"
        )
    return candidates[0]


def _join_expression(pairs: Sequence[ColumnPair]) -> ColumnElement:
    criteria = [left == right for left, right in pairs]
    return criteria[0] if len(criteria) == 1 else and_(*criteria)


def compute_join(
    *,
    where: str,
    parent: Table,
    target: Table,
    secondary: Table | None = None,
    foreign_keys: Sequence[Column] | None = None,
    remote_side: Sequence[Column] | None = None,
    primaryjoin: ColumnElement | None = None,
    secondaryjoin: ColumnElement | None = None,
) -> JoinInfo:
    """The direction and column pairs of the relationship *where* (``Class.attr``)."""
    if secondary is not None:
        return _compute_secondary(
            where, parent, target, secondary, foreign_keys, primaryjoin, secondaryjoin
        )
    if secondaryjoin is not None:
        raise MappingError(f"{where}: secondaryjoin= needs secondary=")
    if primaryjoin is not None:
        pairs = _orient(_eq_pairs(primaryjoin, where, "primaryjoin"), foreign_keys, where)
    else:
        groups = _links(parent, target, where)
        if target is not parent:
            for key, value in _links(target, parent, where).items():
                groups.setdefault(("reverse", key), value)
        pairs = _single_path(_filter(groups, foreign_keys), where, parent, target)
    fk_columns = [fk for fk, _ in pairs]
    ref_columns = [ref for _, ref in pairs]
    if target is parent:
        if remote_side is None or all(_has(fk_columns, c) for c in remote_side):
            direction = RelationshipDirection.ONETOMANY
        elif all(_has(ref_columns, c) for c in remote_side):
            direction = RelationshipDirection.MANYTOONE
        else:
            raise MappingError(
                f"{where}: remote_side= must name the referenced columns (many-to-one: "
                f"{', '.join(c.fullname for c in ref_columns)}) or the foreign key columns "
                f"(one-to-many: {', '.join(c.fullname for c in fk_columns)})"
            )
    elif all(fk.table is parent for fk in fk_columns) and all(
        ref.table is target for ref in ref_columns
    ):
        direction = RelationshipDirection.MANYTOONE
    elif all(fk.table is target for fk in fk_columns) and all(
        ref.table is parent for ref in ref_columns
    ):
        direction = RelationshipDirection.ONETOMANY
    else:
        raise MappingError(
            f"{where}: the join ({_describe(pairs)}) must go between tables "
            f"{parent.name!r} and {target.name!r}, with the foreign key on one side"
        )
    if direction is RelationshipDirection.MANYTOONE:
        local_remote = tuple(pairs)
    else:
        local_remote = tuple((ref, fk) for fk, ref in pairs)
    return JoinInfo(
        direction=direction,
        local_remote_pairs=local_remote,
        secondary_pairs=(),
        primaryjoin=primaryjoin if primaryjoin is not None else _join_expression(local_remote),
        secondaryjoin=None,
        foreign_columns=tuple(fk_columns),
    )


def _secondary_side(
    where: str,
    secondary: Table,
    other: Table,
    join: ColumnElement | None,
    what: str,
    foreign_keys: Sequence[Column] | None,
    candidates: list[list[ColumnPair]],
) -> list[ColumnPair]:
    """``(secondary column, other table column)`` pairs for one side of a many-to-many."""
    if join is not None:
        pairs: list[ColumnPair] = []
        for a, b in _eq_pairs(join, where, what):
            if a.table is secondary and b.table is other:
                pairs.append((a, b))
            elif b.table is secondary and a.table is other:
                pairs.append((b, a))
            else:
                raise MappingError(
                    f"{where}: {what} compares {a.fullname} with {b.fullname}; it must "
                    f"compare columns of {secondary.name!r} with columns of {other.name!r}"
                )
        return pairs
    return _single_path(candidates, where, secondary, other)


def _compute_secondary(
    where: str,
    parent: Table,
    target: Table,
    secondary: Table,
    foreign_keys: Sequence[Column] | None,
    primaryjoin: ColumnElement | None,
    secondaryjoin: ColumnElement | None,
) -> JoinInfo:
    to_parent = _filter(_links(secondary, parent, where), foreign_keys)
    to_target = _filter(_links(secondary, target, where), foreign_keys)
    if parent is target and (primaryjoin is None or secondaryjoin is None):
        raise MappingError(
            f"{where}: a self-referential many-to-many through {secondary.name!r} needs "
            "primaryjoin= and secondaryjoin= to tell its two foreign keys apart"
        )
    parent_pairs = _secondary_side(
        where, secondary, parent, primaryjoin, "primaryjoin", foreign_keys, to_parent
    )
    target_pairs = _secondary_side(
        where, secondary, target, secondaryjoin, "secondaryjoin", foreign_keys, to_target
    )
    local_remote = tuple((ref, sec) for sec, ref in parent_pairs)
    secondary_pairs = tuple((ref, sec) for sec, ref in target_pairs)
    return JoinInfo(
        direction=RelationshipDirection.MANYTOMANY,
        local_remote_pairs=local_remote,
        secondary_pairs=secondary_pairs,
        primaryjoin=primaryjoin if primaryjoin is not None else _join_expression(local_remote),
        secondaryjoin=(
            secondaryjoin if secondaryjoin is not None else _join_expression(secondary_pairs)
        ),
        foreign_columns=tuple(sec for sec, _ in (*parent_pairs, *target_pairs)),
    )


def mirror_join(info: JoinInfo) -> JoinInfo:
    """The same join seen from the target's side (for a backref)."""
    direction: Any = {
        RelationshipDirection.ONETOMANY: RelationshipDirection.MANYTOONE,
        RelationshipDirection.MANYTOONE: RelationshipDirection.ONETOMANY,
        RelationshipDirection.MANYTOMANY: RelationshipDirection.MANYTOMANY,
    }[info.direction]
    if info.direction is RelationshipDirection.MANYTOMANY:
        assert info.secondaryjoin is not None
        return JoinInfo(
            direction=direction,
            local_remote_pairs=info.secondary_pairs,
            secondary_pairs=info.local_remote_pairs,
            primaryjoin=info.secondaryjoin,
            secondaryjoin=info.primaryjoin,
            foreign_columns=info.foreign_columns,
        )
    pairs = tuple((remote, local) for local, remote in info.local_remote_pairs)
    return JoinInfo(
        direction=direction,
        local_remote_pairs=pairs,
        secondary_pairs=(),
        primaryjoin=info.primaryjoin,
        secondaryjoin=None,
        foreign_columns=info.foreign_columns,
    )
