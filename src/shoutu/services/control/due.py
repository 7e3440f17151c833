"""Who is due a PCR test on a local day (应检尽检's denominator) and who was sampled: a test
day of an episode in force that day (quarantine, isolation, post-release monitoring), a
key-population interval that would run out by the end of the day without a test on it (the
last sample before the day older than the interval rounded up to whole days), a mass-screening
round meeting the day (its targets: the residents of the campaign's region and those who work
there; sampled within the round's window).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoutu.events.store import read_events
from shoutu.protocols.schema import Protocol
from shoutu.services.context import ServiceContext
from shoutu.services.registry.roster import region_targets, roster
from shoutu.store.repositories import campaigns as campaigns_repo
from shoutu.store.repositories import places as places_repo

#: a person due on a list: whether they were covered, and what the list says of them
Due = dict[int, tuple[bool, dict[str, Any]]]


@dataclass(frozen=True)
class Round:
    """A mass-screening round: its campaign, number (1-based), window and the target
    people (ids ascending)."""

    campaign: str
    number: int
    start: dt.datetime
    end: dt.datetime
    people: np.ndarray


def rounds_between(ctx: ServiceContext, start: dt.datetime, end: dt.datetime) -> list[Round]:
    """Every campaign's rounds whose window meets [start, end), with their targets (the
    residents of the campaign's region, and those who work there)."""
    with ctx.connect() as conn:
        campaigns = [campaigns_repo.by_name(conn, name=n) for n in campaigns_repo.names(conn)]
        places = places_repo.regions(conn)
    found: list[Round] = []
    people: pa.Table | None = None
    for c in campaigns:
        if c is None:
            continue
        interval = dt.timedelta(hours=c["interval_hours"])
        length = dt.timedelta(hours=c["round_hours"])
        for r in range(c["rounds"]):
            lo = c["start_time"] + r * interval
            if lo < end and lo + length > start:
                people = roster(ctx) if people is None else people
                _, ids = region_targets(people, places, c["region_code"], "community")
                found.append(Round(str(c["name"]), r + 1, lo, lo + length, ids))
    return found


COLUMNS = ["person_id", "sample_time", "method"]
EMPTY = pa.schema([("person_id", pa.int64()), ("sample_time", pa.timestamp("us", tz="UTC"))])


def samples_around(ctx: ServiceContext, date: dt.date) -> pa.Table:
    """PCR samples (person, time) stored on the day and a day either side."""
    days = [(date + dt.timedelta(days=k)).isoformat() for k in (-1, 0, 1)]
    found = read_events(ctx.settings.event_dir, "tests", days, COLUMNS)
    if found.num_rows == 0:
        return EMPTY.empty_table()
    return found.filter(pc.equal(found["method"], "pcr")).select(["person_id", "sample_time"])


def _sampled_in(samples: pa.Table, lo: dt.datetime, hi: dt.datetime) -> set[int]:
    times = samples["sample_time"]
    inside = pc.and_(pc.greater_equal(times, pa.scalar(lo)), pc.less(times, pa.scalar(hi)))
    return set(samples["person_id"].filter(inside).to_pylist())


def due_tests(
    ctx: ServiceContext,
    protocol: Protocol,
    episodes: list[dict[str, Any]],
    samples: pa.Table,
    date: dt.date,
    start: dt.datetime,
    end: dt.datetime,
    tz: str,
) -> Due:
    on_day = _sampled_in(samples, start, end)
    due: Due = {}
    day = date.isoformat()
    for e in episodes:
        if any(day in s["test_days"] for s in e["stages"] or []):
            person = int(e["person_id"])
            due[person] = (person in on_day, {"rule": f"episode {e['measure_id']} test day"})
    due |= {
        p: v for p, v in _key_populations(ctx, protocol, date, end, on_day).items() if p not in due
    }
    for r in rounds_between(ctx, start, end):
        within = _sampled_in(samples, max(r.start, start), min(r.end, end))
        for p in r.people.tolist():
            if p not in due:
                due[p] = (p in within, {"rule": f"campaign {r.campaign} round {r.number}"})
    return due


def _key_populations(
    ctx: ServiceContext, protocol: Protocol, date: dt.date, end: dt.datetime, on_day: set[int]
) -> Due:
    """Key-population members whose interval runs out by the end of ``date`` without a test
    on it (the last sample before the day older than the interval rounded up to days)."""
    intervals = {str(k): float(v.interval_days) for k, v in protocol.key_populations.items()}
    if not intervals:
        return {}
    people = roster(ctx)
    wanted = pa.array(list(intervals), pa.string())
    members = people.filter(pc.is_in(people["key_population"], wanted).fill_null(False))
    if members.num_rows == 0:
        return {}
    back = math.ceil(max(intervals.values())) + 1
    days = [(date - dt.timedelta(days=k)).isoformat() for k in range(back + 1)]
    tests = read_events(ctx.settings.event_dir, "tests", days, COLUMNS)
    before = end - dt.timedelta(days=1)
    last: dict[int, dt.datetime] = {}
    if tests.num_rows:
        pcr = tests.filter(pc.equal(tests["method"], "pcr"))
        for p, t in zip(pcr["person_id"].to_pylist(), pcr["sample_time"].to_pylist(), strict=True):
            if t < before and (p not in last or t > last[p]):
                last[p] = t
    due: Due = {}
    ids = members["person_id"].to_pylist()
    for p, category in zip(ids, members["key_population"].to_pylist(), strict=True):
        allowed = dt.timedelta(days=math.ceil(intervals[category]))
        seen = last.get(p)
        if seen is None or end - seen > allowed:
            due[p] = (p in on_day, {"rule": f"key population {category}"})
    return due


__all__ = ["Due", "Round", "due_tests", "rounds_between", "samples_around"]
