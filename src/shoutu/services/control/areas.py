"""Risk areas (风险区): proposed from a day's cases by the shared rule (``rules/risk_areas.py``),
approved (with their extent edited, one policy per area) or rejected by a person, listed.

A proposal lists its reasons (case, rule, where), the residents inside (the registry's people
whose home is in the area) and the counties that go low. A case's facts come from the
registry: its residence (home region), workplace (the place's region) and the places of its
stays in its window (the check-in store: minutes per place from the protocol's lookback before
onset, or sampling, or report, until isolation or report). Proposing the same day again adds
nothing: a case already behind an area proposes it once; a code already proposed, or in force
at the same level or higher, is not proposed again (a new case inside an area in force resets
its clock at the daily run). Only approved areas take effect: from the proposal's date, or
``effective``; their quiet period counts from their latest case's report day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from shoutu.domain.access import EVERYWHERE
from shoutu.domain.identifiers import IdentifierError
from shoutu.domain.regions import parse_region_code
from shoutu.domain.timeutil import local_date, start_of_day
from shoutu.domain.vocabulary import AreaMeasure, AreaStatus, Right, RiskLevel
from shoutu.errors import BadRequest, Conflict, NotFound
from shoutu.events.store import read_events
from shoutu.protocols.schema import Protocol
from shoutu.rules.risk_areas import (
    AreaClock,
    CaseFacts,
    county_of,
    earliest_downgrade,
    propose,
    uncovered,
)
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.area_people import open_area_episodes, residents
from shoutu.services.control.area_screening import screen_area
from shoutu.services.guard import may_list, refusals, require, writable
from shoutu.services.registry.roster import roster
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import people as people_repo
from shoutu.store.repositories import places as places_repo
from shoutu.store.repositories import risk_areas as repo

IN_FORCE = (AreaStatus.APPROVED,)
OPEN = (AreaStatus.PROPOSED, AreaStatus.APPROVED)


def place_stays(
    ctx: ServiceContext, cases: list[dict[str, Any]], lookback_days: int
) -> dict[int, dict[int, float]]:
    """Minutes per place each case's person stayed in its window (check-in store): from its
    onset (else sampling, else report) less the lookback to its isolation (else report)."""
    tz = ctx.settings.timezone
    windows: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    for c in cases:
        begin = c["onset_time"] or c["sample_time"] or c["report_time"]
        windows[int(c["person_id"])] = (
            begin - dt.timedelta(days=lookback_days),
            c["isolation_time"] or c["report_time"],
        )
    if not windows:
        return {}
    first = min(local_date(s, tz) for s, _ in windows.values())
    last = max(local_date(e, tz) for _, e in windows.values())
    days = [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    wanted = ["person_id", "place_id", "t_in", "t_out"]
    visits = read_events(ctx.settings.event_dir, "checkins", days, wanted)
    found: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    if not visits.num_rows:
        return {}
    mine = visits.filter(pc.is_in(visits["person_id"], pa.array(list(windows), pa.int64())))
    for v in mine.to_pylist():
        lo, hi = windows[int(v["person_id"])]
        t_out = v["t_out"] or v["t_in"]
        minutes = (min(t_out, hi) - max(v["t_in"], lo)).total_seconds() / 60
        if minutes > 0:
            found[int(v["person_id"])][int(v["place_id"])] += minutes
    return {p: dict(m) for p, m in found.items()}


def _stays(
    ctx: ServiceContext, cases: list[dict[str, Any]], lookback_days: int, places: dict[int, str]
) -> dict[int, list[tuple[str, float]]]:
    """Minutes per place region each case's person stayed in its window."""
    found: dict[int, list[tuple[str, float]]] = {}
    for person, stays in place_stays(ctx, cases, lookback_days).items():
        by_region: dict[str, float] = defaultdict(float)
        for place, minutes in stays.items():
            region = places.get(place)
            if region:
                by_region[region] += minutes
        found[person] = sorted(by_region.items())
    return found


def case_facts(
    ctx: ServiceContext, cases: list[dict[str, Any]], protocol: Protocol
) -> list[CaseFacts]:
    """What each registered case proposes areas from (see the module)."""
    ids = sorted({int(c["person_id"]) for c in cases})
    with ctx.connect() as conn:
        homes = people_repo.homes_and_workplaces(conn, person_ids=ids)
        places = places_repo.regions(conn)
    stays = _stays(ctx, cases, protocol.contacts.lookback_days, places)
    facts = []
    for c in cases:
        person = int(c["person_id"])
        home, work = homes.get(person, (None, None))
        facts.append(
            CaseFacts(
                int(c["case_id"]),
                home=home,
                workplace=places.get(work) if work is not None else None,
                stays=tuple(stays.get(person, ())),
                in_control=bool(c["found_in_control"]),
            )
        )
    return facts


