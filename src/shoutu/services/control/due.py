"""Who is due a PCR test on a local day (应检尽检's denominator) and who was sampled: a test
day of an episode in force that day (quarantine, isolation, post-release monitoring), a
key-population interval that would run out by the end of the day without a test on it (the
last sample before the day older than the interval rounded up to whole days), a mass-screening
round meeting the day (its targets: the residents of the campaign's region and those who work
there; sampled within the round's window).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoutu.events.store import read_events
from shoutu.protocols.schema import Protocol
from shoutu.services.context import ServiceContext
from shoutu.services.registry.roster import target_ids
from shoutu.store.repositories import campaigns as campaigns_repo
from shoutu.store.repositories import places as places_repo


@dataclass(frozen=True)
class Round:
    """A mass-screening round: its campaign, number (1-based), window and the target
    people (ids ascending)."""

    campaign: str
    number: int
    start: dt.datetime
    end: dt.datetime
    people: np.ndarray


def rounds_between(
    ctx: ServiceContext, start: dt.datetime, end: dt.datetime, people: pa.Table
) -> list[Round]:
    """Every campaign's rounds whose window meets [start, end), with their targets (the
    residents of the campaign's region, and those who work there)."""
    with ctx.connect() as conn:
        campaigns = [campaigns_repo.by_name(conn, name=n) for n in campaigns_repo.names(conn)]
        places = places_repo.regions(conn)
    found: list[Round] = []
    for c in campaigns:
        if c is None:
            continue
        interval = dt.timedelta(hours=c["interval_hours"])
        length = dt.timedelta(hours=c["round_hours"])
        for r in range(c["rounds"]):
            lo = c["start_time"] + r * interval
            if lo < end and lo + length > start:
                ids = target_ids(people, places, c["region_code"])
                found.append(Round(str(c["name"]), r + 1, lo, lo + length, ids))
    return found


COLUMNS = ["person_id", "sample_time", "method"]
EMPTY = pa.schema([("person_id", pa.int64()), ("sample_time", pa.timestamp("us", tz="UTC"))])
RULE = pa.dictionary(pa.int32(), pa.string())


def samples_around(ctx: ServiceContext, date: dt.date) -> pa.Table:
    """PCR samples (person, time) stored on the day and a day either side."""
    days = [(date + dt.timedelta(days=k)).isoformat() for k in (-1, 0, 1)]
    found = read_events(ctx.settings.event_dir, "tests", days, COLUMNS)
    if found.num_rows == 0:
        return EMPTY.empty_table()
    pcr = found.filter(pc.equal(found["method"], "pcr")).select(["person_id", "sample_time"])
    return pcr.cast(EMPTY)


def sampled_in(samples: pa.Table, lo: dt.datetime, hi: dt.datetime) -> np.ndarray:
    """The people (unique ids, ascending) with a sample in [lo, hi)."""
    times = samples["sample_time"]
    inside = pc.and_(pc.greater_equal(times, pa.scalar(lo)), pc.less(times, pa.scalar(hi)))
    ids = samples["person_id"].filter(inside).to_numpy()
    return unique_ids(np.asarray(ids, np.int64))


def _dense(ids: np.ndarray) -> bool:
    """Whether ids (non-empty) fit a bitmap: none negative, the largest within a few times
    their number (a registry's person ids)."""
    return bool(ids.min() >= 0 and ids.max() < 4 * len(ids) + 1_000_000)


