"""The four-early clocks (早发现、早报告、早隔离、早治疗): for each case reported in a period, the
durations of its chain's steps, by region and step, against the protocol's ``timeliness``.

Steps, each from the case's record:
- ``result_to_report``: the result of the sample that found it (the event store's test of that
  person taken at the case's sampling time) to its report — ``report_hours``;
- ``report_to_isolation``: report to isolation — ``isolation_hours``;
- ``report_to_investigation``: report to its investigation finished (``cases investigate
  --finish``) — ``investigation_hours``;
- ``report_to_contacts_identified``: report to the last of its contacts identified (no limit);
- ``report_to_contacts_controlled``: report to the last of its contacts under control (the
  start of the episode each opened) — ``contact_control_hours``.
A step a case has no times for is left out for it. Per region (the case's region at the level)
and step: how many, the median and 90th percentile in hours (numpy's linear percentiles), the
share within the limit, and the late cases with the region responsible.

WHO's contact-tracing indicators for the period's cases (``tracing``): the share of new cases
that were already listed as a contact when reported, the share of cases with contacts whose
contacts were all identified within 24 hours of the report, and the share of their contacts'
episodes lost to follow-up.

Beside them, the tasks whose deadline the protocol sets (``supervision/tasks.DUE_HOURS``: case
reports, investigations, contact control, pool recalls and PCR confirmations, signal
responses) whose event fell in the period, per kind and responsible region: how many, how
many done, the median and 90th percentile from the event to done, the share done by the due
time and how many are still open past it at the end of the period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy import Connection

from shoutu.domain.regions import level_code
from shoutu.domain.timeutil import local_date, start_of_day, utcnow
from shoutu.domain.vocabulary import ControlStatus, RegionLevel, TaskStatus
from shoutu.events.store import read_events
from shoutu.services.context import ServiceContext
from shoutu.services.supervision.tasks import DUE_HOURS
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import checks as checks_repo
from shoutu.store.repositories import contacts as contacts_repo
from shoutu.store.repositories import investigations as investigations_repo
from shoutu.store.repositories import tasks as tasks_repo

LIMITS = {
    "result_to_report": "report_hours",
    "report_to_isolation": "isolation_hours",
    "report_to_investigation": "investigation_hours",
    "report_to_contacts_identified": None,
    "report_to_contacts_controlled": "contact_control_hours",
}


def _hours(later: dt.datetime | None, earlier: dt.datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds() / 3600


def _results(ctx: ServiceContext, cases: list[dict[str, Any]]) -> dict[tuple[int, Any], Any]:
    """(person, sampling time) -> result time, from the event store's tests."""
    tz = ctx.settings.timezone
    days = sorted({local_date(c["sample_time"], tz).isoformat() for c in cases if c["sample_time"]})
    found: dict[tuple[int, Any], Any] = {}
    if not days:
        return found
    tests = read_events(
        ctx.settings.event_dir, "tests", days, ["person_id", "sample_time", "result_time"]
    )
    for row in tests.to_pylist():
        if row["result_time"] is not None:
            found[(int(row["person_id"]), row["sample_time"])] = row["result_time"]
    return found


def chain_hours(ctx: ServiceContext, cases: list[dict[str, Any]]) -> dict[int, dict[str, float]]:
    """Each case's step durations in hours (see the module)."""
    results = _results(ctx, cases)
    with ctx.connect() as conn:
        ids = [int(c["case_id"]) for c in cases]
        contacts = contacts_repo.control_of_cases(conn, case_ids=ids)
        finished = investigations_repo.finished(conn, case_ids=ids)
    out: dict[int, dict[str, float]] = {}
    for c in cases:
        report = c["report_time"]
        mine = contacts.get(int(c["case_id"]), [])
        identified = [t for t, _ in mine if t is not None]
        controlled = [t for _, t in mine if t is not None]
        steps = {
            "result_to_report": _hours(
                report, results.get((int(c["person_id"]), c["sample_time"]))
            ),
            "report_to_isolation": _hours(c["isolation_time"], report),
            "report_to_investigation": _hours(finished.get(int(c["case_id"])), report),
            "report_to_contacts_identified": _hours(max(identified, default=None), report),
            "report_to_contacts_controlled": _hours(max(controlled, default=None), report),
        }
        out[int(c["case_id"])] = {k: v for k, v in steps.items() if v is not None}
    return out


