"""The situation summary (疫情态势): what the command centre reads first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection

from shoutu.domain.timeutil import end_of_day, local_date, utcnow
from shoutu.domain.vocabulary import (
    ControlKind,
    KeyPopulation,
    Origin,
    PlaceType,
    RegionLevel,
    RiskLevel,
    SignalStatus,
)
from shoutu.io.provenance import build_provenance
from shoutu.services.context import ServiceContext
from shoutu.store.repositories import cases, entities, measures, meta, risk_areas, tasks
from shoutu.store.repositories import people as people_repo
from shoutu.store.repositories import places as places_repo
from shoutu.store.repositories import signals as signals_repo
from shoutu.store.tables import Person, Region, table


def _ordered(counts: dict[Any, int], order: list[Any]) -> dict[str, int]:
    """Counts keyed by vocabulary value, in vocabulary order, zeros left out."""
    return {str(m): counts[m] for m in order if counts.get(m)}


SIMULATED_UNTIL = "simulated_until"  # store_meta: the end of a simulated run loaded


def situation(
    ctx: ServiceContext, *, day: dt.date | None = None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Counts of the registry as of the end of the local ``day`` (or the moment ``now``;
    default: now, or for a registry of synthetic people only the end of the simulated run it
    holds): population, places, cases reported by then, measures and risk areas in force
    then, tasks open and overdue then, signals raised by then (by their status now), with
    the provenance (the protocol in force, the moment counted)."""
    tz = ctx.settings.timezone
    protocol, digest = ctx.protocol()
    if day is not None:
        now = end_of_day(day, tz)
    with ctx.connect() as conn:
        if now is None:
            now = default_as_of(conn)
        view = ctx.principal.view  # the caller's jurisdiction (the whole tree at a terminal)
        regions = entities.count_by(conn, table=table(Region), column="level")  # the tree
        places = places_repo.count_by_type(conn, within=view)
        key_pops = people_repo.count_by(conn, column="key_population", within=view)
        synthetic = people_repo.count_by(conn, column="synthetic", within=view)
        found = cases.counts(conn, until=now, within=view)
        active = measures.active_counts(conn, at=now, within=view)
        areas = risk_areas.active_counts(conn, at=now)
        tasks_open, tasks_overdue = tasks.open_counts(conn, now=now, within=view)
        signals = signals_repo.status_counts(conn, at=now, within=view)
    by_origin = {o.value: 0 for o in Origin}
    in_control = community = 0
    for origin, found_in_control, count in found["groups"]:
        by_origin[origin] += count
        if found_in_control:
            in_control += count
        else:
            community += count
    last = found["last_community"]
    today = local_date(now, tz)
    return {
        "as_of": today.isoformat(),
        "protocol": ctx.settings.protocol,
        "regions": _ordered(regions, list(RegionLevel)),
        "people": sum(synthetic.values()),
        "synthetic_people": synthetic.get(True, 0),
        "key_populations": _ordered(key_pops, list(KeyPopulation)),
        "places": _ordered(places, list(PlaceType)),
        "cases": {
            "total": in_control + community,
            **by_origin,
            "found_in_control": in_control,
            "found_in_community": community,
            "days_since_last_community_case": (today - local_date(last, tz)).days if last else None,
        },
        "under_control": _ordered(
            {ControlKind(k): n for k, n in active.items()}, list(ControlKind)
        ),
        "risk_areas": _ordered({RiskLevel(k): n for k, n in areas.items()}, list(RiskLevel)),
        "tasks": {"open": tasks_open, "overdue": tasks_overdue},
        "signals": _ordered(signals, list(SignalStatus)),
        "provenance": build_provenance(
            command="summary",
            parameters={"as_of": now.isoformat()},
            protocol=(protocol.name, digest),
        ),
    }


def default_as_of(conn: Connection) -> dt.datetime:
    """Now; for a registry of synthetic people only, the end of the simulated run."""
    until = meta.get(conn, key=SIMULATED_UNTIL)
    if until is not None:
        synthetic = entities.count_by(conn, table=table(Person), column="synthetic")
        if synthetic.get(True, 0) and not synthetic.get(False, 0):
            return dt.datetime.fromisoformat(until) - dt.timedelta(microseconds=1)
    return utcnow()
