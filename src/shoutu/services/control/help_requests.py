"""Help requests (求助) from people in risk areas or under control: recorded, triaged,
assigned, worked and resolved, escalated up the region tree when a deadline passes — every step
a row of the request's history and an audit event in the same unit.

A request belongs to the community of the asker's home (or of the address given); the level
responsible starts there, and ``resp_region`` is that level's region (the community, then its
town, district, city). Deadlines and escalation come from the protocol's ``help_requests``
table by the shared rule (``rules/help_requests.py``): escalations are dated when the deadline
passed, whenever the run happens. A request records the control episode and the risk area the
asker was in when it came. A medical request never waits on a test result (the record says
so), and a facility's refusal is recorded with the facility and reason for supervision. The
free-text note is stored encrypted and shown only with a stated purpose (audited).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from shoutu.domain.access import EVERYWHERE
from shoutu.domain.identifiers import IdentifierError
from shoutu.domain.regions import level_code
from shoutu.domain.timeutil import not_in_future
from shoutu.domain.vocabulary import (
    HelpCategory,
    HelpChannel,
    HelpStatus,
    RegionLevel,
    Right,
    VulnerableGroup,
)
from shoutu.errors import BadRequest, InvalidTransition, NotFound
from shoutu.protocols.schema import HelpRequests
from shoutu.rules.help_requests import (
    ENDED,
    MOVES,
    Clock,
    deadline,
    escalations,
    level_of,
    meets,
)
from shoutu.services.audit import Unit, writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.help_views import (
    ENTITY,
    NEVER_WAITS,
    NOTE_FIELD,
    clock_of,
    get_request,
    help_rules,
)
from shoutu.services.guard import refusals, require, writable
from shoutu.store.repositories import help_requests as repo
from shoutu.store.repositories import locks
from shoutu.store.repositories import measures as measures_repo
from shoutu.store.repositories import people as people_repo

SEVERITIES = (1, 2, 3, 4)
LOCK = "shoutu.control.help_requests"  # one writer of help requests at a time


@dataclass(frozen=True)
class NewRequest:
    category: HelpCategory
    received_time: dt.datetime
    person_id: int | None = None
    region_code: str | None = None  # the address, when no person is named
    severity: int | None = None  # given: triaged on receipt
    channel: HelpChannel = HelpChannel.HOTLINE
    vulnerable: tuple[VulnerableGroup, ...] = ()
    note: str | None = None
    source_ref: str | None = None  # the hotline log's own id


def _step(
    unit: Unit,
    request_id: int,
    *,
    at: dt.datetime,
    action: str,
    before: HelpStatus | None,
    after: HelpStatus | None,
    level: RegionLevel | None,
    facility: str | None = None,
    detail: str | None = None,
) -> None:
    row = {
        "request_id": request_id,
        "time": at,
        "action": action,
        "from_status": before,
        "to_status": after,
        "level": level,
        "facility": facility,
        "detail": detail,
        **unit.stamp,
    }
    repo.add_steps(unit.conn, rows=[row])


def communities(conn: Connection, requests: Sequence[NewRequest]) -> list[str | None]:
    """The community each request belongs to: its asker's home, else the address given."""
    homes = people_repo.home_regions(
        conn, person_ids=[r.person_id for r in requests if r.person_id is not None]
    )
    found: list[str | None] = []
    for r in requests:
        if r.person_id is not None and r.person_id not in homes:
            raise NotFound(f"no person {r.person_id}")
        home = homes.get(r.person_id) if r.person_id is not None else None
        try:
            found.append(
                level_code(home, RegionLevel.COMMUNITY)
                or level_code(r.region_code, RegionLevel.COMMUNITY)
            )
        except IdentifierError as exc:
            raise BadRequest(f"{{region}}: {exc}") from None
    return found