def clocks(
    ctx: ServiceContext,
    start: dt.date,
    end: dt.date,
    *,
    level: RegionLevel = RegionLevel.DISTRICT,
    protocol: str | None = None,
    within: str | None = None,
) -> dict[str, Any]:
    """The clocks of the cases reported from ``start`` to ``end`` (local days, both included;
    ``within``: only the cases whose region starts with this code prefix)."""
    loaded, _ = ctx.protocol(protocol)
    tz = ctx.settings.timezone
    with ctx.connect() as conn:
        cases = cases_repo.reported_between(
            conn,
            start=start_of_day(start, tz),
            end=start_of_day(end + dt.timedelta(days=1), tz),
            within=ctx.principal.view,
        )
    if within is not None:
        cases = [c for c in cases if (c["region_code"] or "").startswith(within)]
    hours = chain_hours(ctx, cases)
    by: dict[tuple[str, str], list[tuple[int, float, str | None]]] = defaultdict(list)
    for c in cases:
        region = level_code(c["region_code"], level) or "unknown"
        for step, h in hours[int(c["case_id"])].items():
            by[(region, step)].append((int(c["case_id"]), h, c["resp_region"] or c["region_code"]))
    rows = []
    for (region, step), items in sorted(by.items()):
        values = np.asarray([h for _, h, _ in items])
        name = LIMITS[step]
        limit = float(getattr(loaded.timeliness, name)) if name else None
        late = [
            {"case_id": i, "hours": round(h, 2), "responsible": who}
            for i, h, who in items
            if limit is not None and h > limit
        ]
        rows.append(
            {
                "region_code": region,
                "step": step,
                "n": len(items),
                "median_hours": round(float(np.median(values)), 4),
                "p90_hours": round(float(np.percentile(values, 90)), 4),
                "limit_hours": limit,
                "within_limit": (
                    round(float(np.mean(values <= limit)), 4) if limit is not None else None
                ),
                "late": late,
            }
        )
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "protocol": loaded.name,
        "level": level.value,
        "cases": len(cases),
        "clocks": rows,
        "tracing": tracing(ctx, cases, hours, as_of=start_of_day(end + dt.timedelta(days=1), tz)),
        "tasks": task_clocks(ctx, start, end, level=level),
    }


def tracing(
    ctx: ServiceContext,
    cases: list[dict[str, Any]],
    hours: dict[int, dict[str, float]],
    *,
    as_of: dt.datetime | None = None,
) -> dict[str, Any]:
    """WHO's contact-tracing indicators for these cases (see the module)."""
    ids = [int(c["case_id"]) for c in cases]
    with ctx.connect() as conn:
        listed = contacts_repo.listed_before(conn, person_ids=[int(c["person_id"]) for c in cases])
        episodes = contacts_repo.contact_episodes(conn, case_ids=ids)
        followed = _followed_every_day(ctx, conn, episodes, as_of or utcnow())
    statuses = [e["status"] for e in episodes]
    were_contacts = sum(
        1
        for c in cases
        if int(c["person_id"]) in listed
        and (listed[int(c["person_id"])] or c["report_time"]) <= c["report_time"]
    )
    traced = [
        h["report_to_contacts_identified"]
        for h in hours.values()
        if "report_to_contacts_identified" in h
    ]
    lost = sum(1 for s in statuses if s == ControlStatus.LOST_TO_FOLLOW_UP.value)
    return {
        "cases": len(cases),
        "were_listed_contacts": round(were_contacts / len(cases), 4) if cases else None,
        "cases_with_contacts": len(traced),
        "contacts_identified_within_24h": (
            round(sum(1 for h in traced if h <= 24) / len(traced), 4) if traced else None
        ),
        "contact_episodes": len(statuses),
        "lost_to_follow_up": round(lost / len(statuses), 4) if statuses else None,
        "followed_every_day": followed,
    }


