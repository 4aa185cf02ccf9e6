"""The workloads: what each one does, at what size, and what a correct run returns.

Sizes are the nominal ones at ``--scale 1``; ``Workload.plan(scale)`` scales
them (never below one). The scaling study reuses ``insert`` and ``load`` at
1,000 / 10,000 / 100,000 objects: ``insert_1k`` and ``insert`` differ only in
size, so a cost per object that grows with the size shows a quadratic step.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from contract import (
    BACKENDS,
    Backend,
    NewAuthor,
    author_checksum,
    book_checksum,
    new_author,
    new_book,
)

__all__ = [
    "WORKLOADS",
    "Plan",
    "Workload",
    "workload",
]

Function = Literal[
    "insert", "load", "get", "update", "delete", "eager", "concurrent", "pool", "stream"
]


@dataclass(frozen=True)
class Plan:
    """One workload at one scale: what to seed, what to pass, what to expect.

    ``authors`` and ``books_per_author`` are the seeded rows (``insert`` and
    ``pool`` start from empty tables); ``objects`` is what the cost per object
    divides by; ``queries`` is what throughput counts.
    """

    workload: Workload
    authors: int = 0
    books_per_author: int = 0
    objects: int = 0
    queries: int = 0
    get_ids: tuple[int, ...] = ()
    per_session: int = 0
    batches: tuple[tuple[int, ...], ...] = ()
    tasks: int = 0
    per_task: int = 0
    pool_size: int = 0

    def arguments(self) -> tuple[object, ...]:
        """The workload function's arguments after ``(db, clock)``."""
        match self.workload.function:
            case "insert":
                return (self.new_authors(),)
            case "get":
                return (self.get_ids, self.per_session)
            case "concurrent":
                return (self.batches, self.pool_size)
            case "pool":
                return (self.tasks, self.per_task, self.pool_size)
            case _:
                return ()

    def new_authors(self) -> list[NewAuthor]:
        """The rows ``insert`` adds (the same values a seeded author of that id has)."""
        return [new_author(number) for number in range(1, self.objects + 1)]

    def expected_rows(self) -> int:
        """``Outcome.rows`` of a correct run."""
        if self.workload.function == "eager":
            return self.authors * self.books_per_author
        if self.workload.function in ("get", "concurrent", "pool"):
            return self.queries
        return self.objects

    def expected_checksum(self) -> int | None:
        """``Outcome.checksum`` of a correct run, or ``None`` where it is not defined."""
        match self.workload.function:
            case "load" | "stream":
                return _seeded_author_sum(self.authors)
            case "get":
                return _author_sum(self.get_ids)
            case "concurrent":
                return _author_sum(key for batch in self.batches for key in batch)
            case "pool":
                return self.queries
            case "eager":
                return _seeded_author_sum(self.authors) + sum(
                    book_checksum(book_id, author_id, *new_book(book_id, author_id))
                    for book_id, author_id in self.books()
                )
            case _:
                return None

    def books(self) -> list[tuple[int, int]]:
        """``(book id, author id)`` of every seeded book, ids from 1."""
        return [
            (index * self.books_per_author + offset + 1, index + 1)
            for index in range(self.authors)
            for offset in range(self.books_per_author)
        ]


def _author_sum(ids: Iterable[int]) -> int:
    return sum(author_checksum(key, *new_author(key)) for key in ids)


@functools.cache
def _seeded_author_sum(count: int) -> int:
    # Computed once per size: a million authors take a second or two.
    return _author_sum(range(1, count + 1))


@dataclass(frozen=True)
class Workload:
    """A named workload: its system function, nominal sizes and the backends it runs on."""

    key: str
    function: Function
    title: str
    size: int
    books_per_author: int = 0
    tasks: int = 0
    per_session: int = 0
    pool_size: int = 0
    scaling: bool = False
    backends: tuple[Backend, ...] = field(default=BACKENDS)

    @property
    def throughput(self) -> bool:
        """Whether the report gives queries per second for it."""
        return self.function in ("concurrent", "pool")

    def plan(self, scale: float) -> Plan:
        """This workload's sizes at ``scale`` (each at least one)."""
        size = max(1, round(self.size * scale))
        match self.function:
            case "insert" | "load" | "update" | "delete" | "stream":
                seeded = 0 if self.function == "insert" else size
                return Plan(self, authors=seeded, objects=size)
            case "get":
                ids = list(range(1, size + 1))
                # A fixed shuffle: the same order for every system, no cache-friendly run.
                random.Random(size).shuffle(ids)
                return Plan(
                    self,
                    authors=size,
                    objects=size,
                    queries=size,
                    get_ids=tuple(ids),
                    per_session=self.per_session,
                )
            case "eager":
                return Plan(
                    self,
                    authors=size,
                    books_per_author=self.books_per_author,
                    objects=size * (1 + self.books_per_author),
                )
            case "concurrent":
                batches = tuple(
                    tuple(range(task * size + 1, (task + 1) * size + 1))
                    for task in range(self.tasks)
                )
                return Plan(
                    self,
                    authors=self.tasks * size,
                    objects=self.tasks * size,
                    queries=self.tasks * size,
                    batches=batches,
                    pool_size=self.pool_size,
                )
            case "pool":
                return Plan(
                    self,
                    objects=self.tasks * size,
                    queries=self.tasks * size,
                    tasks=self.tasks,
                    per_task=size,
                    pool_size=self.pool_size,
                )


WORKLOADS: tuple[Workload, ...] = (
    Workload("insert", "insert", "insert 10,000 authors, one commit", 10_000, scaling=True),
    Workload("load", "load", "load 10,000 authors in one query", 10_000, scaling=True),
    Workload(
        "get",
        "get",
        "2,000 gets by primary key, a fresh session every 100",
        2_000,
        per_session=100,
    ),
    Workload("update", "update", "load 10,000, change one attribute each, commit", 10_000),
    Workload("delete", "delete", "load 10,000, delete each, commit", 10_000),
    Workload(
        "eager",
        "eager",
        "1,000 authors x 10 books, selectin eager load",
        1_000,
        books_per_author=10,
    ),
    Workload(
        "concurrent",
        "concurrent",
        "200 tasks x 20 gets by key, pool of 10",
        20,
        tasks=200,
        pool_size=10,
    ),
    Workload(
        "pool",
        "pool",
        "100 tasks x 200 (acquire, SELECT 1, release), pool of 10",
        200,
        tasks=100,
        pool_size=10,
        backends=("postgresql",),
    ),
    Workload("insert_1k", "insert", "insert 1,000 authors, one commit", 1_000, scaling=True),
    Workload("insert_100k", "insert", "insert 100,000 authors, one commit", 100_000, scaling=True),
    Workload("load_1k", "load", "load 1,000 authors in one query", 1_000, scaling=True),
    Workload("load_100k", "load", "load 100,000 authors in one query", 100_000, scaling=True),
    Workload("stream", "stream", "stream 1,000,000 authors", 1_000_000),
)


def workload(key: str) -> Workload:
    """The workload named ``key``; raises ``KeyError`` naming the known ones."""
    for candidate in WORKLOADS:
        if candidate.key == key:
            return candidate
    known = ", ".join(w.key for w in WORKLOADS)
    raise KeyError(f"unknown workload {key!r}; known: {known}")