def _context(conn: Connection, requests: Sequence[NewRequest]) -> list[tuple[Any, Any]]:
    """(episode, area) in force for each request's asker when it came (latest begun)."""
    asked = [r for r in requests if r.person_id is not None]
    if not asked:
        return [(None, None)] * len(requests)
    found = measures_repo.in_force_between(
        conn,
        person_ids=sorted({int(r.person_id) for r in asked if r.person_id is not None}),
        start=min(r.received_time for r in asked),
        end=max(r.received_time for r in asked),
    )
    context: list[tuple[Any, Any]] = []
    for r in requests:
        mine = [
            m
            for m in found.get(r.person_id or -1, [])
            if m["start_time"] <= r.received_time
            and (m["end_time"] is None or m["end_time"] > r.received_time)
            and m["status"] != "cancelled"
        ]
        latest = max(mine, key=lambda m: (m["start_time"], m["measure_id"]), default=None)
        area = next((m["area_id"] for m in mine if m.get("area_id") is not None), None)
        context.append((None if latest is None else latest["measure_id"], area))
    return context


def record(ctx: ServiceContext, unit: Unit, requests: Sequence[NewRequest]) -> list[int]:
    """Store new requests (triaged on receipt when a severity is given), their first steps and
    audit events; their ids."""
    protocol, _ = ctx.protocol()
    rules = help_rules(protocol)
    first = rules.escalation[0]
    codes = communities(unit.conn, requests)
    context = _context(unit.conn, requests)
    rows = []
    for r, code, (measure_id, area_id) in zip(requests, codes, context, strict=True):
        if code is None:
            raise BadRequest(
                "a help request needs a person whose home is a community or finer, or a "
                "{region} at community level or finer"
            )
        status = HelpStatus.RECEIVED if r.severity is None else HelpStatus.TRIAGED
        clock = Clock(0, r.received_time, r.severity)
        rows.append(
            {
                "source_ref": r.source_ref,
                "person_id": r.person_id,
                "region_code": code,
                "category": r.category,
                "vulnerable": [g.value for g in r.vulnerable],
                "severity": r.severity,
                "channel": r.channel,
                "status": status,
                "level": first,
                "medical": r.category.medical,
                "received_time": r.received_time,
                "triaged_time": None if r.severity is None else r.received_time,
                "clock_time": r.received_time,
                "due_time": deadline(rules, clock),
                "met_time": None,
                "resolved_time": None,
                "measure_id": measure_id,
                "area_id": area_id,
                "note_enc": ctx.keyring.encrypt(NOTE_FIELD, r.note) if r.note else None,
                "outcome": None,
                "protocol": protocol.name,
                "resp_region": level_code(code, first),
                **unit.stamp,
            }
        )
    ids = repo.add(unit.conn, rows=rows)
    shown = [{k: v for k, v in row.items() if k != "note_enc"} for row in rows]
    unit.created(ENTITY, ids, shown)
    for request_id, row in zip(ids, rows, strict=True):
        detail = NEVER_WAITS if row["medical"] else None
        at, level = row["received_time"], RegionLevel(row["level"])
        _step(unit, request_id, at=at, action="received", before=None,
              after=HelpStatus.RECEIVED, level=level, detail=detail)  # fmt: skip
        if row["severity"] is not None:
            _step(unit, request_id, at=at, action="triaged", before=HelpStatus.RECEIVED,
                  after=HelpStatus.TRIAGED, level=level,
                  detail=_triage_detail(rules, row["severity"]))  # fmt: skip
    return ids


def _triage_detail(rules: HelpRequests, severity: int) -> str:
    line = rules.deadlines[severity]
    text = f"severity {severity} ({line.label_en}): due within {line.hours:g} h"
    return text + ("; dispatch now" if line.dispatch_now else "")


def add_request(ctx: ServiceContext, request: NewRequest) -> dict[str, Any]:
    """Record one request (``requests add``); the stored request."""
    if request.severity is not None and request.severity not in SEVERITIES:
        raise BadRequest("{severity} must be 1 (life-threatening) to 4 (no danger)")
    not_in_future(request.received_time, "received")
    with writing(ctx, detail="help request received") as unit:
        locks.serialise(unit.conn, name=LOCK)
        (request_id,) = record(ctx, unit, [request])
    return get_request(ctx, request_id)


