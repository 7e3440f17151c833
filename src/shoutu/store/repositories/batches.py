"""The ledger of event batches with a registry side."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, select, update

from shoutu.store.tables import StoredBatch, table

TABLE = table(StoredBatch)


def stored(conn: Connection, *, kind: str, batch: str, values: dict[str, Any]) -> None:
    """Record a batch as stored and not yet processed (again: processed no more)."""
    found = conn.execute(
        select(TABLE.c.batch).where(TABLE.c.kind == kind, TABLE.c.batch == batch)
    ).first()
    if found is None:
        conn.execute(TABLE.insert().values(kind=kind, batch=batch, **values))
        return
    conn.execute(
        update(TABLE)
        .where(TABLE.c.kind == kind, TABLE.c.batch == batch)
        .values(
            processed_at=None,
            rows=values["rows"],
            stored_at=values["stored_at"],
            updated_at=values["updated_at"],
            updated_by=values["updated_by"],
        )
    )


def forget(conn: Connection, *, kind: str, batch: str) -> None:
    """Drop a batch none of whose events were stored (a crash before the event write)."""
    conn.execute(TABLE.delete().where(TABLE.c.kind == kind, TABLE.c.batch == batch))


def processed(conn: Connection, *, kind: str, batch: str, at: dt.datetime, by: str) -> None:
    conn.execute(
        update(TABLE)
        .where(TABLE.c.kind == kind, TABLE.c.batch == batch)
        .values(processed_at=at, updated_at=at, updated_by=by)
    )


def is_processed(conn: Connection, *, kind: str, batch: str) -> bool:
    found = conn.execute(
        select(TABLE.c.processed_at).where(TABLE.c.kind == kind, TABLE.c.batch == batch)
    ).first()
    return found is not None and found[0] is not None


def unprocessed(
    conn: Connection, *, kind: str, before: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Batches of ``kind`` stored but not processed (stored before ``before``, if given: an
    import still running is not a crashed one), oldest first."""
    statement = select(TABLE).where(TABLE.c.kind == kind, TABLE.c.processed_at.is_(None))
    if before is not None:
        statement = statement.where(TABLE.c.stored_at < before)
    rows = conn.execute(statement.order_by(TABLE.c.stored_at)).mappings()
    return [dict(r) for r in rows]


__all__ = ["forget", "is_processed", "processed", "stored", "unprocessed"]
