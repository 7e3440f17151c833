"""CUSUM as R surveillance's ``algo.cusum``.

m = the mean of the counts before the first monitored time (unless given); x standardised by
``trans``; C_t = max(0, C_{t-1} + x_t - k) from C = 0 before the first monitored time; alarm
when C_t >= h. The upper bound (the count that would have raised an alarm) uses C_{t-1}, with
R's formula for each transformation; negative or undefined bounds are 0 as in R.
"""

from __future__ import annotations

import numpy as np

from shoutu.analytics.detectors.base import Detection

TRANSFORMS = ("standard", "rossi", "anscombe", "anscombe2nd", "none")


def cusum(
    counts: np.ndarray,
    times: np.ndarray,
    *,
    k: float = 1.04,
    h: float = 2.26,
    m: float | None = None,
    trans: str = "standard",
) -> Detection:
    counts = np.atleast_2d(np.asarray(counts, float))
    times = np.asarray(times, int)
    if trans not in TRANSFORMS:
        raise ValueError(f"unknown trans {trans!r}; expected one of {', '.join(TRANSFORMS)}")
    if len(times) == 0:
        empty = np.empty((counts.shape[0], 0))
        return Detection(times, empty, empty, empty.astype(bool))
    first = int(times[0])
    if m is None:
        if first < 1:
            raise ValueError("monitoring must leave at least one earlier time to estimate m")
        mean = counts[:, :first].mean(axis=1, keepdims=True)
    else:
        mean = np.full((counts.shape[0], 1), float(m))
    x = counts[:, times]
    with np.errstate(divide="ignore", invalid="ignore"):
        standardised = {
            "rossi": (x - 3 * mean + 2 * np.sqrt(x * mean)) / (2 * np.sqrt(mean)),
            "standard": (x - mean) / np.sqrt(mean),
            "anscombe": 1.5 * (x ** (2 / 3) - mean ** (2 / 3)) / mean ** (1 / 6),
            "anscombe2nd": (x ** (2 / 3) - (mean ** (2 / 3) - mean ** (-1 / 3) / 9))
            / (2 / 3 * mean ** (1 / 6)),
            "none": x,
        }[trans]
        c = np.zeros((counts.shape[0], len(times) + 1))
        for t in range(len(times)):
            c[:, t + 1] = np.maximum(0.0, c[:, t] + standardised[:, t] - k)
        previous = c[:, :-1]
        root = np.sqrt(mean)
        if trans == "rossi":
            bound = (
                2 * h * root
                + 2 * k * root
                - 2 * previous * root
                + 5 * mean
                - 2
                * np.sqrt(
                    4 * mean**2 + 2 * mean**1.5 * h + 2 * mean**1.5 * k - 2 * mean**1.5 * previous
                )
            )
        elif trans == "standard":
            bound = np.ceil(root * (h + k - previous) + mean)
        elif trans == "anscombe":
            inner = (2 / 3) * mean ** (1 / 6) * (h + k - previous) + mean ** (2 / 3)
            bound = np.where(inner < 0, 0.0, np.maximum(inner, 0) ** 1.5)
        elif trans == "anscombe2nd":
            inner = (2 / 3) * mean ** (1 / 6) * (h + k - previous) + (
                mean ** (2 / 3) - mean ** (1 / 3) / 9
            )
            bound = np.where(inner < 0, 0.0, np.maximum(inner, 0) ** 1.5)
        else:
            bound = h - c[:, 1:]
    bound = np.where(np.isnan(bound) | (bound < 0), 0.0, bound)
    alarm = c[:, 1:] >= h
    return Detection(times, np.broadcast_to(mean, x.shape).copy(), bound, alarm)
