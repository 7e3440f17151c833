"""What every detector returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
    zero = np.zeros((counts.shape[0], 1))
    s1 = np.concatenate([zero, np.cumsum(counts, axis=1)], axis=1)
    s2 = np.concatenate([zero, np.cumsum(counts * counts, axis=1)], axis=1)
    end = times - first_lag + 1  # exclusive end in running-sum coordinates
    start = end - length
    total = s1[:, end] - s1[:, start]
    squares = s2[:, end] - s2[:, start]
    mean = total / length
    var = np.maximum((squares - total * mean) / (length - 1), 0.0)
    return mean, np.sqrt(var)
