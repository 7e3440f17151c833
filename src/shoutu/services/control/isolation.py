"""A case's isolation (隔离治疗) and, once released, its post-release health monitoring.

A new case opens its isolation episode: from its isolation time (else its report), at the
protocol's site for its classification (``isolation.confirmed_site``, an asymptomatic
infection at ``asymptomatic_site``), with a release test task on each of the protocol's
``isolation.test_days`` (day 1 is the day isolation begins) and, when the protocol sets
``isolation.min_days``, that planned end. It has no planned end otherwise: it ends when the
release rule holds (``services/control/release.py``). The person's quarantine episodes still
open end ``converted_to_case``. A case imported as already released, with its isolation and
release times, gets its isolation as released; one imported released or dead without them
gets none (nothing would be true of it). Opening twice for the same case changes nothing.

Post-release monitoring counts from the release like a quarantine stage of
``release.post_release_monitoring_days`` with PCR tests on ``release.post_release_test_days``
(day 0 is the day of release).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from shoutu.domain.timeutil import local_date
from shoutu.domain.vocabulary import (
    OPEN_CONTROL_STATUSES,
    CaseClass,
    CaseStatus,
    ControlKind,
    ControlStatus,
    TaskKind,
)
from shoutu.protocols.schema import Protocol, Quarantine
from shoutu.services.audit import Unit, writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.episodes import QUARANTINE_KINDS, plan, test_tasks
from shoutu.services.registry.imports.batch import ImportResult
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.supervision.tasks import NewTask, cancel_open_tasks, open_tasks
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import measures as repo
from shoutu.store.repositories import people as people_repo

DAY = dt.timedelta(days=1)


def _site(protocol: Protocol, classification: Any) -> str:
    iso = protocol.isolation
    site = iso.asymptomatic_site if classification == CaseClass.ASYMPTOMATIC else iso.confirmed_site
    return str(site.value)


def isolation_row(protocol: Protocol, case: dict[str, Any], tz: str) -> dict[str, Any] | None:
    """The isolation episode a case opens (without stamps), or None when it opens none."""
    start = case.get("isolation_time") or case["report_time"]
    status = CaseStatus(case["status"])
    released = case.get("release_time")
    if status != CaseStatus.ACTIVE and (released is None or case.get("isolation_time") is None):
        return None
    iso = protocol.isolation
    first = local_date(start, tz)
    days = [(first + (k - 1) * DAY).isoformat() for k in iso.test_days]
    planned = start + iso.min_days * DAY if iso.min_days else None
    done = status != CaseStatus.ACTIVE
    return {
        "person_id": int(case["person_id"]),
        "kind": ControlKind.ISOLATION,
        "status": ControlStatus.RELEASED if done else ControlStatus.ACTIVE,
        "reason": f"case {case['case_id']}",
        "case_id": int(case["case_id"]),
        "contact_id": None,
        "place_id": None,
        "start_time": start,
        "planned_end_time": planned,
        "end_time": released if done else None,
        "protocol": protocol.name,
        "site": _site(protocol, case.get("classification")),
        "stages": [
            {
                "kind": ControlKind.ISOLATION.value,
                "start": start.isoformat(),
                "planned_end": planned.isoformat() if planned else None,
                "test_days": [] if done else days,
            }
        ],
        "previous_planned_end_time": None,
        "resp_region": case.get("region_code"),
    }


def open_isolation(
    unit: Unit, protocol: Protocol, cases: list[dict[str, Any]], tz: str
) -> dict[str, int]:
    """Open each case's isolation (none for a case that has one), with its release test
    tasks; end the person's open quarantine episodes ``converted_to_case``. Audited."""
    ids = [int(c["case_id"]) for c in cases]
    have = repo.of_cases(unit.conn, case_ids=ids, kind=ControlKind.ISOLATION.value)
    rows = [
        row
        for c in cases
        if int(c["case_id"]) not in have and (row := isolation_row(protocol, c, tz)) is not None
    ]
    homes = people_repo.home_regions(unit.conn, person_ids=sorted({r["person_id"] for r in rows}))
    for row in rows:  # responsible: the person's home (as for every episode), else the case's
        row["resp_region"] = homes.get(row["person_id"]) or row["resp_region"]
    measure_ids = repo.add(unit.conn, rows=[{**r, **unit.stamp} for r in rows])
    unit.created("control_measures", measure_ids, rows)
    tasks: list[NewTask] = []
    for measure_id, row in zip(measure_ids, rows, strict=True):
        days = [dt.date.fromisoformat(d) for d in row["stages"][0]["test_days"]]
        tasks += test_tasks(measure_id, days, tz, TaskKind.RELEASE, region=row["resp_region"])
    converted = _convert(unit, [r for r in rows if r["status"] == ControlStatus.ACTIVE])
    return {
        "isolations_opened": len(rows),
        "release_tests": len(open_tasks(unit, protocol, tasks)),
        "quarantines_converted": converted,
    }


