"""The ledger of event batches with a registry side."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, select, update

from shoutu.store.tables import StoredBatch, table

TABLE = table(StoredBatch)


def stored(conn: Connection, *, kind: str, batch: str, values: dict[str, Any]) -> None:
    """Record a batch as stored (again: its row is kept)."""
    found = conn.execute(
        select(TABLE.c.batch).where(TABLE.c.kind == kind, TABLE.c.batch == batch)
    ).first()
    if found is None:
        conn.execute(TABLE.insert().values(kind=kind, batch=batch, **values))


def processed(conn: Connection, *, kind: str, batch: str, at: dt.datetime, by: str) -> None:
    conn.execute(
        update(TABLE)
        .where(TABLE.c.kind == kind, TABLE.c.batch == batch)
        .values(processed_at=at, updated_at=at, updated_by=by)
    )


def unprocessed(conn: Connection, *, kind: str) -> list[dict[str, Any]]:
    """Batches of ``kind`` stored but not processed, oldest first."""
    rows = conn.execute(
        select(TABLE)
        .where(TABLE.c.kind == kind, TABLE.c.processed_at.is_(None))
        .order_by(TABLE.c.stored_at)
    ).mappings()
    return [dict(r) for r in rows]


__all__ = ["processed", "stored", "unprocessed"]
