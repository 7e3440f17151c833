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
) -> np.ndarray:
    """The settings' weights by EM. Per (target, source, setting) triple: ``density`` (the
    serial interval's, as spread for that triple), ``target`` (case index), ``setting``
    (code) and ``local`` (False where the target is imported: infected abroad, no
    transmission among the cases); per setting: ``exposed`` (linked pairs) and ``prior``
    (weights); ``outside``: the score of a source outside the cases; ``n`` cases."""
    w = prior.astype(float).copy()
    if not len(density):
        return w
    for _ in range(_EM_ITERATIONS):
        contribution = w[setting] * density
        totals = np.bincount(target, contribution, n) + outside
        with np.errstate(divide="ignore", invalid="ignore"):
            posterior = np.where(local, contribution / totals[target], 0.0)
        expected = np.bincount(setting, posterior, len(prior))
        if expected.sum() <= 0:
            break
        rate = expected.sum() / exposed.sum()  # transmissions per linked pair, overall
        new = (expected / rate + WEIGHT_PRIOR_PAIRS * prior) / (exposed + WEIGHT_PRIOR_PAIRS)
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.nan_to_num(np.abs(np.log(new / w)), nan=0.0)
        w = new
        if change.max() < _EM_TOLERANCE:
            break
    return w


def community_links(
    memberships: Sequence[Collection[str]], home: Collection[str] = HOME_SETTINGS
) -> list[tuple[int, int, str]]:
    """Links (setting ``COMMUNITY``) between the cases whose group types (``memberships``, one
    collection per case) are all homes; a case in no group at all is not linked (nothing is
    known of it)."""
    homebound = [i for i, kinds in enumerate(memberships) if kinds and set(kinds) <= set(home)]
    return [(a, b, COMMUNITY) for x, a in enumerate(homebound) for b in homebound[x + 1 :]]


__all__ = [
    "COMMUNITY",
    "HOME_SETTINGS",
    "WEIGHT_PRIOR_PAIRS",
    "community_links",
    "fit_setting_weights",
]
