"""Risk areas by a protocol's ``risk_levels`` and ``risk_areas``: which areas a case proposes,
and when an area steps down — pure functions of protocol values, days as integers (any
origin: the services use date ordinals, the simulator its day numbers).

**Proposal** (``propose``): a case's residence is high risk, drawn as the protocol's
``high_extent`` (its building, or the compound — the community — it is in); its workplace
(``workplace_level``) and every place where it stayed at least ``stay_minutes`` in its window
(``stay_level``) are drawn the same way; the rest of each such area's county is low. Under a
protocol whose ``cases_in_control_create_areas`` is false, a case found inside control proposes
nothing. One entry per code at its highest level, with every reason; a code inside another
proposed at the same or a higher level is left out, and so is one inside an area already open
at the same or a higher level (``uncovered``): a new case there resets that area's clock instead.

**Timers** (``judge``): an area's quiet period counts from its clock — the day of its last case
inside, or, when it stepped down into its level, the day before the lower level took effect. It
steps down at the end of day ``D`` when ``D - clock`` reaches the level's
``downgrade_after_days`` (``downgrade_after_days_if_designated`` for an area at that level since
designation) and, where the level asks for one and the period is that long, a screening round of
everyone inside, complete and all negative, was held on day ``negative_round_on_day`` of the
period or later; else it is held with the reason. The lower level is in force from ``D + 1``. A
new case inside resets the clock (the level stays). Stepping down to low lifts the area: the
county's low level stays while any medium or high area is in force in it. ``judge_day`` asks
for rounds only on the days they can count. A round inside counts (``round_negative``) when at
least ``min_coverage`` of the residents who are not cases gave a PCR sample that day and every
sample they gave that day has a negative result.

The services (``areas propose`` / ``approve`` / ``run``) and the simulator's lockdown
(``sim/areas.py``) call these same functions, day by day, in that order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from shoutu.domain.regions import parse_region_code
from shoutu.domain.vocabulary import RiskLevel
from shoutu.protocols.schema import Protocol

RANK = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


# -- proposal ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """What a case proposes areas from: its residence and workplace (region codes, a building
    or coarser), the places of its stays with the minutes stayed in its window (region codes),
    and whether it was found inside control."""

    case_id: int
    home: str | None
    workplace: str | None = None
    stays: tuple[tuple[str, float], ...] = ()
    in_control: bool = False


@dataclass(frozen=True)
class Reason:
    case_id: int
    rule: str  # residence, workplace, stay
    where: str  # the code the case gave (building, place's region)


@dataclass(frozen=True)
class Proposed:
    code: str
    level: RiskLevel
    reasons: tuple[Reason, ...]


def extent(code: str, high_extent: str) -> str:
    """The area a code is drawn as: a building stays one under ``building``, else its
    community (a coarser code stays as it is)."""
    if high_extent == "community" or len(code) != 16:
        return code[:12]
    return code


def county_of(code: str) -> str:
    """The 12-digit code of the county (district) a code is in."""
    return code[:6].ljust(12, "0")


def propose(protocol: Protocol, cases: Sequence[CaseFacts]) -> tuple[list[Proposed], list[str]]:
    """The areas the cases propose (by code) and the counties that go low."""
    rules = protocol.risk_areas
    if rules is None:
        return [], []
    found: dict[str, tuple[RiskLevel, list[Reason]]] = {}

    def add(code: str | None, level: RiskLevel | None, reason: Reason) -> None:
        if not code or level is None or level == RiskLevel.LOW:
            return
        code = extent(code, rules.high_extent)
        before = found.get(code)
        if before is None:
            found[code] = (level, [reason])
            return
        top = level if RANK[level] > RANK[before[0]] else before[0]
        found[code] = (top, [*before[1], reason])

    for case in cases:
        if case.in_control and not rules.cases_in_control_create_areas:
            continue
        if case.home:
            add(case.home, RiskLevel.HIGH, Reason(case.case_id, "residence", case.home))
        if case.workplace:
            add(
                case.workplace,
                rules.workplace_level,
                Reason(case.case_id, "workplace", case.workplace),
            )
        if rules.stay_minutes is not None:
            for code, minutes in case.stays:
                if minutes >= rules.stay_minutes:
                    add(code, rules.stay_level, Reason(case.case_id, "stay", code))
    kept = []
    for code, (level, reasons) in sorted(found.items()):
        outer = found.get(code[:12]) if len(code) == 16 else None
        if outer is not None and RANK[outer[0]] >= RANK[level]:
            continue
        kept.append(Proposed(code, level, tuple(reasons)))
    return kept, sorted({county_of(p.code) for p in kept})


def inside(parts: Sequence[str], code: str | None) -> bool:
    """Whether a region code (a home, a proposed area) lies inside one of an area's parts."""
    return bool(code) and any(str(code).startswith(parse_region_code(p).prefix) for p in parts)


def uncovered(
    proposed: Sequence[Proposed], open_areas: Sequence[tuple[Sequence[str], RiskLevel]]
) -> list[Proposed]:
    """The proposals not inside an open area (its parts, its level) at the same or a higher
    level."""
    return [
        p
        for p in proposed
        if not any(
            inside(parts, p.code) and RANK[level] >= RANK[p.level] for parts, level in open_areas
        )
    ]


