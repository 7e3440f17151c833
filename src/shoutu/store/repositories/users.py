"""Web users and their sessions (the hash of each token only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, insert, select, update

from shoutu.store.repositories.entities import insert_generated
from shoutu.store.tables import User, UserSession, table

TABLE = table(User)
SESSIONS = table(UserSession)


def by_name(conn: Connection, *, username: str) -> dict[str, Any] | None:
    row = conn.execute(select(TABLE).where(TABLE.c.username == username)).mappings().first()
    return dict(row) if row else None


def listing(conn: Connection) -> list[dict[str, Any]]:
    """Every user, by name."""
    return [dict(r) for r in conn.execute(select(TABLE).order_by(TABLE.c.username)).mappings()]


def add(conn: Connection, *, values: dict[str, Any]) -> int:
    """A new user; the id comes from the database."""
    (user_id,) = insert_generated(conn, table=TABLE, key="user_id", rows=[values])
    return user_id


def change(conn: Connection, *, user_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(TABLE).where(TABLE.c.user_id == user_id).values(**values))


def count_failure(conn: Connection, *, user_id: int) -> int:
    """One more wrong password of the user, counted in the database; the count now."""
    statement = (
        update(TABLE)
        .where(TABLE.c.user_id == user_id)
        .values(failed_logins=TABLE.c.failed_logins + 1)
        .returning(TABLE.c.failed_logins)
    )
    return int(conn.execute(statement).scalar_one())


def add_session(conn: Connection, *, values: dict[str, Any]) -> None:
    conn.execute(insert(SESSIONS).values(**values))


def session(conn: Connection, *, token_hash: str, now: dt.datetime) -> dict[str, Any] | None:
    """The live session of this token (not ended, not expired) with its user's row."""
    statement = (
        select(TABLE, SESSIONS.c.expires_at, SESSIONS.c.created_at.label("session_created"))
        .join(SESSIONS, SESSIONS.c.user_id == TABLE.c.user_id)
        .where(
            SESSIONS.c.token_hash == token_hash,
            SESSIONS.c.ended_at.is_(None),
            SESSIONS.c.expires_at > now,
        )
    )
    row = conn.execute(statement).mappings().first()
    return dict(row) if row else None


def end_sessions(
    conn: Connection,
    *,
    at: dt.datetime,
    token_hash: str | None = None,
    user_id: int | None = None,
) -> int:
    """End a session (by its token's hash) or every live session of a user; how many."""
    statement = update(SESSIONS).where(SESSIONS.c.ended_at.is_(None))
    if token_hash is not None:
        statement = statement.where(SESSIONS.c.token_hash == token_hash)
    if user_id is not None:
        statement = statement.where(SESSIONS.c.user_id == user_id)
    return conn.execute(statement.values(ended_at=at)).rowcount


__all__ = [
    "add",
    "add_session",
    "by_name",
    "change",
    "count_failure",
    "end_sessions",
    "listing",
    "session",
]
