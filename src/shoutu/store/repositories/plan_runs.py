"""Runs of key places' response plans (triggered or drilled)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from shoutu.store.repositories.entities import insert_generated
from shoutu.store.tables import PlanRun, table

TABLE = table(PlanRun)


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    return insert_generated(conn, table=TABLE, key="run_id", rows=rows)


def get(conn: Connection, *, run_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(TABLE).where(TABLE.c.run_id == run_id)).mappings().first()
    return dict(row) if row else None


__all__ = ["add", "get"]
