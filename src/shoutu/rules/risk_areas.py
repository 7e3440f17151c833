"""How long a risk area lasts by a protocol's ``risk_levels``: a case's building is high risk
until the high level's downgrade time after the last case, its community medium risk until
the medium level's time after that (the cn editions: 7 days high, then 3 more medium)."""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from shoutu.domain.vocabulary import RiskLevel
from shoutu.protocols.schema import Protocol

T = TypeVar("T", float, np.ndarray)


def holds_areas(protocol: Protocol) -> bool:
    """Whether the protocol declares high and medium risk areas."""
    levels = protocol.risk_levels
    return RiskLevel.HIGH in levels and RiskLevel.MEDIUM in levels


def area_until(protocol: Protocol, last_case: T) -> tuple[T, T]:
    """(high risk until, medium risk until) for areas whose last case was at ``last_case``
    (days)."""
    levels = protocol.risk_levels
    high = levels[RiskLevel.HIGH].downgrade_after_days or 0
    medium = levels[RiskLevel.MEDIUM].downgrade_after_days or 0
    return last_case + high, last_case + high + medium


__all__ = ["area_until", "holds_areas"]
