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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoutu.domain.regions import level_code
from shoutu.domain.timeutil import end_of_day, zone
from shoutu.domain.vocabulary import AuditAction, ContactKind, ControlKind, RegionLevel
from shoutu.errors import options_checked
from shoutu.io.provenance import build_provenance
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.contacts import rules_for
from shoutu.services.control.due import due_tests, samples_around
from shoutu.services.guard import may_list
from shoutu.services.registry.people import masked_contacts
from shoutu.services.registry.roster import roster_within
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
    # per list: who was due (person_id ascending, met, the list's detail columns)
    due: dict[str, pa.Table] = field(default_factory=dict)
    # per list: each due person's region at the level (None: no home region there)
    regions: dict[str, pa.Array] = field(default_factory=dict)
    limit: int | None = 1000  # rows of each list in the JSON (None: all)
    lists_dir: Path | None = None
    provenance: dict[str, Any] = field(default_factory=dict)

    def totals(self) -> dict[str, dict[str, Any]]:
        found = {}
        for name in LISTS:
            table = self.due[name]
            found[name] = _rate(pc.sum(table["met"]).as_py() or 0, table.num_rows)
        return found

    def rates(self) -> list[dict[str, Any]]:
        """Numerator, denominator and rate of each list, per region (sorted; None last)."""
        cells: dict[str | None, dict[str, list[int]]] = {}
        for name in LISTS:
            table = pa.table({"region": self.regions[name], "met": self.due[name]["met"]})
            counted = table.group_by("region").aggregate([("met", "sum"), ("met", "count")])
            for region, met, due in zip(
                counted["region"].to_pylist(),
                counted["met_sum"].to_pylist(),
                counted["met_count"].to_pylist(),
                strict=True,
            ):
                cell = cells.setdefault(region, {n: [0, 0] for n in LISTS})
                cell[name] = [int(met or 0), int(due)]
        ordered = sorted(cells, key=lambda r: (r is None, r or ""))
        return [{"region": r, **{n: _rate(*cells[r][n]) for n in LISTS}} for r in ordered]

    def missed(self, name: str) -> pa.Table:
        """Who was due on a list and was not (person_id, region, the list's columns)."""
        table = self.due[name].append_column("region", self.regions[name])
        return table.filter(pc.invert(table["met"])).drop_columns(["met"])

    def misses(self, name: str, limit: int | None = None) -> list[dict[str, Any]]:
        table = self.missed(name)
        rows: list[dict[str, Any]] = (table if limit is None else table.slice(0, limit)).to_pylist()
        return rows

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "level": self.level,
            "protocol": self.protocol,
            "totals": self.totals(),
            "regions": self.rates(),
            "missed": {n: self.missed(n).num_rows for n in LISTS},
            "lists": {n: self.misses(n, self.limit) for n in LISTS},
            "list_limit": self.limit,
            "lists_dir": str(self.lists_dir) if self.lists_dir else None,
            "provenance": self.provenance,
        }


def _rate(met: int, due: int) -> dict[str, Any]:
    return {"met": met, "due": due, "rate": round(met / due, 4) if due else None}


def _iso(at: dt.datetime | None, tz: str) -> str | None:
    return at.astimezone(zone(tz)).isoformat() if at is not None else None


def _hours(a: dt.datetime, b: dt.datetime) -> float:
    return round((b - a) / HOUR, 1)


def _table(due: dict[int, tuple[bool, dict[str, Any]]], schema: pa.Schema) -> pa.Table:
    """Rows of people due (a small list), by person id; built by column."""
    people = sorted(due)
    columns: dict[str, list[Any]] = {"person_id": people, "met": [due[p][0] for p in people]}
    for name in schema.names[2:]:
        columns[name] = [due[p][1][name] for p in people]
    return pa.Table.from_pydict(columns, schema=schema)


def _homes(people: pa.Table, known: np.ndarray, ids: pa.Array) -> Any:
    """Each person's home region code (the roster is sorted by person id: ``known`` its
    ids; None: not in the roster)."""
    wanted = np.asarray(ids.to_numpy(zero_copy_only=False), np.int64)
    if len(known) == 0:
        return pa.nulls(len(wanted), pa.string())
    at = np.minimum(np.searchsorted(known, wanted), len(known) - 1)
    homes = people["home_region_code"].take(pa.array(at))
    return pc.if_else(pa.array(known[at] == wanted), homes, pa.scalar(None, pa.string()))


