"""Closed-loop stays (闭环管理): a worker in a site's loop, known by (person, start)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, update

from shoutu.store.repositories.entities import insert_generated, rows_in
from shoutu.store.tables import LoopStay, table

TABLE = table(LoopStay)


def stays_of(
    conn: Connection, *, person_ids: Sequence[int]
) -> dict[tuple[int, dt.datetime], dict[str, Any]]:
    """These people's stays, by (person, start)."""
    statement = lambda chunk: select(TABLE).where(TABLE.c.person_id.in_(chunk))  # noqa: E731
    return {
        (int(r["person_id"]), r["start_time"]): dict(r)
        for r in rows_in(conn, statement, person_ids)
    }


def touching(conn: Connection, *, before: dt.datetime) -> list[dict[str, Any]]:
    """The stays begun by ``before``, by person and start."""
    statement = (
        select(TABLE)
        .where(TABLE.c.start_time <= before)
        .order_by(TABLE.c.person_id, TABLE.c.start_time)
    )
    return [dict(r) for r in conn.execute(statement).mappings()]


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    return insert_generated(conn, table=TABLE, key="loop_id", rows=rows)


def change(conn: Connection, *, loop_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(TABLE).where(TABLE.c.loop_id == loop_id).values(**values))


__all__ = ["add", "change", "stays_of", "touching"]
