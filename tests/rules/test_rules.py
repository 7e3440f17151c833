"""The rules the simulator and the services share, on every protocol edition."""

from __future__ import annotations

import numpy as np

from shoutu.domain.vocabulary import ControlKind, RiskLevel
from shoutu.protocols.loader import ProtocolRegistry
from shoutu.rules.quarantine import (
    episode_test_days,
    first_kind,
    is_test_day,
    scheduled_tests,
    stage_ends,
)
from shoutu.rules.risk_areas import (
    AreaClock,
    Proposed,
    inside,
    judge_day,
    round_negative,
    uncovered,
)

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


def test_an_area_inside_an_open_one_at_its_level_or_higher_is_not_proposed() -> None:
    building, community = "9901010010010009", "990101001001"
    proposed = [
        Proposed(building, RiskLevel.HIGH, ()),
        Proposed(community, RiskLevel.MEDIUM, ()),
    ]
    assert uncovered(proposed, [([community], RiskLevel.MEDIUM)]) == proposed[:1]
    assert uncovered(proposed, [([community], RiskLevel.HIGH)]) == []
    assert uncovered(proposed, [([building], RiskLevel.MEDIUM)]) == proposed
    assert inside([community], building) and not inside([building], community)


def test_a_round_needs_its_coverage_and_every_sample_negative() -> None:
    residents = np.arange(10)
    sampled = np.r_[np.arange(9), 42]  # nine of ten residents, and someone from elsewhere
    negative = np.r_[np.ones(9, bool), False]
    assert round_negative(residents, sampled, negative, 0.9)
    assert not round_negative(residents, sampled, negative, 0.95)
    negative[3] = False
    assert not round_negative(residents, sampled, negative, 0.9)
    assert not round_negative(np.empty(0, np.int64), sampled, negative, 0.0)


def test_judge_day_asks_only_for_the_rounds_that_can_count() -> None:
    protocol = PROTOCOLS.load("cn-9th-2022")
    asked: list[int] = []

    def negative(day: int) -> bool:
        asked.append(day)
        return day == 17

    area = AreaClock(RiskLevel.HIGH, 10)
    assert not judge_day(protocol, area, 16, negative=negative).stepped and asked == []
    judged = judge_day(protocol, area, 17, negative=negative)
    assert judged.stepped and judged.area == AreaClock(RiskLevel.MEDIUM, 17, False)
    assert asked == [17]
