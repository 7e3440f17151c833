"""The append-only audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from shoutu.domain.vocabulary import AuditAction
from shoutu.store.repositories.entities import insert_rows, rows_in
from shoutu.store.tables import AuditEvent, AuditLink, table

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


def of_entities(
    conn: Connection, *, entity: str, entity_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """Every event of these rows of ``entity``, oldest first."""
    statement = lambda chunk: select(TABLE).where(  # noqa: E731
        TABLE.c.entity == entity, TABLE.c.entity_id.in_(chunk)
    )
    found = [dict(r) for r in rows_in(conn, statement, entity_ids)]
    return sorted(found, key=lambda r: r["event_id"])


LINKS = table(AuditLink)
ZERO = "0" * 64


def head(conn: Connection, *, lock: bool) -> str:
    """The chain's head: the last link's hash (``lock``: held until the transaction ends, so
    that links are made one at a time)."""
    statement = select(LINKS.c.head).order_by(LINKS.c.seq.desc()).limit(1)
    if lock and conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE audit_links IN EXCLUSIVE MODE")
    found = conn.execute(statement).scalar_one_or_none()
    return ZERO if found is None else str(found)


def linked(conn: Connection, *, units: Sequence[str]) -> set[str]:
    """Which of these units have their link already."""
    found = conn.execute(select(LINKS.c.unit).where(LINKS.c.unit.in_(list(units)))).scalars()
    return {str(u) for u in found}


def add_link(conn: Connection, *, values: dict[str, Any]) -> None:
    conn.execute(LINKS.insert().values(**values))


def unlinked_units(conn: Connection) -> list[tuple[str, int, str]]:
    """(unit, events, last hash) of units whose events have no link (a writer that died
    between its commit and its link), oldest first."""
    units = conn.execute(
        select(TABLE.c.unit, func.count(), func.max(TABLE.c.pos))
        .where(TABLE.c.unit.is_not(None), TABLE.c.unit.not_in(select(LINKS.c.unit)))
        .group_by(TABLE.c.unit)
        .order_by(func.min(TABLE.c.event_id))
    ).all()
    found = []
    for unit, count, top in units:
        last = conn.execute(
            select(TABLE.c.hash).where(TABLE.c.unit == unit, TABLE.c.pos == top)
        ).scalar_one()
        found.append((str(unit), int(count), str(last)))
    return found


def links(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(LINKS).order_by(LINKS.c.seq)).mappings()]


def unit_events(conn: Connection, *, unit: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(TABLE).where(TABLE.c.unit == unit).order_by(TABLE.c.pos))
    return [dict(r) for r in rows.mappings()]


def unchained_after_start(conn: Connection) -> int | None:
    """The first event without a unit written after the chain's first event (none can be:
    every write since goes through a unit), or None."""
    start = select(func.min(TABLE.c.event_id)).where(TABLE.c.unit.is_not(None)).scalar_subquery()
    found = conn.execute(
        select(func.min(TABLE.c.event_id)).where(TABLE.c.unit.is_(None), TABLE.c.event_id > start)
    ).scalar_one_or_none()
    return None if found is None else int(found)


def unchained(conn: Connection) -> int:
    """Events from before the chain began."""
    return int(
        conn.execute(
            select(func.count()).select_from(TABLE).where(TABLE.c.unit.is_(None))
        ).scalar_one()
    )
