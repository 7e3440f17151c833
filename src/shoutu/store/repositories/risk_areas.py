"""Risk areas and the history of their changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, or_, select, update

from shoutu.domain.access import Jurisdiction
from shoutu.domain.vocabulary import AreaStatus
from shoutu.store.repositories.entities import insert_generated
from shoutu.store.repositories.jurisdiction import inside
from shoutu.store.tables import RiskArea, RiskAreaChange, table

TABLE = table(RiskArea)
CHANGES = table(RiskAreaChange)


def active_counts(conn: Connection, *, at: dt.datetime) -> dict[str, int]:
    """Areas in force at ``at`` by level (approved, begun, not ended)."""
    result = conn.execute(
        select(TABLE.c.level, func.count())
        .where(
            TABLE.c.status.in_([AreaStatus.APPROVED.value, AreaStatus.LIFTED.value]),
            TABLE.c.start_time <= at,
            or_(TABLE.c.end_time.is_(None), TABLE.c.end_time > at),
        )
        .group_by(TABLE.c.level)
    )
    return {str(level): int(n) for level, n in result}


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    """New areas; their ids come from the database."""
    return insert_generated(conn, table=TABLE, key="area_id", rows=rows)


def get(conn: Connection, *, area_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not area_ids:
        return {}
    rows = conn.execute(select(TABLE).where(TABLE.c.area_id.in_(list(area_ids)))).mappings()
    return {int(r["area_id"]): dict(r) for r in rows}


def listed(
    conn: Connection, *, within: Jurisdiction, statuses: Sequence[AreaStatus] | None = None
) -> list[dict[str, Any]]:
    """Areas in ``within`` (of the given statuses), by id."""
    query = select(TABLE).where(inside(TABLE.c.region_code, within)).order_by(TABLE.c.area_id)
    if statuses is not None:
        query = query.where(TABLE.c.status.in_([s.value for s in statuses]))
    return [dict(r) for r in conn.execute(query).mappings()]


def change(conn: Connection, *, area_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(TABLE).where(TABLE.c.area_id == area_id).values(**values))


def add_changes(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    return insert_generated(conn, table=CHANGES, key="change_id", rows=rows)


def changes(conn: Connection, *, until: dt.date | None = None) -> list[dict[str, Any]]:
    """The history of every area's changes (up to ``until``), by date and area."""
    query = select(CHANGES).order_by(CHANGES.c.date, CHANGES.c.area_id, CHANGES.c.change_id)
    if until is not None:
        query = query.where(CHANGES.c.date <= until)
    return [dict(r) for r in conn.execute(query).mappings()]


__all__ = ["active_counts", "add", "add_changes", "change", "changes", "get", "listed"]
