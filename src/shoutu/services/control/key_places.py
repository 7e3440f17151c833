"""Key places' response plans (重点场所应急预案): when a case or a signal touches a key place,
its plan (``protocols/plans/``, by the place's type unless named) opens one task per step, due
the step's hours after the trigger, with the step's party as the responsible parties: the
place itself (its unit, its community), the community, the town, or a district body (the
place's district with the department). A drill runs the same plan with every task marked as a
drill; the report says which steps were done in time, late, or are still open (overdue).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shoutu.domain.regions import level_code
from shoutu.domain.timeutil import not_in_future, utcnow
from shoutu.domain.vocabulary import PlaceType, PlanParty, RegionLevel, TaskKind, TaskStatus
from shoutu.errors import BadRequest, NotFound
from shoutu.protocols.plans import load_plans, plan_for
from shoutu.protocols.schema import PlanStep, ResponsePlan
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.supervision.tasks import NewTask, Responsible, open_tasks
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import places as places_repo
from shoutu.store.repositories import plan_runs as repo
from shoutu.store.repositories import signals as signals_repo
from shoutu.store.repositories import tasks as tasks_repo

SUBJECT = "plan_runs"
DRILL = "[演练 drill] "
#: the region level each party answers at (the place's own region for the place)
PARTY_LEVEL: dict[PlanParty, RegionLevel] = {
    PlanParty.PLACE: RegionLevel.COMMUNITY,
    PlanParty.COMMUNITY: RegionLevel.COMMUNITY,
    PlanParty.TOWN: RegionLevel.TOWN,
}


def plans(ctx: ServiceContext) -> dict[str, ResponsePlan]:
    return load_plans(ctx.settings.protocol_dir)


def responsible(step: PlanStep, place: dict[str, Any]) -> Responsible:
    """The parties of a step at this place."""
    level = PARTY_LEVEL.get(step.party, RegionLevel.DISTRICT)
    region = level_code(place["region_code"], level) if place["region_code"] else None
    unit = place["name"] if step.party == PlanParty.PLACE else None
    return Responsible(region=region, department=step.party.value, unit=unit)


@dataclass(frozen=True)
class Trigger:
    case_id: int | None = None
    signal_id: int | None = None
    reason: str | None = None


def run_plan(
    ctx: ServiceContext,
    place_id: int,
    *,
    plan: str | None = None,
    trigger: Trigger = Trigger(),
    at: dt.datetime | None = None,
    drill: bool = False,
) -> dict[str, Any]:
    """Open the plan's tasks for the place (``drill``: as an exercise); the run with its
    tasks."""
    when = not_in_future(at)
    if trigger.reason is not None and not trigger.reason.strip():
        trigger = Trigger(trigger.case_id, trigger.signal_id, None)
    known = plans(ctx)
    with writing(ctx, detail="response plan" + (" drill" if drill else "")) as unit:
        place = places_repo.get(unit.conn, place_id=place_id)
        if place is None:
            raise NotFound(f"no place {place_id}")
        if plan is None:
            chosen = plan_for(known, PlaceType(place["type"]))
            if chosen is None:
                raise BadRequest(
                    f"no response plan for places of type {place['type']}: name {{plan}}"
                )
        elif plan in known:
            chosen = known[plan]
        else:
            raise NotFound(f"no response plan {plan!r} (known: {', '.join(sorted(known))})")
        if (
            trigger.case_id is not None
            and cases_repo.get(unit.conn, case_id=trigger.case_id, within=ctx.principal.view)
            is None
        ):
            raise NotFound(f"no case {trigger.case_id}")
        if (
            trigger.signal_id is not None
            and signals_repo.get(unit.conn, signal_id=trigger.signal_id, within=ctx.principal.view)
            is None
        ):
            raise NotFound(f"no signal {trigger.signal_id}")
        if not drill and trigger == Trigger():
            raise BadRequest("a plan is triggered by a {case}, a {signal} or a stated {reason}")
        reason = trigger.reason or (
            f"case {trigger.case_id}"
            if trigger.case_id is not None
            else f"signal {trigger.signal_id}"
        )
        row = {
            "place_id": place_id,
            "plan": chosen.name,
            "drill": drill,
            "case_id": trigger.case_id,
            "signal_id": trigger.signal_id,
            "reason": "drill" if drill and trigger == Trigger() else reason,
            "start_time": when,
            **unit.stamp,
        }
        (run_id,) = repo.add(unit.conn, rows=[row])
        unit.created(SUBJECT, [run_id], [row])
        tasks = [
            NewTask(
                kind=TaskKind.RESPONSE_PLAN,
                subject_type=SUBJECT,
                subject_id=run_id,
                title=f"{DRILL if drill else ''}{place['name']}: {step.key} — {step.text_en}",
                since=when,
                responsible=responsible(step, place),
                due=when + dt.timedelta(hours=step.due_hours),
            )
            for step in chosen.steps
        ]
        open_tasks(unit, ctx.protocol()[0], tasks)
    return plan_report(ctx, run_id, at=when)


def plan_report(
    ctx: ServiceContext, run_id: int, *, at: dt.datetime | None = None
) -> dict[str, Any]:
    """A run's steps: each task's party, due and done time, and whether it was done in time,
    done late, open or overdue at ``at``; how many were done in time."""
    when = at or utcnow()
    with ctx.connect() as conn:
        run = repo.get(conn, run_id=run_id)
        if run is None:
            raise NotFound(f"no plan run {run_id}")
        found = tasks_repo.of_subjects(
            conn, kind=TaskKind.RESPONSE_PLAN.value, subject_type=SUBJECT,
            subject_ids=[str(run_id)],
        ).get(str(run_id), [])  # fmt: skip
    plan = plans(ctx).get(run["plan"])
    steps = []
    for step, task in zip(plan.steps if plan else (), found, strict=False):
        done = task["done_time"]
        status = TaskStatus(task["status"])
        if status == TaskStatus.DONE and done is not None:
            state = "in_time" if done <= task["due_time"] else "late"
        elif status == TaskStatus.CANCELLED:
            state = "cancelled"
        elif status == TaskStatus.NOT_EXECUTABLE:
            state = "not_executable"
        else:
            state = "overdue" if task["due_time"] <= when else "open"
        steps.append(
            {
                "step": step.key,
                "action": step.action.value,
                "party": step.party.value,
                "task_id": task["task_id"],
                "resp_region": task["resp_region"],
                "resp_unit": task["resp_unit"],
                "due_time": task["due_time"],
                "done_time": done,
                "state": state,
            }
        )
    with writing(ctx) as unit:
        unit.read(SUBJECT, [run_id], pii=False, purpose="plan report")
    return {
        "run_id": run_id,
        "place_id": run["place_id"],
        "plan": run["plan"],
        "drill": run["drill"],
        "reason": run["reason"],
        "start_time": run["start_time"],
        "steps": steps,
        "done_in_time": sum(s["state"] == "in_time" for s in steps),
        "total": len(steps),
    }


__all__ = ["PARTY_LEVEL", "Trigger", "plan_report", "plans", "responsible", "run_plan"]
