"""Reading help requests: one request with its history, the list (open, overdue, by region),
and the summary per region — open and overdue requests, median hours to resolution by
category, refusals by facility. Every read by a person is audited; the note is masked unless
revealed with a stated purpose.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from typing import Any

from shoutu.domain.identifiers import IdentifierError
from shoutu.domain.regions import level_code, parse_region_code
from shoutu.domain.timeutil import utcnow
from shoutu.domain.vocabulary import HelpCategory, HelpStatus, RegionLevel, Right
from shoutu.errors import BadRequest, NotFound, ProtocolError
from shoutu.protocols.schema import HelpRequests, Protocol
from shoutu.rules.help_requests import ENDED, Clock, overdue
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.guard import refusals, require
from shoutu.services.registry.people import check_purpose
from shoutu.store.repositories import help_requests as repo

NOTE_FIELD = "help_requests.note"
ENTITY = "help_requests"
NEVER_WAITS = "medical: never waits on a test result (no refusal on epidemic-control grounds)"


def help_rules(protocol: Protocol) -> HelpRequests:
    if protocol.help_requests is None:
        raise ProtocolError(f"protocol {protocol.name} has no help_requests table")
    return protocol.help_requests


def clock_of(request: dict[str, Any], rules: HelpRequests) -> Clock:
    """Where a stored request stands for its deadline."""
    return Clock(
        rules.escalation.index(RegionLevel(request["level"])),
        request["clock_time"],
        request["severity"],
        met=request["met_time"] is not None or HelpStatus(request["status"]) in ENDED,
    )


def view(
    ctx: ServiceContext, row: dict[str, Any], *, reveal: bool, at: dt.datetime
) -> dict[str, Any]:
    """A request as users see it: labels, whether it is overdue at ``at``, the note masked
    unless ``reveal``."""
    rules = help_rules(ctx.protocols.load(row["protocol"]))
    category = HelpCategory(row["category"])
    severity = row["severity"]
    note: str | None = None
    if row["note_enc"]:
        note = ctx.keyring.decrypt(NOTE_FIELD, row["note_enc"]) if reveal else "[hidden]"
    return {
        "request_id": row["request_id"],
        "source_ref": row["source_ref"],
        "person_id": row["person_id"],
        "region_code": row["region_code"],
        "category": category.value,
        "category_zh": category.zh,
        "category_en": category.en,
        "medical": row["medical"],
        "never_waits_on_test": NEVER_WAITS if row["medical"] else None,
        "vulnerable": list(row["vulnerable"] or []),
        "severity": severity,
        "severity_en": None if severity is None else rules.deadlines[severity].label_en,
        "dispatch_now": severity is not None and rules.deadlines[severity].dispatch_now,
        "channel": row["channel"],
        "status": row["status"],
        "level": row["level"],
        "received_time": row["received_time"],
        "triaged_time": row["triaged_time"],
        "due_time": row["due_time"],
        "overdue": overdue(rules, clock_of(row, rules), at),
        "met_time": row["met_time"],
        "resolved_time": row["resolved_time"],
        "measure_id": row["measure_id"],
        "area_id": row["area_id"],
        "note": note,
        "outcome": row["outcome"],
        "resp_region": row["resp_region"],
        "resp_department": row["resp_department"],
        "resp_unit": row["resp_unit"],
        "resp_person": row["resp_person"],
        "protocol": row["protocol"],
    }


def get_request(
    ctx: ServiceContext, request_id: int, *, reveal: bool = False, purpose: str | None = None
) -> dict[str, Any]:
    """One request in the caller's jurisdiction with its steps; the note masked unless
    revealed with a right and a purpose; audited."""
    with refusals(ctx, ENTITY, request_id, also=(BadRequest,)):
        require(ctx, Right.VIEW_CASES)
        if reveal:
            require(ctx, Right.REVEAL_PERSONAL_DATA)
            check_purpose(ctx, purpose)
        with ctx.connect() as conn:
            found = repo.get(conn, request_ids=[request_id], within=ctx.principal.view).get(
                request_id
            )
            steps = repo.steps(conn, request_ids=[request_id]).get(request_id, [])
        if found is None:
            raise NotFound(f"no help request {request_id}")
    with writing(ctx) as unit:
        unit.read(ENTITY, [request_id], pii=reveal, purpose=purpose or "help request record")
    return {**view(ctx, found, reveal=reveal, at=utcnow()), "steps": steps}


def list_requests(
    ctx: ServiceContext,
    *,
    status: HelpStatus | None = None,
    open_only: bool = False,
    overdue_only: bool = False,
    region: str | None = None,
    at: dt.datetime | None = None,
    reveal: bool = False,
    purpose: str | None = None,
    limit: int | None = None,
    after: int | None = None,
) -> list[dict[str, Any]]:
    """Requests in the caller's jurisdiction received by ``at`` (default now), filtered;
    overdue as of ``at``; audited. At most ``limit`` requests after the request ``after``
    (with ``overdue_only``, reading on until that many are overdue or none is left)."""
    with refusals(ctx, ENTITY, also=(BadRequest,)):
        require(ctx, Right.VIEW_CASES)
        if reveal:
            require(ctx, Right.REVEAL_PERSONAL_DATA)
            check_purpose(ctx, purpose)
    when = at or utcnow()
    prefix = _prefix(region)
    views: list[dict[str, Any]] = []
    # overdue-only reads on in batches of at least 500 until the page is full
    batch = None if limit is None else max(limit, 500) if overdue_only else limit
    with ctx.connect() as conn:
        while True:
            rows = repo.listed(
                conn,
                within=ctx.principal.view,
                statuses=None if status is None else [status.value],
                region_prefix=prefix,
                received_before=when,
                excluded=sorted(s.value for s in ENDED) if open_only else (),
                limit=batch,
                after=after,
            )
            shown = [view(ctx, r, reveal=reveal, at=when) for r in rows]
            views += [v for v in shown if v["overdue"]] if overdue_only else shown
            if batch is None or len(rows) < batch or len(views) >= (limit or 0):
                break
            after = int(rows[-1]["request_id"])
    views = views[:limit]
    with writing(ctx) as unit:
        unit.read(
            ENTITY, [v["request_id"] for v in views], pii=reveal, purpose=purpose or "help list"
        )
    return views


def _prefix(region: str | None) -> str | None:
    if not region:
        return None
    try:
        return parse_region_code(region).prefix
    except IdentifierError as exc:
        raise BadRequest(f"{{region}}: {exc}") from None


def _hours(start: dt.datetime, end: dt.datetime) -> float:
    return round((end - start).total_seconds() / 3600, 2)


def summary(
    ctx: ServiceContext,
    *,
    at: dt.datetime | None = None,
    level: RegionLevel = RegionLevel.DISTRICT,
) -> dict[str, Any]:
    """Per region at ``level``: requests open and overdue at ``at``; per category: resolved
    and the median hours from receipt to resolution; refusals by facility."""
    when = at or utcnow()
    with ctx.connect() as conn:
        rows = repo.listed(conn, within=ctx.principal.view, received_before=when)
        steps = repo.steps(conn, request_ids=[r["request_id"] for r in rows])
    regions: dict[str, Counter[str]] = defaultdict(Counter)
    times: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        region = level_code(row["region_code"], level) or row["region_code"]
        resolved = row["resolved_time"] is not None and row["resolved_time"] <= when
        ended = resolved or (HelpStatus(row["status"]) == HelpStatus.CANCELLED)
        if not ended:
            regions[region]["open"] += 1
            rules = help_rules(ctx.protocols.load(row["protocol"]))
            regions[region]["overdue"] += overdue(rules, clock_of(row, rules), when)
        if resolved:
            times[row["category"]].append(_hours(row["received_time"], row["resolved_time"]))
        regions[region]["received"] += 1
    refusals = Counter(
        s["facility"]
        for found in steps.values()
        for s in found
        if s["action"] == "refused" and s["time"] <= when
    )
    with writing(ctx) as unit:
        unit.read(ENTITY, [r["request_id"] for r in rows], pii=False, purpose="help summary")
    return {
        "at": when.isoformat(),
        "level": level.value,
        "regions": [
            {
                "region_code": code,
                "received": c["received"],
                "open": c["open"],
                "overdue": c["overdue"],
            }
            for code, c in sorted(regions.items())
        ],
        "categories": [
            {
                "category": category.value,
                "resolved": len(times[category.value]),
                "median_hours_to_resolution": (
                    statistics.median(times[category.value]) if times[category.value] else None
                ),
            }
            for category in HelpCategory
            if times[category.value]
        ],
        "refusals": [{"facility": f, "count": n} for f, n in sorted(refusals.items())],
    }


__all__ = [
    "ENTITY",
    "NEVER_WAITS",
    "NOTE_FIELD",
    "clock_of",
    "get_request",
    "help_rules",
    "list_requests",
    "summary",
    "view",
]
