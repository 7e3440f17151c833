"""Key places touched by the day's cases (``places trigger-cases --date D``): each case
reported on the local day D touches its workplace, its school and the places of its
check-ins in its window (``areas.place_stays``); a touched place whose type has a response
plan has it triggered by the first case that touches it (``key_places.run_plan``), unless a
triggered run of the place still has open tasks — the place is then already responding and
the case is listed with that run. Running the day again triggers nothing new.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shoutu.domain.access import EVERYWHERE
from shoutu.domain.timeutil import start_of_day
from shoutu.domain.vocabulary import PlaceType, TaskKind
from shoutu.protocols.plans import plan_for
from shoutu.services.context import ServiceContext
from shoutu.services.control.areas import place_stays
from shoutu.services.control.key_places import Trigger, plans, run_plan
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import people as people_repo
from shoutu.store.repositories import places as places_repo
from shoutu.store.repositories import plan_runs as runs_repo
from shoutu.store.repositories import tasks as tasks_repo


def touched(ctx: ServiceContext, cases: list[dict[str, Any]]) -> dict[int, list[tuple[int, str]]]:
    """The places each case touched: place -> [(case, how)] (workplace, school, check-in)."""
    loaded, _ = ctx.protocol()
    people = sorted({int(c["person_id"]) for c in cases})
    with ctx.connect() as conn:
        work = people_repo.homes_and_workplaces(conn, person_ids=people)
        school = people_repo.schools(conn, person_ids=people)
    stays = place_stays(ctx, cases, loaded.contacts.lookback_days)
    found: dict[int, list[tuple[int, str]]] = {}
    for case in sorted(cases, key=lambda c: (c["report_time"], c["case_id"])):
        person, case_id = int(case["person_id"]), int(case["case_id"])
        links = [(work.get(person, (None, None))[1], "workplace"), (school.get(person), "school")]
        links += [(place, "check-in") for place in sorted(stays.get(person, {}))]
        for place, how in links:
            if place is not None and all(c != case_id for c, _ in found.get(place, [])):
                found.setdefault(int(place), []).append((case_id, how))
    return found


def trigger_for_cases(
    ctx: ServiceContext, day: dt.date, *, at: dt.datetime | None = None
) -> dict[str, Any]:
    """Trigger the plans of the key places the day's cases touched (see the module)."""
    tz = ctx.settings.timezone
    with ctx.connect() as conn:
        cases = cases_repo.reported_between(  # the city's key places, whoever runs the day
            conn,
            start=start_of_day(day, tz),
            end=start_of_day(day + dt.timedelta(days=1), tz),
            within=EVERYWHERE,
        )
    places_touched = touched(ctx, cases)
    known = plans(ctx)
    with ctx.connect() as conn:
        kinds = places_repo.types_of(conn, place_ids=sorted(places_touched))
        runs = runs_repo.triggered(conn, place_ids=sorted(places_touched))
        open_tasks = tasks_repo.open_of_subjects(
            conn,
            kind=TaskKind.RESPONSE_PLAN.value,
            subject_type="plan_runs",
            subject_ids=[str(r["run_id"]) for r in runs],
        )
    responding = {
        int(r["place_id"]): int(r["run_id"]) for r in runs if str(r["run_id"]) in open_tasks
    }
    out = []
    for place, touches in sorted(places_touched.items()):
        kind = kinds.get(place)
        if kind is None or plan_for(known, PlaceType(kind)) is None:
            continue
        entry: dict[str, Any] = {
            "place_id": place,
            "type": kind,
            "cases": [{"case_id": c, "how": how} for c, how in touches],
        }
        if place in responding:
            entry["run_id"], entry["triggered"] = responding[place], False
        else:
            report = run_plan(ctx, place, trigger=Trigger(case_id=touches[0][0]), at=at)
            entry["run_id"], entry["triggered"] = report["run_id"], True
        out.append(entry)
    return {"date": day.isoformat(), "cases": len(cases), "places": out}


__all__ = ["touched", "trigger_for_cases"]
