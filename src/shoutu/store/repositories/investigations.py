"""Cases' investigations (流调), one per case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, update

from shoutu.store.repositories.entities import insert_generated, rows_in
from shoutu.store.tables import Investigation, table

TABLE = table(Investigation)


def of_case(conn: Connection, *, case_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(TABLE).where(TABLE.c.case_id == case_id)).mappings().first()
    return dict(row) if row else None


def finished(conn: Connection, *, case_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """When each of these cases' investigations finished (finished ones only)."""
    statement = lambda chunk: select(TABLE.c.case_id, TABLE.c.finished_time).where(  # noqa: E731
        TABLE.c.case_id.in_(chunk), TABLE.c.finished_time.is_not(None)
    )
    return {int(r["case_id"]): r["finished_time"] for r in rows_in(conn, statement, case_ids)}


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    return insert_generated(conn, table=TABLE, key="investigation_id", rows=rows)


def change(conn: Connection, *, investigation_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(TABLE).where(TABLE.c.investigation_id == investigation_id).values(**values))


__all__ = ["add", "change", "finished", "of_case"]
