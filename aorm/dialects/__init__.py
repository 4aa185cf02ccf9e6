"""Backends: SQLite over aiosqlite, PostgreSQL over asyncpg."""
