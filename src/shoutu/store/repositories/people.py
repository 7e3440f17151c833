"""Lookups of people that the generic entity functions do not cover."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from shoutu.store.tables import Person, table

TABLE = table(Person)


def by_id_hash(conn: Connection, *, id_type: str, id_hash: str) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(TABLE).where(TABLE.c.id_type == id_type, TABLE.c.id_number_hash == id_hash)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None
