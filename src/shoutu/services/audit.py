"""The one write path: every service that writes does so in a :func:`writing` unit, which
stamps rows (who changed them and when) and appends their audit events in the same
transaction. Reading the audit trail is here too.

Audit values never hold personal identifiers in plaintext: callers pass the row as stored
(ciphertexts are dropped) or the fields that changed.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection

from shoutu.domain.timeutil import utcnow
from shoutu.domain.vocabulary import AuditAction
from shoutu.services.audit_content import (
    chained_hash,
    content_head,
    content_tail,
    encoded_rows,
    encoded_values,
    event_hash,
    link_hash,
)
from shoutu.services.context import ServiceContext
from shoutu.services.gc_pause import fewer_collections
from shoutu.store.repositories import audit as repo
from shoutu.store.repositories import meta


@dataclass
class Unit:
    """One transaction's writes: ``conn`` to write with, ``now`` for every stamp, and the
    audit events to append when the unit ends, each chained to the one before in the unit
    (``unit_id``, ``pos``, ``hash``); the unit's last write links it to the chain."""

    ctx: ServiceContext
    conn: Connection
    now: dt.datetime
    detail: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    unit_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    written: int = 0  # events appended so far
    last_hash: str = repo.ZERO

    @property
    def actor(self) -> str:
        return self.ctx.actor

    @functools.cached_property
    def stamp(self) -> dict[str, Any]:
        """The columns of a new row: created and updated now, by the actor (made once a unit,
        the same dict for its rows: to merge into theirs, never to change)."""
        return {"created_at": self.now, "updated_at": self.now, "updated_by": self.actor}

    @functools.cached_property
    def touch(self) -> dict[str, Any]:
        """The columns of a changed row (shared like :attr:`stamp`)."""
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
        event = {
            "at": self.now,
            "actor": self.actor,
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "before": encoded_values(before),
            "after": encoded_values(after),
            "detail": detail if detail is not None else self.detail,
            "unit": self.unit_id,
            "pos": self.written + len(self.events),
        }
        previous = self.events[-1]["hash"] if self.events else self.last_hash
        event["hash"] = event_hash(previous, event)
        self.events.append(event)

    def created(
        self,
        entity: str,
        ids: Sequence[Any],
        rows: Sequence[Mapping[str, Any] | None] | None = None,
        *,
        detail: str | None = None,
    ) -> None:
        """Audit new rows (``rows``: what to record of each, default nothing but the id);
        the events' shared parts are encoded once."""
        shown = rows if rows is not None else [None] * len(ids)
        why = detail if detail is not None else self.detail
        head = content_head(self.now, self.actor, AuditAction.CREATE, entity)
        tail = content_tail(why, self.unit_id)
        previous = self.events[-1]["hash"] if self.events else self.last_hash
        pos = self.written + len(self.events)
        now, actor, unit, create = self.now, self.actor, self.unit_id, AuditAction.CREATE
        for entity_id, after in zip(ids, encoded_rows(shown), strict=True):
            key = str(entity_id)
            previous = chained_hash(previous, head, key, None, after, tail, pos)
            self.events.append(
                {
                    "at": now,
                    "actor": actor,
                    "action": create,
                    "entity": entity,
                    "entity_id": key,
                    "before": None,
                    "after": after,
                    "detail": why,
                    "unit": unit,
                    "pos": pos,
                    "hash": previous,
                }
            )
            pos += 1

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

    def put_meta(self, key: str, value: str) -> None:
        """Set a fact about the store (``store_meta``: who made it, the key's fingerprint, the
        simulated run it holds), stamped and audited."""
        before = meta.get(self.conn, key=key)
        meta.put(self.conn, key=key, value=value, at=self.now, by=self.actor)
        self.updated("store_meta", key, {"value": before}, {"value": value})

    def read(self, entity: str, ids: Sequence[Any], *, pii: bool, purpose: str | None) -> None:
        """Audit reads of records by a person (with personal data shown when ``pii``)."""
        action = AuditAction.READ_PII if pii else AuditAction.READ
        for entity_id in ids:
            self.event(action, entity, entity_id, detail=purpose)

    def listed(self, entity: str, ids: Sequence[Any], *, purpose: str) -> None:
        """Audit a list read by a person: each record shown, or the query itself when it
        showed none (an empty answer is an attempt too)."""
        if ids:
            self.read(entity, ids, pii=False, purpose=purpose)
        else:
            self.event(AuditAction.READ, entity, "", detail=f"{purpose}: nothing shown")

    def absorb(self, other: Unit) -> None:
        """Take over the events ``other`` collected, in a fresh unit (nothing of its own yet):
        their unit id, positions and hashes stand as they are."""
        self.unit_id, self.events = other.unit_id, list(other.events)

    def flush(self) -> None:
        """Append the events so far (long imports flush per chunk)."""
        if self.events:
            repo.append(self.conn, events=self.events)
            self.written += len(self.events)
            self.last_hash = self.events[-1]["hash"]
        self.events = []


@contextmanager
def writing(
    ctx: ServiceContext, *, detail: str | None = None, now: dt.datetime | None = None
) -> Iterator[Unit]:
    """One all-or-nothing unit of writes with its audit events (``detail``: why, by default
    for every event). The unit joins the chain as its last write, in the same transaction:
    writers wait on one another only from the link to the commit, never on each other's
    work, and a unit that cannot be linked is not written."""
    with fewer_collections(), ctx.transaction() as conn:
        unit = Unit(ctx, conn, now or utcnow(), detail)
        yield unit
        unit.flush()
        if unit.written:
            _join(conn, [(unit.unit_id, unit.written, unit.last_hash)], recheck=False)


