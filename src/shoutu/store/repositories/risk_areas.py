"""Risk areas."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, or_, select

from shoutu.store.tables import RiskArea, table

TABLE = table(RiskArea)


def active_counts(conn: Connection, *, at: dt.datetime) -> dict[str, int]:
    """Areas in force at ``at`` by level."""
    result = conn.execute(
        select(TABLE.c.level, func.count())
        .where(TABLE.c.start_time <= at, or_(TABLE.c.end_time.is_(None), TABLE.c.end_time > at))
        .group_by(TABLE.c.level)
    )
    return {str(level): int(n) for level, n in result}


__all__ = ["active_counts"]
