"""Contacts of index cases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from shoutu.store.repositories.entities import insert_generated
from shoutu.store.tables import Contact, table

TABLE = table(Contact)


def recorded(conn: Connection, *, index_case_id: int) -> set[tuple[Any, ...]]:
    """(person, kind, setting, place) of the contacts recorded for a case."""
    rows = conn.execute(
        select(TABLE.c.person_id, TABLE.c.kind, TABLE.c.setting, TABLE.c.place_id).where(
            TABLE.c.index_case_id == index_case_id
        )
    )
    return {
        (int(p), str(getattr(k, "value", k)), str(getattr(s, "value", s)), pl)
        for p, k, s, pl in rows
    }


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    """New contacts; their ids come from the database."""
    return insert_generated(conn, table=TABLE, key="contact_id", rows=rows)


__all__ = ["add", "recorded"]
