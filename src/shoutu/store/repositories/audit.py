"""The append-only audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from shoutu.domain.vocabulary import AuditAction
from shoutu.store.repositories.entities import insert_rows
from shoutu.store.tables import AuditEvent, table

TABLE = table(AuditEvent)


def append(conn: Connection, *, events: Sequence[dict[str, Any]]) -> None:
    """Append audit events (dicts with at, actor, action, entity, entity_id, before, after)."""
    insert_rows(conn, table=TABLE, rows=events)


def recent(
    conn: Connection,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    action: AuditAction | None = None,
    since: dt.datetime | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    statement = select(TABLE)
    if entity is not None:
        statement = statement.where(TABLE.c.entity == entity)
    if entity_id is not None:
        statement = statement.where(TABLE.c.entity_id == entity_id)
    if actor is not None:
        statement = statement.where(TABLE.c.actor == actor)
    if action is not None:
        statement = statement.where(TABLE.c.action == action.value)
    if since is not None:
        statement = statement.where(TABLE.c.at >= since)
    statement = statement.order_by(TABLE.c.event_id.desc()).limit(limit)
    return [dict(row) for row in conn.execute(statement).mappings()]
