"""Risk areas."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from shoutu.store.tables import RiskArea, table

TABLE = table(RiskArea)


def active_counts(conn: Connection) -> dict[str, int]:
    """Areas in force by level."""
    result = conn.execute(
        select(TABLE.c.level, func.count())
        .where(TABLE.c.end_time.is_(None))
        .group_by(TABLE.c.level)
    )
    return {str(level): int(n) for level, n in result}


__all__ = ["active_counts"]
