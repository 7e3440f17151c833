"""The moving percentile method of China CDC's CIDARS (nationwide since 2008).

At time t the statistic is the count of the current period (the ``period`` steps ending at t).
Its baseline: the counts of the same period, and of ``neighbours`` periods before and after
it, in each of the ``years`` previous years — years x (2 x neighbours + 1) values. The
threshold is their ``percentile``-th percentile (linear interpolation, R's quantile type 7);
alarm when the current count exceeds it. Expected: the baseline mean.
"""

from __future__ import annotations

import numpy as np

from shoutu.analytics.detectors.base import Detection


def first_time(period: int, years: int, neighbours: int, year_steps: int) -> int:
    """0-based index of the first time whose whole baseline lies inside the data."""
    return years * year_steps + neighbours * period + period - 1


def baseline_offsets(period: int, years: int, neighbours: int, year_steps: int) -> np.ndarray:
    """How far back each baseline period ends, relative to t."""
    return np.asarray(
        [
            y * year_steps - j * period
            for y in range(1, years + 1)
            for j in range(-neighbours, neighbours + 1)
        ]
    )


def moving_percentile(
    counts: np.ndarray,
    times: np.ndarray,
    *,
    period: int = 7,
    years: int = 3,
    neighbours: int = 2,
    percentile: float = 80.0,
    year_steps: int = 365,
) -> Detection:
    counts = np.atleast_2d(np.asarray(counts, float))
    times = np.asarray(times, int)
    if period < 1 or years < 1 or neighbours < 0:
        raise ValueError("period and years must be >= 1, neighbours >= 0")
    if not 0 < percentile < 100:
        raise ValueError("the percentile must be between 0 and 100")
    start = first_time(period, years, neighbours, year_steps)
    if len(times) and times.min() < start:
        raise ValueError(
            f"monitoring must start at time {start + 1} or later (1-based): "
            f"{years} years of baseline are needed"
        )
    zero = np.zeros((counts.shape[0], 1))
    running = np.concatenate([zero, np.cumsum(counts, axis=1)], axis=1)
    current = running[:, times + 1] - running[:, times + 1 - period]
    ends = times[:, None] - baseline_offsets(period, years, neighbours, year_steps)[None, :]
    base = running[:, ends + 1] - running[:, ends + 1 - period]  # series x times x values
    threshold = np.percentile(base, percentile, axis=2)
    alarm = current > threshold
    return Detection(times, base.mean(axis=2), threshold, alarm)
