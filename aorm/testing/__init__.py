"""Testing with aorm: the pytest plugin and query counting.

The plugin (:mod:`aorm.testing.plugin`, loaded by pytest through the
``pytest11`` entry point) gives tests a database and an ``aorm_session``
whose work is rolled back after each test; :func:`count_queries` and
:func:`assert_queries` pin how many statements a piece of code sends::

    from aorm.testing import assert_queries, count_queries

    with assert_queries(session, 2):  # fails listing the statements if not 2
        authors = (await session.scalars(select(Author).options(selectinload(Author.books)))).all()

    with count_queries(engine) as counter:
        await session.get(Author, 1)
    print(counter.count, counter.statements)

Importing this package does not import pytest.
"""

from __future__ import annotations

from aorm.testing.query_counter import (
    CapturedStatement,
    CountTarget,
    QueryCounter,
    assert_queries,
    count_queries,
)

__all__ = ["CapturedStatement", "CountTarget", "QueryCounter", "assert_queries", "count_queries"]
