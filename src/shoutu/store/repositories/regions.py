"""Regions: the administrative tree's populations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from shoutu.store.tables import Region, table

TABLE = table(Region)


def get(conn: Connection, *, code: str) -> dict[str, Any] | None:
    row = conn.execute(select(TABLE).where(TABLE.c.code == code)).mappings().first()
    return dict(row) if row else None


def populations(conn: Connection) -> dict[str, Any]:
    """{region code: population (None when unknown)}."""
    return dict(conn.execute(select(TABLE.c.code, TABLE.c.population)).tuples().all())


def centroids(conn: Connection) -> dict[str, tuple[float, float]]:
    """{region code: (lat, lon)} of the regions that have both."""
    rows = conn.execute(
        select(TABLE.c.code, TABLE.c.lat, TABLE.c.lon).where(
            TABLE.c.lat.is_not(None), TABLE.c.lon.is_not(None)
        )
    )
    return {code: (float(lat), float(lon)) for code, lat, lon in rows}


def parents(conn: Connection) -> dict[str, str | None]:
    """{region code: its parent's code} of the whole tree."""
    return dict(conn.execute(select(TABLE.c.code, TABLE.c.parent_code)).tuples().all())


def of_level(conn: Connection, *, level: str) -> list[dict[str, Any]]:
    """The regions of one level (code, names, population, GeoJSON polygon), by code."""
    statement = (
        select(TABLE.c.code, TABLE.c.name_zh, TABLE.c.name_en, TABLE.c.population, TABLE.c.polygon)
        .where(TABLE.c.level == level)
        .order_by(TABLE.c.code)
    )
    return [dict(r) for r in conn.execute(statement).mappings()]


__all__ = ["centroids", "of_level", "parents", "populations"]
