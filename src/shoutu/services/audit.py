"""Reading the audit trail."""

from __future__ import annotations

from typing import Any

from shoutu.services.context import ServiceContext
from shoutu.store.repositories import audit


def recent(
    ctx: ServiceContext,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Audit events, newest first, as JSON-ready dicts."""
    with ctx.engine.connect() as conn:
        rows = audit.recent(conn, entity=entity, entity_id=entity_id, actor=actor, limit=limit)
    return [{**row, "at": row["at"].isoformat(), "action": str(row["action"])} for row in rows]
