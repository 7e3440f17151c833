"""Pooled (mixed-sample) PCR testing: how many tests per person a pool size costs, and how much
sensitivity dilution takes away.

Dorfman (1943): with prevalence p and k samples per tube, the expected number of tests per
person is 1/k + 1 - (1 - p)^k (one tube per k people, plus k single-tube retests for each
positive tube); exactly 1 for single tubes. Dilution raises the Ct of a positive sample by
about log2 k (``shift_per_doubling`` x log2 k): the sensitivity of a k-pool, relative to a
single tube, is the share of single-tube positives (Ct below the assay cut-off) whose shifted Ct
stays below it. The advice is the validated size with the fewest expected tests per person
whose relative sensitivity stays at or above a floor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np


def expected_tests(k: int, prevalence: float) -> float:
    """Expected tests per person: Dorfman's 1/k + 1 - (1 - p)^k for k > 1, 1 for k = 1."""
    if k < 1:
        raise ValueError("a pool holds at least one sample")
    if not 0 <= prevalence <= 1:
        raise ValueError("prevalence is a fraction between 0 and 1")
    return 1.0 if k == 1 else 1 / k + 1 - (1 - prevalence) ** k


def dilution_shift(k: int, shift_per_doubling: float = 1.0) -> float:
    """The Ct shift of one positive sample diluted into a tube of k."""
    return shift_per_doubling * math.log2(k)


@dataclass(frozen=True)
class CtDistribution:
    """Ct values of positives: observed values, or a normal law (mean, sd)."""

    values: np.ndarray | None = None
    mean: float = 0.0
    sd: float = 1.0
    source: str = ""

    def share_below(self, threshold: float) -> float:
        if self.values is not None:
            return float(np.mean(self.values < threshold)) if len(self.values) else 0.0
        return NormalDist(self.mean, self.sd).cdf(threshold)


def relative_sensitivity(
    k: int, ct: CtDistribution, cutoff: float, shift_per_doubling: float = 1.0
) -> float:
    """Share of single-tube positives (Ct < cutoff) still positive in a tube of k."""
    single = ct.share_below(cutoff)
    if single <= 0:
        raise ValueError("no positive Ct values below the cut-off")
    return ct.share_below(cutoff - dilution_shift(k, shift_per_doubling)) / single


@dataclass(frozen=True)
class PoolAdvice:
    recommended: int
    expected_tests_per_person: dict[int, float]
    sensitivity: dict[int, float]


def advise(
    prevalence: float,
    ct: CtDistribution,
    *,
    sizes: Sequence[int] = (1, 5, 10, 20),
    cutoff: float = 40.0,
    floor: float = 0.95,
    shift_per_doubling: float = 1.0,
) -> PoolAdvice:
    """The size with the fewest expected tests per person among those whose relative
    sensitivity is at least ``floor`` (ties: the smaller tube); single tubes always qualify."""
    if not sizes or 1 not in sizes:
        raise ValueError("the sizes must include 1 (single tubes)")
    tests = {k: expected_tests(k, prevalence) for k in sorted(sizes)}
    sensitivity = {
        k: relative_sensitivity(k, ct, cutoff, shift_per_doubling) for k in sorted(sizes)
    }
    eligible = [k for k in tests if k == 1 or sensitivity[k] >= floor]
    best = min(eligible, key=lambda k: (tests[k], k))
    return PoolAdvice(best, tests, sensitivity)


__all__ = [
    "CtDistribution",
    "PoolAdvice",
    "advise",
    "dilution_shift",
    "expected_tests",
    "relative_sensitivity",
]
