"""Transmission chains: the likely infector of each case, generations, clusters and origin.

A case's candidate infectors are the other cases linked to it by exposure — sharing a group
(household, school class, office, dormitory...) or an explicit contact — and the probability
that candidate j infected case i is proportional to w(setting) x f(t_i - t_j), summed over the
settings the two share, with f the serial-interval density (a continuous gamma or normal, or an
empirical table by whole days that may include zero or negative days: presymptomatic
transmission) and w the setting's weight. The most probable candidate is the infector, the next
the runner-up; "infected by someone not among the cases" competes with every link. Imported
cases and cases without a linked candidate start chains (generation 0); cases neither imported
nor linked have an unknown origin — each one means hidden community spread. Clusters are the
connected components of the infector links, named by their first case and main setting.

Refinements over the bare serial interval at the lag (``infer_chains``' keyword options):

- Onsets known to the day (whole-day dates) are uniform within their day: f is the serial
  interval's density averaged over that uncertainty of both onsets (exactly, from the
  density's antiderivatives), not read at an integer lag.
- In a setting where an ill infector stays among the exposed (``EXPOSURE_SD``: a household, a
  dormitory) exposure goes on after its onset, where a school class or an office sees it no
  more: there f is the serial interval spread uniformly over those days (the infector's
  infectious period at home), so that a household's first case stays a likely source of the
  siblings who fall ill a serial interval after a second one.
- Ties go to the earlier source.
- Optionally (``estimate_weights``; ``shoutu chains`` does by default) the setting weights
  are estimated from the data by EM over the posterior infector probabilities (Wallinga &
  Teunis 2004, Am J Epidemiol 160:509, for the probabilities; Cauchemez et al. 2004, Stat
  Med 23:3469, and 2011, PNAS 108:2825, for transmission rates per setting): a setting's
  weight is its expected transmissions per linked pair relative to all settings', shrunk
  towards ``LINK_WEIGHTS`` (its prior) by ``WEIGHT_PRIOR_PAIRS`` pairs
  (``analytics.chains_settings``).
- The caller may add a community setting (``chains_settings.community_links``): the cases
  in no group but a household (preschool children, the retired) linked with one another,
  its weight estimated like the others'.
- Optionally (``coordinates``) a spatial term: the community links weigh an exponential
  distance kernel, its scale estimated in the same EM (``chains_settings``).

Tried on Hagelloch's recorded infectors (whole-day prodrome dates, classes for pupils only;
some also on the simulator's true infectors) and left out because they did no better: a
serial interval estimated by EM from the posterior pairs (it drifts to short intervals: a
big class offers many pairs at short lags), per-source infectiousness estimated by EM (it
piles a class's cases on one spreader), transmission per pair falling with the group's size
(1/size^g, g = 0.25 to 1), exposure in a school class after the onset, a longer exposure at
home, and a distance kernel on the class links or on a neighbourhood setting between all
households; later (issue 13, item 17) a shift of the class links' serial interval, a
transmission time shared by a source's offspring, community links between all cases,
exposure per pair as the serial interval's distribution function at the lag (a hazard
model's escape) rather than one per pair, fractional onsets taken to the day, and the
community as the source of last resort of the cases no group explains
(tests/investigation/test_chains_days.py gives the figures).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from shoutu.analytics.chains_settings import (
    SPATIAL_SETTINGS,
    WEIGHT_PRIOR_PAIRS,
    fit_setting_weights,
)
from shoutu.analytics.chains_tree import clusters, generations
from shoutu.analytics.serial_interval import SerialInterval

#: Relative weight of an exposure link by its setting (default 1); the prior of the estimated
#: weights.
LINK_WEIGHTS: dict[str, float] = {"household": 3.0, "contact": 3.0, "dormitory": 2.0}
#: Weight of "infected by someone who is not among the cases", as a share of the best a link of
#: weight 1 can score (the serial interval's peak density): a linked case whose timing fits
#: its links that badly (say, falling ill six days before its only link) has no known source.
NO_SOURCE_WEIGHT = 0.01
#: How long an infector goes on exposing the people of a setting where it stays when ill, after
#: its onset, in serial-interval standard deviations (elsewhere 0: exposure ends when it falls
#: ill and stays at home): 3 days for measles (serial interval 11 +- 3 days), 2 for the
#: simulator's disease (3.3 +- 2). Of 0.5 to 2 sd, 1 did as well as any against the true
#: infectors of simulated outbreaks and Hagelloch's recorded ones.
EXPOSURE_SD: dict[str, float] = {"household": 1.0, "dormitory": 1.0}


@dataclass
class Chains:
    infector: np.ndarray  # index of the infector, -1 for none
    probability: np.ndarray
    runner_up: np.ndarray
    runner_up_probability: np.ndarray
    generation: np.ndarray
    cluster: list[str]
    origin: list[str]  # imported, local or unknown
    setting: list[str]  # the infector link's setting, "" for none
    weights: dict[str, float] = field(default_factory=dict)  # the settings' weights, as used
    spatial_scale: float | None = None  # the distance kernel's, when coordinates are given


def infer_chains(
    ids: list[str],
    times: np.ndarray,
    imported: np.ndarray,
    links: list[tuple[int, int, str]],
    si: SerialInterval,
    weights: dict[str, float] | None = None,
    no_source_weight: float = NO_SOURCE_WEIGHT,
    *,
    resolution: float | np.ndarray | None = None,
    exposure_days: Mapping[str, float] | None = None,
    estimate_weights: bool = False,
    coordinates: np.ndarray | None = None,
) -> Chains:
    """``links``: (case a, case b, setting) by index, symmetric unless the setting is
    ``contact`` (then a -> b: a may have infected b). Probabilities share their mass with
    "someone not among the cases" (``no_source_weight`` x the serial interval's peak).

    ``resolution``: how precisely each onset is known, in days (a number or one per case): the
    onset is uniform on t .. t + resolution. Default: 1 for whole-day times (dates), 0 for
    others. Ignored for a table, which is by whole days already. ``exposure_days``: days an
    infector goes on exposing a setting after its onset (default ``EXPOSURE_SD`` x the serial
    interval's sd). ``weights``: the settings' weights (default ``LINK_WEIGHTS``), fixed unless
    ``estimate_weights``: then the prior of the weights estimated by EM (``Chains.weights``).
    Off by default: with the cases alone a group's members who were not infected are missing,
    so that big groups with low attack rates (offices) look riskier per pair than they are.
    ``coordinates``: each case's place (n x 2, planar, NaN where unknown): the links of
    ``SPATIAL_SETTINGS`` then weigh a distance kernel whose scale is estimated by EM
    (``Chains.spatial_scale``)."""
    prior_weights = LINK_WEIGHTS if weights is None else weights
    exposure = (
        {s: v * si.spread() for s, v in EXPOSURE_SD.items()}
        if exposure_days is None
        else exposure_days
    )
    if no_source_weight < 0:
        raise ValueError("the no-source weight is at least 0")
    if any(v < 0 for v in exposure.values()):
        raise ValueError("exposure days are at least 0")
    times = np.asarray(times, float)
    imported = np.asarray(imported, bool)
    n = len(ids)
    outside = no_source_weight * si.peak()
    pairs = _Pairs.build(n, links)
    names = pairs.names
    prior = np.array([prior_weights.get(s, 1.0) for s in names])
    if (prior < 0).any():
        raise ValueError("link weights are at least 0")

    # each (target, source, setting)'s density: the lag spread by the onsets' day and the
    # setting's exposure after the source's onset
    if resolution is None:
        precision = np.where(times == np.round(times), 1.0, 0.0)
    else:
        precision = np.broadcast_to(np.asarray(resolution, float), (n,)).copy()
        if (precision < 0).any():
            raise ValueError("the onsets' resolution is at least 0 days")
    if si.kind == "table":
        precision = np.zeros(n)
    density = _densities(si, times, precision, pairs, exposure)

    local = ~imported[pairs.target]  # an imported case was infected abroad
    distance = None
    if coordinates is not None:
        place = np.asarray(coordinates, float).reshape(n, 2)
        spatial = np.isin(pairs.setting, [k for k, s in enumerate(names) if s in SPATIAL_SETTINGS])
        gap = place[pairs.target] - place[pairs.source]
        distance = np.where(spatial, np.hypot(gap[:, 0], gap[:, 1]), np.nan)
    w, kernel, scale = fit_setting_weights(
        density,
        pairs.target,
        pairs.setting,
        local,
        pairs.pairs_per_setting(),
        prior,
        outside,
        n,
        estimate=estimate_weights,
        distance=distance,
    )
    contribution = w[pairs.setting] * kernel * density
    used = {s: float(v) for s, v in zip(names, w, strict=True)}

    # per candidate pair: the sum over its settings, the setting that weighs most
    pair_of, pair_target, pair_source = pairs.candidates()
    score = np.bincount(pair_of, contribution, len(pair_target))
    strongest = np.zeros(len(pair_target))
    np.maximum.at(strongest, pair_of, contribution)
    top = np.flatnonzero(contribution >= strongest[pair_of])  # by pair, setting code
    top = top[np.r_[True, pair_of[top][1:] != pair_of[top][:-1]]] if len(top) else top
    pair_setting = np.zeros(len(pair_target), np.int64)
    pair_setting[pair_of[top]] = pairs.setting[top]
    totals = np.bincount(pair_target, score, n) + outside

    infector = np.full(n, -1)
    runner = np.full(n, -1)
    probability = np.zeros(n)
    runner_probability = np.zeros(n)
    setting_of = [""] * n
    fits = (score > outside) & ~imported[pair_target]  # else no better than a source outside
    k = np.flatnonzero(fits)
    # by target, best first; ties (to 1e-9, rounding apart) to the earlier source, then the
    # lower index
    rounded = np.round(np.log(score[k]), 9)
    k = k[np.lexsort((pair_source[k], times[pair_source[k]], -rounded, pair_target[k]))]
    t = pair_target[k]
    best = np.r_[True, t[1:] != t[:-1]] if len(k) else np.zeros(0, bool)
    second = ~best & np.r_[False, best[:-1]] if len(k) else np.zeros(0, bool)
    infector[t[best]] = pair_source[k[best]]
    probability[t[best]] = score[k[best]] / totals[t[best]]
    runner[t[second]] = pair_source[k[second]]
    runner_probability[t[second]] = score[k[second]] / totals[t[second]]
    for target, pair in zip(t[best].tolist(), k[best].tolist(), strict=True):
        setting_of[target] = names[pair_setting[pair]]

    generation = generations(infector, times)
    cluster = clusters(ids, infector, times, setting_of)
    origin = [
        "imported" if imported[i] else "local" if infector[i] >= 0 else "unknown" for i in range(n)
    ]
    return Chains(
        infector,
        probability,
        runner,
        runner_probability,
        generation,
        cluster,
        origin,
        setting_of,
        used,
        scale,
    )


def _densities(
    si: SerialInterval,
    times: np.ndarray,
    precision: np.ndarray,
    pairs: _Pairs,
    exposure: Mapping[str, float],
) -> np.ndarray:
    """Each (target, source, setting)'s density: the lag spread by the onsets' precision and
    the setting's exposure after the source's onset, computed once per distinct lag and
    spreads."""
    if not len(pairs.target):
        return np.zeros(0)
    levels, level = np.unique(precision, return_inverse=True)
    extra = np.array([float(exposure.get(s, 0.0)) for s in pairs.names])
    settings = len(pairs.names)
    combos = len(levels) * len(levels) * settings
    combo = (level[pairs.target] * len(levels) + level[pairs.source]) * settings + pairs.setting
    lags, lag_code = np.unique(times[pairs.target] - times[pairs.source], return_inverse=True)
    keys, inverse = np.unique(lag_code.ravel() * combos + combo, return_inverse=True)
    combo = keys % combos
    spans = np.column_stack(
        [
            levels[combo // settings // len(levels)],
            -levels[combo // settings % len(levels)],
            -extra[combo % settings],
        ]
    )
    return si.smoothed(lags[keys // combos], spans)[inverse.ravel()]


@dataclass(frozen=True)
class _Pairs:
    """The links as (target, source, setting) triples, each once: a symmetric link both ways,
    a contact from its source to its target."""

    names: list[str]  # setting names, by code
    target: np.ndarray
    source: np.ndarray
    setting: np.ndarray  # code
    n: int

    @staticmethod
    def build(n: int, links: list[tuple[int, int, str]]) -> _Pairs:
        if not links:
            empty = np.zeros(0, np.int64)
            return _Pairs([], empty, empty, empty, n)
        a_list, b_list, kind_list = zip(*links, strict=True)
        names = sorted(set(kind_list))
        code = {s: k for k, s in enumerate(names)}
        a = np.asarray(a_list, np.int64)
        b = np.asarray(b_list, np.int64)
        kind = np.asarray([code[s] for s in kind_list], np.int64)
        both = kind != code.get("contact", -1)
        target = np.concatenate([b, a[both]])
        source = np.concatenate([a, b[both]])
        setting = np.concatenate([kind, kind[both]])
        keep = target != source
        key = (target[keep] * n + source[keep]) * len(names) + setting[keep]
        key = np.unique(key)
        setting = key % len(names)
        pair = key // len(names)
        return _Pairs(names, pair // n, pair % n, setting, n)

    def candidates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each triple's (target, source) pair, and the pairs' targets and sources (the
        triples are sorted by target, source, setting)."""
        pair = self.target * self.n + self.source
        start = np.r_[True, pair[1:] != pair[:-1]] if len(pair) else np.zeros(0, bool)
        return np.cumsum(start) - 1, self.target[start], self.source[start]

    def pairs_per_setting(self) -> np.ndarray:
        """Distinct linked pairs (either way round) per setting: the exposure."""
        low = np.minimum(self.target, self.source)
        high = np.maximum(self.target, self.source)
        key = np.unique((low * self.n + high) * len(self.names) + self.setting)
        return np.bincount(key % len(self.names), minlength=len(self.names)).astype(float)


class ChainEstimator:
    """scikit-learn style twin of ``infer_chains``: settings in ``__init__``, ``fit`` returns
    self with ``infector_``, ``probability_``, ``runner_up_``, ``generation_``, ``cluster_``,
    ``origin_``, ``setting_``, ``weights_`` (the settings' weights, estimated or given) and
    ``spatial_scale_`` (the distance kernel's, with ``coordinates``)."""

    def __init__(
        self,
        si: SerialInterval,
        weights: dict[str, float] | None = None,
        no_source_weight: float = NO_SOURCE_WEIGHT,
        *,
        resolution: float | np.ndarray | None = None,
        exposure_days: Mapping[str, float] | None = None,
        estimate_weights: bool = False,
    ) -> None:
        self.si = si
        self.weights = weights
        self.no_source_weight = no_source_weight
        self.resolution = resolution
        self.exposure_days = exposure_days
        self.estimate_weights = estimate_weights

    def fit(
        self,
        ids: list[str],
        times: np.ndarray,
        imported: np.ndarray,
        links: list[tuple[int, int, str]],
        coordinates: np.ndarray | None = None,
    ) -> ChainEstimator:
        chains = infer_chains(
            ids,
            times,
            imported,
            links,
            self.si,
            self.weights,
            self.no_source_weight,
            resolution=self.resolution,
            exposure_days=self.exposure_days,
            estimate_weights=self.estimate_weights,
            coordinates=coordinates,
        )
        self.infector_ = chains.infector
        self.probability_ = chains.probability
        self.runner_up_ = chains.runner_up
        self.generation_ = chains.generation
        self.cluster_ = chains.cluster
        self.origin_ = chains.origin
        self.setting_ = chains.setting
        self.weights_ = chains.weights
        self.spatial_scale_ = chains.spatial_scale
        return self


__all__ = [
    "EXPOSURE_SD",
    "LINK_WEIGHTS",
    "NO_SOURCE_WEIGHT",
    "WEIGHT_PRIOR_PAIRS",
    "ChainEstimator",
    "Chains",
    "infer_chains",
]
