"""Prospective space-time permutation scan (Kulldorff et al. 2005; SaTScan's method).

Counts c[z, d] by zone and day. A cylinder is a circle around a zone's centroid (every zone
whose centroid lies within the radius, so ties enter together) holding at most ``max_share``
of all cases, times a window ending on the last day of up to ``max_days`` days. Expected count
μ = (cases in its zones) x (cases on its days) / C; log-likelihood ratio
n ln(n/μ) + (C - n) ln((C - n)/(C - μ)) where n > μ. Significance: Monte Carlo replications
that permute the case dates (both margins stay fixed, so μ is the same in every replication);
p = (1 + replications at least as extreme) / (R + 1); recurrence interval = analysis interval / p.
Secondary clusters: the best cylinders that share no zone with a reported cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Cluster:
    center: int
    zones: np.ndarray
    radius: float
    days: int  # window length, ending on the last day
    observed: float
    expected: float
    llr: float
    p_value: float = 1.0

    def recurrence_days(self, analysis_interval_days: float = 1.0) -> float:
        return analysis_interval_days / self.p_value


@dataclass
class Cylinders:
    """Every admissible circle, as (center, number of nearest zones), with its zones."""

    order: np.ndarray  # centers x zones: zones by distance from each center
    distance: np.ndarray  # centers x zones: the matching distances
    valid: np.ndarray  # centers x zones: True where a circle ends (tie boundary, share limit)


def cylinders(distances: np.ndarray, zone_totals: np.ndarray, max_share: float) -> Cylinders:
    order = np.argsort(distances, axis=1, kind="stable")
    dist = np.take_along_axis(distances, order, axis=1)
    share = np.cumsum(zone_totals[order], axis=1) / max(zone_totals.sum(), 1)
    boundary = np.ones_like(dist, bool)
    boundary[:, :-1] = dist[:, 1:] > dist[:, :-1]  # a circle may not split a tie
    return Cylinders(order, dist, boundary & (share <= max_share + 1e-12))


def _llr(n: np.ndarray, mu: np.ndarray, total: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = np.where(n > 0, n * np.log(n / mu), 0.0)
        rest = total - n
        outside = np.where(rest > 0, rest * np.log(rest / (total - mu)), 0.0)
        value = inside + outside
    result: np.ndarray = np.where((n > mu) & (mu > 0), value, 0.0)
    return result


def _window_counts(counts: np.ndarray, max_days: int) -> np.ndarray:
    """zones x L: cases in the last 1..L days (L = max_days, capped by the data)."""
    tail = counts[:, -max_days:][:, ::-1]
    result: np.ndarray = np.cumsum(tail, axis=1)
    return result


def _scores(
    counts: np.ndarray, cyl: Cylinders, expected: np.ndarray, total: float, max_days: int
) -> np.ndarray:
    """LLR of every admissible cylinder: (valid circles) x L (window length)."""
    window = _window_counts(counts, max_days)  # zones x L
    n = np.cumsum(window[cyl.order], axis=1)[cyl.valid]  # valid circles x L
    return _llr(n, expected, total)


def scan(
    counts: np.ndarray,
    distances: np.ndarray,
    *,
    max_share: float = 0.5,
    max_days: int = 7,
    replications: int = 999,
    seed: int = 0,
    max_clusters: int = 10,
) -> list[Cluster]:
    """Clusters found in ``counts`` (zones x days), most likely first, with p-values."""
    counts = np.asarray(counts, float)
    n_zones, n_days = counts.shape
    if distances.shape != (n_zones, n_zones):
        raise ValueError("distances must be zones x zones")
    if not 0 < max_share <= 1:
        raise ValueError("max_share must be in (0, 1]")
    max_days = max(1, min(max_days, n_days))
    total = counts.sum()
    if total <= 0:
        return []
    zone_totals = counts.sum(axis=1)
    day_totals = counts.sum(axis=0)
    cyl = cylinders(distances, zone_totals, max_share)
    if not cyl.valid.any():
        return []  # no circle small enough (e.g. one zone holds more than max_share)
    tail_days = np.cumsum(day_totals[-max_days:][::-1])  # cases on the last 1..L days
    expected = (
        np.cumsum(zone_totals[cyl.order], axis=1)[cyl.valid][:, None] * tail_days / total
    )  # valid circles x L: the same in every replication
    circle_center, circle_size = np.nonzero(cyl.valid)
    observed_llr = _scores(counts, cyl, expected, total, max_days)
    # Monte Carlo: permute the dates of the cases (keeps both margins, so μ is unchanged)
    rng = np.random.default_rng(seed)
    case_zone = np.repeat(np.arange(n_zones), zone_totals.astype(np.int64))
    case_day = np.repeat(np.tile(np.arange(n_days), n_zones), counts.astype(np.int64).ravel())
    if counts.astype(np.int64).sum() != len(case_zone) or not np.allclose(counts, np.round(counts)):
        raise ValueError("the permutation scan needs whole case counts")
    maxima = np.empty(replications)
    for r in range(replications):
        shuffled = rng.permutation(case_day)
        replicate = np.bincount(case_zone * n_days + shuffled, minlength=n_zones * n_days).reshape(
            n_zones, n_days
        )
        maxima[r] = _scores(replicate, cyl, expected, total, max_days).max()
    clusters: list[Cluster] = []
    used = np.zeros(n_zones, bool)
    flat = np.argsort(observed_llr, axis=None)[::-1]
    for index in flat:
        if len(clusters) >= max_clusters:
            break
        circle, length = np.unravel_index(index, observed_llr.shape)
        center, size = circle_center[circle], circle_size[circle]
        llr = float(observed_llr[circle, length])
        if llr <= 0:
            break
        zones = cyl.order[center, : size + 1]
        if used[zones].any():
            continue
        used[zones] = True
        n = float(_window_counts(counts, max_days)[zones, length].sum())
        p_value = (1 + int(np.sum(maxima >= llr - 1e-9))) / (replications + 1)
        clusters.append(
            Cluster(
                int(center),
                np.sort(zones),
                float(cyl.distance[center, size]),
                int(length) + 1,
                n,
                float(expected[circle, length]),
                llr,
                p_value,
            )
        )
    return clusters


def brute_force_best(
    counts: np.ndarray, distances: np.ndarray, *, max_share: float = 0.5, max_days: int = 7
) -> tuple[float, frozenset[int], int]:
    """The oracle: every circle (each center, each distinct radius) and window enumerated
    directly; returns (best LLR, its zones, its window length)."""
    counts = np.asarray(counts, float)
    n_zones, n_days = counts.shape
    total = counts.sum()
    zone_totals, day_totals = counts.sum(axis=1), counts.sum(axis=0)
    best: tuple[float, frozenset[int], int] = (0.0, frozenset(), 0)
    for center in range(n_zones):
        for radius in sorted(set(distances[center].tolist())):
            zones = [z for z in range(n_zones) if distances[center, z] <= radius]
            if zone_totals[zones].sum() > max_share * total + 1e-9:
                continue
            for length in range(1, min(max_days, n_days) + 1):
                n = counts[zones, n_days - length :].sum()
                mu = zone_totals[zones].sum() * day_totals[n_days - length :].sum() / total
                if n > mu > 0:
                    value = n * np.log(n / mu)
                    if total - n > 0:
                        value += (total - n) * np.log((total - n) / (total - mu))
                    if value > best[0] + 1e-9:
                        best = (float(value), frozenset(zones), length)
    return best


def haversine_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Great-circle distances (km) between all pairs of points."""
    phi, lam = np.radians(lat), np.radians(lon)
    dphi = phi[:, None] - phi[None, :]
    dlam = lam[:, None] - lam[None, :]
    a = np.sin(dphi / 2) ** 2 + np.cos(phi[:, None]) * np.cos(phi[None, :]) * np.sin(dlam / 2) ** 2
    result: np.ndarray = 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    return result
