"""A tiny to-do app: the code the example's tests exercise.

Its functions take the session they work in, as application code does when
a web framework or a unit of work hands it one; they commit and roll back
as they see fit. The tests (``test_app.py``) give them ``aorm_session``,
whose commits and rollbacks stay inside a transaction thrown away after
each test.
"""

from __future__ import annotations

from collections.abc import Sequence

from aorm.orm import DeclarativeBase, Mapped, mapped_column
from aorm.session import AsyncSession
from aorm.sql import String, select


class Base(DeclarativeBase):
    """The app's declarative base: its ``metadata`` holds the app's tables."""


class Task(Base):
    """Something to do."""

    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(default=False)


async def add_task(session: AsyncSession, title: str) -> Task:
    """Add a task and commit it."""
    task = Task(title=title)
    session.add(task)
    await session.commit()
    return task


async def rename_task(session: AsyncSession, task_id: int, title: str) -> bool:
    """Rename a task; a blank title is refused and the change rolled back."""
    task = await session.get(Task, task_id)
    if task is None:
        return False
    task.title = title
    if not title.strip():
        await session.rollback()
        return False
    await session.commit()
    return True


async def titles(session: AsyncSession, task_ids: Sequence[int]) -> list[str]:
    """The titles of the tasks *task_ids*, in that order, read in one query."""
    rows = await session.execute(select(Task.id, Task.title).where(Task.id.in_(task_ids)))
    by_id = {task_id: title for task_id, title in rows.all()}
    return [by_id[task_id] for task_id in task_ids]
