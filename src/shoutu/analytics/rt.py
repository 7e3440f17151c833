"""The time-varying reproduction number, exactly as R EpiEstim 2.2-4 ``estimate_R`` computes it
(Cori et al. 2013), for many series at once.

Serial interval: ``discr_si`` (a gamma shifted by one day) for a parametric SI, or a given
distribution with w0 = 0 summing to 1 (within 0.01). Total infectiousness
Λ_t = Σ_{s≥1} w_s (local + imported)_{t-s}; for a window [t_start, t_end] the posterior of R is
Gamma(shape = a + Σ local, scale = 1 / (1/b + Σ Λ)) with a Gamma prior of mean 5, sd 5 by
default. A window is undefined (NaN) unless t_end > the SI's mean. As EpiEstim does, cases on
the first day are all counted as imported. Windows: t_start = 2 … T - window + 1 (1-based).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

QUANTILES = (0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975)
QUANTILE_NAMES = ("q025", "q05", "q25", "median", "q75", "q95", "q975")


def gamma_cdf(x: np.ndarray, shape: float) -> np.ndarray:
    """Regularized lower incomplete gamma P(shape, x) (the gamma CDF with scale 1): a series
    below shape + 1, a continued fraction (modified Lentz) above, to double precision. Kept
    here so that estimating R without quantiles needs no SciPy import (0.14 s of start-up)."""
    x = np.asarray(x, float)
    result = np.zeros_like(x)
    log_front = np.where(x > 0, -x + shape * np.log(np.where(x > 0, x, 1.0)), -np.inf)
    log_front -= math.lgamma(shape)
    low = (x > 0) & (x < shape + 1)
    if low.any():
        xs = x[low]
        term = np.full(xs.shape, 1.0 / shape)
        total = term.copy()
        for n in range(1, 1000):
            term *= xs / (shape + n)
            total += term
            if (np.abs(term) < np.abs(total) * 2e-16).all():
                break
        result[low] = total * np.exp(log_front[low])
    high = x >= shape + 1
    if high.any():
        xs = x[high]
        tiny = 1e-300
        b = xs + 1.0 - shape
        c = np.full(xs.shape, 1.0 / tiny)
        d = 1.0 / b
        h = d.copy()
        for i in range(1, 1000):
            an = -i * (i - shape)
            b = b + 2.0
            d = an * d + b
            d = np.where(np.abs(d) < tiny, tiny, d)
            c = b + an / c
            c = np.where(np.abs(c) < tiny, tiny, c)
            d = 1.0 / d
            delta = d * c
            h *= delta
            if (np.abs(delta - 1.0) < 2e-16).all():
                break
        result[high] = 1.0 - np.exp(log_front[high]) * h
    return result


class SerialIntervalError(ValueError):
    """A serial-interval distribution EpiEstim would refuse."""


def discr_si(k: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    """EpiEstim's ``discr_si``: the discretised serial interval (gamma offset by one day)."""
    if mu <= 1:
        raise SerialIntervalError("the serial interval mean must be above 1 (EpiEstim)")
    if sigma <= 0:
        raise SerialIntervalError("the serial interval sd must be positive")
    a = ((mu - 1) / sigma) ** 2
    b = sigma**2 / (mu - 1)
    k = np.asarray(k, float)

    def cdf(x: np.ndarray, shape: float) -> np.ndarray:
        return gamma_cdf(np.maximum(x, 0) / b, shape)

    res = k * cdf(k, a) + (k - 2) * cdf(k - 2, a) - 2 * (k - 1) * cdf(k - 1, a)
    res += a * b * (2 * cdf(k - 1, a + 1) - cdf(k - 2, a + 1) - cdf(k, a + 1))
    result: np.ndarray = np.maximum(res, 0.0)
    return result


def check_si_distr(si: np.ndarray) -> np.ndarray:
    """Validate a non-parametric SI the way EpiEstim does: w0 = 0, non-negative, sums to 1."""
    si = np.asarray(si, float)
    if si.ndim != 1 or len(si) < 2:
        raise SerialIntervalError("the serial interval needs values for day 0 and later days")
    if si[0] != 0:
        raise SerialIntervalError("the serial interval must be 0 on day 0 (w0 = 0)")
    if (si < 0).any():
        raise SerialIntervalError("the serial interval cannot be negative")
    if abs(si.sum() - 1) > 0.01:
        raise SerialIntervalError(
            f"the serial interval must sum to 1 (±0.01); it sums to {si.sum():.4f}"
        )
    return si


