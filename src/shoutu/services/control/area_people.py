"""The people inside a risk area: each resident (not a case reported by the day the level takes
effect: cases are isolated) of an approved
high or medium area is under an episode of the area's kind — sealed area (封控区管控) for
high, controlled area (管控区管控) for medium — from the day the level takes effect until the
area steps down (a new episode at the lower level follows) or is lifted; the episodes count
in 应管尽管 (``coverage``) like any other. Opened and ended in the caller's unit, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection

from shoutu.domain.regions import parse_region_code
from shoutu.domain.timeutil import end_of_day, start_of_day
from shoutu.domain.vocabulary import ControlKind, ControlStatus, RiskLevel
from shoutu.rules.risk_areas import inside
from shoutu.services.audit import Unit
from shoutu.services.context import ServiceContext
from shoutu.services.registry.roster import roster
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import measures as measures_repo


def inside_area(area: dict[str, Any], code: str | None) -> bool:
    """Whether a region code (a home, a proposed area) lies inside one of the area's parts."""
    return inside(area["extent"] or [area["region_code"]], code)


def residents(
    ctx: ServiceContext, codes: Sequence[str], people: pa.Table | None = None
) -> np.ndarray:
    """Person ids (ascending) of the registry's people (``people``: the roster, if read
    already) whose home is inside any of ``codes``."""
    return np.asarray(_living_in(ctx, codes, people)["person_id"].to_numpy(), np.int64)


def _living_in(ctx: ServiceContext, codes: Sequence[str], people: pa.Table | None) -> pa.Table:
    """The roster's rows (by person id) of the people whose home is inside any of ``codes``."""
    people = roster(ctx) if people is None else people
    homes = people["home_region_code"]
    found = pa.array(np.zeros(len(people), bool))
    for code in codes:
        prefix = parse_region_code(code).prefix
        found = pc.or_(found, pc.starts_with(homes, prefix).fill_null(False))
    return people.filter(found)


def not_cases(conn: Connection, people: np.ndarray, by: dt.datetime) -> np.ndarray:
    """Those of ``people`` with no case reported by ``by``."""
    cases = cases_repo.people_with_cases(conn, person_ids=people.tolist(), reported_by=by)
    return people[~np.isin(people, np.fromiter(cases, np.int64, len(cases)))]


KIND = {RiskLevel.HIGH: ControlKind.AREA_SEALED, RiskLevel.MEDIUM: ControlKind.AREA_CONTROLLED}


def open_area_episodes(
    unit: Unit,
    area: dict[str, Any],
    level: RiskLevel,
    since: dt.date,
    planned_end: dt.date | None,
    people: Any = None,
) -> int:
    """Episodes of ``level``'s kind for the area's residents from ``since`` (none for low)."""
    kind = KIND.get(level)
    if kind is None:
        return 0
    tz = unit.ctx.settings.timezone
    living = _living_in(unit.ctx, area["extent"] or [area["region_code"]], people)
    ids = np.asarray(living["person_id"].to_numpy(), np.int64)
    found = not_cases(unit.conn, ids, end_of_day(since, tz))
    kept = np.isin(ids, found)
    homes = living["home_region_code"].filter(pa.array(kept)).to_pylist()
    rows = [
        {
            "person_id": int(p),
            "resp_region": home,  # the person's home is responsible, as for every episode
            "kind": kind,
            "status": ControlStatus.ACTIVE,
            "reason": f"risk area {area['area_id']} ({area['region_code']}, {level.value})",
            "start_time": start_of_day(since, tz),
            "planned_end_time": start_of_day(planned_end, tz) if planned_end else None,
            "protocol": area["protocol"],
            "site": "home",
            "area_id": area["area_id"],
            **unit.stamp,
        }
        for p, home in zip(found.tolist(), homes, strict=True)
    ]
    added = measures_repo.add(unit.conn, rows=rows)
    unit.created("control_measures", added)
    return len(added)


def end_area_episodes(unit: Unit, area_id: int, day: dt.date) -> int:
    """End the area's open episodes at the start of ``day`` (released)."""
    ids = measures_repo.open_of_area(unit.conn, area_id=area_id)
    at = start_of_day(day, unit.ctx.settings.timezone)
    measures_repo.end(
        unit.conn,
        measure_ids=ids,
        end_time=at,
        values={"status": ControlStatus.RELEASED, **unit.touch},
    )
    for i in ids:
        unit.updated("control_measures", i, {"status": "active"}, {"status": "released"})
    return len(ids)


__all__ = [
    "KIND",
    "end_area_episodes",
    "inside_area",
    "not_cases",
    "open_area_episodes",
    "residents",
]