def _convert(unit: Unit, isolations: list[dict[str, Any]]) -> int:
    """The open quarantine episodes of people now isolated as cases end converted."""
    by_person = {int(r["person_id"]): r for r in isolations}
    found = repo.open_episodes(
        unit.conn,
        person_ids=sorted(by_person),
        kinds=[k.value for k in QUARANTINE_KINDS],
        statuses=[s.value for s in OPEN_CONTROL_STATUSES],
    )
    count = 0
    for person, episodes in found.items():
        row = by_person[person]
        at = max(row["start_time"], *(e["start_time"] for e in episodes))
        for e in episodes:
            values = {"status": ControlStatus.CONVERTED_TO_CASE, "end_time": at}
            repo.change(unit.conn, measure_id=e["measure_id"], values=values | unit.touch)
            unit.updated(
                "control_measures",
                e["measure_id"],
                {"status": e["status"], "end_time": None},
                values,
                detail=f"converted to case {row['case_id']}: isolated",
            )
            cancel_open_tasks(
                unit,
                kind=TaskKind.QUARANTINE_TEST,
                subject_type="control_measures",
                subject_ids=[e["measure_id"]],
                at=at,
                why="episode converted to a case",
            )
            count += 1
    return count


def import_cases(ctx: ServiceContext, path: Path, **options: Any) -> ImportResult:
    """``import cases``: the registry import (``import_file``'s options), and in the same
    unit of work the isolation of every case it created or changed that has none."""
    with writing(ctx, detail="import cases") as unit:
        result = import_file(ctx, "cases", path, unit=unit, **options)
        protocol, _ = ctx.protocol()
        stamped = cases_repo.written_at(unit.conn, at=unit.now)
        opened = open_isolation(unit, protocol, stamped, ctx.settings.timezone)
    result.related |= {k: v for k, v in opened.items() if v}
    return result


def post_release_rules(protocol: Protocol) -> Quarantine:
    """Post-release monitoring as a one-stage quarantine of the release's rules."""
    rules = protocol.release
    return Quarantine(
        centralised_days=0,
        home_days=0,
        health_monitoring_days=rules.post_release_monitoring_days,
        test_days_monitoring=rules.post_release_test_days,
        counted_from="identification",
    )


def post_release_row(
    protocol: Protocol, isolation: dict[str, Any], at: dt.datetime, tz: str
) -> dict[str, Any] | None:
    """The post-release monitoring episode after an isolation released at ``at`` (None when
    the protocol has none)."""
    rules = post_release_rules(protocol)
    if not rules.health_monitoring_days:
        return None
    planned = plan(rules, at, at, tz)
    stages = [{**s, "kind": ControlKind.POST_RELEASE_MONITORING.value} for s in planned.stages]
    return {
        "person_id": int(isolation["person_id"]),
        "kind": ControlKind.POST_RELEASE_MONITORING,
        "status": ControlStatus.ACTIVE,
        "reason": f"released from isolation {isolation['measure_id']}",
        "case_id": isolation["case_id"],
        "contact_id": None,
        "place_id": None,
        "start_time": at,
        "planned_end_time": planned.planned_end,
        "end_time": None,
        "protocol": protocol.name,
        "site": "home",
        "stages": stages,
        "previous_planned_end_time": None,
        "resp_region": isolation.get("resp_region"),
    }


__all__ = [
    "import_cases",
    "isolation_row",
    "open_isolation",
    "post_release_row",
    "post_release_rules",
]
