"""A mass-screening campaign's plan by a protocol's ``mass_screening`` and ``pooling``: its
rounds, the time limit of a round, the interval between rounds and the pool ratio for the
area's risk level (cn-9th: one tube per household in a high area) — shared by the campaigns
people create and those risk areas start."""

from __future__ import annotations

from dataclasses import dataclass

from shoutu.domain.vocabulary import RiskLevel
from shoutu.protocols.schema import Protocol


@dataclass(frozen=True)
class CampaignPlan:
    rounds: int
    round_hours: float
    interval_hours: float
    pool_ratio: int


def campaign_plan(
    protocol: Protocol,
    level: RiskLevel,
    *,
    rounds: int | None = None,
    round_hours: float | None = None,
    interval_hours: float | None = None,
) -> CampaignPlan | None:
    """The plan, the values not given from the protocol (None: it has no mass screening)."""
    rules = protocol.mass_screening
    if rules is None:
        return None
    return CampaignPlan(
        rounds=max(1, rules.within_days // rules.otherwise_interval_days)
        if rounds is None
        else rounds,
        round_hours=float(rules.round_hours) if round_hours is None else round_hours,
        interval_hours=float(rules.otherwise_interval_days * 24)
        if interval_hours is None
        else interval_hours,
        pool_ratio=protocol.pooling.by_risk.get(level, protocol.pooling.default_ratio),
    )


def round_coverage(protocol: Protocol) -> float:
    """The share of its target a round must sample to count towards clearing (a campaign's,
    an area's residents): the protocol's ``mass_screening.clear_min_coverage``, else 90%."""
    rules = protocol.mass_screening
    return rules.clear_min_coverage if rules is not None else 0.9


__all__ = ["CampaignPlan", "campaign_plan", "round_coverage"]
