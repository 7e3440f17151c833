"""The one write path: every service that writes does so in a :func:`writing` unit, which
stamps rows (who changed them and when) and appends their audit events in the same
transaction. Reading the audit trail is here too.

Audit values never hold personal identifiers in plaintext: callers pass the row as stored
(ciphertexts are dropped) or the fields that changed.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from shoutu.domain.timeutil import utcnow
from shoutu.domain.vocabulary import AuditAction
from shoutu.services.context import ServiceContext
from shoutu.store.repositories import audit as repo

STAMPS = frozenset({"created_at", "updated_at", "updated_by"})


Masks = Mapping[str, Callable[[Any], Any]]


def jsonable(
    values: Mapping[str, Any], exclude: frozenset[str] = frozenset(), masks: Masks | None = None
) -> dict[str, Any]:
    """Audit-ready values: personal values masked by ``masks`` (column -> mask), dates as
    ISO text, vocabulary as its value, no ciphertexts, no stamps, no working values (keys
    starting ``_``)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name in exclude or name in STAMPS or name[0] == "_" or isinstance(value, bytes):
            continue
        if masks and name in masks and value is not None:
            out[name] = masks[name](value)
        elif isinstance(value, (dt.date, dt.datetime)):
            out[name] = value.isoformat()
        elif isinstance(value, enum.Enum):
            out[name] = value.value
        else:
            out[name] = value
    return out


@dataclass
class Unit:
    """One transaction's writes: ``conn`` to write with, ``now`` for every stamp, and the
    audit events to append when the unit ends."""

    ctx: ServiceContext
    conn: Connection
    now: dt.datetime
    detail: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def actor(self) -> str:
        return self.ctx.actor

    @property
    def stamp(self) -> dict[str, Any]:
        """The columns of a new row: created and updated now, by the actor."""
        return {"created_at": self.now, "updated_at": self.now, "updated_by": self.actor}

    @property
    def touch(self) -> dict[str, Any]:
        """The columns of a changed row."""
        return {"updated_at": self.now, "updated_by": self.actor}

    def event(
        self,
        action: AuditAction,
        entity: str,
        entity_id: Any,
        *,
        before: Any = None,
        after: Any = None,
        detail: str | None = None,
    ) -> None:
        self.events.append(
            {
                "at": self.now,
                "actor": self.actor,
                "action": action,
                "entity": entity,
                "entity_id": str(entity_id),
                "before": jsonable(before) if isinstance(before, Mapping) else before,
                "after": jsonable(after) if isinstance(after, Mapping) else after,
                "detail": detail if detail is not None else self.detail,
            }
        )

    def created(
        self,
        entity: str,
        ids: Sequence[Any],
        rows: Sequence[Mapping[str, Any] | None] | None = None,
        *,
        detail: str | None = None,
    ) -> None:
        """Audit new rows (``rows``: what to record of each, default nothing but the id)."""
        shown = rows if rows is not None else [None] * len(ids)
        for entity_id, row in zip(ids, shown, strict=True):
            self.event(AuditAction.CREATE, entity, entity_id, after=row, detail=detail)

    def updated(
        self,
        entity: str,
        entity_id: Any,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        *,
        detail: str | None = None,
    ) -> None:
        self.event(AuditAction.UPDATE, entity, entity_id, before=before, after=after, detail=detail)

    def read(self, entity: str, ids: Sequence[Any], *, pii: bool, purpose: str | None) -> None:
        """Audit reads of records by a person (with personal data shown when ``pii``)."""
        action = AuditAction.READ_PII if pii else AuditAction.READ
        for entity_id in ids:
            self.event(action, entity, entity_id, detail=purpose)

    def flush(self) -> None:
        """Append the events so far (long imports flush per chunk)."""
        repo.append(self.conn, events=self.events)
        self.events = []


@contextmanager
def writing(
    ctx: ServiceContext, *, detail: str | None = None, now: dt.datetime | None = None
) -> Iterator[Unit]:
    """One all-or-nothing unit of writes with its audit events (``detail``: why, by default
    for every event)."""
    with ctx.transaction() as conn:
        unit = Unit(ctx, conn, now or utcnow(), detail)
        yield unit
        unit.flush()


def recent(
    ctx: ServiceContext,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Audit events, newest first, as JSON-ready dicts. Reading the trail is itself audited
    (what was asked for: the filters)."""
    with ctx.connect() as conn:
        rows = repo.recent(conn, entity=entity, entity_id=entity_id, actor=actor, limit=limit)
    asked = {"entity": entity, "entity_id": entity_id, "actor": actor, "limit": limit}
    with writing(ctx) as unit:
        unit.event(
            AuditAction.READ,
            "audit_events",
            entity_id or entity or "*",
            after={k: v for k, v in asked.items() if v is not None},
            detail=f"{len(rows)} events read",
        )
    return [{**row, "at": row["at"].isoformat(), "action": str(row["action"])} for row in rows]


__all__ = ["STAMPS", "Unit", "jsonable", "recent", "writing"]
