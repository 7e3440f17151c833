"""Aberration detection over a file of count series (long or wide, daily or weekly)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from shoutu.analytics.detectors import moving_percentile as mp
from shoutu.analytics.detectors.bayes import bayes, first_time
from shoutu.analytics.detectors.cusum import cusum
from shoutu.analytics.detectors.ears import default_start, ears
from shoutu.domain.timeutil import parse_date
from shoutu.io.provenance import build_provenance
from shoutu.io.series import read_daily_series, read_wide_series

METHODS = ("ears-c1", "ears-c2", "ears-c3", "cusum", "bayes", "moving-percentile")


@dataclass
class DetectTable:
    columns: dict[str, Any]
    provenance: dict[str, Any] = field(default_factory=dict)


def detect_file(
    path: Path,
    *,
    method: str,
    wide: bool = False,
    baseline: int = 7,
    alpha: float | None = None,
    min_sigma: float = 0.0,
    k: float = 1.04,
    h: float = 2.26,
    m: float | None = None,
    trans: str = "standard",
    b: int = 0,
    w: int = 6,
    act_y: bool = True,
    period_days: int = 7,
    years: int = 3,
    neighbours: int = 2,
    percentile: float = 80.0,
    date_from: str | None = None,
    date_to: str | None = None,
    date_format: str | None = None,
) -> DetectTable:
    """Detector output for every monitored date of every region, sorted by region then date.
    Without ``date_from``, monitoring starts where R's default range starts (EARS), or half
    way through the series (CUSUM, which has no default range in R), or at the first time R
    accepts (Bayes: b years and w steps of baseline)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    series = read_wide_series(path, date_format) if wide else read_daily_series(path, date_format)
    step = series.step_days

    def index(text: str, name: str) -> int:
        day = parse_date(text)
        offset = (day - series.start).days
        if offset % step or not 0 <= offset // step < series.days:
            unit = "week" if step == 7 else "day"
            raise ValueError(
                f"{name} {day} is not a {unit} of the series "
                f"({series.start} … {series.date(series.days - 1)})"
            )
        return offset // step

    ears_method = method.removeprefix("ears-").upper()
    if date_from is not None:
        first = index(date_from, "--from")
    elif method == "cusum":
        first = max(1, series.days // 2)
    elif method == "bayes":
        first = first_time(b, w, 52 if step == 7 else 365)
    elif method == "moving-percentile":
        first = mp.first_time(
            max(1, period_days // step), years, neighbours, 52 if step == 7 else 365
        )
    else:
        first = default_start(ears_method, baseline)
    last = index(date_to, "--to") if date_to is not None else series.days - 1
    if first > last:
        raise ValueError("nothing to monitor: --from is after --to")
    times = np.arange(first, last + 1)
    counts = series.local + series.imported
    if method == "cusum":
        result = cusum(counts, times, k=k, h=h, m=m, trans=trans)
    elif method == "bayes":
        result = bayes(
            counts,
            times,
            b=b,
            w=w,
            act_y=act_y,
            alpha=0.05 if alpha is None else alpha,
            freq=52 if step == 7 else 365,
        )
    elif method == "moving-percentile":
        result = mp.moving_percentile(
            counts,
            times,
            period=max(1, period_days // step),
            years=years,
            neighbours=neighbours,
            percentile=percentile,
            year_steps=52 if step == 7 else 365,
        )
    else:
        result = ears(
            counts, times, method=ears_method, baseline=baseline, alpha=alpha, min_sigma=min_sigma
        )
    n_regions, n_times = len(series.regions), len(times)
    day0 = np.datetime64(series.start.isoformat(), "D")
    dates = day0 + times * step
    region_index = pa.array(np.repeat(np.arange(n_regions, dtype=np.int32), n_times))
    columns: dict[str, Any] = {
        "date": np.tile(dates, n_regions),
        "region": pa.DictionaryArray.from_arrays(region_index, pa.array(series.regions)),
        "count": counts[:, times].ravel(),
        "expected": result.expected.ravel(),
        "upperbound": result.upperbound.ravel(),
        "alarm": result.alarm.ravel().astype(np.int8),
    }
    provenance = build_provenance(
        command="detect",
        parameters={
            "method": method,
            "wide": wide,
            "baseline": baseline,
            "alpha": alpha,
            "min_sigma": min_sigma,
            "k": k,
            "h": h,
            "m": m,
            "trans": trans,
            "from": date_from,
            "to": date_to,
            "step_days": step,
        },
        input_hashes=[series.content_hash],
    )
    return DetectTable(columns, provenance)


__all__ = ["METHODS", "DetectTable", "detect_file"]
