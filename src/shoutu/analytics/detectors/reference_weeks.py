"""The baseline weeks of the Farrington detectors, chosen by date as R surveillance does.

For a monitored time, the reference points are the same date 1 … b years back (R's
``seq(day, by = "-1 year")``; with weekly data, the nearest week on the same weekday). The 1996
method (``refvalIdxByDate``) takes the 2w + 1 steps around each; the flexible method
(``blocks``) takes those windows as one factor level and cuts the gaps between them into
``noPeriods - 1`` more levels, leaving out the most recent ``pastWeeksNotIncluded`` steps;
its factor has only the levels left with rows (short histories, large
``pastWeeksNotIncluded``), which the GLM batches then carry as columns.
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


def _assign(factor: np.ndarray, first: int, last: int, value: int) -> bool:
    """R's ``factor[first:last] <- value`` on 1-based positions, as ``blocks`` and
    ``algo.farrington.data.glm`` write it: ``first:last`` counts down when first > last
    (so an empty block still writes two positions) and position 0 is ignored. False where R
    fails: a negative position ("only 0's may be mixed with negative subscripts"), or one
    after now (w too large)."""
    low, high = (first, last) if first <= last else (last, first)
    if low < 0 or high >= len(factor):
        return False
    factor[max(low, 1) : high + 1] = value
    return True


def flexible_baseline(
    calendar: Calendar, k: int, *, b: int, w: int, no_periods: int, past_excluded: int
) -> Baseline:
    """surveillance's ``blocks`` and ``algo.farrington.data.glm``, position for position:
    reference windows at level p = no_periods, the gaps between them cut into p - 1 periods
    (R stops only when a gap is shorter than p - 2w - 1; shorter periods are written as R
    writes them), then the last ``past_excluded`` steps and now left out. A window may begin
    at position 0 (one step before the series; R ignores it), not earlier. Levels are 0-based;
    only those with rows remain, as in R's factor."""
    points = reference_points(calendar, k, b)
    if any(point is None for point in points):
        raise ValueError(
            f"some reference time points of {calendar.date(k)} are not in the series; "
            "decrease b or monitor later dates"
        )
    p, now = no_periods, k + 1  # R's 1-based positions
    refs = [now] + [int(point) + 1 for point in points if point is not None]
    factor = np.zeros(now + 1, int)  # 0 = NA (not in the baseline); position 0 is unused

    def fail(what: str) -> ValueError:  # messages only when R stops: the loop stays cheap
        return ValueError(
            f"{what} of {calendar.date(k)} starts before the series or reaches past now "
            "(R surveillance stops here): monitor later dates or decrease w, b or "
            "past_weeks_not_included"
        )

    if not _assign(factor, now - w, now, p):
        raise fail("the current window")
    for i in range(1, b + 1):
        ref = refs[i]
        if not _assign(factor, ref - w, ref + w, p):
            raise fail(f"the reference window {calendar.date(ref - 1)}")
        if p == 1:
            continue
        period = refs[i - 1] - 2 * w - 1 - ref
        if period < p - (2 * w + 1):
            raise ValueError(
                f"no_periods {p} is too big for the {period} steps between the reference "
                f"windows of {calendar.date(k)} (R: 'Number of factors too big!')"
            )
        size, rest = divmod(period, p - 1)  # R's %/% and %%: the first `rest` one longer
        start = ref + w + 1
        for j in range(1, p):
            end = start + size + (j <= rest)
            if not _assign(factor, start, end - 1, j):
                raise fail(f"a period after the reference window {calendar.date(ref - 1)}")
            start = end
    # R: blocksID[(k - pastWeeksNotIncluded):k] <- NA (positions after now are NA already)
    if not _assign(factor, min(now - past_excluded, now), now, 0):
        raise fail("past_weeks_not_included")
    rows = np.flatnonzero(factor) - 1
    levels = factor[rows + 1] - 1
    if not len(rows) or levels.max() < p - 1:
        raise ValueError(
            f"past_weeks_not_included leaves no reference window for {calendar.date(k)} "
            "(R: 'factor seasgroups has new level')"
        )
    return Baseline(rows, levels, p - 1, k - int(rows[0]))


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
