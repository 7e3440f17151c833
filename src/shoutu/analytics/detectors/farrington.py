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
together over all series (``glm.fit``).
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from shoutu.analytics.detectors import glm
from shoutu.analytics.detectors.base import Calendar, Detection
from shoutu.analytics.detectors.quantiles import qnbinom, qpois

POWERS = {"none": 1.0, "1/2": 0.5, "2/3": 2 / 3}
THRESHOLD_METHODS = ("delta", "nbPlugin", "muan")
CHUNK_CELLS = 300_000  # model rows per batch: arrays that stay in cache, one batch per core


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


def flexible_baseline(
    calendar: Calendar, k: int, *, b: int, w: int, no_periods: int, past_excluded: int
) -> Baseline:
    """surveillance's ``blocks``: reference windows at level p = no_periods, the gaps between
    them cut into p - 1 periods; the last ``past_excluded`` steps and now left out."""
    points = reference_points(calendar, k, b)
    if any(point is None for point in points):
        raise ValueError(
            f"some reference time points of {calendar.date(k)} are not in the series; "
            "decrease b or monitor later dates"
        )
    refs = [k] + [int(point) for point in points if point is not None]
    factor = np.zeros(k + 1, int)  # 0 = not in the baseline
    factor[max(k - w, 0) : k + 1] = no_periods
    for i in range(1, b + 1):
        ref = refs[i]
        factor[max(ref - w, 0) : ref + w + 1] = no_periods  # a window may start before t = 1
        if no_periods != 1:
            period = refs[i - 1] - 2 * w - 1 - ref
            if period < no_periods - 1:
                raise ValueError("number of periods too big for the gap between windows")
            size, rest = divmod(period, no_periods - 1)
            lengths = np.full(no_periods - 1, size)
            lengths[:rest] += 1
            edges = ref + w + 1 + np.concatenate([[0], np.cumsum(lengths)])
            for j in range(no_periods - 1):
                factor[edges[j] : edges[j + 1]] = j + 1
    factor[max(k - past_excluded, 0) : k + 1] = 0
    rows = np.flatnonzero(factor)
    return Baseline(rows, factor[rows] - 1, no_periods - 1, k - int(rows[0]))


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


def delta_threshold(
    fit: np.ndarray, se: np.ndarray, phi: np.ndarray, powertrans: str, alpha: float, y: np.ndarray
) -> tuple[np.ndarray, ...]:
    """``algo.farrington.threshold.farrington``: (lower, upper, prob, score) from the
    predicted mean and its standard error, one-sided alpha."""
    from scipy import special  # not scipy.stats: its import costs a second

    power = POWERS[powertrans]
    tau = phi + se**2 / fit
    if powertrans == "none":
        sd = np.sqrt(fit * tau)
    elif powertrans == "1/2":
        sd = np.sqrt(tau / 4)
    else:
        sd = np.sqrt(4 / 9 * fit ** (1 / 3) * tau)
    z = NormalDist().inv_cdf(1 - alpha)
    with np.errstate(invalid="ignore"):
        a = (fit**power - z * sd) ** (1 / power)
        c = (fit**power + z * sd) ** (1 / power)
    upper = np.fmax(a, c)
    lower = np.where(np.isnan(a) | np.isnan(c), 0.0, np.maximum(np.fmin(a, c), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        prob = special.ndtr((fit**power - y**power) / sd)  # upper tail of N(fit^p, sd)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = (y - fit) / (upper - fit)
    return lower, upper, prob, score


def noufaily_threshold(
    eta: np.ndarray,
    se: np.ndarray,
    phi: np.ndarray,
    alpha: float,
    y: np.ndarray,
    method: str = "nbPlugin",
) -> tuple[np.ndarray, ...]:
    """``algo.farrington.threshold.noufaily``: negative binomial (Poisson when phi = 1)
    quantiles around exp(eta) ("nbPlugin") or around the (1 - alpha) quantile of the mean
    ("muan"); the score divides by the bound minus the linear predictor, as R does."""
    from scipy import special

    with np.errstate(over="ignore", invalid="ignore"):
        if method == "nbPlugin":
            mean = np.exp(eta)
        else:
            mean = np.exp(eta + NormalDist().inv_cdf(1 - alpha) * se)
    finite = np.isfinite(mean) & np.isfinite(phi)
    mean = np.where(finite, mean, 1.0)
    over = finite & (phi > 1)
    size = mean / np.where(over, phi - 1, 1.0)
    prob = 1 / np.where(over, phi, 2.0)
    bounds = []
    for q in (alpha, 1 - alpha):
        bound = np.full(mean.shape, np.nan)
        bound[over] = qnbinom(q, size[over], prob[over])
        poisson = finite & ~over
        bound[poisson] = qpois(q, mean[poisson])
        bounds.append(bound)
    with np.errstate(invalid="ignore", divide="ignore"):
        # P(Y >= y): I_(1-prob)(y, size) for the negative binomial, P(y, mean) for Poisson
        positive = np.maximum(y, 1e-300)
        tail = np.where(
            over,
            special.betainc(positive, size, 1 - prob),
            special.gammainc(positive, mean),
        )
        tail = np.where(y <= 0, 1.0, tail)
        score = (y - eta) / (bounds[1] - eta)
    lower = np.maximum(bounds[0], 0.0)
    return lower, bounds[1], np.where(finite, tail, np.nan), score


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
        n_levels = max(base.level_now for base in baselines) + 1
        most = np.zeros(n_levels, int)  # rows per level, at most, over the groups
        for base in baselines:
            np.maximum(most, np.bincount(base.levels, minlength=n_levels), out=most)
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
            levels = base.levels[order]
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
            per_model(np.array([base.level_now for base in baselines])),
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


__all__ = [
    "Calendar",
    "default_start",
    "delta_threshold",
    "farrington",
    "farrington_flexible",
    "noufaily_threshold",
]
