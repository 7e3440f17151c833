"""Facts about the store itself (``store_meta``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, select

from shoutu.store.tables import StoreMeta, table

TABLE = table(StoreMeta)


def get(conn: Connection, *, key: str) -> str | None:
    value = conn.execute(select(TABLE.c.value).where(TABLE.c.key == key)).scalar_one_or_none()
    return None if value is None else str(value)


def put(conn: Connection, *, key: str, value: str, at: dt.datetime, by: str) -> None:
    """Set ``key`` (insert or replace)."""
    row = {"value": value, "updated_at": at, "updated_by": by}
    done = conn.execute(TABLE.update().where(TABLE.c.key == key).values(**row))
    if done.rowcount == 0:
        conn.execute(TABLE.insert().values(key=key, **row))


__all__ = ["get", "put"]