def _regions(homes: Any, level: RegionLevel) -> pa.Array:
    """Each home's region at ``level``."""
    encoded = (
        pc.dictionary_encode(homes).combine_chunks()
        if isinstance(homes, pa.ChunkedArray)
        else pc.dictionary_encode(homes)
    )
    codes = [level_code(c, level) for c in encoded.dictionary.to_pylist()]
    return pa.array(codes, pa.string()).take(encoded.indices)


def coverage(
    ctx: ServiceContext,
    *,
    date: dt.date,
    level: str = RegionLevel.DISTRICT.value,
    lists_dir: Path | None = None,
    limit: int | None = 1000,
) -> Coverage:
    """The four rates per region on ``date`` and who was not covered (see the module);
    the JSON lists at most ``limit`` people each (the files all); the caller's jurisdiction
    holds the people counted and listed (by their home)."""
    may_list(ctx, "coverage_lists")
    with options_checked():
        parsed = RegionLevel.parse(level)
    protocol, digest = ctx.protocol()
    tz = ctx.settings.timezone
    start, end = end_of_day(date - dt.timedelta(days=1), tz), end_of_day(date, tz)
    report = Coverage(date, parsed.value, protocol.name, limit=limit)
    report.provenance = build_provenance(
        command="control coverage",
        parameters={"date": date.isoformat(), "level": parsed.value},
        protocol=(protocol.name, digest),
    )
    view = ctx.principal.view  # the people whose home lies in it, in every list
    with ctx.connect() as conn:
        episodes = measures_repo.in_force_during(
            conn,
            start=start,
            end=end,
            within=view,
            columns=("measure_id", "person_id", "kind", "stages_text"),
        )
        managed = [e for e in episodes if e["kind"] in MANAGED]
        contacts = contacts_repo.identified_between(conn, start=start, end=end, within=view)
        cases = cases_repo.reported_between(conn, start=start, end=end, within=view, by_home=True)
        followed = checks_repo.of_people(
            conn,
            person_ids=sorted({int(e["person_id"]) for e in managed}),
            start=start,
            end=end,
        )
        watched = sorted({int(c["person_id"]) for c in [*contacts, *cases]})
        theirs = measures_repo.spans_of_people(conn, person_ids=watched)
    samples = samples_around(ctx, date)
    people = roster_within(ctx, view)
    report.due["test"] = due_tests(ctx, protocol, people, episodes, samples, date, start, end)
    report.due["isolate"] = _table(_isolate(protocol, contacts, theirs, end, tz), ISOLATE)
    report.due["treat"] = _table(_treat(protocol, cases, theirs, tz), TREAT)
    manage = {
        int(e["person_id"]): (
            int(e["person_id"]) in followed,
            {"episode_id": e["measure_id"], "kind": str(getattr(e["kind"], "value", e["kind"]))},
        )
        for e in managed
    }
    report.due["manage"] = _table(manage, MANAGE)
    known = np.asarray(people["person_id"].to_numpy(), np.int64)
    for name in LISTS:
        report.regions[name] = _regions(
            _homes(people, known, report.due[name]["person_id"]), parsed
        )
    with writing(ctx) as unit:
        for name in LISTS:
            count = report.missed(name).num_rows
            if count:  # the list's read: one event (ids only; names are read one by one)
                unit.event(
                    AuditAction.READ,
                    "coverage_lists",
                    f"{name}:{date.isoformat()}",
                    detail=f"control coverage {date.isoformat()}: {LABELS[name][0]}, "
                    f"{count} people",
                )
    if lists_dir is not None:
        _write_lists(ctx, report, lists_dir)
    return report


Due = dict[int, tuple[bool, dict[str, Any]]]  # a small list: person -> (met, detail)
ISOLATE = pa.schema(
    [
        ("person_id", pa.int64()),
        ("met", pa.bool_()),
        ("contact_id", pa.int64()),
        ("index_case_id", pa.int64()),
        ("identified", pa.string()),
        ("controlled", pa.string()),
        ("hours", pa.float64()),
    ]
)
TREAT = pa.schema(
    [
        ("person_id", pa.int64()),
        ("met", pa.bool_()),
        ("case_id", pa.int64()),
        ("reported", pa.string()),
        ("isolated", pa.string()),
    ]
)
MANAGE = pa.schema(
    [
        ("person_id", pa.int64()),
        ("met", pa.bool_()),
        ("episode_id", pa.int64()),
        ("kind", pa.string()),
    ]
)


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
        columns = [c for c in report.due[name].column_names if c not in ("person_id", "met")]
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
