"""The four "should" rates on a simulated city (issue 14's "Done when"): `simulate` →
`import simulation` → `control coverage` equals plain recounts of the simulator's own files
(contacts.parquet, quarantine.parquet, cases.parquet, tests.parquet, people.parquet), and
the 应隔尽隔 list holds every contact the simulator left uncontrolled — with, beside them,
only the contacts it controlled after the protocol's limit."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from cities import LATE_TRACING_CITY
from conftest import City
from shoutu.domain.timeutil import end_of_day, local_date
from shoutu.services.context import ServiceContext
from shoutu.services.control.coverage import MANAGED, coverage
from shoutu.services.simulation.importer import import_simulation, load_simulation_events

HOUR = dt.timedelta(hours=1)


def _rows(out: Path, name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(out / f"{name}.parquet").to_pylist()
    for r in rows:  # the files' times are UTC
        for k, v in r.items():
            if isinstance(v, dt.datetime) and v.tzinfo is None:
                r[k] = v.replace(tzinfo=dt.UTC)
    return rows


def test_the_four_rates_recount_the_simulators_files(ctx: ServiceContext, city: City) -> None:
    out = city(**LATE_TRACING_CITY)
    import_simulation(ctx, out)
    load_simulation_events(ctx, out)
    protocol, _ = ctx.protocol()
    tz = ctx.settings.timezone
    contacts, episodes = _rows(out, "contacts"), _rows(out, "quarantine")
    cases = {c["case_id"]: c for c in _rows(out, "cases")}
    tests = [t for t in _rows(out, "tests") if t["method"] == "pcr"]
    people = _rows(out, "people")
    by_person: dict[int, list[dict[str, Any]]] = {}
    for e in episodes:
        by_person.setdefault(e["person_id"], []).append(e)
    found = Counter(local_date(c["identified_time"], tz) for c in contacts)
    days = [d for d, _ in found.most_common(3)]
    assert days, "the late-tracing city traces contacts"
    uncontrolled = {  # (person, local day found) of each contact left uncontrolled
        (c["person_id"], local_date(c["identified_time"], tz))
        for c in contacts
        if c["controlled_time"] is None
    }
    assert uncontrolled, "and leaves some uncontrolled"
    listed_uncontrolled: set[int] = set()
    for day in days:
        start, end = end_of_day(day - dt.timedelta(days=1), tz), end_of_day(day, tz)
        report = coverage(ctx, date=day, limit=None)
        totals = report.as_json()["totals"]
        # 应隔尽隔: the day's contacts, under control within contact_control_hours of their
        # index case's report (an episode holding them then, not ended before they were found)
        limit = protocol.timeliness.contact_control_hours * HOUR
        met_contact: dict[int, bool] = {}
        for c in contacts:
            if local_date(c["identified_time"], tz) != day:
                continue
            deadline = cases[c["index_case_id"]]["report_time"] + limit
            held = [
                e["start_time"]
                for e in by_person.get(c["person_id"], [])
                if e["end_time"] is None or e["end_time"] > c["identified_time"]
            ]
            met = bool(held) and min(held) <= deadline
            met_contact[c["person_id"]] = met_contact.get(c["person_id"], False) or met
        assert totals["isolate"] == _rate(met_contact)
        listed = {m["person_id"] for m in report.misses("isolate")}
        assert listed == {p for p, met in met_contact.items() if not met}
        left = {p for p, d in uncontrolled if d == day}
        assert left <= listed  # everyone the simulator left uncontrolled that day
        listed_uncontrolled |= left
        # 应检尽检 from the episodes' test days and the key populations' intervals
        sampled = {t["person_id"] for t in tests if start <= t["sample_time"] < end}
        due: dict[int, bool] = {}
        for e in episodes:
            in_force = e["start_time"] < end and (e["end_time"] is None or e["end_time"] > start)
            if in_force and day in (e["test_days"] or []):
                due[e["person_id"]] = e["person_id"] in sampled
        intervals = {str(k): v.interval_days for k, v in protocol.key_populations.items()}
        for p in people:
            interval = intervals.get(p["key_population"] or "")
            if interval is None or p["person_id"] in due:
                continue
            before = [
                t["sample_time"]
                for t in tests
                if t["person_id"] == p["person_id"] and t["sample_time"] < start
            ]
            allowed = dt.timedelta(days=math.ceil(interval))
            if not before or end - max(before) > allowed:
                due[p["person_id"]] = p["person_id"] in sampled
        assert totals["test"] == _rate(due)
        # 应治尽治: the day's cases, isolated within isolation_hours of the report
        within = protocol.timeliness.isolation_hours * HOUR
        treated = {
            c["person_id"]: any(
                e["kind"] == "isolation" and e["start_time"] <= c["report_time"] + within
                for e in by_person.get(c["person_id"], [])
            )
            for c in cases.values()
            if local_date(c["report_time"], tz) == day
        }
        assert totals["treat"] == _rate(treated)
        # 应管尽管: people in managed episodes that day; the simulator records no checks
        managed = {
            e["person_id"]: False
            for e in episodes
            if e["kind"] in {k.value for k in MANAGED}
            and e["start_time"] < end
            and (e["end_time"] is None or e["end_time"] > start)
        }
        assert totals["manage"] == _rate(managed)
        # the regions add up to the totals
        for name in ("test", "isolate", "treat", "manage"):
            assert sum(r[name]["due"] for r in report.as_json()["regions"]) == totals[name]["due"]
    assert listed_uncontrolled  # the busiest days hold some of the uncontrolled


def _rate(due: dict[int, bool]) -> dict[str, Any]:
    met = sum(due.values())
    return {"met": met, "due": len(due), "rate": round(met / len(due), 4) if due else None}