@contextmanager
def reading(ctx: ServiceContext) -> Iterator[Unit]:
    """The unit a read's audit events go to (a block that only audits reads): the enclosing
    :func:`one_unit` block's, else a unit of their own."""
    shared = ctx.shared_reads
    if isinstance(shared, Unit):
        yield shared
        return
    with writing(ctx) as unit:
        yield unit


@contextmanager
def one_unit(ctx: ServiceContext) -> Iterator[None]:
    """The reads audited inside the block are written as one unit when it ends, also when it
    fails (a case page that reads the case, its person, its tasks and its contacts writes one
    unit, not four); a block inside another joins the outer one."""
    if ctx.shared_reads is not None:
        yield
        return
    collector = Unit(ctx, cast(Connection, None), utcnow())  # reads need no connection
    ctx.shared_reads = collector
    try:
        yield
    finally:
        ctx.shared_reads = None
        if collector.events:
            with writing(ctx) as unit:
                unit.absorb(collector)


def link_orphans(ctx: ServiceContext) -> int:
    """Join to the chain the committed units that have no link (written by a version that
    linked after the commit, whose writer died in between) and whose events hold together,
    oldest first; returns how many."""
    with ctx.connect() as conn:  # a unit whose own events do not hold is left to verify
        pending = [
            p
            for p in repo.unlinked_units(conn)
            if _first_bad_event(repo.unit_events(conn, unit=p[0]))[0] is None
        ]
    return _link(ctx, pending) if pending else 0


def _link(ctx: ServiceContext, pending: list[tuple[str, int, str]]) -> int:
    """Join committed units to the chain, in a transaction of their own."""
    with ctx.transaction() as conn:
        return _join(conn, pending, recheck=True)


def _join(conn: Connection, pending: list[tuple[str, int, str]], *, recheck: bool) -> int:
    """Link units to the chain's head, in ``conn``'s transaction (``recheck``: skip units
    another linker joined meanwhile — a fresh unit has no link yet)."""
    head = repo.head(conn, lock=True)  # linkers take turns (SQLite: BEGIN IMMEDIATE)
    if recheck:
        linked = repo.linked(conn, units=[u for u, _, _ in pending])
        pending = [p for p in pending if p[0] not in linked]
    for unit, count, last in pending:
        head = link_hash(head, unit, count, last)
        repo.add_link(
            conn,
            values={
                "unit": unit,
                "events": count,
                "last_hash": last,
                "head": head,
                "linked_at": utcnow(),
            },
        )
    return len(pending)


@dataclass
class Verification:
    ok: bool
    events: int  # chained events checked
    units: int
    unchained: int  # events from before the chain began
    unlinked: int = 0  # committed units not joined to the chain yet (repair joins them)
    head: str = repo.ZERO  # the chain's head: recorded elsewhere, it shows a rebuilt chain
    broken: dict[str, Any] | None = None  # the first broken link

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "units": self.units,
            "unchained": self.unchained,
            "unlinked": self.unlinked,
            "head": self.head,
            "broken": self.broken,
        }


def verify(ctx: ServiceContext) -> Verification:
    """Walk the chain, changing nothing: every link's head from the one before, every unit's
    events from their content in order; the first link or event that does not match is
    reported (an edited, removed or inserted event, a removed unit), as is an event written
    outside the chain after it began. Units committed but not linked yet are counted.

    The hashes are not keyed: someone able to rewrite the database could rebuild the whole
    chain. The head it reports, recorded outside the store (a daily log, a signed mail),
    shows that: a rebuilt chain has another head."""
    with ctx.connect() as conn:
        links = repo.links(conn)
        head, events = repo.ZERO, 0
        found = Verification(True, 0, len(links), repo.unchained(conn))

        def broken(what: str, where: int, unit: str | None) -> Verification:
            text = {
                "link": f"link {where}: the chain's head does not follow from the link before",
                "event": f"event {where}: its hash does not match its content and the one before",
                "unit": f"link {where}: the unit's events are not the ones it was linked with",
                "outside": f"event {where}: written outside the chain after the chain began",
            }[what]
            found.ok, found.events, found.head = False, events, head
            found.broken = {"at": what, "id": where, "unit": unit, "reason": text}
            return found

        for entry in links:
            head = link_hash(head, entry["unit"], entry["events"], entry["last_hash"])
            if head != entry["head"]:
                return broken("link", entry["seq"], entry["unit"])
            rows = repo.unit_events(conn, unit=entry["unit"])
            bad, last = _first_bad_event(rows)
            if bad is not None:
                return broken("event", bad, entry["unit"])
            events += len(rows)
            if len(rows) != entry["events"] or last != entry["last_hash"]:
                return broken("unit", entry["seq"], entry["unit"])
        outside = repo.unchained_after_start(conn)
        if outside is not None:
            return broken("outside", outside, None)
        found.events, found.head = events, head
        unlinked = repo.unlinked_units(conn)
        for unit, _, _ in unlinked:  # not in the chain yet: its own events must hold
            bad, _ = _first_bad_event(repo.unit_events(conn, unit=unit))
            if bad is not None:
                return broken("event", bad, unit)
        found.unlinked = len(unlinked)
        return found


def _first_bad_event(rows: list[dict[str, Any]]) -> tuple[int | None, str]:
    """The id of a unit's first event whose place or hash does not follow from the ones
    before (None when all do), and the unit's last hash."""
    previous = repo.ZERO
    for pos, row in enumerate(rows):
        if row["pos"] != pos or event_hash(previous, row) != row["hash"]:
            return int(row["event_id"]), previous
        previous = row["hash"]
    return None, previous


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


__all__ = [
    "Unit",
    "Verification",
    "link_orphans",
    "one_unit",
    "reading",
    "recent",
    "verify",
    "writing",
]