def _load(unit: Unit, request_id: int) -> dict[str, Any]:
    """The request a person works: the right to work cases or tasks, in their view (else
    NotFound) and capture jurisdiction (else Forbidden)."""
    require(unit.ctx, Right.EDIT_CASES, Right.ASSIGN_TASKS)
    found = repo.get(unit.conn, request_ids=[request_id], within=unit.ctx.principal.view).get(
        request_id
    )
    if found is None:
        raise NotFound(f"no help request {request_id}")
    writable(unit.ctx, found["region_code"], f"help request {request_id}")
    return found


def _move(
    ctx: ServiceContext,
    request_id: int,
    to: HelpStatus,
    *,
    at: dt.datetime | None,
    action: str,
    values: dict[str, Any] | None = None,
    severity: int | None = None,
    detail: str | None = None,
) -> dict[str, Any]:
    """One workflow step: the move checked, the deadline's state updated (a ``severity``
    given: triage, the level's clock starting again with its deadline), the step and the
    audit event written in one unit."""
    when = not_in_future(at)
    with refusals(ctx, ENTITY, request_id), writing(ctx, detail=f"help request {action}") as unit:
        locks.serialise(unit.conn, name=LOCK)
        before = _load(unit, request_id)
        if when < before["received_time"]:
            raise BadRequest("{at}: before the request was received")
        _escalate(ctx, unit, before, when, before=True)  # the deadlines it missed, first
        status = HelpStatus(before["status"])
        if to not in MOVES[status]:
            allowed = ", ".join(sorted(m.value for m in MOVES[status])) or "nothing (it ended)"
            raise InvalidTransition(
                f"help request {request_id} is {status.value}: next can be {allowed}"
            )
        rules = help_rules(ctx.protocols.load(before["protocol"]))
        change: dict[str, Any] = {"status": to, **(values or {})}
        if severity is not None:
            clock = Clock(0, when, severity)  # the deadline does not depend on the level
            change.update(
                severity=severity,
                triaged_time=when,
                clock_time=when,
                due_time=deadline(rules, clock),
            )
            detail = _triage_detail(rules, severity)
        if before["met_time"] is None and meets(
            rules, change.get("severity", before["severity"]), to
        ):
            change["met_time"] = when
        if to == HelpStatus.RESOLVED:
            change["resolved_time"] = when
        repo.change(unit.conn, request_id=request_id, values={**change, **unit.touch})
        level = RegionLevel(before["level"])
        _step(unit, request_id, at=when, action=action, before=status, after=to,
              level=level, detail=detail)  # fmt: skip
        unit.updated(
            ENTITY,
            request_id,
            {k: before[k] for k in change},
            change,
            detail=detail,
        )
    return get_request(ctx, request_id)


def triage(
    ctx: ServiceContext,
    request_id: int,
    *,
    severity: int,
    at: dt.datetime | None = None,
    department: str | None = None,
    unit_name: str | None = None,
    worker: str | None = None,
) -> dict[str, Any]:
    """Set the severity: the current level's clock starts again with its deadline."""
    if severity not in SEVERITIES:
        raise BadRequest("{severity} must be 1 (life-threatening) to 4 (no danger)")
    return _move(ctx, request_id, HelpStatus.TRIAGED, at=at, action="triaged",
                 values=_parties(department, unit_name, worker), severity=severity)  # fmt: skip


def _parties(department: str | None, unit: str | None, person: str | None) -> dict[str, Any]:
    given = {"resp_department": department, "resp_unit": unit, "resp_person": person}
    return {k: v for k, v in given.items() if v}


