"""Aberration detection over count series (long or wide, daily or weekly): ``detect_series``
over a series in memory, ``detect_file`` reads a file and calls it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from shoutu.analytics.detectors.base import Calendar
from shoutu.analytics.detectors.methods import METHODS, plan
from shoutu.domain.timeutil import parse_date
from shoutu.errors import BadRequest, options_checked
from shoutu.io.provenance import build_provenance
from shoutu.io.series import DailySeries, read_daily_series, read_wide_series


@dataclass
class DetectTable:
    columns: dict[str, Any]
    provenance: dict[str, Any] = field(default_factory=dict)


def detect_file(
    path: Path,
    *,
    method: str,
    wide: bool = False,
    options: dict[str, Any] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    date_format: str | None = None,
) -> DetectTable:
    """Detector output for the series in ``path`` (see :func:`detect_series`)."""
    with options_checked():
        plan(method, options)  # bad options are reported before the file is read
    series = read_wide_series(path, date_format) if wide else read_daily_series(path, date_format)
    return detect_series(
        series, method=method, options=options, date_from=date_from, date_to=date_to, wide=wide
    )


def detect_series(
    series: DailySeries,
    *,
    method: str,
    options: dict[str, Any] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    wide: bool = False,
) -> DetectTable:
    """Detector output for every monitored date of every region, sorted by region then date.
    ``options`` are the method's R control settings in snake case (None = R's default).
    Without ``date_from``, monitoring starts where R's default range starts (see
    ``Plan.first_time``)."""
    with options_checked():
        detector = plan(method, options)
    step = series.step_days
    calendar = Calendar(series.start, step, series.days)

    def index(text: str, name: str) -> int:
        with options_checked():
            day = parse_date(text)
        found = calendar.index(day)
        if found is None:
            unit = "week" if step == 7 else "day"
            raise BadRequest(
                f"{{{name}}} {day} is not a {unit} of the series "
                f"({series.start} … {series.date(series.days - 1)})"
            )
        return found

    first = index(date_from, "from") if date_from is not None else detector.first_time(calendar)
    last = index(date_to, "to") if date_to is not None else series.days - 1
    if first > last:
        raise BadRequest(
            "nothing to monitor: {from} is after {to}"
            if date_from is not None
            else f"the series ({series.days} steps) is too short for {method}'s baseline"
        )
    times = np.arange(first, last + 1)
    counts = series.local + series.imported
    with options_checked():
        result = detector.run(counts, times, calendar)
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
            **detector.options,
            "from": date_from,
            "to": date_to,
            "step_days": step,
        },
        input_hashes=[series.content_hash],
    )
    return DetectTable(columns, provenance)


__all__ = ["METHODS", "DetectTable", "detect_file", "detect_series"]
