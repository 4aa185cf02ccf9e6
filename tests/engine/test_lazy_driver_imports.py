"""``import aorm`` loads no database driver and no dialect: each is imported when its backend
is first used.

Run in a fresh interpreter (the test process has both drivers loaded
already), so ``sys.modules`` shows what aorm itself imported.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    import aorm
    from aorm import create_engine
    from aorm.sql.text import text

    def loaded():
        return sorted(m for m in ("asyncpg", "aiosqlite") if m in sys.modules)

    def dialects():
        names = ("aorm.dialects.postgresql", "aorm.dialects.sqlite")
        return sorted(m.rsplit(".", 1)[1] for m in names if m in sys.modules)

    print("import", *loaded())
    print("dialects", *dialects())

    async def main(url):
        engine = create_engine(url)
        try:
            print("engine", *loaded())
            async with engine.connect() as conn:
                result = await conn.execute(text("SELECT 1 + 1"))
                print("value", result.scalar())
        finally:
            await engine.dispose()
        print("used", *loaded())
        print("dialects", *dialects())

    asyncio.run(main(sys.argv[1]))
    """
)


def _run(url: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_drivers_are_imported_only_by_their_backend(db_url: str, backend: str) -> None:
    lines = _run(db_url)
    driver = "aiosqlite" if backend == "sqlite" else "asyncpg"
    # Neither is loaded by the import nor by making an engine (no connection yet).
    assert lines[0] == "import"
    assert lines[2] == "engine"
    assert lines[3] == "value 2"
    # Using the engine loads its own driver, and only that one.
    assert lines[4] == f"used {driver}"


def test_dialects_are_imported_only_by_their_backend(db_url: str, backend: str) -> None:
    lines = _run(db_url)
    assert lines[1] == "dialects"
    assert lines[-1] == f"dialects {backend}"


def test_the_dialect_classes_still_import_by_name() -> None:
    from aorm.dialects import PGDialect, SQLiteDialect
    from aorm.dialects.postgresql import PGDialect as Direct

    assert PGDialect is Direct
    assert SQLiteDialect.name == "sqlite"
