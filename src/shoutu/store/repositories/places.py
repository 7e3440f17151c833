"""Places: their types and regions."""

from __future__ import annotations

from sqlalchemy import Connection, select

from shoutu.store.tables import Place, table

TABLE = table(Place)


def types(conn: Connection) -> dict[int, str]:
    """Every place's type (its vocabulary value)."""
    return {
        int(p): getattr(kind, "value", str(kind))
        for p, kind in conn.execute(select(TABLE.c.place_id, TABLE.c.type))
    }


def regions(conn: Connection) -> dict[int, str]:
    """Every place's region code."""
    return dict(conn.execute(select(TABLE.c.place_id, TABLE.c.region_code)).tuples().all())


__all__ = ["regions", "types"]
