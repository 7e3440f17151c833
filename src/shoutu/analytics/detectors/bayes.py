"""The Bayes detector as R surveillance's ``algo.bayes``.

Baseline at time t: the w counts before t (when ``act_y``), plus the 2w + 1 counts around the
same time in each of the b previous years (``freq`` steps a year). Upper bound: the (1 - alpha)
quantile of the negative binomial predictive distribution,
qnbinom(1 - alpha, size = sum + 1/2, prob = n / (n + 1)); alarm when the count exceeds it.
"""

from __future__ import annotations

import numpy as np

from shoutu.analytics.detectors.base import Detection
from shoutu.analytics.detectors.quantiles import qnbinom


def first_time(b: int, w: int, freq: int) -> int:
    """0-based index of the first time R accepts (t - b*freq - w >= 1, 1-based)."""
    return b * freq + w


def bayes(
    counts: np.ndarray,
    times: np.ndarray,
    *,
    b: int = 0,
    w: int = 6,
    act_y: bool = True,
    alpha: float = 0.05,
    freq: int = 52,
) -> Detection:
    counts = np.atleast_2d(np.asarray(counts, float))
    times = np.asarray(times, int)
    if b < 0 or w < 0:
        raise ValueError("b and w must be >= 0")
    if not act_y and b == 0:
        raise ValueError("with b = 0 the baseline needs act_y")
    if len(times) and times.min() < first_time(b, w, freq):
        raise ValueError(
            f"monitoring must start at time {first_time(b, w, freq) + 1} or later "
            "(1-based): the series is too short for the baseline"
        )
    zero = np.zeros((counts.shape[0], 1))
    running = np.concatenate([zero, np.cumsum(counts, axis=1)], axis=1)
    total = np.zeros((counts.shape[0], len(times)))
    length = 0
    if act_y:
        total += running[:, times] - running[:, times - w]
        length += w
    for year in range(1, b + 1):
        centre = times - year * freq
        total += running[:, centre + w + 1] - running[:, centre - w]
        length += 2 * w + 1
    bound = qnbinom(1 - alpha, total + 0.5, np.full(total.shape, length / (length + 1)))
    mean = (total + 0.5) / length  # the predictive mean, (size x (1 - p) / p)
    return Detection.from_bound(counts, times, mean, bound)