# -- timers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaClock:
    """An area's level, the day its quiet period counts from, and whether it has held this
    level since designation."""

    level: RiskLevel
    clock: int
    designated: bool = True


@dataclass(frozen=True)
class Judgement:
    """The area at the end of a day: ``stepped`` when it stepped down (``area`` is then at the
    lower level, in force from the next day; at low the area is lifted), ``held`` the reason it
    did not though its quiet days are over, ``quiet_day`` the day of the quiet period it is on,
    ``earliest`` the first day the next lower level could be in force if no case comes."""

    area: AreaClock
    stepped: bool = False
    held: str | None = None
    quiet_day: int = 0
    earliest: int | None = None


def quiet_days(protocol: Protocol, area: AreaClock) -> int | None:
    """Days without a new case the area's level needs to step down (None: it never does)."""
    rule = protocol.risk_levels.get(area.level)
    if rule is None or rule.downgrade_to is None or rule.downgrade_after_days is None:
        return None
    if area.designated and rule.downgrade_after_days_if_designated is not None:
        return rule.downgrade_after_days_if_designated
    return rule.downgrade_after_days


def round_day(protocol: Protocol, area: AreaClock) -> int | None:
    """The first day an all-negative round inside counts for stepping down (None: no round
    is needed)."""
    quiet = quiet_days(protocol, area)
    rule = protocol.risk_levels.get(area.level)
    if quiet is None or rule is None or not rule.negative_round_on_day:
        return None
    if quiet < rule.negative_round_on_day:
        return None
    return area.clock + rule.negative_round_on_day


def earliest_downgrade(protocol: Protocol, area: AreaClock) -> int | None:
    """The first day the next lower level could be in force if no new case comes."""
    quiet = quiet_days(protocol, area)
    return None if quiet is None else area.clock + quiet + 1


def judge(
    protocol: Protocol,
    area: AreaClock,
    day: int,
    *,
    case_days: Sequence[int] = (),
    negative_rounds: Sequence[int] = (),
) -> Judgement:
    """The area at the end of ``day``, given the days of cases inside (``case_days``) and of
    complete all-negative rounds inside (``negative_rounds``)."""
    latest = max((d for d in case_days if d <= day), default=None)
    if latest is not None and latest > area.clock:
        area = replace(area, clock=latest)
    quiet = quiet_days(protocol, area)
    if quiet is None:
        return Judgement(area, quiet_day=day - area.clock)
    earliest = earliest_downgrade(protocol, area)
    if day - area.clock < quiet:
        return Judgement(area, quiet_day=day - area.clock, earliest=earliest)
    needed = round_day(protocol, area)
    if needed is not None and not any(needed <= r <= day for r in negative_rounds):
        return Judgement(
            area,
            held=f"no complete all-negative screening round inside since quiet day "
            f"{needed - area.clock}",
            quiet_day=day - area.clock,
            earliest=day + 1,
        )
    rule = protocol.risk_levels[area.level]
    assert rule.downgrade_to is not None
    lower = AreaClock(rule.downgrade_to, day, designated=False)
    return Judgement(
        lower,
        stepped=True,
        quiet_day=day - area.clock,
        earliest=earliest_downgrade(protocol, lower),
    )


def judge_day(
    protocol: Protocol,
    area: AreaClock,
    day: int,
    *,
    case_days: Sequence[int] = (),
    negative: Callable[[int], bool],
) -> Judgement:
    """``judge`` for ``day``, asking ``negative(r)`` whether the round of day ``r`` inside was
    complete and all negative only for the days that can count (once the quiet days are
    over, from the level's round day, the clock reset by the cases first)."""
    latest = max((d for d in case_days if d <= day), default=None)
    if latest is not None and latest > area.clock:
        area = replace(area, clock=latest)
    needed, quiet = round_day(protocol, area), quiet_days(protocol, area)
    rounds: list[int] = []
    if needed is not None and quiet is not None and day - area.clock >= quiet:
        rounds = [r for r in range(needed, day + 1) if negative(r)]
    return judge(protocol, area, day, case_days=case_days, negative_rounds=rounds)


def round_negative(
    residents: np.ndarray,
    sampled: np.ndarray,
    negative: np.ndarray,
    min_coverage: float,
) -> bool:
    """Whether a day's samples (``sampled``: the person of each PCR sample that day,
    ``negative``: whether it has a negative result by now) make a complete all-negative round
    of ``residents`` (the residents who are not cases)."""
    if len(residents) == 0:
        return False
    mine = np.isin(sampled, residents)
    if np.unique(sampled[mine]).size < min_coverage * len(residents) - 1e-9:
        return False
    return bool(np.all(negative[mine]))


__all__ = [
    "RANK",
    "AreaClock",
    "CaseFacts",
    "Judgement",
    "Proposed",
    "Reason",
    "county_of",
    "earliest_downgrade",
    "extent",
    "inside",
    "judge",
    "judge_day",
    "propose",
    "quiet_days",
    "round_day",
    "round_negative",
    "uncovered",
]
