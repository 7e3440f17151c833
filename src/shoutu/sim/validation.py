"""Emergent epidemiology of a simulator run, from its ground-truth files: household secondary
attack rate, serial interval, early doubling time and infections by setting. Used by the
validation tests and ``scripts/calibrate_sim.py`` against the literature ranges the disease
parameter file cites."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq


def emergent_measures(out: Path, people: int) -> dict[str, float]:
    truth = pq.read_table(out / "truth_infections.parquet").to_pydict()
    persons = pq.read_table(out / "people.parquet", columns=["person_id", "household_id"])
    household = dict(
        zip(persons["person_id"].to_pylist(), persons["household_id"].to_pylist(), strict=True)
    )
    size = Counter(h for h in household.values() if h)
    infectee = np.asarray(truth["infectee_id"])
    infector = np.asarray([-1 if x is None else x for x in truth["infector_id"]])
    setting = np.asarray(truth["setting"])
    t_inf = np.asarray([t.timestamp() for t in truth["infection_time"]]) / 86400
    onset = {
        p: (o.timestamp() / 86400 if o else None)
        for p, o in zip(truth["infectee_id"], truth["onset_time"], strict=True)
    }
    t0 = t_inf.min()
    # household SAR: primaries (first infected in their household) infected before the last 14 days
    first: dict[str, tuple[float, int]] = {}
    for p, t in zip(infectee, t_inf, strict=True):
        h = household.get(int(p))
        if h and (h not in first or t < first[h][0]):
            first[h] = (t, int(p))
    horizon = t_inf.max() - 14
    primaries = {p: h for h, (t, p) in first.items() if t < horizon and size[h] > 1}
    in_home = Counter(
        int(i)
        for i, s in zip(infector, setting, strict=True)
        if s == "household" and int(i) in primaries
    )
    contacts = sum(size[h] - 1 for h in primaries.values())
    sar = sum(in_home.values()) / max(contacts, 1)
    intervals = []
    for a, b in zip(infector, infectee, strict=True):
        first_onset, second_onset = onset.get(int(a)), onset.get(int(b))
        if a > 0 and first_onset is not None and second_onset is not None:
            intervals.append(second_onset - first_onset)
    days = np.floor(t_inf - t0).astype(int)
    daily = np.bincount(days)
    cumulative = np.cumsum(daily)
    window = np.flatnonzero((cumulative >= 50) & (cumulative <= 0.05 * people))
    doubling = float("nan")
    if len(window) >= 4:
        slope = np.polyfit(window, np.log(np.maximum(daily[window], 1)), 1)[0]
        doubling = np.log(2) / slope if slope > 0 else float("inf")
    shares = Counter(setting.tolist())
    total = len(setting)
    return {
        "infections": total,
        "attack_rate": total / people,
        "household_sar": sar,
        "serial_interval": float(np.mean(intervals)) if intervals else float("nan"),
        "doubling_days": doubling,
        **{f"share_{k}": v / total for k, v in sorted(shares.items())},
    }
