"""The risk-area rule (emergency-response issue): proposals from cases and the timers day by
day, per protocol file — the 9th edition, the November 2022 twenty measures and Shanghai's
2022 practice change the result as their texts say."""

from __future__ import annotations

import pytest

from shoutu.domain.vocabulary import RiskLevel
from shoutu.protocols.loader import ProtocolRegistry
from shoutu.rules.risk_areas import AreaClock, CaseFacts, judge, propose

PROTOCOLS = ProtocolRegistry(None)
BUILDING = "3101010010010001"  # a building of community 310101001001
OTHER_BUILDING = "3101010010010002"
OFFICE = "3101020020020005"  # a building in another county (310102)
MALL = "310101001002"  # a place known only by its community


def _run(protocol: str, area: AreaClock, last: int, cases: list[int], rounds: list[int]) -> list:
    """The judgement at the end of each day from ``area.clock`` to ``last``, carrying on."""
    loaded = PROTOCOLS.load(protocol)
    seen = []
    for day in range(area.clock, last + 1):
        j = judge(loaded, area, day, case_days=cases, negative_rounds=rounds)
        seen.append((day, j))
        area = j.area
    return seen


def test_a_case_proposes_its_building_high_its_workplace_medium_the_county_low() -> None:
    cases = [
        CaseFacts(1, home=BUILDING, workplace=OFFICE, stays=((MALL, 90.0), ("310101001003", 20.0))),
        CaseFacts(2, home=BUILDING),
    ]
    areas, counties = propose(PROTOCOLS.load("cn-9th-2022"), cases)
    got = {a.code: (a.level, sorted({r.case_id for r in a.reasons})) for a in areas}
    assert got == {
        BUILDING: (RiskLevel.HIGH, [1, 2]),
        OFFICE: (RiskLevel.MEDIUM, [1]),
        MALL: (RiskLevel.MEDIUM, [1]),  # 90 minutes; the 20-minute stay is too short
    }
    assert counties == ["310101000000", "310102000000"]
    # Shanghai draws by compound: the building's community is the area
    areas, _ = propose(PROTOCOLS.load("cn-9th-2022-shanghai-2022"), cases)
    assert {a.code: a.level for a in areas} == {
        BUILDING[:12]: RiskLevel.HIGH,
        OFFICE[:12]: RiskLevel.MEDIUM,
        MALL: RiskLevel.MEDIUM,
    }
    # twenty measures: no medium level, the workplace high, no stays
    areas, _ = propose(PROTOCOLS.load("cn-20-measures-2022"), cases)
    assert {a.code: a.level for a in areas} == {BUILDING: RiskLevel.HIGH, OFFICE: RiskLevel.HIGH}


def test_a_case_found_inside_control_proposes_nothing_under_the_twenty_measures() -> None:
    inside = [CaseFacts(3, home=OTHER_BUILDING, in_control=True)]
    assert propose(PROTOCOLS.load("cn-20-measures-2022"), inside) == ([], [])
    areas, _ = propose(PROTOCOLS.load("cn-9th-2022"), inside)
    assert [a.code for a in areas] == [OTHER_BUILDING]


def test_a_building_inside_a_proposed_compound_is_left_out() -> None:
    cases = [CaseFacts(1, home=BUILDING), CaseFacts(2, home=None, workplace=BUILDING[:12])]
    areas, _ = propose(PROTOCOLS.load("cn-9th-2022-shanghai-2022"), cases)
    assert [(a.code, a.level) for a in areas] == [(BUILDING[:12], RiskLevel.HIGH)]


def test_high_steps_down_after_7_quiet_days_and_the_day_7_round() -> None:
    """Case on day 0: quiet days 1..7; with the all-negative round on day 7 the area is medium
    from day 8, then low (lifted) from day 12 (3 more days)."""
    seen = _run("cn-9th-2022", AreaClock(RiskLevel.HIGH, 0), 14, [0], [7])
    steps = [(day, j.area.level) for day, j in seen if j.stepped]
    assert steps == [(7, RiskLevel.MEDIUM), (10, RiskLevel.LOW)]
    assert seen[3][1].earliest == 8 and seen[3][1].quiet_day == 3


def test_a_case_on_day_5_resets_the_clock() -> None:
    seen = _run("cn-9th-2022", AreaClock(RiskLevel.HIGH, 0), 20, [0, 5], [7, 12])
    steps = [(day, j.area.level) for day, j in seen if j.stepped]
    assert steps == [(12, RiskLevel.MEDIUM), (15, RiskLevel.LOW)]
    assert seen[5][1].earliest == 13  # from day 5: medium on day 13 at the earliest


def test_an_incomplete_day_7_round_holds_the_area() -> None:
    seen = _run("cn-9th-2022", AreaClock(RiskLevel.HIGH, 0), 12, [0], [9])
    held = {day: j.held for day, j in seen if j.held}
    assert sorted(held) == [7, 8]
    assert "quiet day 7" in held[7]
    assert [(day, j.area.level) for day, j in seen if j.stepped] == [
        (9, RiskLevel.MEDIUM),
        (12, RiskLevel.LOW),
    ]
    # a round before day 7 does not count
    early = _run("cn-9th-2022", AreaClock(RiskLevel.HIGH, 0), 12, [0], [6])
    assert not any(j.stepped for _, j in early)


def test_medium_from_the_start_needs_7_days_and_its_round() -> None:
    seen = _run("cn-9th-2022", AreaClock(RiskLevel.MEDIUM, 0), 10, [0], [])
    assert not any(j.stepped for _, j in seen) and seen[7][1].held
    seen = _run("cn-9th-2022", AreaClock(RiskLevel.MEDIUM, 0), 10, [0], [7])
    assert [(day, j.area.level) for day, j in seen if j.stepped] == [(7, RiskLevel.LOW)]


@pytest.mark.parametrize(
    ("protocol", "steps"),
    [
        # 5 quiet days, straight to low, no round asked for
        ("cn-20-measures-2022", [(5, RiskLevel.LOW)]),
        # Shanghai: 封控区 7 days (no round), 管控区 3 more
        ("cn-9th-2022-shanghai-2022", [(7, RiskLevel.MEDIUM), (10, RiskLevel.LOW)]),
        # the 9th edition without any round: held
        ("cn-9th-2022", []),
    ],
)
def test_the_protocol_files_change_the_timers(protocol: str, steps: list) -> None:
    seen = _run(protocol, AreaClock(RiskLevel.HIGH, 0), 14, [0], [])
    assert [(day, j.area.level) for day, j in seen if j.stepped] == steps
