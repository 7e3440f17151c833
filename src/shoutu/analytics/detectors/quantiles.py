"""Quantiles of the negative binomial and Poisson distributions as R's qnbinom and qpois
give them, for whole arrays at once.

R starts from the Cornish-Fisher approximation and searches the integers for the smallest y
with F(y) >= p (1 - 8 eps), the fuzz that keeps the search left-continuous (a
probability that rounds just below p still counts). Here the same
start, then a vectorised bracket (doubling steps) and bisection on the integers, with F from
the regularised incomplete beta (negative binomial: F(y) = I_prob(size, y + 1)) or gamma
(Poisson: F(y) = Q(y + 1, mu)) functions. Unlike a scalar search, this stays quick for huge
means (a degenerate GLM can predict 1e20), where scipy's ppf can take minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from statistics import NormalDist

import numpy as np

FUZZ = 1 - 8 * np.finfo(float).eps  # R: p *= 1 - 8 DBL_EPSILON (lower tail)


def _search(
    cdf: Callable[[np.ndarray, np.ndarray], np.ndarray],
    p: float,
    guess: np.ndarray,
    valid: np.ndarray,
) -> np.ndarray:
    """Smallest integer y >= 0 with cdf(y) >= p * FUZZ, from an initial guess (per element;
    ``cdf(y, which)`` evaluates the elements ``which``)."""
    target = p * FUZZ
    result = np.full(guess.shape, np.nan)
    which = np.flatnonzero(valid)
    if not len(which):
        return result
    start = np.maximum(np.floor(guess[which]), 0.0)
    down = cdf(start, which) >= target
    # bracket by doubling steps away from the guess: cdf(lo) < target <= cdf(hi), lo >= -1
    lo, hi = start.copy(), start.copy()
    step = np.ones(len(which))
    pending = np.ones(len(which), bool)
    while pending.any():  # ends: cand reaches -1 going down, or cdf -> 1 going up
        i = np.flatnonzero(pending)
        cand = np.where(down[i], np.maximum(hi[i] - step[i], -1.0), lo[i] + step[i])
        ok = np.zeros(len(i), bool)
        inside = cand >= 0
        ok[inside] = cdf(cand[inside], which[i[inside]]) >= target
        hi[i] = np.where(ok, cand, hi[i])
        lo[i] = np.where(ok, lo[i], cand)
        step[i] *= 2
        pending[i] = np.where(down[i], ok, ~ok) & np.isfinite(cand)
    gap = hi - lo > 1
    while gap.any():
        i = np.flatnonzero(gap)
        mid = np.floor((lo[i] + hi[i]) / 2)
        ok = cdf(mid, which[i]) >= target
        stuck = (mid <= lo[i]) | (mid >= hi[i])  # beyond 2^53 the integers run out
        hi[i] = np.where(ok, mid, hi[i])
        lo[i] = np.where(ok, lo[i], mid)
        gap[i] = (hi[i] - lo[i] > 1) & ~stuck
    result[which] = hi
    return result


def qnbinom(p: float, size: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """R's qnbinom(p, size, prob) elementwise (NaN where size or prob is invalid)."""
    from scipy import special  # only here: its import costs start-up time

    size, prob = np.broadcast_arrays(np.asarray(size, float), np.asarray(prob, float))
    valid = np.isfinite(size) & (size > 0) & (prob > 0) & (prob <= 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = size * (1 - prob) / prob
        sd = np.sqrt(mean / prob)
        skew = (2 - prob) / np.sqrt(size * (1 - prob))
    guess = _cornish_fisher(p, mean, sd, skew)

    def cdf(y: np.ndarray, which: np.ndarray) -> np.ndarray:
        return np.asarray(special.betainc(size.flat[which], y + 1, prob.flat[which]))

    out = _search(cdf, p, np.where(valid, guess, 0.0).ravel(), valid.ravel())
    return out.reshape(size.shape)


def qpois(p: float, mean: np.ndarray) -> np.ndarray:
    """R's qpois(p, lambda) elementwise."""
    from scipy import special

    mean = np.asarray(mean, float)
    valid = np.isfinite(mean) & (mean >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(mean)
        skew = 1 / sd
    guess = _cornish_fisher(p, mean, sd, skew)

    def cdf(y: np.ndarray, which: np.ndarray) -> np.ndarray:
        return np.asarray(special.gammaincc(y + 1, mean.flat[which]))

    out = _search(cdf, p, np.where(valid, guess, 0.0).ravel(), valid.ravel())
    return np.where(valid & (mean == 0), 0.0, out.reshape(mean.shape))


def _cornish_fisher(p: float, mean: np.ndarray, sd: np.ndarray, skew: np.ndarray) -> np.ndarray:
    z = NormalDist().inv_cdf(p)
    with np.errstate(invalid="ignore"):
        guess = mean + sd * (z + skew * (z * z - 1) / 6)
    return np.asarray(np.where(np.isfinite(guess), np.round(guess), 0.0))


__all__ = ["qnbinom", "qpois"]
