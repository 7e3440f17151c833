"""Responsibility rules (四方责任): who answers for a kind of task in a region and below."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, update

from shoutu.store.repositories.entities import insert_generated
from shoutu.store.tables import Responsibility, table

TABLE = table(Responsibility)


def rules(conn: Connection) -> dict[tuple[str, str], dict[str, Any]]:
    """{(kind, region code): the rule}."""
    return {(r["kind"], r["region_code"]): dict(r) for r in conn.execute(select(TABLE)).mappings()}


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    return insert_generated(conn, table=TABLE, key="rule_id", rows=rows)


def change(conn: Connection, *, rule_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(TABLE).where(TABLE.c.rule_id == rule_id).values(**values))


__all__ = ["add", "change", "rules"]
