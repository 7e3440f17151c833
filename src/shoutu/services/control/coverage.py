"""The four "should" lists (四应) per region on a local day D: who should have been tested,
isolated, treated and managed, against who was — with the lists of who was not.

- 应检尽检 **test**: everyone due a PCR test on D by any rule — a test day of an episode in
  force on D (quarantine, isolation, post-release monitoring), a key-population interval that
  would run out by the end of D without a test on D, a mass-screening round meeting D — against
  those with a PCR sample on D (for a round: in its window).
- 应隔尽隔 **isolate**: contacts identified on D (``identified_time``, else when recorded) that
  their protocol controls, against those under control within ``timeliness.contact_control_hours``
  of the index case's report (an episode started by then and not ended before they were found);
  the list holds the rest, each with the time control began (none: never) and the hours from
  identification to it or to the end of D.
- 应治尽治 **treat**: cases reported on D against those isolated within
  ``timeliness.isolation_hours`` of the report.
- 应管尽管 **manage**: people under home quarantine, health monitoring, post-release monitoring,
  centralised quarantine or in a sealed or controlled area on D, against those with a health
  check (a follow-up) on D.

A person counts in the region of their home (at ``level``); one without a home region is
counted under ``None``. Every list read is audited; the lists written with ``lists_dir`` carry
the masked name, phone and building of each person (each read audited too).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shoutu.domain.regions import level_code
from shoutu.domain.timeutil import end_of_day, zone
from shoutu.domain.vocabulary import ContactKind, ControlKind, RegionLevel
from shoutu.errors import options_checked
from shoutu.io.provenance import build_provenance
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.contacts import rules_for
from shoutu.services.control.due import Due, due_tests, samples_around
from shoutu.services.registry.people import masked_contacts
from shoutu.services.registry.roster import roster
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import checks as checks_repo
from shoutu.store.repositories import contacts as contacts_repo
from shoutu.store.repositories import measures as measures_repo

LISTS = ("test", "isolate", "treat", "manage")
LABELS = {
    "test": ("应检尽检", "tested as due"),
    "isolate": ("应隔尽隔", "contacts under control in time"),
    "treat": ("应治尽治", "cases isolated in time"),
    "manage": ("应管尽管", "managed with a follow-up"),
}
MANAGED = (
    ControlKind.CENTRALISED,
    ControlKind.HOME,
    ControlKind.HEALTH_MONITORING,
    ControlKind.POST_RELEASE_MONITORING,
    ControlKind.AREA_SEALED,
    ControlKind.AREA_CONTROLLED,
)
HOUR = dt.timedelta(hours=1)


@dataclass
class Coverage:
    date: dt.date
    level: str
    protocol: str
    # per list: person id -> (met, detail for the list of those who were not)
    due: dict[str, dict[int, tuple[bool, dict[str, Any]]]] = field(default_factory=dict)
    regions: dict[int, str | None] = field(default_factory=dict)
    lists_dir: Path | None = None
    provenance: dict[str, Any] = field(default_factory=dict)

    def rates(self) -> list[dict[str, Any]]:
        """Numerator, denominator and rate of each list, per region (sorted; None last)."""
        cells: dict[str | None, dict[str, list[int]]] = {}
        for name in LISTS:
            for person, (met, _) in self.due.get(name, {}).items():
                cell = cells.setdefault(self.regions.get(person), {n: [0, 0] for n in LISTS})
                cell[name][0] += met
                cell[name][1] += 1
        ordered = sorted(cells, key=lambda r: (r is None, r or ""))
        return [{"region": r, **{n: _rate(*cells[r][n]) for n in LISTS}} for r in ordered]

    def misses(self, name: str) -> list[dict[str, Any]]:
        """Who was due on a list and was not, by person id."""
        return [
            {"person_id": p, "region": self.regions.get(p), **detail}
            for p, (met, detail) in sorted(self.due.get(name, {}).items())
            if not met
        ]

    def as_json(self) -> dict[str, Any]:
        totals: dict[str, list[int]] = {n: [0, 0] for n in LISTS}
        for name in LISTS:
            for met, _ in self.due.get(name, {}).values():
                totals[name][0] += met
                totals[name][1] += 1
        return {
            "date": self.date.isoformat(),
            "level": self.level,
            "protocol": self.protocol,
            "totals": {n: _rate(*totals[n]) for n in LISTS},
            "regions": self.rates(),
            "lists": {n: self.misses(n) for n in LISTS},
            "lists_dir": str(self.lists_dir) if self.lists_dir else None,
            "provenance": self.provenance,
        }


def _rate(met: int, due: int) -> dict[str, Any]:
    return {"met": met, "due": due, "rate": round(met / due, 4) if due else None}


def _iso(at: dt.datetime | None, tz: str) -> str | None:
    return at.astimezone(zone(tz)).isoformat() if at is not None else None


def _hours(a: dt.datetime, b: dt.datetime) -> float:
    return round((b - a) / HOUR, 1)


def coverage(
    ctx: ServiceContext,
    *,
    date: dt.date,
    level: str = RegionLevel.DISTRICT.value,
    lists_dir: Path | None = None,
) -> Coverage:
    """The four rates per region on ``date`` and who was not covered (see the module)."""
    with options_checked():
        parsed = RegionLevel.parse(level)
    protocol, digest = ctx.protocol()
    tz = ctx.settings.timezone
    start, end = end_of_day(date - dt.timedelta(days=1), tz), end_of_day(date, tz)
    report = Coverage(date, parsed.value, protocol.name)
    report.provenance = build_provenance(
        command="control coverage",
        parameters={"date": date.isoformat(), "level": parsed.value},
        protocol=(protocol.name, digest),
    )
    with ctx.connect() as conn:
        episodes = measures_repo.overlapping(conn, start=start, end=end)
        contacts = contacts_repo.identified_between(conn, start=start, end=end)
        cases = cases_repo.reported_between(conn, start=start, end=end)
        followed = {
            p
            for p in checks_repo.of_people(
                conn,
                person_ids=sorted({int(e["person_id"]) for e in episodes if e["kind"] in MANAGED}),
                start=start,
                end=end,
            )
        }
        watched = sorted({int(c["person_id"]) for c in [*contacts, *cases]})
        theirs = measures_repo.of_people(conn, person_ids=watched)
    samples = samples_around(ctx, date)
    report.due["test"] = due_tests(ctx, protocol, episodes, samples, date, start, end, tz)
    report.due["isolate"] = _isolate(protocol, contacts, theirs, end, tz)
    report.due["treat"] = _treat(protocol, cases, theirs, tz)
    report.due["manage"] = {
        int(e["person_id"]): (
            int(e["person_id"]) in followed,
            {"episode_id": e["measure_id"], "kind": str(e["kind"])},
        )
        for e in episodes
        if e["kind"] in MANAGED
    }
    people = roster(ctx)
    homes = dict(
        zip(people["person_id"].to_pylist(), people["home_region_code"].to_pylist(), strict=True)
    )
    everyone = sorted({p for name in LISTS for p in report.due.get(name, {})})
    report.regions = {p: level_code(homes.get(p), parsed) for p in everyone}
    missed = sorted({m["person_id"] for n in LISTS for m in report.misses(n)})
    with writing(ctx) as unit:
        unit.read("people", missed, pii=False, purpose=f"control coverage {date.isoformat()}")
    if lists_dir is not None:
        _write_lists(ctx, report, lists_dir)
    return report


def _isolate(
    protocol: Any,
    contacts: list[dict[str, Any]],
    theirs: dict[int, list[dict[str, Any]]],
    end: dt.datetime,
    tz: str,
) -> Due:
    limit = protocol.timeliness.contact_control_hours * HOUR
    due: Due = {}
    for c in contacts:
        if rules_for(protocol, ContactKind(c["kind"])) is None:
            continue  # the protocol does not control this kind of contact
        person = int(c["person_id"])
        found = c["identified_time"] or c["created_at"]
        deadline = c["index_report_time"] + limit
        starts = [
            e["start_time"]
            for e in theirs.get(person, [])
            if e["end_time"] is None or e["end_time"] > found
        ]
        began = min(starts, default=None)
        met = began is not None and began <= deadline
        detail = {
            "contact_id": c["contact_id"],
            "index_case_id": c["index_case_id"],
            "identified": _iso(found, tz),
            "controlled": _iso(began, tz),
            "hours": _hours(found, min(began, end) if began else end),
        }
        if person not in due or (met and not due[person][0]):
            due[person] = (met, detail)
    return due


def _treat(
    protocol: Any, cases: list[dict[str, Any]], theirs: dict[int, list[dict[str, Any]]], tz: str
) -> Due:
    limit = protocol.timeliness.isolation_hours * HOUR
    due: Due = {}
    for c in cases:
        person = int(c["person_id"])
        isolated = [
            e["start_time"] for e in theirs.get(person, []) if e["kind"] == ControlKind.ISOLATION
        ]
        began = min(isolated, default=None)
        met = began is not None and began <= c["report_time"] + limit
        due[person] = (
            met,
            {
                "case_id": c["case_id"],
                "reported": _iso(c["report_time"], tz),
                "isolated": _iso(began, tz),
            },
        )
    return due


def _write_lists(ctx: ServiceContext, report: Coverage, folder: Path) -> None:
    """One CSV per list of who was not covered, with masked names (each read audited)."""
    folder.mkdir(parents=True, exist_ok=True)
    report.lists_dir = folder
    for name in LISTS:
        rows = report.misses(name)
        masked = masked_contacts(
            ctx,
            [r["person_id"] for r in rows],
            f"control coverage {report.date.isoformat()}: {LABELS[name][0]}",
        )
        columns = sorted({k for r in rows for k in r} - {"person_id", "region"})
        path = folder / f"{name}_{report.date.isoformat()}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["person_id", "region", "name", "phone", "building", *columns])
            for r in rows:
                who = masked.get(r["person_id"], {})
                writer.writerow(
                    [
                        r["person_id"],
                        r["region"],
                        who.get("name"),
                        who.get("phone"),
                        who.get("building"),
                        *(r.get(c) for c in columns),
                    ]
                )


__all__ = ["LABELS", "LISTS", "Coverage", "coverage"]
