"""The settings of the chain inference: their weights estimated from the data, and the
community setting of the cases who belong to no group but their household.

- ``fit_setting_weights``: EM over the posterior infector probabilities (Wallinga & Teunis 2004,
  Am J Epidemiol 160:509, for the probabilities; Cauchemez et al. 2004, Stat Med 23:3469, and
  2011, PNAS 108:2825, for transmission rates per setting): a setting's weight is its expected
  transmissions per linked pair relative to all settings', shrunk towards its prior by
  ``WEIGHT_PRIOR_PAIRS`` pairs.
- ``community_links``: the cases whose only groups are households (``HOME_SETTINGS``:
  preschool children, the retired, the unemployed — in a school registry, the children
  without a class)
  spend their days in the community rather than in a class or an office; Cauchemez et al.
  (2011) give every member of the population a community rate of infection. Here it links
  those cases with one another (setting ``COMMUNITY``), at a weight that the EM estimates like
  any setting's; a case in a class or an office is exposed there instead.
- A spatial term, when the cases' coordinates are given: the links of ``SPATIAL_SETTINGS``
  (the community's) weigh ``exp(-distance / scale)``, the exponential transmission kernel of
  spatial epidemic models (Neal & Roberts 2004, Biostatistics 5:249, on Hagelloch), its scale
  estimated in the same EM: the maximum over a grid of the profile likelihood of the expected
  transmissions' distances given the pairs' (each transmission a draw among the setting's
  pairs with probability proportional to the kernel). A pair with a case of unknown place
  weighs the kernel's mean over the placed pairs.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

#: Strength of the estimated weights' prior (the given or default link weights), in linked
#: pairs: a setting with few pairs keeps about its prior weight, one with many gets the data's.
WEIGHT_PRIOR_PAIRS = 10.0
#: Group types that are homes: a case in no other group spends its days in the community.
HOME_SETTINGS: tuple[str, ...] = ("household",)
#: The setting name of the links between the cases who belong to no group but a home.
COMMUNITY = "community"
#: The settings whose links a distance kernel weighs when the cases' coordinates are given:
#: a household, a class or an office mixes its members whatever the distance between their
#: homes; the community mixes neighbours more.
SPATIAL_SETTINGS: tuple[str, ...] = (COMMUNITY,)
_SCALES = 48  # kernel scales tried, geometric from the shortest distance to the longest
_EM_ITERATIONS = 200
_EM_TOLERANCE = 1e-6


def fit_setting_weights(
    density: np.ndarray,
    target: np.ndarray,
    setting: np.ndarray,
    local: np.ndarray,
    exposed: np.ndarray,
    prior: np.ndarray,
    outside: float,
    n: int,
    *,
    estimate: bool = True,
    distance: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, float | None]:
    """The settings' weights by EM, with the kernel of the spatial links and its scale. Per
    (target, source, setting) triple: ``density`` (the serial interval's, as spread for that
    triple), ``target`` (case index), ``setting`` (code), ``local`` (False where the target
    is imported: infected abroad, no transmission among the cases) and ``distance`` (between
    the two cases; NaN where unknown or not a spatial link, all NaN or None for none); per
    setting: ``exposed`` (linked pairs) and ``prior`` (weights); ``outside``: the score of a
    source outside the cases; ``n`` cases. ``estimate``: False keeps the prior weights (the
    kernel's scale is estimated all the same). Returns the weights, the kernel per triple
    (1 off the spatial links) and its scale (None without distances)."""
    w = prior.astype(float).copy()
    kernel = np.ones(len(density))
    spatial = np.zeros(len(density), bool) if distance is None else ~np.isnan(distance)
    if not len(density) or not (estimate or spatial.any()):
        return w, kernel, None
    spatial_settings = np.unique(setting[spatial])
    on_spatial = np.isin(setting, spatial_settings)
    placed = distance[spatial] if distance is not None else np.zeros(0)
    scales = np.zeros(0)
    if spatial.any():
        positive = placed[placed > 0]
        low, high = (positive.min(), positive.max()) if len(positive) else (1.0, 1.0)
        scales = np.geomspace(low, max(high, low), _SCALES)
    # each scale's normalisation, log sum over the placed pairs of the kernel: once
    norms = np.array([np.log(np.exp(-placed / c).sum()) for c in scales.tolist()])
    scale: float | None = None
    exposure = exposed.astype(float).copy()
    for _ in range(_EM_ITERATIONS):
        contribution = w[setting] * kernel * density
        totals = (np.bincount(target, contribution, n) + outside)[target]
        # a target that no link fits at all (with no source outside) has no posterior
        posterior = np.divide(
            contribution, totals, out=np.zeros(len(density)), where=local & (totals > 0)
        )
        new_scale = scale
        if len(scales):  # the scale whose kernel best explains the spatial transmissions
            mass = posterior[spatial]
            fit = -(placed @ mass) / scales - mass.sum() * norms
            new_scale = float(scales[int(np.argmax(fit))])
            if new_scale != scale:
                kernel = _kernel(distance, spatial, on_spatial, new_scale)
            exposure[spatial_settings] = (
                np.bincount(setting[on_spatial], kernel[on_spatial], len(prior))[spatial_settings]
                / 2
            )  # both ways round
        new = w
        if estimate:
            expected = np.bincount(setting, posterior, len(prior))
            if expected.sum() <= 0:
                break
            rate = expected.sum() / exposure.sum()  # transmissions per linked pair, overall
            new = (expected / rate + WEIGHT_PRIOR_PAIRS * prior) / (exposure + WEIGHT_PRIOR_PAIRS)
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.nan_to_num(np.abs(np.log(new / w)), nan=0.0)
        settled = change.max() < _EM_TOLERANCE and new_scale == scale
        w, scale = new, new_scale
        if settled:
            break
    return w, kernel, scale


def _kernel(
    distance: np.ndarray | None, spatial: np.ndarray, on_spatial: np.ndarray, scale: float
) -> np.ndarray:
    """exp(-distance / scale) on the placed spatial links, its mean on the unplaced ones of a
    spatial setting, 1 elsewhere."""
    kernel = np.ones(len(spatial))
    if distance is None or not spatial.any():
        return kernel
    kernel[spatial] = np.exp(-distance[spatial] / scale)
    kernel[on_spatial & ~spatial] = kernel[spatial].mean()
    return kernel


#: The most cases the community setting links pairwise (every pair of them is a link: 5,000
#: make 12.5 million); beyond it the setting is refused rather than run out of memory.
MAX_COMMUNITY_CASES = 5_000


def community_links(
    memberships: Sequence[Collection[str]], home: Collection[str] = HOME_SETTINGS
) -> list[tuple[int, int, str]]:
    """Links (setting ``COMMUNITY``) between the cases whose group types (``memberships``, one
    collection per case) are all homes; a case in no group at all is not linked (nothing is
    known of it). A ValueError beyond :data:`MAX_COMMUNITY_CASES` such cases."""
    homebound = [i for i, kinds in enumerate(memberships) if kinds and set(kinds) <= set(home)]
    if len(homebound) > MAX_COMMUNITY_CASES:
        raise ValueError(
            f"{{community}} links every pair of the cases whose only group is a household: "
            f"{len(homebound):,} such cases are more than {MAX_COMMUNITY_CASES:,} (a town's "
            "outbreak, not a city's); leave it off or give their groups"
        )
    return [(a, b, COMMUNITY) for x, a in enumerate(homebound) for b in homebound[x + 1 :]]


__all__ = [
    "COMMUNITY",
    "HOME_SETTINGS",
    "MAX_COMMUNITY_CASES",
    "SPATIAL_SETTINGS",
    "WEIGHT_PRIOR_PAIRS",
    "community_links",
    "fit_setting_weights",
]
