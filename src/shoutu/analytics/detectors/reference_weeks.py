"""The baseline weeks of the Farrington detectors, chosen by date as R surveillance does.

For a monitored time, the reference points are the same date 1 … b years back (R's
``seq(day, by = "-1 year")``; with weekly data, the nearest week on the same weekday). The 1996
method (``refvalIdxByDate``) takes the 2w + 1 steps around each; the flexible method
(``blocks``) takes those windows as one factor level and cuts the gaps between them into
``noPeriods - 1`` more levels, leaving out the most recent ``pastWeeksNotIncluded`` steps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from shoutu.analytics.detectors.base import Calendar


def years_back(day: dt.date, years: int) -> dt.date:
    """R's seq(day, by = "-1 year"): same month and day; 29 February becomes 1 March."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 3, 1)


def same_weekday(day: dt.date, target: dt.date) -> dt.date:
    """The date nearest ``day`` on ``target``'s weekday."""
    forward = (target.weekday() - day.weekday()) % 7
    return day + dt.timedelta(days=forward if forward < 7 - forward else forward - 7)


def reference_points(calendar: Calendar, k: int, b: int) -> list[int | None]:
    """Indexes of the same date 1 … b years before time k (None where outside the series)."""
    today = calendar.date(k)
    points = []
    for year in range(1, b + 1):
        day = years_back(today, year)
        if calendar.step_days == 7:
            day = same_weekday(day, today)
        points.append(calendar.index(day))
    return points


@dataclass
class Baseline:
    """The GLM rows for one monitored time: series indexes, period levels (0-based), the level
    and time to predict at (times in steps from the first row)."""

    rows: np.ndarray
    levels: np.ndarray
    level_now: int
    time_now: int


def flexible_baseline(
    calendar: Calendar, k: int, *, b: int, w: int, no_periods: int, past_excluded: int
) -> Baseline:
    """surveillance's ``blocks``: reference windows at level p = no_periods, the gaps between
    them cut into p - 1 periods; the last ``past_excluded`` steps and now left out."""
    points = reference_points(calendar, k, b)
    if any(point is None for point in points):
        raise ValueError(
            f"some reference time points of {calendar.date(k)} are not in the series; "
            "decrease b or monitor later dates"
        )
    refs = [k] + [int(point) for point in points if point is not None]
    factor = np.zeros(k + 1, int)  # 0 = not in the baseline
    factor[max(k - w, 0) : k + 1] = no_periods
    for i in range(1, b + 1):
        ref = refs[i]
        factor[max(ref - w, 0) : ref + w + 1] = no_periods  # a window may start before t = 1
        if no_periods != 1:
            period = refs[i - 1] - 2 * w - 1 - ref
            if period < no_periods - 1:
                raise ValueError("number of periods too big for the gap between windows")
            size, rest = divmod(period, no_periods - 1)
            lengths = np.full(no_periods - 1, size)
            lengths[:rest] += 1
            edges = ref + w + 1 + np.concatenate([[0], np.cumsum(lengths)])
            for j in range(no_periods - 1):
                factor[edges[j] : edges[j + 1]] = j + 1
    factor[max(k - past_excluded, 0) : k + 1] = 0
    rows = np.flatnonzero(factor)
    return Baseline(rows, factor[rows] - 1, no_periods - 1, k - int(rows[0]))


def farrington_baseline(calendar: Calendar, k: int, *, b: int, w: int) -> Baseline:
    """``refvalIdxByDate``: the 2w + 1 steps around each reference point, those in the
    series (R drops the others with a warning)."""
    today = calendar.date(k)
    found = []
    for year in range(1, b + 1):
        centre = years_back(today, year)
        for j in range(-w, w + 1):
            day = centre + dt.timedelta(days=j * calendar.step_days)
            if calendar.step_days == 7:
                day = same_weekday(day, today)
            index = calendar.index(day)
            if index is not None:
                found.append(index)
    if not found:
        raise ValueError(f"no reference values for {today}: the series is too short")
    rows = np.array(sorted(found))
    return Baseline(rows, np.zeros(len(rows), int), 0, k - int(rows[0]))


__all__ = ["Baseline", "farrington_baseline", "flexible_baseline", "reference_points"]
