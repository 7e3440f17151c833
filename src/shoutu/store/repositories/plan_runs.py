"""Runs of key places' response plans (triggered or drilled)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from shoutu.store.repositories.entities import insert_generated, rows_in
from shoutu.store.tables import PlanRun, table

TABLE = table(PlanRun)


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    return insert_generated(conn, table=TABLE, key="run_id", rows=rows)


def triggered(conn: Connection, *, place_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The runs (not drills) of these places' plans, oldest first."""
    statement = lambda chunk: (  # noqa: E731
        select(TABLE).where(TABLE.c.place_id.in_(chunk), TABLE.c.drill.is_(False))
    )
    return sorted((dict(r) for r in rows_in(conn, statement, place_ids)), key=lambda r: r["run_id"])


def get(conn: Connection, *, run_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(TABLE).where(TABLE.c.run_id == run_id)).mappings().first()
    return dict(row) if row else None


__all__ = ["add", "get", "triggered"]
