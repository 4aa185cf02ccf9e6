"""A small CRUD API over aorm with FastAPI: authors and their books.

Serve it with ``python -m uvicorn examples.fastapi_app:app`` from the
repository root (``pip install -e '.[examples]' uvicorn``). The database is
``DATABASE_URL`` from the environment, a SQLite file by default.

The parts that matter for any async web app:

* **one engine per process**, made when the app starts (the lifespan
  handler) and disposed of when it stops;
* **one session per request**, from an ``async_sessionmaker``, through a
  dependency that closes it when the request is done (rolling back what the
  handler did not commit);
* **eager loading in the handlers** (``selectinload(Author.books)``): the
  response is built from attributes, and attribute access never does IO.
"""

# --8<-- [start:imports]
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from aorm import (
    AsyncSession,
    DeclarativeBase,
    ForeignKey,
    Mapped,
    String,
    async_sessionmaker,
    create_engine,
    mapped_column,
    relationship,
    select,
)
from aorm.session import selectinload

DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///library.db")
# --8<-- [end:imports]


# --8<-- [start:models]
class Base(DeclarativeBase):
    """The app's declarative base: its tables are in ``Base.metadata``."""


class Author(Base):
    """A writer; deleting one deletes their books (``delete-orphan`` too)."""

    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    books: Mapped[list["Book"]] = relationship(
        back_populates="author", cascade="all, delete-orphan", order_by="Book.id"
    )


class Book(Base):
    """A book, written by one author."""

    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped["Author"] = relationship(back_populates="books")


# --8<-- [end:models]


# --8<-- [start:schemas]
# What the API reads and writes: pydantic models, apart from the mapped classes.
class AuthorIn(BaseModel):
    """The body of ``POST /authors``."""

    name: str = Field(min_length=1, max_length=100)


class BookIn(BaseModel):
    """The body of ``POST /authors/{author_id}/books``."""

    title: str = Field(min_length=1, max_length=200)


class BookOut(BaseModel):
    """A book, as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    author_id: int


class AuthorOut(BaseModel):
    """An author and their books, as the API returns them."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    books: list[BookOut]


# --8<-- [end:schemas]


# --8<-- [start:session]
async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for this request, closed when the request is done.

    Closing rolls back whatever the handler did not commit, and gives the
    connection back to the pool.
    """
    sessions: async_sessionmaker = request.app.state.sessionmaker
    async with sessions() as session:
        yield session


#: What a handler asks for to get the request's session.
SessionDep = Annotated[AsyncSession, Depends(get_session)]
# --8<-- [end:session]


# --8<-- [start:routes]
router = APIRouter()


@router.post("/authors", status_code=status.HTTP_201_CREATED)
async def create_author(body: AuthorIn, session: SessionDep) -> AuthorOut:
    """Add an author (with no books yet)."""
    # A new author's books are loaded (empty) after the flush that inserts it.
    author = Author(name=body.name)
    session.add(author)
    await session.commit()
    return AuthorOut.model_validate(author)


@router.get("/authors")
async def list_authors(session: SessionDep) -> list[AuthorOut]:
    """Every author with their books: two queries, however many authors there are."""
    authors = await session.scalars(
        select(Author).options(selectinload(Author.books)).order_by(Author.id)
    )
    return [AuthorOut.model_validate(author) for author in authors]


@router.get("/authors/{author_id}")
async def get_author(author_id: int, session: SessionDep) -> AuthorOut:
    """One author with their books; 404 if there is no such author."""
    author = await session.scalar(
        select(Author).where(Author.id == author_id).options(selectinload(Author.books))
    )
    if author is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no author with id {author_id}")
    return AuthorOut.model_validate(author)


@router.post("/authors/{author_id}/books", status_code=status.HTTP_201_CREATED)
async def add_book(author_id: int, body: BookIn, session: SessionDep) -> BookOut:
    """Add a book to an author; 404 if there is no such author."""
    author = await session.get(Author, author_id)
    if author is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no author with id {author_id}")
    # No session.add() needed: through the back_populates pair the book joins its
    # author's session (the save-update cascade), and the flush sets author_id.
    book = Book(title=body.title, author=author)
    await session.commit()
    return BookOut.model_validate(book)


@router.delete("/authors/{author_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_author(author_id: int, session: SessionDep) -> None:
    """Delete an author and, by cascade, their books; 404 if there is no such author."""
    author = await session.get(Author, author_id)
    if author is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no author with id {author_id}")
    await session.delete(author)  # loads the books first, to delete them too
    await session.commit()


# --8<-- [end:routes]


# --8<-- [start:app]
def create_app(database_url: str) -> FastAPI:
    """The API on the database at *database_url*, connected when the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One engine, and so one connection pool, for the whole process.
        engine = create_engine(database_url)
        try:
            # An example's shortcut: a real app creates its tables with migrations.
            await Base.metadata.create_all(engine)
            app.state.sessionmaker = async_sessionmaker(engine)
            yield
        finally:
            # Shutting down: close the pool's connections.
            await engine.dispose()

    app = FastAPI(title="Library", lifespan=lifespan)
    app.include_router(router)
    return app


app = create_app(DATABASE_URL)
# --8<-- [end:app]
