"""Risk areas in the simulator's lockdown, by the rules the services apply (``rules/risk_areas``),
in the order an operator applies them (``areas propose``, ``areas approve --all``, ``areas run``).

At the end of each day the cases reported that day propose areas (``propose``) from their
home building, their workplace and the venues of their check-ins in their window, as
``services/control/areas.case_facts`` reads them from the registry; those not inside an open
area at the same or a higher level (``uncovered``) are approved at once, at that day, their
clock at that day. Then every area is judged for the day (``judge_day``) with the report
day of the last case living inside it and the rounds of its residents (``round_negative``
over the day's PCR samples, with the services' definition of coverage). An area that steps
down has its lower level from the next day; one that steps down to low is lifted.

Residents of an area at high stay at home; at medium they stay in their area (they do not go
out). An area proposed at the end of a day is in force from that day, but its residents can
only be kept in from the next. Each area whose level needs a round is screened every day
from its round day until it steps down: its residents who are not cases, with the
scenario's participation, pooled by the protocol's ratio for the level.

Days are the run's day numbers; times are rounded to the microsecond as the run's files
write them, so a day's cases and a round's results are those the services read back.
Check-ins are remembered for the protocol's lookback plus ``CHECKIN_DAYS``: a case whose
window starts earlier proposes from the stays remembered.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shoutu.domain.vocabulary import RiskLevel
from shoutu.protocols.schema import Protocol
from shoutu.rules.mass_screening import campaign_plan, round_coverage
from shoutu.rules.risk_areas import (
    RANK,
    AreaClock,
    CaseFacts,
    judge_day,
    propose,
    round_day,
    round_negative,
    uncovered,
)
from shoutu.sim.population import City
from shoutu.sim.rng import Streams
from shoutu.sim.schedule import CheckIns

DAY_US = 86_400_000_000
NEVER = np.iinfo(np.int64).max
CHECKIN_DAYS = 30


def micros(days: np.ndarray) -> np.ndarray:
    """Times in days as the run's files write them: microseconds (inf: NEVER)."""
    days = np.asarray(days, float)
    finite = np.isfinite(days)
    result: np.ndarray = np.rint(np.where(finite, days, 0) * DAY_US).astype(np.int64)
    result[~finite] = NEVER
    return result


@dataclass
class Area:
    """One area: its code, residents (person indices), state and history of levels."""

    number: int
    code: str
    members: np.ndarray
    state: AreaClock
    since: int
    reason: str
    last_case: int
    periods: list[tuple[int, RiskLevel]] = field(default_factory=list)
    end: int | None = None


