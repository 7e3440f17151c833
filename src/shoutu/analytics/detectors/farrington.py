"""The Farrington detectors as R surveillance computes them: ``algo.farrington`` (Farrington et
al. 1996) and ``farringtonFlexible`` (with the options of Noufaily et al. 2013).

For each monitored time, the baseline is the b previous years: the windows of 2w + 1 steps
around the same date each year back (with weekly data, the nearest week on the same weekday),
and, with ``no_periods`` > 1, the rest of those years cut into periods that enter the GLM as a
factor. A quasi-Poisson GLM (log link, optional linear trend) is fitted, reweighted once with
Anscombe residuals, and the trend dropped unless significant, b >= 3 and not extrapolating
above the baseline maximum. The upper bound comes from the prediction: a power-transformed
normal approximation ("delta"; two-sided alpha in the 1996 method), or negative binomial
quantiles ("nbPlugin", "muan"). Weeks with fewer than limit54[0] cases in the last limit54[1]
steps get no bound in the flexible method (R: NA) and a bound of 0 in the 1996 method; a week
whose GLM does not converge gets no bound. All GLMs of a chunk of monitored times are fitted
together over all series (``glm.fit``); a period no week of the chunk has rows at (short
histories, large ``past_weeks_not_included``) gets no column.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from shoutu.analytics.detectors import glm
from shoutu.analytics.detectors.base import Calendar, Detection
from shoutu.analytics.detectors.reference_weeks import (
    Baseline,
    farrington_baseline,
    flexible_baseline,
)
from shoutu.analytics.detectors.thresholds import POWERS, delta_threshold, noufaily_threshold

THRESHOLD_METHODS = ("delta", "nbPlugin", "muan")
CHUNK_CELLS = 300_000  # model rows per batch: arrays that stay in cache, one batch per core


@dataclass
class _Prediction:
    eta: np.ndarray  # (groups, series)
    variance: np.ndarray  # x'(X'WX)^-1 x
    dispersion: np.ndarray  # summary.glm's, not floored
    phi: np.ndarray  # max(dispersion, 1)
    usable: np.ndarray  # R gives a result


def _fit_once(
    y: np.ndarray,
    real: np.ndarray,
    times: np.ndarray,
    layout: glm.Layout,
    *,
    trend: bool,
    reweight: bool,
    threshold: float,
    flexible: bool,
) -> tuple[glm.Fit, np.ndarray, np.ndarray]:
    """surveillance's fitGLM: fit, then refit once with Anscombe-residual weights. Returns
    the model, phi = max(dispersion, 1), and the dispersion R's later summary() and
    predict() calls see: fitGLM.flexible replaces the reweighted model's working weights by
    the Anscombe weights, so there it is sum(omega ((y - mu) / mu)^2) / df."""
    model = glm.fit(y, real, times, trend=trend, layout=layout)
    phi = np.maximum(model.dispersion, 1.0)
    seen = model.dispersion
    if reweight:
        residuals = glm.anscombe_residuals(y, model, phi, model.hat(times))
        weights = glm.reweights(residuals, real, threshold)
        converged = model.converged
        model = glm.fit(y, weights, times, trend=trend, layout=layout)
        model.converged = converged  # R checks the first fit only
        phi = np.maximum(model.dispersion, 1.0)
        seen = model.dispersion
        if flexible:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                residual = np.where(weights > 0, (y - model.mu) / model.mu, 0.0)
                seen = np.einsum("bls,bls->b", weights, residual**2) / model.df
    return model, phi, seen


@dataclass
class _Batch:
    """The models of some monitored times x all series, rows grouped by level in segments of
    equal length (see glm.Layout): arrays (models, segments, slots); model = group x n_series
    + series."""

    y: np.ndarray
    real: np.ndarray
    times: np.ndarray
    level_now: np.ndarray  # per model
    time_now: np.ndarray
    layout: glm.Layout

    @classmethod
    def build(cls, counts: np.ndarray, baselines: list[Baseline]) -> _Batch:
        n_levels = max(max(base.level_now, int(base.levels.max())) for base in baselines) + 1
        most = np.zeros(n_levels, int)  # rows per level, at most, over the groups
        for base in baselines:
            np.maximum(most, np.bincount(base.levels, minlength=n_levels), out=most)
        # levels no group of the batch has rows at (periods left out by pastWeeksNotIncluded,
        # or cut off by the start of the series) get no column: R's factor has only the
        # levels present, and glm.Layout's levels must be 0 … n - 1
        compact = np.cumsum(most > 0) - 1
        most = most[most > 0]
        n_levels = len(most)
        # the segment length that needs the fewest slots in all
        slots = min(range(1, int(most.max()) + 1), key=lambda k: int((-(-most // k) * k).sum()))
        per_level = -(-most // slots)
        first_segment = np.concatenate([[0], np.cumsum(per_level)[:-1]])
        layout = glm.Layout(np.repeat(np.arange(n_levels), per_level))
        groups, n_series, n_segments = len(baselines), counts.shape[0], int(per_level.sum())
        index = np.zeros((groups, n_segments, slots), int)
        real = np.zeros((groups, n_segments, slots))
        times = np.zeros((groups, n_segments, slots))
        for g, base in enumerate(baselines):
            order = np.argsort(base.levels, kind="stable")
            levels = compact[base.levels[order]]
            position = np.arange(len(levels)) - np.searchsorted(levels, levels)
            segment = first_segment[levels] + position // slots
            slot = position % slots
            index[g, segment, slot] = base.rows[order]
            real[g, segment, slot] = 1.0
            times[g, segment, slot] = base.rows[order] - base.rows[0]
        y = np.moveaxis(counts[:, index], 0, 1) * real[:, None]
        shape = (groups * n_series, n_segments, slots)

        def per_model(values: np.ndarray) -> np.ndarray:
            return np.repeat(values, n_series, axis=0)

        return cls(
            y.reshape(shape),
            per_model(real),
            per_model(times),
            per_model(compact[np.array([base.level_now for base in baselines])]),
            per_model(np.array([base.time_now for base in baselines], float)),
            layout,
        )


def _predict(
    counts: np.ndarray,
    baselines: list[Baseline],
    *,
    b: int,
    trend: bool,
    reweight: bool,
    threshold: float,
    p_trend: float,
    flexible: bool,
) -> _Prediction:
    """Fit the GLMs of these monitored times over all series and predict now: with a trend
    first; the models whose trend R drops are refitted without."""
    batch = _Batch.build(counts, baselines)
    options: dict[str, Any] = {"reweight": reweight, "threshold": threshold, "flexible": flexible}
    n_models = len(batch.y)
    eta, variance = np.full(n_models, np.nan), np.full(n_models, np.nan)
    dispersion, phi = np.full(n_models, np.nan), np.full(n_models, np.nan)
    usable = np.zeros(n_models, bool)
    plain = np.ones(n_models, bool)
    if trend:
        sloped, sloped_phi, seen = _fit_once(
            batch.y, batch.real, batch.times, batch.layout, trend=True, **options
        )
        s_eta, s_variance = sloped.predict(batch.level_now, batch.time_now)
        y_max = np.max(np.where(batch.real > 0, batch.y, -np.inf), axis=(1, 2))
        with np.errstate(over="ignore"):
            keep = (
                sloped.converged
                & (b >= 3)
                & (sloped.slope_pvalue(seen) < p_trend)
                & (glm.inverse_link(s_eta) <= y_max)
            )
        eta[keep], variance[keep] = s_eta[keep], s_variance[keep]
        dispersion[keep], phi[keep] = seen[keep], sloped_phi[keep]
        usable[keep] = True
        plain = ~keep
    if plain.any():
        sub = np.flatnonzero(plain)
        model, model_phi, seen = _fit_once(
            batch.y[sub], batch.real[sub], batch.times[sub], batch.layout, trend=False, **options
        )
        p_eta, p_variance = model.predict(batch.level_now[sub], batch.time_now[sub])
        eta[sub], variance[sub], dispersion[sub], phi[sub] = p_eta, p_variance, seen, model_phi
        usable[sub] = model.converged if flexible else True
    shape = (len(baselines), counts.shape[0])
    return _Prediction(
        eta.reshape(shape),
        variance.reshape(shape),
        dispersion.reshape(shape),
        phi.reshape(shape),
        usable.reshape(shape),
    )


def _run(
    counts: np.ndarray,
    times: np.ndarray,
    baselines: list[Baseline],
    **options: Any,
) -> list[tuple[np.ndarray, _Prediction]]:
    """Predictions in chunks of monitored times that keep the arrays within CHUNK_CELLS
    (small enough to stay in cache), on all cores: numpy releases the GIL in the row passes
    that take most of the time."""
    n_series = max(counts.shape[0], 1)
    chunks = []
    start = 0
    while start < len(times):
        rows = len(baselines[start].rows)
        size = max(1, CHUNK_CELLS // (n_series * max(rows, 1)))
        chunks.append(slice(start, min(start + size, len(times))))
        start = chunks[-1].stop

    def one(chunk: slice) -> tuple[np.ndarray, _Prediction]:
        return times[chunk], _predict(counts, baselines[chunk], **options)

    workers = min(len(chunks), os.cpu_count() or 1)
    if workers <= 1:
        return [one(chunk) for chunk in chunks]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, chunks))


def _limit54(counts: np.ndarray, times: np.ndarray, limit54: tuple[int, int]) -> np.ndarray:
    cases, period = limit54
    if cases < 0 or period <= 0:
        raise ValueError("limit54 needs cases >= 0 and period > 0")
    running = np.concatenate([np.zeros((counts.shape[0], 1)), np.cumsum(counts, axis=1)], axis=1)
    start = np.maximum(times - period + 1, 0)
    return np.asarray(running[:, times + 1] - running[:, start] >= cases)


def _check(b: int, w: int, alpha: float, powertrans: str) -> None:
    if b < 1 or w < 0:
        raise ValueError("b must be >= 1 and w >= 0")
    if not 0 < alpha < 1:
        raise ValueError("alpha must be between 0 and 1")
    if powertrans not in POWERS:
        raise ValueError(f"powertrans must be one of {', '.join(POWERS)}")


def default_start(calendar: Calendar, *, b: int, w: int, flexible: bool) -> int:
    """0-based first index of R's default range: freq·b + w + 1 (flexible) or freq·b − w
    (1996), 1-based."""
    first = calendar.freq * b + w if flexible else calendar.freq * b - w - 1
    return max(first, 0)


def farrington_flexible(
    counts: np.ndarray,
    times: np.ndarray,
    calendar: Calendar,
    *,
    b: int = 5,
    w: int = 3,
    reweight: bool = True,
    weights_threshold: float = 2.58,
    alpha: float = 0.05,
    trend: bool = True,
    p_threshold_trend: float = 0.05,
    limit54: tuple[int, int] = (5, 4),
    powertrans: str = "2/3",
    no_periods: int = 1,
    past_weeks_not_included: int | None = None,
    threshold_method: str = "delta",
) -> Detection:
    """``farringtonFlexible``: expected = the predicted mean; no bound (NaN) where limit54
    fails or the GLM does not converge; alarm when y > bound and y != 0."""
    _check(b, w, alpha, powertrans)
    if threshold_method not in THRESHOLD_METHODS:
        raise ValueError(f"threshold_method must be one of {', '.join(THRESHOLD_METHODS)}")
    if no_periods < 1:
        raise ValueError("no_periods must be >= 1")
    counts = np.atleast_2d(np.asarray(counts, float))
    times = np.asarray(times, int)
    past = w if past_weeks_not_included is None else past_weeks_not_included
    baselines = [
        flexible_baseline(calendar, int(k), b=b, w=w, no_periods=no_periods, past_excluded=past)
        for k in times
    ]
    expected = np.full((counts.shape[0], len(times)), np.nan)
    upper = expected.copy()
    score = expected.copy()
    done = 0
    for chunk_times, pred in _run(
        counts,
        times,
        baselines,
        b=b,
        trend=trend,
        reweight=reweight,
        threshold=weights_threshold,
        p_trend=p_threshold_trend,
        flexible=True,
    ):
        cols = slice(done, done + len(chunk_times))
        y = counts[:, chunk_times].T
        se = np.sqrt(pred.dispersion * pred.variance)  # R predicts with summary's dispersion
        if threshold_method == "delta":  # predictions on the response scale
            mean = glm.inverse_link(pred.eta)
            _, bound, _, x = delta_threshold(mean, mean * se, pred.phi, powertrans, alpha, y)
        else:  # on the link scale; expected = exp(eta)
            with np.errstate(over="ignore"):
                mean = np.exp(pred.eta)
            _, bound, _, x = noufaily_threshold(pred.eta, se, pred.phi, alpha, y, threshold_method)
        ok = pred.usable
        expected[:, cols] = np.where(ok & np.isfinite(bound), mean, np.nan).T
        upper[:, cols] = np.where(ok, bound, np.nan).T
        score[:, cols] = np.where(ok, x, np.nan).T
        done = cols.stop
    enough = _limit54(counts, times, limit54)
    upper = np.where(enough, upper, np.nan)
    expected = np.where(enough, expected, np.nan)
    observed = counts[:, times]
    with np.errstate(invalid="ignore"):
        alarm = enough & np.isfinite(score) & (score > 1) & (observed != 0)
    return Detection(times, expected, upper, alarm)


def farrington(
    counts: np.ndarray,
    times: np.ndarray,
    calendar: Calendar,
    *,
    b: int = 5,
    w: int = 3,
    reweight: bool = True,
    alpha: float = 0.05,
    trend: bool = True,
    limit54: tuple[int, int] = (5, 4),
    powertrans: str = "2/3",
) -> Detection:
    """``algo.farrington`` (fitGLM.fast): two-sided alpha, reweighting threshold 1, trend
    test at 0.05, predictions with the floored dispersion; weeks failing limit54 get bound 0
    and no alarm."""
    _check(b, w, alpha, powertrans)
    counts = np.atleast_2d(np.asarray(counts, float))
    times = np.asarray(times, int)
    baselines = [farrington_baseline(calendar, int(k), b=b, w=w) for k in times]
    expected = np.full((counts.shape[0], len(times)), np.nan)
    upper = expected.copy()
    done = 0
    for chunk_times, pred in _run(
        counts,
        times,
        baselines,
        b=b,
        trend=trend,
        reweight=reweight,
        threshold=1.0,
        p_trend=0.05,
        flexible=False,
    ):
        cols = slice(done, done + len(chunk_times))
        y = counts[:, chunk_times].T
        mean = glm.inverse_link(pred.eta)
        se = mean * np.sqrt(pred.phi * pred.variance)
        _, bound, _, _ = delta_threshold(mean, se, pred.phi, powertrans, alpha / 2, y)
        expected[:, cols] = mean.T
        upper[:, cols] = bound.T
        done = cols.stop
    enough = _limit54(counts, times, limit54)
    observed = counts[:, times]
    with np.errstate(invalid="ignore"):
        score = (observed - expected) / (upper - expected)
    alarm = enough & (score > 1)
    return Detection(times, expected, np.where(enough, upper, 0.0), alarm)


__all__ = ["Calendar", "default_start", "farrington", "farrington_flexible"]