def assign(
    ctx: ServiceContext,
    request_id: int,
    *,
    worker: str,
    unit_name: str | None = None,
    department: str | None = None,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Give the request to a worker (and their unit, department)."""
    if not worker.strip():
        raise BadRequest("{to}: name the worker the request goes to")
    values = _parties(department, unit_name, worker)
    return _move(ctx, request_id, HelpStatus.ASSIGNED, at=at, action="assigned",
                 values=values, detail=f"to {worker}")  # fmt: skip


def update(
    ctx: ServiceContext,
    request_id: int,
    *,
    status: HelpStatus,
    outcome: str | None = None,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Move the request on: in progress, resolved (with the outcome) or cancelled."""
    if status not in (HelpStatus.IN_PROGRESS, HelpStatus.RESOLVED, HelpStatus.CANCELLED):
        raise BadRequest("{status} can be in_progress, resolved or cancelled")
    values = {"outcome": outcome} if outcome else {}
    return _move(ctx, request_id, status, at=at, action=status.value, values=values,
                 detail=outcome)  # fmt: skip


def refusal(
    ctx: ServiceContext,
    request_id: int,
    *,
    facility: str,
    reason: str,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Record that a facility refused the asker (for supervision); the request stays open."""
    if not facility.strip() or not reason.strip():
        raise BadRequest("a refusal needs the {facility} and the {reason}")
    when = not_in_future(at)
    with (
        refusals(ctx, ENTITY, request_id),
        writing(ctx, detail="help request: refusal by a facility") as unit,
    ):
        locks.serialise(unit.conn, name=LOCK)
        before = _load(unit, request_id)
        status = HelpStatus(before["status"])
        if status in ENDED:
            raise InvalidTransition(f"help request {request_id} is {status.value}")
        _step(unit, request_id, at=when, action="refused", before=status, after=status,
              level=RegionLevel(before["level"]), facility=facility, detail=reason)  # fmt: skip
        unit.updated(ENTITY, request_id, None, {"refused_by": facility, "reason": reason})
    return get_request(ctx, request_id)


@dataclass(frozen=True)
class Escalation:
    request_id: int
    from_level: RegionLevel
    to_level: RegionLevel
    at: dt.datetime  # when the deadline passed
    region: str | None  # the new level's region

    def as_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "from_level": self.from_level.value,
            "to_level": self.to_level.value,
            "at": self.at.isoformat(),
            "region": self.region,
        }


def escalate_run(ctx: ServiceContext, *, at: dt.datetime | None = None) -> list[Escalation]:
    """Escalate every request whose deadline passed unmet by ``at``, each step dated when
    its deadline passed; the escalations made."""
    when = not_in_future(at)
    done: list[Escalation] = []
    with writing(ctx, detail="help requests: escalation run") as unit:
        locks.serialise(unit.conn, name=LOCK)
        open_ = [
            r
            for r in repo.listed(unit.conn, within=EVERYWHERE)  # every level's clock runs
            if HelpStatus(r["status"]) not in ENDED
        ]
        for request in open_:
            done += _escalate(ctx, unit, request, when)
    return done


def _escalate(
    ctx: ServiceContext,
    unit: Unit,
    request: dict[str, Any],
    when: dt.datetime,
    *,
    before: bool = False,
) -> list[Escalation]:
    """Apply the escalations due on one request by ``when`` (each dated when its deadline
    passed); the request's row is updated in place."""
    rules = help_rules(ctx.protocols.load(request["protocol"]))
    clock = clock_of(request, rules)
    steps = escalations(rules, clock, when, before=before)
    done = []
    for step in steps:
        lower, higher = level_of(rules, clock), level_of(rules, step)
        region = level_code(request["region_code"], higher)
        _step(unit, request["request_id"], at=step.started, action="escalated",
              before=HelpStatus(request["status"]), after=HelpStatus.ESCALATED,
              level=higher, detail=f"deadline at {lower.value} level passed")  # fmt: skip
        done.append(Escalation(request["request_id"], lower, higher, step.started, region))
        clock = step
    if steps:
        change = {
            "status": HelpStatus.ESCALATED,
            "level": level_of(rules, clock),
            "clock_time": clock.started,
            "due_time": deadline(rules, clock),
            "resp_region": level_code(request["region_code"], level_of(rules, clock)),
            "resp_unit": None,
            "resp_person": None,
        }
        repo.change(unit.conn, request_id=request["request_id"],
                    values={**change, **unit.touch})  # fmt: skip
        unit.updated(ENTITY, request["request_id"], {k: request[k] for k in change}, change)
        request.update(change)
    return done


__all__ = [
    "Escalation",
    "NewRequest",
    "add_request",
    "assign",
    "communities",
    "escalate_run",
    "record",
    "refusal",
    "triage",
    "update",
]
