"""Routine screening of key populations: who is tested as often as the protocol asks.

Each key-population category has a testing interval in the protocol in force (daily for port,
cold-chain and fever-clinic staff; twice a week, 3.5 days, for delivery, pharmacy, market
workers...). For a day D and a window of W days ending on it:

- expected tests of a person = W / interval; done = their PCR samples in the window;
  compliance = sum of min(done, expected) / sum of expected;
- a person is overdue when their last PCR sample (up to the end of D) is older than the
  interval rounded up to whole days (testing is scheduled by day: twice a week means gaps of
  3 or 4 days), or when they have none in the look-back (W days plus the interval).

Reported per category and per unit (the workplace), with the overdue list. People and their
categories come from the registry's columnar roster, samples from the event store.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoutu.errors import BadRequest
from shoutu.events.store import read_events
from shoutu.io.provenance import build_provenance
from shoutu.services.context import ServiceContext
from shoutu.services.registry.people import masked_contacts
from shoutu.services.registry.roster import roster


@dataclass
class ComplianceReport:
    day: dt.date
    window_days: int
    by_category: list[dict[str, Any]] = field(default_factory=list)
    by_unit: list[dict[str, Any]] = field(default_factory=list)
    overdue: list[dict[str, Any]] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "window_days": self.window_days,
            "by_category": self.by_category,
            "by_unit": self.by_unit,
            "overdue": self.overdue,
        }


def compliance(
    ctx: ServiceContext, day: dt.date, *, window_days: int = 7, names: bool = False
) -> ComplianceReport:
    """Compliance on ``day`` over the window; with ``names``, the overdue list carries each
    person's masked name (every read audited)."""
    if window_days < 1:
        raise BadRequest("the window ({window_days}) is at least one day")
    protocol, digest = ctx.protocol()
    intervals = {str(k): float(v.interval_days) for k, v in protocol.key_populations.items()}
    everyone = roster(ctx)
    wanted = pa.array(list(intervals), pa.string())
    people = everyone.filter(pc.is_in(everyone["key_population"], wanted).fill_null(False))
    zone = ZoneInfo(ctx.settings.timezone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    start = end - dt.timedelta(days=window_days)
    lookback = max(intervals.values(), default=1.0) + window_days
    days = [(day - dt.timedelta(days=k)).isoformat() for k in range(math.ceil(lookback) + 1)]
    tests = read_events(
        ctx.settings.event_dir, "tests", days, ["person_id", "sample_time", "method"]
    )
    ids = np.asarray(people["person_id"].to_numpy(), np.int64)
    n = len(ids)
    done = np.zeros(n)
    last = np.full(n, -np.inf)  # seconds since the epoch of the last sample
    if tests.num_rows and n:
        pcr = tests.filter(pc.equal(tests["method"], "pcr"))
        times = pcr["sample_time"].cast(pa.timestamp("us", tz="UTC"))
        seconds = pc.cast(times, pa.int64()).to_numpy(zero_copy_only=False) / 1e6
        who = np.asarray(pcr["person_id"].to_numpy(zero_copy_only=False), np.int64)
        at = np.minimum(np.searchsorted(ids, who), n - 1)
        mine = (ids[at] == who) & (seconds < end.timestamp())
        in_window = mine & (seconds >= start.timestamp())
        np.add.at(done, at[in_window], 1)
        np.maximum.at(last, at[mine], seconds[mine])
    category = people["key_population"].to_pylist()
    interval = np.array([intervals[c] for c in category])
    expected = window_days / interval if n else np.zeros(0)
    overdue_hours = (end.timestamp() - last) / 3600 - np.ceil(interval) * 24
    overdue = overdue_hours > 0
    units = people["workplace_id"].to_pylist()
    report = ComplianceReport(day, window_days)
    report.provenance = build_provenance(
        command="screening key-populations",
        parameters={"date": day.isoformat(), "window_days": window_days},
        protocol=(protocol.name, digest),
    )
    report.by_category = _group(category, expected, done, overdue)
    report.by_unit = _group(units, expected, done, overdue)
    for i in np.flatnonzero(overdue):
        report.overdue.append(
            {
                "person_id": int(ids[i]),
                "key_population": category[i],
                "workplace_id": units[i],
                "last_sample": None
                if not np.isfinite(last[i])
                else dt.datetime.fromtimestamp(last[i], dt.UTC).isoformat(),
                "hours_overdue": None
                if not np.isfinite(overdue_hours[i])
                else round(float(overdue_hours[i]), 1),
            }
        )
    if names and report.overdue:
        masked = masked_contacts(
            ctx, [r["person_id"] for r in report.overdue], "key-population screening: overdue"
        )
        empty = {"name": None, "phone": None, "building": None}
        report.overdue = [{**r, **masked.get(r["person_id"], empty)} for r in report.overdue]
    return report


def _group(
    keys: list[Any], expected: np.ndarray, done: np.ndarray, overdue: np.ndarray
) -> list[dict[str, Any]]:
    rows: dict[Any, list[float]] = {}
    for key, e, d, o in zip(keys, expected, done, overdue, strict=True):
        acc = rows.setdefault(key, [0, 0.0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += e
        acc[2] += min(d, e)
        acc[3] += o
    return [
        {
            "key": key,
            "people": int(acc[0]),
            "expected_tests": round(acc[1], 2),
            "compliance": round(acc[2] / acc[1], 4) if acc[1] else None,
            "overdue": int(acc[3]),
        }
        for key, acc in sorted(rows.items(), key=lambda item: str(item[0]))
    ]


__all__ = ["ComplianceReport", "compliance"]
