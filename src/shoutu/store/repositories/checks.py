"""Daily health checks (temperature and symptoms) of people under control."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from shoutu.store.repositories.entities import insert_generated, rows_in
from shoutu.store.tables import HealthCheck, table

TABLE = table(HealthCheck)


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    """New checks; their ids come from the database."""
    return insert_generated(conn, table=TABLE, key="check_id", rows=rows)


def of_people(
    conn: Connection, *, person_ids: Sequence[int], start: dt.datetime, end: dt.datetime
) -> dict[int, list[dict[str, Any]]]:
    """Checks of these people with ``start <= check_time < end``, by person, oldest first."""

    def statement(chunk: Sequence[Any]) -> Any:
        return (
            select(TABLE)
            .where(
                TABLE.c.person_id.in_(chunk),
                TABLE.c.check_time >= start,
                TABLE.c.check_time < end,
            )
            .order_by(TABLE.c.check_time)
        )

    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows_in(conn, statement, person_ids):
        found.setdefault(int(row["person_id"]), []).append(dict(row))
    return found


def at_times(
    conn: Connection, *, keys: Sequence[tuple[int, dt.datetime]]
) -> dict[tuple[int, dt.datetime], dict[str, Any]]:
    """The stored checks of these (person, check time) keys, by key."""
    if not keys:
        return {}
    times = [t for _, t in keys]
    found = of_people(
        conn,
        person_ids=sorted({p for p, _ in keys}),
        start=min(times),
        end=max(times) + dt.timedelta(microseconds=1),
    )
    wanted = set(keys)
    return {
        (person, row["check_time"]): row
        for person, rows in found.items()
        for row in rows
        if (person, row["check_time"]) in wanted
    }


__all__ = ["add", "at_times", "of_people"]
