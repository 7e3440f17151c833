"""The rules the simulator and the services share, on every protocol edition."""

from __future__ import annotations

import numpy as np
import pytest

from shoutu.domain.vocabulary import ControlKind, RiskLevel
from shoutu.protocols.loader import ProtocolRegistry
from shoutu.rules.quarantine import (
    episode_test_days,
    first_kind,
    is_test_day,
    scheduled_tests,
    stage_ends,
)
from shoutu.rules.risk_areas import area_until, holds_areas

PROTOCOLS = ProtocolRegistry(None)


def test_cn_9th_close_contact_is_seven_centralised_then_three_monitored() -> None:
    rules = PROTOCOLS.load("cn-9th-2022").quarantine.close_contact
    ends = stage_ends(rules, 10.0)
    assert (ends.centralised, ends.home, ends.monitoring) == (17.0, 17.0, 20.0)
    assert first_kind(rules) == ControlKind.CENTRALISED
    # 9th edition: PCR on days 1, 2, 3, 5, 7 of quarantine and day 3 of monitoring
    assert episode_test_days(rules) == [1, 2, 3, 5, 7, 10]
    assert list(is_test_day(rules, np.arange(0, 12))) == [
        d in (1, 2, 3, 5, 7, 10) for d in range(12)
    ]


def test_cn_8th_close_contact_is_fourteen_then_seven() -> None:
    rules = PROTOCOLS.load("cn-8th-2021").quarantine.close_contact
    ends = stage_ends(rules, np.array([0.0, 2.5]))
    np.testing.assert_array_equal(ends.monitoring, [21.0, 23.5])
    np.testing.assert_array_equal(ends.centralised, [14.0, 16.5])
    table = scheduled_tests(rules)
    assert not table[0] and not table[-1]  # day 0 and days past the episode never are


@pytest.mark.parametrize("name", ["cn-8th-2021", "cn-9th-2022"])
def test_risk_areas_hold_high_then_medium(name: str) -> None:
    protocol = PROTOCOLS.load(name)
    assert holds_areas(protocol)
    high = protocol.risk_levels[RiskLevel.HIGH].downgrade_after_days or 0
    medium = protocol.risk_levels[RiskLevel.MEDIUM].downgrade_after_days or 0
    assert area_until(protocol, 3.0) == (3.0 + high, 3.0 + high + medium)
    until_high, until_medium = area_until(protocol, np.array([1.0, 2.0]))
    np.testing.assert_array_equal(until_medium - until_high, [medium, medium])
