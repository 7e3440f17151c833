"""Cases' reclassifications (转归), each at its moment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from shoutu.store.repositories.entities import insert_generated, rows_in
from shoutu.store.tables import CaseReclassification, table

TABLE = table(CaseReclassification)


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    return insert_generated(conn, table=TABLE, key="reclassification_id", rows=rows)


def of_cases(conn: Connection, *, case_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """{case: its reclassifications, earliest first} of these cases."""
    statement = lambda chunk: (  # noqa: E731
        select(TABLE).where(TABLE.c.case_id.in_(chunk)).order_by(TABLE.c.at)
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows_in(conn, statement, case_ids):
        found.setdefault(int(row["case_id"]), []).append(dict(row))
    for changes in found.values():
        changes.sort(key=lambda r: r["at"])
    return found


def listing(conn: Connection, *, until: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Every reclassification (up to ``until``, inclusive), earliest first."""
    statement = select(TABLE).order_by(TABLE.c.at, TABLE.c.case_id)
    if until is not None:
        statement = statement.where(TABLE.c.at <= until)
    return [dict(r) for r in conn.execute(statement).mappings()]


__all__ = ["add", "listing", "of_cases"]