class RiskAreas:
    def __init__(self, city: City, protocol: Protocol) -> None:
        self.protocol = protocol
        rules = protocol.risk_areas
        self.counts_inside = rules is None or rules.cases_in_control_create_areas
        geo = city.geo
        self.building_codes = np.asarray(geo.building_codes)
        self.person_building = city.building
        self.person_community = geo.building_community[city.building]
        self.household = city.household
        self.workplace = city.workplace
        self.place_region = np.asarray(geo.community_codes)[city.place_community]
        self.building_index = {c: i for i, c in enumerate(geo.building_codes)}
        self.community_index = {c: i for i, c in enumerate(geo.community_codes)}
        self.lookback = protocol.contacts.lookback_days
        self.checkins: deque[tuple[int, CheckIns]] = deque(maxlen=self.lookback + CHECKIN_DAYS)
        self.report_us = np.full(city.n, NEVER, np.int64)
        self.pending: list[dict[str, np.ndarray]] = []
        self.samples: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        self.areas: list[Area] = []
        self.coverage = round_coverage(protocol)
        n = city.n
        self.high, self.medium = np.zeros(n, bool), np.zeros(n, bool)

    # -- what the day brings ----------------------------------------------------------------
    def remember(self, day: int, checkins: CheckIns) -> None:
        self.checkins.append((day, checkins))

    def reported(self, **cases: np.ndarray) -> None:
        """Cases found today: person, report, onset, sample, isolation (days), in_control."""
        self.report_us[cases["person"]] = micros(cases["report"])
        self.pending.append(cases)

    def tested(self, samples: dict[str, np.ndarray], pcr: int, negative: int) -> None:
        """The day's samples (the lab's columns): PCR ones kept by the day they were taken."""
        keep = samples["method"] == pcr
        taken = micros(samples["sample_time"][keep])
        result = micros(samples["result_time"][keep])
        person, neg = samples["person"][keep], samples["result"][keep] == negative
        for day in np.unique(taken // DAY_US):
            mine = taken // DAY_US == day
            self.samples.setdefault(int(day), []).append((person[mine], result[mine], neg[mine]))

    def open(self) -> list[Area]:
        return [a for a in self.areas if a.end is None]

    def rounds(
        self, day: int, reported: np.ndarray, streams: Streams, participation: float
    ) -> list[tuple[np.ndarray, int]]:
        """Today's rounds: the people sampled (households together, in tube order) and the
        pool ratio, per level, highest first. Each resident of an area in force whose round
        is due who is not a case is sampled once (at the highest such level), with the
        ``participation`` given."""
        level = np.full(len(reported), -1)
        for a in self.open():
            due = round_day(self.protocol, a.state)
            if a.since <= day and due is not None and day >= due:
                level[a.members] = np.maximum(level[a.members], RANK[a.state.level])
        out = []
        for name, rank in sorted(RANK.items(), key=lambda item: -item[1]):
            members = np.flatnonzero((level == rank) & ~reported)
            if len(members) == 0:
                continue
            take = streams.uniform_for("lockdown.participate", members, day) < participation
            who = members[take]
            plan = campaign_plan(self.protocol, name)
            pool = plan.pool_ratio if plan is not None else self.protocol.pooling.default_ratio
            out.append((who[np.argsort(self.household[who], kind="stable")], pool))
        return out

    # -- the end of the day -----------------------------------------------------------------
    def end_of_day(self, day: int) -> bool:
        """Propose, approve and judge (see the module); whether anyone's lockdown changed."""
        cases = self._today(day)
        proposed, _ = propose(self.protocol, self._facts(cases))
        open_areas = [([a.code], a.state.level) for a in self.open()]
        for p in uncovered(proposed, open_areas):
            reason = "; ".join(f"person {r.case_id}: {r.rule} {r.where}" for r in p.reasons)
            area = Area(
                len(self.areas) + 1,
                p.code,
                self._residents(p.code),
                AreaClock(p.level, day),
                day,
                reason,
                day,
                [(day, p.level)],
            )
            self.areas.append(area)
        counted = cases["in_control"] == 0 if not self.counts_inside else None
        homes = cases["person"] if counted is None else cases["person"][counted]
        for area in self.open():
            if np.isin(homes, area.members).any():
                area.last_case = day
        for area in self.open():
            if area.since <= day:
                self._judge(area, day)
        self._prune()
        return self._masks()

    def _today(self, day: int) -> dict[str, np.ndarray]:
        keys = ("person", "report", "onset", "sample", "isolation", "in_control")
        parts = self.pending
        rows = {k: np.concatenate([p[k] for p in parts]) if parts else np.empty(0) for k in keys}
        rows["person"] = rows["person"].astype(np.int64)
        today = micros(rows["report"]) // DAY_US == day
        self.pending = [{k: v[~today] for k, v in rows.items()}] if (~today).any() else []
        return {k: v[today] for k, v in rows.items()}

    def _facts(self, cases: dict[str, np.ndarray]) -> list[CaseFacts]:
        if len(cases["person"]) == 0:
            return []
        begin = np.where(
            np.isfinite(cases["onset"]),
            cases["onset"],
            np.where(np.isfinite(cases["sample"]), cases["sample"], cases["report"]),
        )
        low = micros(begin) - self.lookback * DAY_US
        high = micros(
            np.where(np.isfinite(cases["isolation"]), cases["isolation"], cases["report"])
        )
        stays = self._stays(cases["person"], low, high)
        facts = []
        for i, person in enumerate(cases["person"].tolist()):
            work = int(self.workplace[person])
            facts.append(
                CaseFacts(
                    person + 1,
                    home=str(self.building_codes[self.person_building[person]]),
                    workplace=str(self.place_region[work]) if work >= 0 else None,
                    stays=tuple(sorted(stays.get(person, {}).items())),
                    in_control=bool(cases["in_control"][i]),
                )
            )
        return facts

    def _stays(
        self, people: np.ndarray, low: np.ndarray, high: np.ndarray
    ) -> dict[int, dict[str, float]]:
        """Minutes per place region each person stayed in their window (their check-ins from
        the day the earliest window starts to the day the latest ends)."""
        first, last = int(low.min() // DAY_US), int(high.max() // DAY_US)
        found: dict[int, dict[str, float]] = {}
        index = {int(p): i for i, p in enumerate(people)}
        for day, rows in self.checkins:
            if not first <= day <= last:
                continue
            mine = np.flatnonzero(np.isin(rows.person, people))
            for k in mine.tolist():
                person = int(rows.person[k])
                i = index[person]
                t_in = day * DAY_US + int(rows.t_in[k]) * 60_000_000
                t_out = day * DAY_US + int(rows.t_out[k]) * 60_000_000
                minutes = (min(t_out, int(high[i])) - max(t_in, int(low[i]))) / 1e6 / 60
                if minutes > 0:
                    region = str(self.place_region[rows.place[k]])
                    mine_stays = found.setdefault(person, {})
                    mine_stays[region] = mine_stays.get(region, 0.0) + minutes
        return found

    def _residents(self, code: str) -> np.ndarray:
        if code in self.building_index:
            result: np.ndarray = np.flatnonzero(self.person_building == self.building_index[code])
        else:
            result = np.flatnonzero(self.person_community == self.community_index[code])
        return result

    def _judge(self, area: Area, day: int) -> None:
        judged = judge_day(
            self.protocol,
            area.state,
            day,
            case_days=[area.last_case],
            negative=lambda r: self._round(area, r, day),
        )
        area.state = judged.area
        if not judged.stepped:
            return
        if judged.area.level == RiskLevel.LOW:
            area.end = day + 1
        else:
            area.since = day + 1
            area.periods.append((day + 1, judged.area.level))

    def _round(self, area: Area, day: int, now: int) -> bool:
        """Whether the round of ``day`` inside ``area`` is complete and all negative by the
        end of ``now``."""
        parts = self.samples.get(day, [])
        if not parts:
            return False
        person = np.concatenate([p[0] for p in parts])
        done = np.concatenate([p[1] for p in parts]) < (now + 1) * DAY_US
        negative = np.concatenate([p[2] for p in parts])
        members = area.members
        residents = members[self.report_us[members] >= (day + 1) * DAY_US]
        return round_negative(residents, person, done & negative, self.coverage)

    def _prune(self) -> None:
        """Forget samples of days no open area's round can count any more."""
        days = [round_day(self.protocol, a.state) for a in self.open()]
        wanted = min((d for d in days if d is not None), default=None)
        for day in list(self.samples):
            if wanted is None or day < wanted:
                del self.samples[day]

    def _masks(self) -> bool:
        high, medium = np.zeros_like(self.high), np.zeros_like(self.medium)
        for area in self.open():
            (high if area.state.level == RiskLevel.HIGH else medium)[area.members] = True
        medium &= ~high
        changed = bool((high != self.high).any() or (medium != self.medium).any())
        self.high, self.medium = high, medium
        return changed

    # -- the run's file ---------------------------------------------------------------------
    def rows(self) -> dict[str, list[Any]]:
        """One row per area and level held: number, code, level, from day, until day (the
        first day without it; None: still in force at the end of the run), reason."""
        out: dict[str, list[Any]] = {k: [] for k in ("area", "code", "level", "start", "end")}
        out["reason"] = []
        for area in self.areas:
            ends = [p[0] for p in area.periods[1:]] + [area.end]
            for (start, level), end in zip(area.periods, ends, strict=True):
                out["area"].append(area.number)
                out["code"].append(area.code)
                out["level"].append(level.value)
                out["start"].append(start)
                out["end"].append(end)
                out["reason"].append(area.reason)
        return out


__all__ = ["CHECKIN_DAYS", "Area", "RiskAreas", "micros"]
