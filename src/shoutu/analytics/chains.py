"""Transmission chains: the likely infector of each case, generations, clusters and origin.

A case's candidate infectors are the other cases linked to it by exposure — sharing a group
(household, school class, office, dormitory...) or an explicit contact — and the probability
that candidate j infected case i is proportional to w(link) x f(t_i - t_j), with f the
serial-interval density (a continuous gamma or normal, or an empirical table by whole days that
may include zero or negative days: presymptomatic transmission) and w the link's weight
(``LINK_WEIGHTS``, data: a household or a named contact weighs more than a shared class or
office). The most probable candidate is the infector, the next the runner-up. Imported cases
and cases without a linked candidate start chains (generation 0); cases neither imported nor
linked have an unknown origin — each one means hidden community spread. Clusters are the
connected components of the infector links, named by their first case and main setting.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

#: Relative weight of an exposure link by its setting (default 1).
LINK_WEIGHTS: dict[str, float] = {"household": 3.0, "contact": 3.0, "dormitory": 2.0}
#: Weight of "infected by someone who is not among the cases", as a share of the best a link of
#: weight 1 can score (the serial interval's peak density): a linked case whose timing fits
#: its links that badly (say, falling ill six days before its only link) has no known source.
NO_SOURCE_WEIGHT = 0.01


@dataclass(frozen=True)
class SerialInterval:
    """A serial-interval density over days: gamma or normal (mean, sd), or a table."""

    kind: str = "gamma"
    mean: float = 0.0
    sd: float = 1.0
    days: tuple[int, ...] = ()
    p: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("gamma", "normal", "table"):
            raise ValueError("the serial interval is gamma, normal or a table")
        if self.kind != "table" and (self.sd <= 0 or (self.kind == "gamma" and self.mean <= 0)):
            raise ValueError("the serial interval needs a positive sd (and mean, for gamma)")
        if self.kind == "table" and (len(self.days) != len(self.p) or not self.days):
            raise ValueError("a serial-interval table needs days and probabilities")

    def density(self, days: np.ndarray) -> np.ndarray:
        d = np.asarray(days, float)
        if self.kind == "normal":
            z = (d - self.mean) / self.sd
            return np.asarray(np.exp(-0.5 * z * z) / (self.sd * math.sqrt(2 * math.pi)))
        if self.kind == "gamma":
            shape = (self.mean / self.sd) ** 2
            scale = self.sd * self.sd / self.mean
            with np.errstate(divide="ignore", invalid="ignore"):
                log = (shape - 1) * np.log(d) - d / scale - math.lgamma(shape)
                log -= shape * math.log(scale)
                return np.asarray(np.where(d > 0, np.exp(log), 0.0))
        table = dict(zip(self.days, self.p, strict=True))
        return np.asarray([table.get(round(float(x)), 0.0) for x in d])

    def peak(self) -> float:
        """The highest density (the mode's)."""
        if self.kind == "table":
            return float(max(self.p))
        if self.kind == "normal":
            return float(self.density(np.array([self.mean]))[0])
        shape = (self.mean / self.sd) ** 2
        mode = (shape - 1) * self.sd * self.sd / self.mean if shape > 1 else 0.0
        if mode <= 0:  # the density is highest at (near) zero: take the grid's best
            grid = np.geomspace(1e-6, self.mean + 10 * self.sd, 4096)
            return float(np.max(self.density(grid)))
        return float(self.density(np.array([mode]))[0])


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


def infer_chains(
    ids: list[str],
    times: np.ndarray,
    imported: np.ndarray,
    links: list[tuple[int, int, str]],
    si: SerialInterval,
    weights: dict[str, float] | None = None,
    no_source_weight: float = NO_SOURCE_WEIGHT,
) -> Chains:
    """``links``: (case a, case b, setting) by index, symmetric unless the setting is
    ``contact`` (then a -> b: a may have infected b). Probabilities share their mass with
    "someone not among the cases" (``no_source_weight`` x the serial interval's peak)."""
    weights = LINK_WEIGHTS if weights is None else weights
    if no_source_weight < 0:
        raise ValueError("the no-source weight is at least 0")
    outside = no_source_weight * si.peak()
    n = len(ids)
    best: dict[tuple[int, int], tuple[float, str]] = {}  # (target, source) -> (weight, setting)
    for a, b, setting in links:
        if a == b:
            continue
        weight = weights.get(setting, 1.0)
        pairs = [(b, a)] if setting == "contact" else [(b, a), (a, b)]
        for target, source in pairs:
            if weight > best.get((target, source), (0.0, ""))[0]:
                best[(target, source)] = (weight, setting)
    targets = np.fromiter((k[0] for k in best), int, len(best))
    sources = np.fromiter((k[1] for k in best), int, len(best))
    w = np.fromiter((v[0] for v in best.values()), float, len(best))
    score = w * si.density(times[targets] - times[sources]) if len(best) else np.zeros(0)
    keep = score > 0
    targets, sources, score = targets[keep], sources[keep], score[keep]
    settings = [v[1] for v, k in zip(best.values(), keep, strict=True) if k]
    totals = np.bincount(targets, weights=score, minlength=n) + outside
    order = np.lexsort((-score, targets))  # by target, best first
    infector = np.full(n, -1)
    runner = np.full(n, -1)
    probability = np.zeros(n)
    runner_probability = np.zeros(n)
    setting_of = [""] * n
    for position, k in enumerate(order):
        t = targets[k]
        if imported[t]:
            continue  # an imported case was infected abroad
        if score[k] <= outside:
            continue  # no better than a source outside the cases
        first = position == 0 or targets[order[position - 1]] != t
        second = not first and (position < 2 or targets[order[position - 2]] != t)
        if first:
            infector[t], probability[t] = sources[k], score[k] / totals[t]
            setting_of[t] = settings[k]
        elif second:
            runner[t], runner_probability[t] = sources[k], score[k] / totals[t]
    generation = _generations(infector, times)
    cluster = _clusters(ids, infector, times, setting_of)
    origin = [
        "imported" if imported[i] else "local" if infector[i] >= 0 else "unknown" for i in range(n)
    ]
    return Chains(
        infector, probability, runner, runner_probability, generation, cluster, origin, setting_of
    )


def _generations(infector: np.ndarray, times: np.ndarray) -> np.ndarray:
    """0 for chain starts, else the infector's + 1; a cycle (possible when serial intervals
    may be negative) is cut at its earliest case."""
    n = len(infector)
    generation = np.full(n, -1)
    for start in np.argsort(times, kind="stable"):
        path = []
        node = int(start)
        while node >= 0 and generation[node] < 0 and node not in path:
            path.append(node)
            node = int(infector[node])
        base = generation[node] + 1 if node >= 0 and generation[node] >= 0 else 0
        if node >= 0 and node in path:  # a cycle: its earliest case starts the chain
            base = 0
        for offset, member in enumerate(reversed(path)):
            generation[member] = base + offset
    return generation


def _clusters(
    ids: list[str], infector: np.ndarray, times: np.ndarray, setting_of: list[str]
) -> list[str]:
    """Connected components of the infector links, named first case + main setting."""
    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in enumerate(infector):
        if j >= 0:
            parent[root(i)] = root(int(j))
    members: dict[int, list[int]] = {}
    for i in range(len(ids)):
        members.setdefault(root(i), []).append(i)
    name = {}
    for group in members.values():
        first = min(group, key=lambda i: (times[i], ids[i]))
        main = Counter(setting_of[i] for i in group if setting_of[i]).most_common(1)
        name[root(first)] = f"{ids[first]}-{main[0][0]}" if main else ids[first]
    return [name[root(i)] for i in range(len(ids))]


class ChainEstimator:
    """scikit-learn style twin of ``infer_chains``: settings in ``__init__``, ``fit`` returns
    self with ``infector_``, ``probability_``, ``generation_``, ``cluster_``, ``origin_``."""

    def __init__(
        self,
        si: SerialInterval,
        weights: dict[str, float] | None = None,
        no_source_weight: float = NO_SOURCE_WEIGHT,
    ) -> None:
        self.si = si
        self.weights = weights
        self.no_source_weight = no_source_weight

    def fit(
        self,
        ids: list[str],
        times: np.ndarray,
        imported: np.ndarray,
        links: list[tuple[int, int, str]],
    ) -> ChainEstimator:
        chains = infer_chains(
            ids, times, imported, links, self.si, self.weights, self.no_source_weight
        )
        self.infector_ = chains.infector
        self.probability_ = chains.probability
        self.generation_ = chains.generation
        self.cluster_ = chains.cluster
        self.origin_ = chains.origin
        return self


__all__ = [
    "LINK_WEIGHTS",
    "NO_SOURCE_WEIGHT",
    "ChainEstimator",
    "Chains",
    "SerialInterval",
    "infer_chains",
]
