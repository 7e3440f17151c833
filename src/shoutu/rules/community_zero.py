"""Community zero (社会面清零) by a protocol's ``community_zero`` rule, per region on a day.

A region is at zero (清零) on a day when it had no community case (社会面: found outside
closed-loop control) on each of the rule's ``days`` days ending with that day; basically at
zero (基本清零) when not at zero but, on each of those days, its community cases stayed below
``basic_rate_per_100k`` per 100,000 residents (which needs its population); otherwise not at
zero. Pure numerics over a regions x days matrix whose last column is the day judged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shoutu.domain.vocabulary import CommunityZeroStatus
from shoutu.protocols.schema import CommunityZero


@dataclass(frozen=True)
class ZeroStatus:
    """Per region (rows of the input): its status on the last day, the days from its last
    community case to that day (None: no community case in the days given) and the index of
    the first day of its streak without community cases (the day after the last case, or 0
    when it had none; None when it is not at zero)."""

    status: list[CommunityZeroStatus]
    days_since: list[int | None]
    zero_since: list[int | None]


def community_zero(
    community: np.ndarray,
    rule: CommunityZero,
    population: np.ndarray | None = None,
) -> ZeroStatus:
    """The status of each region (row of ``community``, counts per day, the last column the
    day judged; days before the first column count as zero) by ``rule``; ``population`` per
    region (NaN or <= 0: unknown, so never basically at zero)."""
    counts = np.asarray(community, float)
    if counts.ndim != 2:
        raise ValueError("community counts must be a regions x days matrix")
    regions, days = counts.shape
    if np.isnan(counts).any() or (counts < 0).any():
        raise ValueError("community counts must be numbers >= 0")
    if population is not None and len(population) != regions:
        raise ValueError("one population per region")
    n = rule.days
    window = counts[:, max(days - n, 0) :]
    nonzero = counts > 0
    seen = nonzero.any(axis=1)
    # the last day with a community case: the last True of each row
    last = np.where(seen, days - 1 - np.argmax(nonzero[:, ::-1], axis=1), -1)
    zero = np.asarray(~(window > 0).any(axis=1), bool)
    basic = np.zeros(regions, bool)
    if population is not None:
        people = np.asarray(population, float)
        known = np.isfinite(people) & (people > 0)
        safe = np.where(known, people, 1.0)
        below = (window * 100_000 / safe[:, None] < rule.basic_rate_per_100k).all(axis=1)
        basic = known & below & ~zero
    status = [
        CommunityZeroStatus.ZERO
        if z
        else CommunityZeroStatus.BASIC_ZERO
        if b
        else CommunityZeroStatus.NOT_ZERO
        for z, b in zip(zero.tolist(), basic.tolist(), strict=True)
    ]
    days_since = [days - 1 - int(i) if i >= 0 else None for i in last.tolist()]
    pairs = zip(last.tolist(), zero.tolist(), strict=True)
    zero_since = [int(i) + 1 if z else None for i, z in pairs]
    return ZeroStatus(status, days_since, zero_since)


__all__ = ["ZeroStatus", "community_zero"]