def propose_areas(
    ctx: ServiceContext, day: dt.date, *, protocol: str | None = None
) -> dict[str, Any]:
    """Propose the areas the cases reported on the local ``day`` call for (see the module)."""
    loaded, _ = ctx.protocol(protocol)
    if loaded.risk_areas is None:
        raise BadRequest(
            f"protocol {loaded.name} draws no risk areas from cases (no risk_areas section)"
        )
    tz = ctx.settings.timezone
    with ctx.connect() as conn:
        reported = cases_repo.reported_between(
            conn,
            start=start_of_day(day, tz),
            end=start_of_day(day + dt.timedelta(days=1), tz),
            within=EVERYWHERE,
        )
        known = repo.listed(conn, within=EVERYWHERE, statuses=OPEN)
    behind = {int(i) for a in known for i in a["cases"] or ()}
    fresh = [c for c in reported if int(c["case_id"]) not in behind]
    proposed, _ = propose(loaded, case_facts(ctx, fresh, loaded))
    rows: list[dict[str, Any]] = []
    people = roster(ctx) if proposed else None
    areas_open = [(a["extent"] or [a["region_code"]], RiskLevel(a["level"])) for a in known]
    for p in uncovered(proposed, areas_open):
        rule = loaded.risk_levels[p.level]
        reasons = "; ".join(f"case {r.case_id}: {r.rule} {r.where}" for r in p.reasons)
        rows.append(
            {
                "region_code": p.code,
                "level": p.level,
                "measure": rule.measure,
                "reason": reasons,
                "start_time": start_of_day(day, tz),
                "protocol": loaded.name,
                "status": AreaStatus.PROPOSED,
                "proposed_date": day,
                "extent": [p.code],
                "cases": sorted({r.case_id for r in p.reasons}),
                "population": len(residents(ctx, [p.code], people)),
            }
        )
    with writing(ctx, detail=f"areas propose {day}") as unit:
        ids = repo.add(unit.conn, rows=[{**r, **unit.stamp} for r in rows])
        unit.created("risk_areas", ids, rows)
    with ctx.connect() as conn:
        stored = repo.get(conn, area_ids=ids)
    return {
        "date": day.isoformat(),
        "protocol": loaded.name,
        "cases": len(fresh),
        "proposed": [area_json(stored[i], tz) for i in ids],
        "counties_low": sorted({county_of(r["region_code"]) for r in rows}),
    }


def approve_areas(
    ctx: ServiceContext,
    area_ids: Sequence[int] = (),
    *,
    every: bool = False,
    effective: dt.date | None = None,
    measure: AreaMeasure | None = None,
) -> list[dict[str, Any]]:
    """Approve proposed areas (``every``: all of them): each takes effect from its proposal's
    date (or ``effective``), at its level and measure (or ``measure``)."""
    tz = ctx.settings.timezone
    opened = 0
    with (
        refusals(ctx, "risk_areas", ",".join(map(str, area_ids)) or "all"),
        writing(ctx, detail="areas approve") as unit,
    ):
        require(ctx, Right.APPROVE_RISK_AREAS)
        chosen = _proposed(unit.conn, area_ids, every)
        if every:  # all the proposals the approver answers for
            chosen = [a for a in chosen if ctx.principal.capture.covers(a["region_code"])]
        for area in chosen:
            writable(ctx, area["region_code"], f"area {area['area_id']}")
            since = effective or area["proposed_date"]
            reported = cases_repo.by_ids(unit.conn, case_ids=area["cases"] or [], within=EVERYWHERE)
            days = [local_date(c["report_time"], tz) for c in reported.values()]
            clock = min(max(days, default=since), since)
            values = {
                "status": AreaStatus.APPROVED,
                "since_date": since,
                "clock_date": clock,
                "designated": True,
                "start_time": start_of_day(since, tz),
                "decided_by": unit.actor,
                "decided_time": unit.now,
                **({"measure": measure} if measure is not None else {}),
                **unit.touch,
            }
            repo.change(unit.conn, area_id=area["area_id"], values=values)
            change = {
                "area_id": area["area_id"],
                "date": since,
                "from_level": None,
                "to_level": area["level"],
                "clock_date": clock,
                "reason": f"approved: {area['reason']}",
            }
            repo.add_changes(unit.conn, rows=[{**change, **unit.stamp}])
            earliest = earliest_downgrade(
                loaded_for(unit.ctx, area), AreaClock(RiskLevel(area["level"]), clock.toordinal())
            )
            when = dt.date.fromordinal(earliest) if earliest else None
            repo.change(unit.conn, area_id=area["area_id"], values={"earliest_downgrade": when})
            opened += open_area_episodes(
                unit, {**area, **values}, RiskLevel(area["level"]), since, when
            )
            screened = screen_area(unit, loaded_for(unit.ctx, area), area, since)
            if screened is not None:
                repo.change(
                    unit.conn,
                    area_id=area["area_id"],
                    values={"campaign_id": screened["campaign_id"]},
                )
            unit.updated(
                "risk_areas",
                area["area_id"],
                {"status": AreaStatus.PROPOSED.value},
                {"status": AreaStatus.APPROVED.value, "since_date": since.isoformat()},
            )
        ids = [a["area_id"] for a in chosen]
    with ctx.connect() as conn:
        stored = repo.get(conn, area_ids=ids)
    return [area_json(stored[i], tz) for i in ids]


