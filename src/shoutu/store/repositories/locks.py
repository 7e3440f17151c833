"""Named locks that serialise one kind of writer for the rest of its transaction.

On PostgreSQL a transaction-scoped advisory lock (released at commit or rollback); SQLite
writers hold the database's write lock from their first statement (BEGIN IMMEDIATE), so
there is nothing more to take.
"""

from __future__ import annotations

from sqlalchemy import Connection, text


def serialise(conn: Connection, *, name: str) -> None:
    """Wait for, then hold until the transaction ends, the lock called ``name``."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


__all__ = ["serialise"]
