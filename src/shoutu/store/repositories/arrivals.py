"""Inbound travellers' arrivals (入境), known by (person, arrival time)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, update

from shoutu.store.repositories.entities import insert_generated, rows_in
from shoutu.store.tables import Arrival, table

TABLE = table(Arrival)


def of_people(conn: Connection, *, person_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The arrivals of these people, by person, oldest first."""

    def statement(chunk: Sequence[Any]) -> Any:
        return (
            select(TABLE)
            .where(TABLE.c.person_id.in_(chunk))
            .order_by(TABLE.c.arrival_time, TABLE.c.arrival_id)
        )

    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows_in(conn, statement, person_ids):
        found.setdefault(int(row["person_id"]), []).append(dict(row))
    return found


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    """New arrivals; their ids come from the database."""
    return insert_generated(conn, table=TABLE, key="arrival_id", rows=rows)


def change(conn: Connection, *, arrival_id: int, values: dict[str, Any]) -> None:
    """Set ``values`` on one arrival."""
    conn.execute(update(TABLE).where(TABLE.c.arrival_id == arrival_id).values(**values))


__all__ = ["add", "change", "of_people"]
