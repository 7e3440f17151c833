"""Mass-screening campaigns."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from shoutu.store.repositories.entities import insert_generated
from shoutu.store.tables import Campaign, table

TABLE = table(Campaign)


def add(conn: Connection, *, values: dict[str, Any]) -> int:
    """A new campaign; its id comes from the database."""
    return insert_generated(conn, table=TABLE, key="campaign_id", rows=[values])[0]


def by_name(conn: Connection, *, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(TABLE).where(TABLE.c.name == name)).mappings().first()
    return dict(row) if row else None


def listed(conn: Connection) -> list[dict[str, Any]]:
    """Every campaign, by id."""
    query = select(TABLE).order_by(TABLE.c.campaign_id)
    return [dict(r) for r in conn.execute(query).mappings()]


def names(conn: Connection) -> list[str]:
    return [str(v) for v in conn.execute(select(TABLE.c.name).order_by(TABLE.c.name)).scalars()]


__all__ = ["add", "by_name", "listed", "names"]
