"""``control checks --date D``: who under control on a local day sent the health reports
they owe, who did not, and who reported fever or symptoms.

Everyone under control for any part of the local day D (an episode of ``CHECKED_KINDS`` in
force then: started before the day ends, not ended when it begins, not cancelled) owes the
protocol's ``reports_per_day`` that day, also when the episode starts or ends inside the day:
the duty is a day's, and a list for follow-up had rather show a person identified in the
evening than miss one released at noon who never reported. A person with several episodes
that day is one line, under the latest started (its stage at the last moment of the day it
is in force). ``received`` counts the person's reports timed inside the day, ``missed`` what
is owed less that (never below zero); ``fever`` is whether any of them was fever,
``symptoms`` every symptom they named, ``temperature`` the latest; ``symptom_test_task_id``
a symptom test of the person's episodes open at the end of the day (or now, for today).
Those who missed a report or reported fever or symptoms come first, then by person id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from shoutu.domain.timeutil import local_date, utcnow, zone
from shoutu.domain.vocabulary import Symptom
from shoutu.rules.health_checks import is_fever, missed
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.checks import CHECKED_KINDS, health_rules, stage_kind
from shoutu.services.control.symptom_tests import KIND, SUBJECT
from shoutu.services.guard import may_list
from shoutu.store.repositories import checks as repo
from shoutu.store.repositories import measures as measures_repo
from shoutu.store.repositories import tasks as tasks_repo


@dataclass
class CheckDay:
    """The day's report: one line per person under control, and the totals."""

    date: dt.date
    protocol: str
    reports_per_day: int
    people: list[dict[str, Any]] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        rows = self.people
        return {
            "people": len(rows),
            "due": sum(r["due"] for r in rows),
            "received": sum(r["received"] for r in rows),
            "missed": sum(r["missed"] for r in rows),
            "people_missed": sum(r["missed"] > 0 for r in rows),
            "people_fever": sum(r["fever"] for r in rows),
            "people_symptoms": sum(bool(r["symptoms"]) for r in rows),
            "open_symptom_tests": sum(r["symptom_test_task_id"] is not None for r in rows),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "protocol": self.protocol,
            "reports_per_day": self.reports_per_day,
            "people": self.people,
            "totals": self.totals,
        }


def _open_at(task: dict[str, Any], at: dt.datetime) -> bool:
    done = task["done_time"]
    return bool(task["open_time"] <= at and (done is None or done > at))


def check_day(
    ctx: ServiceContext,
    day: dt.date | None = None,
    *,
    protocol: str | None = None,
    now: dt.datetime | None = None,
) -> CheckDay:
    """The health reports of local day ``day`` (default today; for a simulated registry its
    last day, as every report's) by the protocol's ``health_checks`` rules; the read is
    audited."""
    from shoutu.services.registry.situation import default_as_of

    loaded, _ = ctx.protocol(protocol)
    rules = health_rules(loaded)
    tz = ctx.settings.timezone
    if day is None:
        with ctx.connect() as conn:
            day = local_date(now or default_as_of(conn), tz)
    now = now or utcnow()
    start = dt.datetime.combine(day, dt.time(), zone(tz)).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone(tz)).astimezone(dt.UTC)
    cutoff = min(end - dt.timedelta(microseconds=1), now)
    with ctx.connect() as conn:
        episodes = measures_repo.in_force_during(
            conn,
            start=start,
            end=end,
            within=ctx.principal.view,
            kinds=[k.value for k in CHECKED_KINDS],
        )
        by_person: dict[int, list[dict[str, Any]]] = {}
        for e in episodes:
            by_person.setdefault(int(e["person_id"]), []).append(e)
        checks = repo.of_people(conn, person_ids=sorted(by_person), start=start, end=end)
        tests = tasks_repo.of_subjects(
            conn,
            kind=KIND.value,
            subject_type=SUBJECT,
            subject_ids=[str(e["measure_id"]) for e in episodes],
        )
    report = CheckDay(day, loaded.name, rules.reports_per_day)
    for person, own in sorted(by_person.items()):
        episode = max(own, key=lambda e: (e["start_time"], e["measure_id"]))
        last = min(end, episode["end_time"] or end) - dt.timedelta(microseconds=1)
        sent = checks.get(person, [])
        named = {s for c in sent for s in c["symptoms"] or ()}
        open_tests = [
            int(t["task_id"])
            for e in own
            for t in tests.get(str(e["measure_id"]), [])
            if _open_at(t, cutoff)
        ]
        report.people.append(
            {
                "person_id": person,
                "episode_id": episode["measure_id"],
                "kind": stage_kind(episode, last),
                "due": rules.reports_per_day,
                "received": len(sent),
                "missed": missed(rules, len(sent)),
                "fever": any(is_fever(rules, c["temperature"]) for c in sent),
                "symptoms": [s.value for s in Symptom if s.value in named],
                "temperature": sent[-1]["temperature"] if sent else None,
                "last_report": sent[-1]["check_time"].astimezone(zone(tz)).isoformat()
                if sent
                else None,
                "symptom_test_task_id": min(open_tests) if open_tests else None,
            }
        )
    report.people.sort(
        key=lambda r: (not (r["missed"] or r["fever"] or r["symptoms"]), r["person_id"])
    )
    with writing(ctx) as unit:
        purpose = f"health checks of {day.isoformat()}"
        episode_ids = [e["measure_id"] for e in episodes]
        unit.read("control_measures", episode_ids, pii=False, purpose=purpose)
        unit.read(
            "health_checks",
            [c["check_id"] for rows in checks.values() for c in rows],
            pii=False,
            purpose=purpose,
        )
    return report


def round_list(ctx: ServiceContext, day: dt.date | None = None) -> dict[str, Any]:
    """A community worker's round of the day: the people under control in their jurisdiction
    with what they owe and sent (``check_day``), each with a masked name and phone and their
    building so the worker can reach them (that read audited too)."""
    from shoutu.services.registry.people import masked_contacts

    may_list(ctx, "health_checks")
    found = check_day(ctx, day).as_json()
    contacts = masked_contacts(
        ctx, [int(p["person_id"]) for p in found["people"]], f"round of {found['date']}"
    )
    found["people"] = [{**p, **contacts.get(int(p["person_id"]), {})} for p in found["people"]]
    return found


__all__ = ["CheckDay", "check_day", "round_list"]
