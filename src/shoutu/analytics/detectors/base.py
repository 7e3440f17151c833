"""What every detector returns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Calendar:
    """The dates of a regular series: ``start`` plus ``step_days`` per step."""

    start: dt.date
    step_days: int
    length: int

    @property
    def freq(self) -> int:
        return 52 if self.step_days == 7 else 365

    def date(self, index: int) -> dt.date:
        return self.start + dt.timedelta(days=index * self.step_days)

    def index(self, day: dt.date) -> int | None:
        offset = (day - self.start).days
        if offset % self.step_days:
            return None
        index = offset // self.step_days
        return index if 0 <= index < self.length else None


@dataclass
class Detection:
    """Per series (rows) and monitored time (columns)."""

    times: np.ndarray  # 0-based time indexes monitored
    expected: np.ndarray
    upperbound: np.ndarray  # NaN where undefined
    alarm: np.ndarray  # bool

    @classmethod
    def from_bound(
        cls, counts: np.ndarray, times: np.ndarray, expected: np.ndarray, upperbound: np.ndarray
    ) -> Detection:
        """Alarm where the count exceeds a defined bound (R: observed > upperbound)."""
        observed = counts[:, times]
        with np.errstate(invalid="ignore"):
            alarm = np.isfinite(upperbound) & (observed > upperbound)
        return cls(times, expected, upperbound, alarm)


def window_stats(
    counts: np.ndarray, times: np.ndarray, first_lag: int, length: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample sd (n - 1) of counts[t - first_lag - length + 1 … t - first_lag] for
    each monitored t, from running sums (one pass, any number of series)."""
    n_series, n_times = counts.shape
    s1 = np.zeros((n_series, n_times + 1))
    np.cumsum(counts, axis=1, out=s1[:, 1:])
    s2 = np.zeros((n_series, n_times + 1))
    np.square(counts, out=s2[:, 1:])
    np.cumsum(s2[:, 1:], axis=1, out=s2[:, 1:])
    end = times - first_lag + 1  # exclusive end in running-sum coordinates
    start = end - length
    # in place where possible: fresh arrays of this size cost page faults
    if len(times) > 1 and np.all(np.diff(times) == 1):  # contiguous: slices, not gathers
        window = slice(int(end[0]), int(end[-1]) + 1)
        earlier = slice(int(start[0]), int(start[-1]) + 1)
        total = np.subtract(s1[:, window], s1[:, earlier])
        squares = np.subtract(s2[:, window], s2[:, earlier])
    else:
        total, squares = s1[:, end] - s1[:, start], s2[:, end] - s2[:, start]
    mean = np.divide(total, length, out=total)
    squares -= mean * mean * length  # sum of squares about the mean: S2 - S1^2 / n
    squares /= length - 1
    np.maximum(squares, 0.0, out=squares)
    return mean, np.sqrt(squares, out=squares)