def _followed_every_day(
    ctx: ServiceContext, conn: Connection, episodes: list[dict[str, Any]], as_of: dt.datetime
) -> float | None:
    """The share of contacts' episodes with a health check on every local day as of
    ``as_of`` (from the start day to the end or planned end, or to the last whole day before
    ``as_of`` for an episode still running then: a day under way is not yet missed)."""
    tz = ctx.settings.timezone
    before = start_of_day(local_date(as_of, tz), tz) - dt.timedelta(microseconds=1)
    spans = []
    for e in episodes:
        if e["start_time"] >= as_of:
            continue
        ended = [t for t in (e["end_time"], e["planned_end_time"]) if t is not None]
        end = min(ended) if ended and min(ended) < as_of else before
        if end < e["start_time"]:
            continue  # began on the day under way
        spans.append((int(e["person_id"]), e["start_time"], end))
    if not spans:
        return None
    checks = checks_repo.of_people(
        conn,
        person_ids=sorted({p for p, _, _ in spans}),
        start=min(s for _, s, _ in spans),
        end=max(e for _, _, e in spans) + dt.timedelta(microseconds=1),
    )
    every = 0
    for person, start, end in spans:
        days = {local_date(c["check_time"], tz) for c in checks.get(person, [])}
        first, last = local_date(start, tz), local_date(end, tz)
        needed = {first + dt.timedelta(days=d) for d in range((last - first).days + 1)}
        every += needed <= days
    return round(every / len(spans), 4)


def task_clocks(
    ctx: ServiceContext, start: dt.date, end: dt.date, *, level: RegionLevel
) -> list[dict[str, Any]]:
    """The deadline tasks of the period, per kind and responsible region (see the module)."""
    tz = ctx.settings.timezone
    until = start_of_day(end + dt.timedelta(days=1), tz)
    with ctx.connect() as conn:
        tasks = tasks_repo.opened_between(
            conn, kinds=[k.value for k in DUE_HOURS], start=start_of_day(start, tz), end=until
        )
    by: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for t in tasks:
        region = level_code(t["resp_region"], level) or "unknown"
        by[(getattr(t["kind"], "value", str(t["kind"])), region)].append(t)
    rows = []
    for (kind, region), items in sorted(by.items()):
        # done means done: a task declared not executable (or cancelled) is not done in time
        done = [
            t
            for t in items
            if t["done_time"] is not None and str(t["status"]) == TaskStatus.DONE.value
        ]
        failed = [t for t in items if str(t["status"]) == TaskStatus.NOT_EXECUTABLE.value]
        values = np.asarray([_hours(t["done_time"], t["open_time"]) for t in done], float)
        in_time = [t for t in done if t["due_time"] is None or t["done_time"] <= t["due_time"]]
        overdue = [
            t for t in items if t["done_time"] is None and t["due_time"] and t["due_time"] < until
        ]
        rows.append(
            {
                "kind": kind,
                "region_code": region,
                "n": len(items),
                "done": len(done),
                "median_hours": round(float(np.median(values)), 4) if len(values) else None,
                "p90_hours": round(float(np.percentile(values, 90)), 4) if len(values) else None,
                "done_in_time": round(len(in_time) / len(done), 4) if done else None,
                "open_overdue": len(overdue),
                "not_executable": len(failed),
            }
        )
    return rows


__all__ = ["LIMITS", "chain_hours", "clocks", "task_clocks", "tracing"]
