"""Quasi-Poisson log-link GLMs fitted in batches, step for step as R's ``glm.fit``.

The Farrington detectors fit one small GLM per series and monitored week. Their designs are an
intercept (or a factor of seasonal periods) plus, optionally, a linear time trend. With the
factor coded as one indicator per level (the same column space as R's treatment contrasts, so
the same fit), the normal equations of each iteratively reweighted least-squares step reduce to
sums per level and a 1 x 1 Schur complement for the trend.

Layout: arrays (models, levels, slots) — each model's rows grouped by level, padded with rows
of prior weight 0 that count for nothing, as in R. Every step is then a handful of reductions
over the last axis for the whole batch; models leave the working set as they converge. Each
model stops where R's would (start mu = y + 0.1, convergence when |dev - dev_old| / (|dev| +
0.1) < 1e-8, at most 25 steps), so fits R leaves unconverged are flagged the same way, and
results keep R's bookkeeping: the working weights of the last step (``model$weights``, which
also give the QR behind hat values and standard errors), residuals from the final mu.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPSILON = 1e-8
MAXIT = 25
MU_FLOOR = float(np.finfo(float).eps)  # quasipoisson()$linkinv: pmax(exp(eta), eps)
LOG_MU_FLOOR = float(np.log(MU_FLOOR))
HAT_ONE = 1 - 10 * MU_FLOOR  # lm.influence: leverages from 1 - 10 eps on are 1


def inverse_link(eta: np.ndarray) -> np.ndarray:
    """R's log-link inverse for the (quasi-)Poisson family: exp(eta), floored at the machine
    epsilon (so are its derivative and hence the working weights)."""
    with np.errstate(over="ignore"):
        return np.asarray(np.maximum(np.exp(eta), MU_FLOOR))


@dataclass(frozen=True)
class Layout:
    """Rows are stored in segments of equal length; ``levels[j]`` is the level of segment j
    (a level's segments are adjacent). One segment per level unless a level has many more
    rows than the others (the reference windows), which then spans several: less padding."""

    levels: np.ndarray

    @classmethod
    def identity(cls, n_levels: int) -> Layout:
        return cls(np.arange(n_levels))

    @property
    def n_levels(self) -> int:
        return int(self.levels[-1]) + 1

    def sum(self, rows: np.ndarray) -> np.ndarray:
        """Row values (models, segments, slots) summed per level (models, levels)."""
        segments = np.einsum("bls->bl", rows)
        if len(self.levels) == self.n_levels:
            return np.asarray(segments)
        return np.asarray(np.add.reduceat(segments, self._starts(), axis=1))

    def extreme(self, per_segment: np.ndarray, low: bool) -> np.ndarray:
        """Minimum (or maximum) over each level's segments."""
        if len(self.levels) == self.n_levels:
            return per_segment
        ufunc = np.minimum if low else np.maximum
        return np.asarray(ufunc.reduceat(per_segment, self._starts(), axis=1))

    def spread(self, per_level: np.ndarray) -> np.ndarray:
        """Per-level values (models, levels) to (models, segments, 1), for rows."""
        return per_level[:, self.levels, None]

    def _starts(self) -> np.ndarray:
        return np.flatnonzero(np.r_[True, np.diff(self.levels) != 0])


@dataclass
class Fit:
    """One fitted model per row of the batch."""

    mu: np.ndarray  # fitted means (models, levels, slots)
    weights: np.ndarray  # working weights of the last step
    intercepts: np.ndarray  # per level (models, levels)
    slope: np.ndarray  # trend coefficient (0 without trend)
    level_sums: np.ndarray  # sum of working weights per level
    level_means: np.ndarray  # weighted mean time per level
    schur: np.ndarray  # sum w (t - level mean)^2; inf without trend
    dispersion: np.ndarray  # Pearson chi^2 / residual df (summary.glm), not floored
    df: np.ndarray  # residual degrees of freedom
    converged: np.ndarray
    layout: Layout

    def hat(self, times: np.ndarray) -> np.ndarray:
        """Leverages of the last weighted least-squares step (R's ``hatvalues``), set to 1
        within 10 eps of 1 as ``lm.influence`` does (a level with one row has leverage 1:
        its Anscombe residual is then infinite, or NaN when y = mu exactly)."""
        shift = times - self.layout.spread(self.level_means)
        inverse = self.layout.spread(_safe_inverse(self.level_sums))
        hat = self.weights * (inverse + shift**2 / self.schur[:, None, None])
        if hat.max(initial=0.0) >= HAT_ONE:  # rare: skip the pass that writes
            hat[hat >= HAT_ONE] = 1.0
        return np.asarray(hat)

    def predict(self, level: np.ndarray, time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Linear predictor and its variance factor (x'(X'WX)^-1 x, to be multiplied by a
        dispersion) at one level index and time per model."""
        rows = np.arange(len(level))
        eta = self.intercepts[rows, level] + self.slope * time
        with np.errstate(divide="ignore", invalid="ignore"):
            variance = (
                1.0 / self.level_sums[rows, level]
                + (time - self.level_means[rows, level]) ** 2 / self.schur
            )
        return eta, variance

    def slope_pvalue(self, dispersion: np.ndarray) -> np.ndarray:
        """Two-sided t-test p-value of the trend (summary.glm for a quasi family)."""
        from scipy import special  # not scipy.stats: its import costs a second

        with np.errstate(divide="ignore", invalid="ignore"):
            t = self.slope / np.sqrt(dispersion / self.schur)
        return np.asarray(2 * special.stdtr(self.df, -np.abs(t)))


def _safe_inverse(values: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.asarray(np.where(values > 0, 1.0 / np.where(values > 0, values, 1.0), 0.0))


@dataclass
class _Sums:
    """Sufficient statistics of one weighted least-squares step: per level sum W, sum W z,
    sum W t, and per model sum W t^2 and sum W z t (trend only)."""

    w: np.ndarray
    wz: np.ndarray
    wt: np.ndarray | None = None
    wtt: np.ndarray | None = None
    wzt: np.ndarray | None = None

    def take(self, keep: np.ndarray) -> _Sums:
        def part(values: np.ndarray | None) -> np.ndarray | None:
            return None if values is None else values[keep]

        return _Sums(self.w[keep], self.wz[keep], part(self.wt), part(self.wtt), part(self.wzt))


@dataclass
class _Step:
    intercepts: np.ndarray
    slope: np.ndarray
    sums: np.ndarray
    t_means: np.ndarray
    schur: np.ndarray

    def take(self, keep: np.ndarray) -> _Step:
        return _Step(*(v[keep] for v in vars(self).values()))


def _solve(s: _Sums) -> _Step:
    """Weighted least squares from the sums: per-level intercepts, the slope (Schur
    complement), and what gives the inverse of X'WX."""
    inverse = _safe_inverse(s.w)
    z_means = s.wz * inverse
    if s.wt is None or s.wtt is None or s.wzt is None:
        n = len(s.w)
        return _Step(z_means, np.zeros(n), s.w, np.zeros_like(s.w), np.full(n, np.inf))
    t_means = s.wt * inverse
    schur = s.wtt - np.einsum("bl,bl->b", s.wt, t_means)
    cross = s.wzt - np.einsum("bl,bl->b", s.wt, z_means)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = cross / schur
    return _Step(z_means - t_means * slope[:, None], slope, s.w, t_means, schur)


def fit(
    y: np.ndarray,
    prior: np.ndarray,
    times: np.ndarray,
    *,
    trend: bool,
    layout: Layout | None = None,
) -> Fit:
    """Fit every model of the batch; ``prior`` weights are 0 on padding slots.

    Between steps a model is its coefficients: eta = intercept(level) + slope x t, so the
    sums a step needs come from one pass over the rows (with a trend) or none at all (without:
    sum W = mu(level) x sum prior)."""
    layout = layout or Layout.identity(y.shape[1])
    n_models, n_levels = len(y), layout.n_levels
    rows = {"eta": np.empty_like(y), "weights": np.empty_like(y)}
    coefs = {
        "intercepts": np.empty((n_models, n_levels)),
        "slope": np.empty(n_models),
        "sums": np.empty((n_models, n_levels)),
        "t_means": np.empty((n_models, n_levels)),
        "schur": np.empty(n_models),
    }
    converged = np.zeros(n_models, bool)
    py = prior * y
    with np.errstate(divide="ignore", invalid="ignore"):
        y_log_y = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0)), 0.0)
    # per model constants of the working set
    ids = np.arange(n_models)
    c_prior, c_py = prior, py
    c_times = times if trend else None
    c_const = np.einsum("bls,bls->b", prior, y_log_y - y)
    c_total = layout.sum(prior)  # sum prior per level
    c_ptotal = layout.sum(py)  # sum prior y per level
    c_pt = np.einsum("bls,bls->b", py, times) if trend else np.zeros(n_models)
    c_span = _time_span(times, prior, layout)

    # start (R: mustart = y + 0.1): the only step whose eta is not linear in t
    eta = np.log(y + 0.1)
    mu = inverse_link(eta)
    weights = prior * mu
    wz = weights * eta + py - weights  # W z, z = eta + (y - mu) / mu.eta
    sums = _Sums(layout.sum(weights), layout.sum(wz))
    if c_times is not None:
        wt = weights * c_times
        sums.wt, sums.wtt = layout.sum(wt), np.einsum("bls,bls->b", wt, c_times)
        sums.wzt = np.einsum("bls,bls->b", wz, c_times)
    linear = np.einsum("bls,bls->b", py, np.maximum(eta, LOG_MU_FLOOR))
    dev_old = 2 * (c_const - linear + weights.sum(axis=(1, 2)))
    finished = np.zeros(n_models, bool)
    # with a trend, rows are recomputed each step into preallocated buffers (fresh arrays of
    # this size cost page faults that took most of the time): the step's W and the next
    buffers = (weights, np.empty_like(y)) if trend else ()
    eta_buffer = np.empty_like(y) if trend else y
    wt_buffer = np.empty_like(y) if trend else y
    current = 0

    def step_rows(chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Working weights of the step just solved, and the new eta, on rows."""
        if c_times is None:
            w_rows = (
                step_weights[chosen]
                if step_weights.ndim == 3
                else c_prior[chosen] * layout.spread(step_weights[chosen])
            )
            eta_rows = np.broadcast_to(layout.spread(step.intercepts[chosen]), w_rows.shape)
            return w_rows, eta_rows
        return step_weights[chosen], new_eta[chosen]

    new_eta = eta
    for _ in range(MAXIT):
        if finished.sum() * 4 >= len(finished):  # shrink the working set
            keep = ~finished
            ids, finished, dev_old = ids[keep], finished[keep], dev_old[keep]
            c_prior, c_py, c_const = c_prior[keep], c_py[keep], c_const[keep]
            c_total, c_ptotal, c_pt = c_total[keep], c_ptotal[keep], c_pt[keep]
            c_span = c_span[keep]
            sums = sums.take(keep)
            if c_times is not None:
                c_times = c_times[keep]
                buffers[current][: len(ids)] = weights[keep]
                weights = buffers[current][: len(ids)]
            else:
                weights = weights[keep]
        step_weights = weights  # rows, or (no trend, after the start) mu per level
        step = _solve(sums)
        a, b = step.intercepts, step.slope
        if c_times is None:
            new_mu = inverse_link(a)  # per level
            new_w = new_mu * c_total
            linear = np.einsum("bl,bl->b", c_ptotal, np.maximum(a, LOG_MU_FLOOR))
            new_sums = _Sums(new_w, a * new_w + c_ptotal - new_w)
        else:
            n = len(ids)
            new_eta, new_rows_w, wt = eta_buffer[:n], buffers[1 - current][:n], wt_buffer[:n]
            np.multiply(b[:, None, None], c_times, out=new_eta)
            new_eta += layout.spread(a)
            with np.errstate(over="ignore"):
                np.exp(new_eta, out=new_rows_w)
            with np.errstate(invalid="ignore"):  # lowest eta of each level, from its time span
                lowest = a + np.minimum(b[:, None] * c_span[..., 0], b[:, None] * c_span[..., 1])
                floored = (c_total > 0) & ~(lowest >= LOG_MU_FLOOR)
            if floored.any():  # inverse_link's floor, in place (rarely reached: skip the pass)
                np.maximum(new_rows_w, MU_FLOOR, out=new_rows_w)
            new_rows_w *= c_prior
            new_w = layout.sum(new_rows_w)
            np.multiply(new_rows_w, c_times, out=wt)
            st = layout.sum(wt)
            stt = np.einsum("bls,bls->b", wt, c_times)
            linear = _linear_term(c_py, new_eta, a, b, c_ptotal, c_pt, floored)
            new_sums = _Sums(
                new_w,
                a * new_w + b[:, None] * st + c_ptotal - new_w,
                st,
                stt,
                np.einsum("bl,bl->b", a, st) + b * stt + c_pt - st.sum(axis=-1),
            )
        dev = 2 * (c_const - linear + new_w.sum(axis=-1))
        with np.errstate(invalid="ignore"):
            done = ~finished & (np.abs(dev - dev_old) / (np.abs(dev) + 0.1) < EPSILON)
        if done.any():
            _record(rows, coefs, ids[done], step.take(done), *step_rows(done))
            converged[ids[done]] = True
            finished |= done
        dev_old, sums = dev, new_sums
        weights = new_mu if c_times is None else new_rows_w
        current = 1 - current
        if finished.all():
            break
    else:
        rest = ~finished  # R's unconverged fits: the last step
        _record(rows, coefs, ids[rest], step.take(rest), *step_rows(rest))
    fitted = inverse_link(rows["eta"])
    n_ok = np.sum(prior > 0, axis=(1, 2))
    df = n_ok - (np.sum(coefs["sums"] > 0, axis=-1) + (1 if trend else 0))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        residuals = np.where(prior > 0, (y - fitted) / fitted, 0.0)
        pearson = np.einsum("bls,bls->b", rows["weights"], residuals**2)
        dispersion = np.where(df > 0, pearson / df, np.nan)
    return Fit(
        fitted,
        rows["weights"],
        coefs["intercepts"],
        coefs["slope"],
        coefs["sums"],
        coefs["t_means"],
        coefs["schur"],
        dispersion,
        df,
        converged,
        layout,
    )


def _time_span(times: np.ndarray, prior: np.ndarray, layout: Layout) -> np.ndarray:
    """First and last time of each level's real rows, (models, levels, 2)."""
    real = prior > 0
    low = layout.extreme(np.where(real, times, np.inf).min(axis=-1), low=True)
    high = layout.extreme(np.where(real, times, -np.inf).max(axis=-1), low=False)
    return np.stack([low, high], axis=-1)


def _linear_term(
    py: np.ndarray,
    eta: np.ndarray,
    intercepts: np.ndarray,
    slope: np.ndarray,
    py_sums: np.ndarray,
    pt_sum: np.ndarray,
    floored: np.ndarray,
) -> np.ndarray:
    """sum prior y log(mu) = sum prior y max(eta, log eps): from the coefficients (eta is
    linear within a level: sum_l intercept_l sum(py)_l + slope sum(py t)) unless a level with
    cases may reach the floor (``floored`` per level), then from the rows."""
    exposed = np.flatnonzero(np.any((py_sums > 0) & floored, axis=-1))
    linear = np.einsum("bl,bl->b", intercepts, py_sums) + slope * pt_sum
    if len(exposed):
        floored = np.maximum(eta[exposed], LOG_MU_FLOOR)
        linear[exposed] = np.einsum("bls,bls->b", py[exposed], floored)
    return np.asarray(linear)


def _record(
    rows: dict[str, np.ndarray],
    coefs: dict[str, np.ndarray],
    where: np.ndarray,
    step: _Step,
    weights: np.ndarray,
    eta: np.ndarray,
) -> None:
    rows["weights"][where] = weights
    rows["eta"][where] = eta
    for name, values in vars(step).items():
        coefs[name][where] = values


def anscombe_residuals(y: np.ndarray, fitted: Fit, phi: np.ndarray, hat: np.ndarray) -> np.ndarray:
    """surveillance's ``anscombe.residuals``: 3/2 (y^(2/3) mu^(-1/6) - mu^(1/2)), scaled by
    sqrt(phi (1 - h))."""
    mu = fitted.mu
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        root = np.sqrt(mu)
        cube = np.cbrt(y)
        raw = 1.5 * (cube * cube / np.sqrt(np.cbrt(mu)) - root)  # y^(2/3) mu^(-1/6) - mu^(1/2)
        return np.asarray(raw / np.sqrt(phi[:, None, None] * (1 - hat)))


def reweights(residuals: np.ndarray, real: np.ndarray, threshold: float) -> np.ndarray:
    """``algo.farrington.assign.weights``: gamma s^-2 where s > threshold, else gamma, with
    gamma making the weights average 1 over the real rows; 0 on padding. A NaN residual (a
    period's only row fitted exactly, see ``Fit.hat``) counts as no outlier: R's weights
    would be NA and its glm fail, which R reaches or not by rounding."""
    with np.errstate(divide="ignore", invalid="ignore"):
        high = residuals > threshold
        raw = np.where(high, 1.0 / (residuals * residuals), 1.0) * real
        gamma = np.sum(real, axis=(1, 2)) / np.sum(raw, axis=(1, 2))
    return np.asarray(raw * gamma[:, None, None])


__all__ = ["Fit", "Layout", "anscombe_residuals", "fit", "reweights"]
