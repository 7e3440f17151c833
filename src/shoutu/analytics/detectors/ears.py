"""EARS C1, C2 and C3 as R surveillance's ``earsC``.

C1: baseline t-b … t-1; C2: t-b-2 … t-3 (a two-step guard band); bound = mean + z·max(sd,
minSigma) with z = qnorm(1 - alpha). C3, as R's code computes it (which differs from its
documentation): bound_t = y_t + max(sd_t, minSigma)·(z - Σ_{i=t-2}^{t-1} max(0, C2_i - 1)),
floored at 0, where C2_i = (y_i - mean_i)/max(sd_i, minSigma) on C2's baseline. Alarm when
y > bound. Default alpha: 0.001 (C1, C2), 0.025 (C3); default range: from b+1, b+3, b+5.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from shoutu.analytics.detectors.base import Detection, window_stats

DEFAULT_ALPHA = {"C1": 0.001, "C2": 0.001, "C3": 0.025}
FIRST = {"C1": 1, "C2": 3, "C3": 5}  # default range starts at baseline + this (1-based)


def default_start(method: str, baseline: int) -> int:
    """0-based index of the first monitored time in R's default range."""
    return baseline + FIRST[method] - 1


def ears(
    counts: np.ndarray,
    times: np.ndarray,
    *,
    method: str = "C1",
    baseline: int = 7,
    alpha: float | None = None,
    min_sigma: float = 0.0,
) -> Detection:
    counts = np.atleast_2d(np.asarray(counts, float))
    if method not in FIRST:
        raise ValueError(f"unknown EARS method {method!r}: C1, C2 or C3")
    if baseline < 3:
        raise ValueError("the minimum baseline is 3 (R surveillance)")
    if min_sigma < 0:
        raise ValueError("min_sigma must be >= 0")
    max_lag = {"C1": baseline, "C2": baseline + 2, "C3": baseline + 4}[method]
    times = np.asarray(times, int)
    if len(times) and times.min() - max_lag < 0:
        raise ValueError(
            f"monitoring must start at time {max_lag + 1} or later (1-based): the "
            "series is too short for the baseline"
        )
    z = NormalDist().inv_cdf(1 - (DEFAULT_ALPHA[method] if alpha is None else alpha))
    with np.errstate(divide="ignore", invalid="ignore"):
        if method in ("C1", "C2"):
            lag = 1 if method == "C1" else 3
            mean, sd = window_stats(counts, times, lag, baseline)
            bound = mean + z * np.maximum(sd, min_sigma)
            return Detection.from_bound(counts, times, mean, bound)
        # C3: C2 statistics on t-2 … t, then R's bound
        c2_times = np.concatenate([times - 2, times - 1, times])
        mean2, sd2 = window_stats(counts, c2_times, 3, baseline)
        sigma = np.maximum(sd2, min_sigma)
        c2 = (counts[:, c2_times] - mean2) / sigma
        n = len(times)
        lag2, lag1 = c2[:, :n], c2[:, n : 2 * n]
        excess = np.maximum(0.0, lag2 - 1) + np.maximum(0.0, lag1 - 1)
        bound = counts[:, times] + sigma[:, 2 * n :] * (z - excess)
        bound = np.where(np.isnan(bound), np.nan, np.maximum(bound, 0.0))
        return Detection.from_bound(counts, times, mean2[:, 2 * n :], bound)
