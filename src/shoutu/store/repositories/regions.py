"""Regions: the administrative tree's populations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from shoutu.store.tables import Region, table

TABLE = table(Region)


def populations(conn: Connection) -> dict[str, Any]:
    """{region code: population (None when unknown)}."""
    return dict(conn.execute(select(TABLE.c.code, TABLE.c.population)).tuples().all())


__all__ = ["populations"]
