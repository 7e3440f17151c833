"""The daily run of risk areas (``areas run --date D``): every approved area judged day by day
by the shared timers (``rules/risk_areas.judge``) from the day after the last run (or its
clock) through ``D``, as of 24:00 of each day.

A case reported inside an area (its home in the area's extent; under a protocol whose cases
found inside control create no area, only a case found outside control) after the area's
clock starts its quiet period again, recorded once in the area's history. A screening round
inside counts on a local day (``rules/risk_areas.round_negative``) when at least the protocol's
``mass_screening.clear_min_coverage`` (else 90%) of the residents who are not cases reported
by the end of that day (isolated elsewhere) gave a PCR sample that day and every one of those
samples has a negative result by the end of ``D``. An area that
steps down is at its new level from the next day; stepping down to low lifts it. A county is
low while any area in force is in it; the run lists the counties whose low level it lifts.
Running a date again changes nothing; an earlier date than the last run is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow.compute as pc

from shoutu.domain.access import EVERYWHERE
from shoutu.domain.timeutil import end_of_day, local_date, start_of_day
from shoutu.domain.vocabulary import AreaStatus, RiskLevel
from shoutu.errors import Conflict
from shoutu.events.store import read_events
from shoutu.protocols.schema import Protocol
from shoutu.rules.mass_screening import round_coverage
from shoutu.rules.risk_areas import (
    AreaClock,
    county_of,
    judge_day,
    quiet_days,
    round_day,
    round_negative,
)
from shoutu.services.audit import Unit, writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.area_people import (
    end_area_episodes,
    inside_area,
    not_cases,
    open_area_episodes,
    residents,
)
from shoutu.services.registry.roster import roster
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import meta
from shoutu.store.repositories import people as people_repo
from shoutu.store.repositories import risk_areas as repo

RUN_THROUGH = "risk_areas.run_through"


class Rounds:
    """Complete all-negative screening rounds inside an area, by local day (cached)."""

    def __init__(self, ctx: ServiceContext, as_of: dt.datetime) -> None:
        self.ctx, self.as_of = ctx, as_of
        self._tests: dict[dt.date, Any] = {}
        self._found: dict[tuple[int, int], bool] = {}
        self._inside: dict[int, np.ndarray] = {}
        self._people: Any = None

    def _day(self, day: dt.date) -> Any:
        if day not in self._tests:
            wanted = ["person_id", "method", "result", "result_time"]
            found = read_events(self.ctx.settings.event_dir, "tests", [day.isoformat()], wanted)
            if found.num_rows:
                found = found.filter(pc.equal(found["method"], "pcr"))
            self._tests[day] = found
        return self._tests[day]

    def negative(self, area: dict[str, Any], day: int, min_coverage: float) -> bool:
        key = (int(area["area_id"]), day)
        if key not in self._found:
            self._found[key] = self._judge(area, dt.date.fromordinal(day), min_coverage)
        return self._found[key]

    def _residents(self, area: dict[str, Any], day: dt.date) -> np.ndarray:
        """The area's residents who are not cases reported by the end of ``day`` (cases are
        isolated elsewhere)."""
        key = int(area["area_id"])
        if key not in self._inside:
            if self._people is None:
                self._people = roster(self.ctx)
            codes = area["extent"] or [area["region_code"]]
            self._inside[key] = residents(self.ctx, codes, self._people)
        with self.ctx.connect() as conn:
            return not_cases(conn, self._inside[key], end_of_day(day, self.ctx.settings.timezone))

    def _judge(self, area: dict[str, Any], day: dt.date, min_coverage: float) -> bool:
        tests = self._day(day)
        if not tests.num_rows:
            return False
        who = np.asarray(tests["person_id"].to_numpy(zero_copy_only=False), np.int64)
        done = np.asarray(
            [t is not None and t <= self.as_of for t in tests["result_time"].to_pylist()]
        )
        negative = np.asarray(pc.equal(tests["result"], "negative").fill_null(False))
        return round_negative(self._residents(area, day), who, done & negative, min_coverage)


def run_areas(ctx: ServiceContext, day: dt.date) -> dict[str, Any]:
    """Judge every approved area through ``day`` (see the module)."""
    tz = ctx.settings.timezone
    as_of = end_of_day(day, tz)
    with ctx.connect() as conn:
        areas = repo.listed(conn, within=EVERYWHERE, statuses=[AreaStatus.APPROVED])
        stored = meta.get(conn, key=RUN_THROUGH)
    through = dt.date.fromisoformat(stored) if stored else None
    if through is not None and day < through:
        raise Conflict(f"risk areas were run through {through}: run {through} or a later day")
    rounds = Rounds(ctx, as_of)
    before = {county_of(a["region_code"]) for a in areas if a["since_date"] <= day}
    results = []
    with writing(ctx, detail=f"areas run {day}") as unit:
        earliest_clock = min((a["clock_date"] for a in areas), default=day)
        reported = cases_repo.reported_between(
            unit.conn,
            start=start_of_day(earliest_clock, tz),
            end=start_of_day(day + dt.timedelta(1), tz),
            within=EVERYWHERE,  # the city's areas, whoever runs the day
        )
        homes = people_repo.home_regions(
            unit.conn, person_ids=sorted({int(c["person_id"]) for c in reported})
        )
        for area in areas:
            if area["since_date"] > day:
                continue
            protocol, _ = ctx.protocol(area["protocol"])
            results.append(_judge_area(unit, protocol, area, day, through, reported, homes, rounds))
        unit.put_meta(RUN_THROUGH, max(day, through or day).isoformat())
    with ctx.connect() as conn:
        after = {
            county_of(a["region_code"])
            for a in repo.listed(conn, within=EVERYWHERE, statuses=[AreaStatus.APPROVED])
            if a["since_date"] <= day + dt.timedelta(days=1)
        }
    return {
        "date": day.isoformat(),
        "areas": results,
        "counties_low": sorted(after),
        "counties_lifted": sorted(before - after),
    }


def _judge_area(
    unit: Unit,
    protocol: Protocol,
    area: dict[str, Any],
    day: dt.date,
    through: dt.date | None,
    reported: list[dict[str, Any]],
    homes: dict[int, str | None],
    rounds: Rounds,
) -> dict[str, Any]:
    tz = unit.ctx.settings.timezone
    rules = protocol.risk_areas
    counts_inside = rules is None or rules.cases_in_control_create_areas
    known = set(area["cases"] or [])
    inside = [
        c
        for c in reported
        if inside_area(area, homes.get(int(c["person_id"])))
        and (counts_inside or not c["found_in_control"])
    ]
    state = AreaClock(RiskLevel(area["level"]), area["clock_date"].toordinal(), area["designated"])
    start = max(state.clock, (through.toordinal() + 1) if through else state.clock)
    case_days = [local_date(c["report_time"], tz).toordinal() for c in inside]
    changes: list[dict[str, Any]] = []
    for c in inside:
        reported_on = local_date(c["report_time"], tz)
        if int(c["case_id"]) in known or reported_on.toordinal() <= state.clock:
            continue
        known.add(int(c["case_id"]))
        changes.append(
            {
                "date": reported_on,
                "from_level": state.level,
                "to_level": state.level,
                "clock_date": reported_on,
                "reason": f"case {c['case_id']} inside: the quiet period starts again",
            }
        )
    coverage = round_coverage(protocol)
    level_before, judged, lifted = state.level, None, False
    for d in range(start, day.toordinal() + 1):
        needed = round_day(protocol, state)
        quiet = quiet_days(protocol, state)
        judged = judge_day(
            protocol,
            state,
            d,
            case_days=case_days,
            negative=lambda r: rounds.negative(area, r, coverage),
        )
        if judged.stepped:
            lifted = judged.area.level == RiskLevel.LOW
            changes.append(
                {
                    "date": dt.date.fromordinal(d + 1),
                    "from_level": state.level,
                    "to_level": None if lifted else judged.area.level,
                    "clock_date": dt.date.fromordinal(d),
                    "reason": f"{quiet} days without a new infection inside"
                    + (
                        f" and an all-negative round from quiet day {needed - state.clock}"
                        if needed is not None
                        else ""
                    )
                    + (": lifted" if lifted else ""),
                }
            )
        state = judged.area
        if lifted:
            break
    values: dict[str, Any] = {
        "clock_date": dt.date.fromordinal(state.clock),
        "designated": state.designated,
        "cases": sorted(known),
        "held_reason": judged.held if judged else area["held_reason"],
        **unit.touch,
    }
    if judged is not None:
        values["earliest_downgrade"] = (
            dt.date.fromordinal(judged.earliest) if judged.earliest and not lifted else None
        )
    stepped = [c for c in changes if c["from_level"] != c["to_level"]]
    if stepped:
        last = stepped[-1]
        values["since_date"] = last["date"]
        if lifted:
            values.update(status=AreaStatus.LIFTED, end_time=start_of_day(last["date"], tz))
        else:
            values["level"] = state.level
            values["measure"] = protocol.risk_levels[state.level].measure
    repo.change(unit.conn, area_id=area["area_id"], values=values)
    if stepped:  # the residents' episodes follow the level
        end_area_episodes(unit, area["area_id"], values["since_date"])
        if not lifted:
            area = {**area, **values}
            later = values.get("earliest_downgrade")
            open_area_episodes(unit, area, state.level, values["since_date"], later)
    if changes:
        rows = [{**c, "area_id": area["area_id"], **unit.stamp} for c in changes]
        unit.created("risk_area_changes", repo.add_changes(unit.conn, rows=rows), rows)
    return {
        "area_id": area["area_id"],
        "region_code": area["region_code"],
        "level_before": level_before.value,
        "level": None if lifted else state.level.value,
        "changes": [
            {
                "date": c["date"].isoformat(),
                "from": c["from_level"].value if c["from_level"] else None,
                "to": c["to_level"].value if c["to_level"] else None,
                "reason": c["reason"],
            }
            for c in changes
        ],
        "held": None if lifted or judged is None else judged.held,
        "quiet_day": None if judged is None else judged.quiet_day,
        "earliest_downgrade": (
            values["earliest_downgrade"].isoformat() if values.get("earliest_downgrade") else None
        ),
    }


__all__ = ["RUN_THROUGH", "Rounds", "run_areas"]