def infectivity(incidence: np.ndarray, si: np.ndarray) -> np.ndarray:
    """Λ for each series (rows) and day (columns); Λ_0 is undefined (NaN)."""
    n_days = incidence.shape[1]
    w = np.zeros(n_days)
    w[: min(len(si), n_days)] = si[:n_days]
    # lower-triangular Toeplitz matrix: Λ_t = Σ_s w_{t-s} I_s; exact, and one BLAS call for
    # thousands of series (an FFT would be faster still but adds rounding noise)
    lags = np.arange(n_days)[:, None] - np.arange(n_days)[None, :]
    toeplitz = np.where(lags >= 0, w[np.clip(lags, 0, n_days - 1)], 0.0)
    lam: np.ndarray = incidence @ toeplitz.T
    lam[:, 0] = np.nan
    return lam


@dataclass
class RtEstimate:
    """Posterior of R per series (rows) and window (columns); NaN where undefined."""

    t_start: np.ndarray  # 1-based, as EpiEstim
    t_end: np.ndarray
    shape: np.ndarray
    scale: np.ndarray
    mean_si: float
    cases_in_window: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        result: np.ndarray = self.shape * self.scale
        return result

    @property
    def sd(self) -> np.ndarray:
        result: np.ndarray = np.sqrt(self.shape) * self.scale
        return result

    def quantiles(self) -> dict[str, np.ndarray]:
        """Posterior quantiles (gamma inverse CDF). The shape is the prior's plus a count of
        cases, so millions of windows share a few thousand shapes: the inverse is computed
        once per distinct shape (same values, many times faster)."""
        from scipy import special  # only for quantiles: its import costs start-up time

        out = {}
        defined = np.isfinite(self.shape)
        shapes, inverse = np.unique(self.shape[defined], return_inverse=True)
        scale = self.scale[defined]
        for name, p in zip(QUANTILE_NAMES, QUANTILES, strict=True):
            values = np.full(self.shape.shape, np.nan)
            values[defined] = special.gammaincinv(shapes, p)[inverse] * scale
            out[name] = values
        return out


def estimate_r(
    local: np.ndarray,
    imported: np.ndarray | None,
    si: np.ndarray,
    *,
    window: int = 7,
    prior_mean: float = 5.0,
    prior_sd: float = 5.0,
) -> RtEstimate:
    """Cori et al. R_t for each row of ``local`` (series x days), EpiEstim's sliding windows."""
    local = np.array(np.atleast_2d(local), dtype=float)  # a copy: the first day changes
    imported = (
        np.zeros_like(local) if imported is None else np.array(np.atleast_2d(imported), dtype=float)
    )
    if local.shape != imported.shape:
        raise ValueError("local and imported cases must have the same shape")
    if (local < 0).any() or (imported < 0).any():
        raise ValueError("case counts cannot be negative")
    n_series, n_days = local.shape
    if window < 1 or n_days < window + 1:
        raise ValueError(f"need more than window={window} days of data, got {n_days}")
    if prior_mean <= 0 or prior_sd <= 0:
        raise ValueError("the prior mean and sd must be positive")
    imported[:, 0] += local[:, 0]  # EpiEstim: first-day cases are all imported
    local[:, 0] = 0
    si_full = np.zeros(n_days + 1)
    si_full[: min(len(si), n_days + 1)] = si[: n_days + 1]
    mean_si = float(np.sum(si_full * np.arange(len(si_full))))
    lam = infectivity(local + imported, si_full)
    lam[:, 0] = 0.0
    t_start = np.arange(2, n_days - window + 2)
    t_end = t_start + window - 1
    # window sums as differences of running sums: cum[:, t] = sum of days 1..t (1-based)
    cum_local = np.zeros((n_series, n_days + 1))
    np.cumsum(local, axis=1, out=cum_local[:, 1:])
    cum_lam = np.zeros((n_series, n_days + 1))
    np.cumsum(lam, axis=1, out=cum_lam[:, 1:])
    first, last = t_start[0] - 1, t_end[-1]
    local_sum = cum_local[:, window + first : last + 1] - cum_local[:, first : last + 1 - window]
    lam_sum = cum_lam[:, window + first : last + 1] - cum_lam[:, first : last + 1 - window]
    a_prior = (prior_mean / prior_sd) ** 2
    b_prior = prior_sd**2 / prior_mean
    undefined = t_end <= mean_si
    shape = a_prior + local_sum
    scale = 1.0 / (1.0 / b_prior + lam_sum)
    shape[:, undefined] = np.nan
    scale[:, undefined] = np.nan
    return RtEstimate(t_start, t_end, shape, scale, mean_si, local_sum)


