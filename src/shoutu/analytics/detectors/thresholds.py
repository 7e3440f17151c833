"""Upper bounds of the Farrington detectors, as R surveillance computes them: the
power-transformed normal approximation ("delta", ``algo.farrington.threshold.farrington``) and
the negative binomial quantiles ("nbPlugin", "muan", ``algo.farrington.threshold.noufaily``).
Each returns (lower, upper, prob, score) for whole arrays; R's unit tests pin their values."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from shoutu.analytics.detectors.quantiles import qnbinom, qpois

POWERS = {"none": 1.0, "1/2": 0.5, "2/3": 2 / 3}


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


__all__ = ["POWERS", "delta_threshold", "noufaily_threshold"]