def among(values: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Which ``values`` are in ``ids`` (distinct, ascending): a bitmap lookup when the ids
    are dense, else ``np.isin``."""
    if len(ids) == 0 or len(values) == 0 or not _dense(ids) or values.min() < 0:
        return np.isin(values, ids)
    seen = np.zeros(int(ids[-1]) + 1, bool)
    seen[ids] = True
    inside = values <= ids[-1]
    found = np.zeros(len(values), bool)
    found[inside] = seen[values[inside]]
    return found


def unique_ids(ids: np.ndarray) -> np.ndarray:
    """The distinct ids, ascending: marked in a bitmap when they are dense (a registry's
    person ids; 10 million at once in a tenth of the time of hashing them), else sorted."""
    if len(ids) == 0:
        return ids
    if _dense(ids):
        seen = np.zeros(int(ids.max()) + 1, bool)
        seen[ids] = True
        return np.flatnonzero(seen).astype(np.int64, copy=False)
    return np.unique(ids)


def part(ids: np.ndarray, met: np.ndarray, rules: list[str], codes: np.ndarray) -> pa.Table:
    """People due by some rules: ``codes`` index ``rules`` per person."""
    rule = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(rules, pa.string()))
    return pa.table(
        {"person_id": pa.array(ids, pa.int64()), "met": pa.array(met, pa.bool_()), "rule": rule}
    )


def tested_on(episodes: list[dict[str, Any]], date: dt.date) -> list[dict[str, Any]]:
    """The episodes with a test day on ``date``, from their stages' stored text
    (``stages_text``: episodes opened together share it, each text is decoded once)."""
    day = date.isoformat()
    needle = f'"{day}"'
    seen: dict[str, bool] = {}
    found = []
    for episode in episodes:
        text = episode["stages_text"]
        if text is None or needle not in text:
            continue
        if text not in seen:
            stages = json.loads(text) or []
            seen[text] = any(day in s["test_days"] for s in stages)
        if seen[text]:
            found.append(episode)
    return found


def first_of_each(parts: list[pa.Table], schema: pa.Schema) -> pa.Table:
    """The parts' rows, one per person (the first part's row), by person id."""
    if not parts:
        return schema.empty_table()
    table = pa.concat_tables([p.cast(schema) for p in parts]).unify_dictionaries()
    ids = np.asarray(table["person_id"].to_numpy(), np.int64)
    return table.take(pa.array(first_rows(ids))).combine_chunks()


def first_rows(ids: np.ndarray) -> np.ndarray:
    """The row of each distinct id's first occurrence, ids ascending (``np.unique``'s
    ``return_index``; by a table over the ids when they are dense: a tenth of the time)."""
    if len(ids) == 0 or not _dense(ids):
        return np.unique(ids, return_index=True)[1]
    at = np.full(int(ids.max()) + 1, len(ids), np.int64)
    np.minimum.at(at, ids, np.arange(len(ids), dtype=np.int64))
    return at[at < len(ids)]


TESTS = pa.schema([("person_id", pa.int64()), ("met", pa.bool_()), ("rule", RULE)])


def due_tests(
    ctx: ServiceContext,
    protocol: Protocol,
    people: pa.Table,
    episodes: list[dict[str, Any]],
    samples: pa.Table,
    date: dt.date,
    start: dt.datetime,
    end: dt.datetime,
) -> pa.Table:
    """Everyone due a test on ``date`` (person_id, met, rule), by person id: an episode's
    test day first, then a key-population interval, then a mass-screening round (``episodes``:
    those in force that day, with ``measure_id``, ``person_id`` and ``stages_text``)."""
    windows: dict[tuple[dt.datetime, dt.datetime], np.ndarray] = {}

    def sampled(lo: dt.datetime, hi: dt.datetime) -> np.ndarray:
        if (lo, hi) not in windows:  # a round over the whole day: the day's samples
            windows[lo, hi] = sampled_in(samples, lo, hi)
        return windows[lo, hi]

    on_day = sampled(start, end)
    tested = tested_on(episodes, date)
    ids = np.array([int(e["person_id"]) for e in tested], np.int64)
    parts = [
        part(
            ids,
            among(ids, on_day),
            [f"episode {e['measure_id']} test day" for e in tested],
            np.arange(len(tested)),
        ),
        _key_populations(ctx, protocol, people, date, end, on_day),
    ]
    for r in rounds_between(ctx, start, end, people):
        within = sampled(max(r.start, start), min(r.end, end))
        n = len(r.people)
        rule = f"campaign {r.campaign} round {r.number}"
        parts.append(part(r.people, among(r.people, within), [rule], np.zeros(n, np.int32)))
    return first_of_each(parts, TESTS)


def _key_populations(
    ctx: ServiceContext,
    protocol: Protocol,
    people: pa.Table,
    date: dt.date,
    end: dt.datetime,
    on_day: np.ndarray,
) -> pa.Table:
    """Key-population members whose interval runs out by the end of ``date`` without a test
    on it (the last sample before the day older than the interval rounded up to days)."""
    intervals = {str(k): float(v.interval_days) for k, v in protocol.key_populations.items()}
    wanted = pa.array(list(intervals), pa.string())
    members = people.filter(pc.is_in(people["key_population"], wanted).fill_null(False))
    if not intervals or members.num_rows == 0:
        return TESTS.empty_table()
    back = math.ceil(max(intervals.values())) + 1
    days = [(date - dt.timedelta(days=k)).isoformat() for k in range(back + 1)]
    tests = read_events(ctx.settings.event_dir, "tests", days, COLUMNS)
    before = end - dt.timedelta(days=1)
    ids = np.asarray(members["person_id"].to_numpy(), np.int64)  # ascending, as the roster
    last = np.full(len(ids), -np.inf)  # seconds of the last sample before the day
    if tests.num_rows:
        pcr = tests.filter(pc.equal(tests["method"], "pcr")).select(["person_id", "sample_time"])
        earlier = pcr.cast(EMPTY).filter(pc.less(pcr["sample_time"], pa.scalar(before)))
        latest = earlier.group_by("person_id").aggregate([("sample_time", "max")])
        who = np.asarray(latest["person_id"].to_numpy(), np.int64)
        seconds = pc.cast(latest["sample_time_max"], pa.int64()).to_numpy() / 1e6
        at = np.minimum(np.searchsorted(ids, who), len(ids) - 1)
        mine = ids[at] == who
        last[at[mine]] = seconds[mine]
    categories = sorted(intervals)
    code = np.searchsorted(categories, np.asarray(members["key_population"].to_pylist(), object))
    allowed = np.array([math.ceil(intervals[c]) * 86400.0 for c in categories])[code]
    due = end.timestamp() - last > allowed
    rules = [f"key population {c}" for c in categories]
    return part(ids[due], among(ids[due], on_day), rules, code[due])


__all__ = [
    "RULE",
    "TESTS",
    "Round",
    "due_tests",
    "first_of_each",
    "part",
    "rounds_between",
    "sampled_in",
    "samples_around",
]