def min_cases_for_cv(
    cv_posterior: float = 0.3, prior_mean: float = 5.0, prior_sd: float = 5.0
) -> int:
    """EpiEstim's rule: cases a window needs for the posterior CV (default 0.3)."""
    a_prior = (prior_mean / prior_sd) ** 2
    return int(np.ceil(1 / cv_posterior**2 - a_prior))


class CoriEstimator:
    """The estimator form (scikit-learn contract): settings in ``__init__``, ``fit`` returns
    self, results end in ``_``."""

    def __init__(
        self, si: np.ndarray, *, window: int = 7, prior_mean: float = 5.0, prior_sd: float = 5.0
    ) -> None:
        self.si = si
        self.window = window
        self.prior_mean = prior_mean
        self.prior_sd = prior_sd

    def fit(self, local: np.ndarray, imported: np.ndarray | None = None) -> CoriEstimator:
        self.estimate_ = estimate_r(
            local,
            imported,
            self.si,
            window=self.window,
            prior_mean=self.prior_mean,
            prior_sd=self.prior_sd,
        )
        self.mean_ = self.estimate_.mean
        self.sd_ = self.estimate_.sd
        return self


def wallinga_teunis(incidence: np.ndarray, si: np.ndarray) -> np.ndarray:
    """Case reproduction numbers (Wallinga & Teunis 2004) per day of infection for daily counts:
    R_t = Σ_{s>t} I_s w_{s-t} / Λ_s. The last days are underestimated (right-censoring)."""
    incidence = np.atleast_2d(np.asarray(incidence, float))
    n_days = incidence.shape[1]
    w = np.zeros(n_days + 1)
    w[: min(len(si), n_days + 1)] = si[: n_days + 1]
    lam = infectivity(incidence, w)
    ratio = np.where(lam > 0, incidence / np.where(lam > 0, lam, 1.0), 0.0)
    ratio[:, 0] = 0.0
    lags = np.arange(n_days)[None, :] - np.arange(n_days)[:, None]  # s - t
    kernel = np.where(lags > 0, w[np.clip(lags, 0, n_days)], 0.0)  # (t, s)
    result: np.ndarray = ratio @ kernel.T
    return result


@dataclass
class Growth:
    rate: np.ndarray  # per day
    low: np.ndarray
    high: np.ndarray

    @property
    def doubling_days(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(doubling time, low, high) in days where growing; halving times are negative."""
        with np.errstate(divide="ignore"):
            return np.log(2) / self.rate, np.log(2) / self.high, np.log(2) / self.low


def growth_rate(
    incidence: np.ndarray, *, window: int = 7, level: float = 0.95, iterations: int = 25
) -> Growth:
    """Exponential growth rate per window (Poisson log-linear regression, IRLS), with a Wald
    interval; windows end on days window … T (columns), series are rows."""
    incidence = np.atleast_2d(np.asarray(incidence, float))
    n_days = incidence.shape[1]
    starts = np.arange(0, n_days - window + 1)
    index = starts[:, None] + np.arange(window)[None, :]
    y = incidence[:, index]  # series x windows x days
    x = np.arange(window) - (window - 1) / 2.0
    intercept = np.log(np.maximum(y.mean(axis=2), 0.5))
    slope = np.zeros_like(intercept)
    for _ in range(iterations):
        mu = np.exp(intercept[..., None] + slope[..., None] * x)
        s0, s1, s2 = mu.sum(2), (mu * x).sum(2), (mu * x * x).sum(2)
        g0, g1 = (y - mu).sum(2), ((y - mu) * x).sum(2)
        det = s0 * s2 - s1 * s1
        intercept = intercept + (s2 * g0 - s1 * g1) / det
        slope = slope + (s0 * g1 - s1 * g0) / det
    mu = np.exp(intercept[..., None] + slope[..., None] * x)
    s0, s1, s2 = mu.sum(2), (mu * x).sum(2), (mu * x * x).sum(2)
    se = np.sqrt(s0 / (s0 * s2 - s1 * s1))
    z = NormalDist().inv_cdf(0.5 + level / 2)
    empty = y.sum(axis=2) == 0
    rate = np.where(empty, np.nan, slope)
    return Growth(
        rate, np.where(empty, np.nan, slope - z * se), np.where(empty, np.nan, slope + z * se)
    )