def loaded_for(ctx: ServiceContext, area: dict[str, Any]) -> Protocol:
    return ctx.protocol(area["protocol"])[0]


def _proposed(conn: Any, area_ids: Sequence[int], every: bool) -> list[dict[str, Any]]:
    if every:
        return repo.listed(conn, within=EVERYWHERE, statuses=[AreaStatus.PROPOSED])
    if not area_ids:
        raise BadRequest("name the {areas} to decide on, or {--all}")
    found = repo.get(conn, area_ids=area_ids)
    for i in area_ids:
        if i not in found:
            raise NotFound(f"no risk area {i}")
        if found[i]["status"] != AreaStatus.PROPOSED:
            raise Conflict(f"risk area {i} is {found[i]['status'].value}, not proposed")
    return [found[i] for i in area_ids]


def reject_areas(ctx: ServiceContext, area_ids: Sequence[int], reason: str) -> int:
    """Reject proposed areas, with the reason (audited)."""
    with writing(ctx, detail=f"areas reject: {reason}") as unit:
        chosen = _proposed(unit.conn, area_ids, False)
        for area in chosen:
            values = {
                "status": AreaStatus.REJECTED,
                "decided_by": unit.actor,
                "decided_time": unit.now,
                "held_reason": reason,
                **unit.touch,
            }
            repo.change(unit.conn, area_id=area["area_id"], values=values)
            unit.updated(
                "risk_areas", area["area_id"], {"status": "proposed"}, {"status": "rejected"}
            )
    return len(chosen)


def edit_area(
    ctx: ServiceContext,
    area_id: int,
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    measure: AreaMeasure | None = None,
) -> dict[str, Any]:
    """Add or remove parts (region codes: buildings, compounds) of a proposed or approved area,
    or set its measure (一区一策); its population follows."""
    for code in (*add, *remove):
        try:
            parse_region_code(code)
        except IdentifierError as exc:
            raise BadRequest(f"region code {code!r}: {exc}") from None
    with writing(ctx, detail=f"areas edit {area_id}") as unit:
        area = repo.get(unit.conn, area_ids=[area_id]).get(area_id)
        if area is None:
            raise NotFound(f"no risk area {area_id}")
        if area["status"] not in OPEN:
            raise Conflict(f"risk area {area_id} is {area['status'].value}: it cannot change")
        before = list(area["extent"] or [])
        missing = [c for c in remove if c not in before]
        if missing:
            raise BadRequest(f"risk area {area_id} has no part {', '.join(missing)}")
        extent = [c for c in before if c not in remove] + [c for c in add if c not in before]
        if not extent:
            raise BadRequest(f"risk area {area_id} would have no part left")
        values: dict[str, Any] = {
            "extent": extent,
            "population": len(residents(ctx, extent)),
            **unit.touch,
        }
        if measure is not None:
            values["measure"] = measure
        repo.change(unit.conn, area_id=area_id, values=values)
        unit.updated(
            "risk_areas",
            area_id,
            {"extent": before, "measure": area["measure"].value},
            {"extent": extent, "measure": (measure or area["measure"]).value},
        )
    with ctx.connect() as conn:
        return area_json(repo.get(conn, area_ids=[area_id])[area_id], ctx.settings.timezone)


def list_areas(ctx: ServiceContext, *, status: AreaStatus | None = None) -> list[dict[str, Any]]:
    """Risk areas in the caller's jurisdiction (of ``status``), by id."""
    may_list(ctx, "risk_areas")
    with ctx.connect() as conn:
        rows = repo.listed(
            conn, within=ctx.principal.view, statuses=None if status is None else [status]
        )
    return [area_json(r, ctx.settings.timezone) for r in rows]


def area_json(row: dict[str, Any], tz: str) -> dict[str, Any]:
    def day(value: dt.date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "area_id": row["area_id"],
        "region_code": row["region_code"],
        "extent": list(row["extent"] or [row["region_code"]]),
        "level": row["level"].value,
        "measure": row["measure"].value,
        "status": row["status"].value,
        "reason": row["reason"],
        "cases": list(row["cases"] or []),
        "population": row["population"],
        "proposed_date": day(row["proposed_date"]),
        "since": day(row["since_date"]),
        "clock": day(row["clock_date"]),
        "earliest_downgrade": day(row["earliest_downgrade"]),
        "held_reason": row["held_reason"],
        "end": day(local_date(row["end_time"], tz)) if row["end_time"] else None,
        "protocol": row["protocol"],
        "campaign_id": row["campaign_id"],
    }


__all__ = [
    "IN_FORCE",
    "approve_areas",
    "area_json",
    "case_facts",
    "edit_area",
    "list_areas",
    "place_stays",
    "propose_areas",
    "reject_areas",
]
