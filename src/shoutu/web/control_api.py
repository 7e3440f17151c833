"""/api/v1 for control and command: episodes of control, the four "should" rates and
community zero, help requests and their steps, risk areas and their approval, and
supervision's board — each route one service call as the
request's user (whose jurisdiction the repositories apply)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shoutu.domain.vocabulary import AreaStatus, ControlKind, ControlStatus, HelpStatus
from shoutu.web import paging
from shoutu.web.api import Cursor, Id, Limit
from shoutu.web.auth import Caller
from shoutu.web.encoding import plain
from shoutu.web.problems import ERRORS

router = APIRouter(prefix="/api/v1", responses=ERRORS)
STEP_ERRORS: dict[int | str, dict[str, Any]] = {409: ERRORS[400] | {"description": "Not now"}}


@router.get("/episodes", tags=["control"])
def episodes(
    ctx: Caller,
    status: ControlStatus | None = None,
    kind: ControlKind | None = None,
    person_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Episodes of control (quarantine, isolation, monitoring) of people in the caller's
    jurisdiction, with their stages and test days, oldest first; ``next_cursor`` fetches
    the next page."""
    from shoutu.services.control.episode_list import list_episodes

    after = paging.after_id(cursor)
    rows = list_episodes(
        ctx,
        status=status,
        kind=kind,
        person_id=person_id,
        limit=limit + 1,
        after=after,
    )
    page = paging.page(rows, limit, lambda r: (r["episode_id"],))
    return {"episodes": page.items, "next_cursor": page.next_cursor}


@router.get("/help-requests", tags=["help requests"])
def help_requests(
    ctx: Caller,
    status: HelpStatus | None = None,
    open_only: bool = False,
    overdue_only: bool = False,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Help requests (求助) in the caller's jurisdiction by id, notes masked, deadlines as of
    now; ``next_cursor`` fetches the next page."""
    from shoutu.services.control.help_views import list_requests

    after = paging.after_id(cursor)
    found = list_requests(
        ctx,
        status=status,
        open_only=open_only,
        overdue_only=overdue_only,
        limit=limit + 1,
        after=after,
    )
    page = paging.page(found, limit, lambda r: (r["request_id"],))
    return {"requests": page.items, "next_cursor": page.next_cursor}


@router.get("/help-requests/{request_id}", tags=["help requests"])
def help_request(request_id: Id, ctx: Caller) -> dict[str, Any]:
    """One help request with its steps (the note masked)."""
    from shoutu.services.control.help_views import get_request

    found: dict[str, Any] = plain(get_request(ctx, request_id))
    return found


class HelpStep(BaseModel):
    """A step of a help request: ``triage`` (severity 1–4), ``assign`` (worker), or
    ``update`` (status, outcome)."""

    action: Literal["triage", "assign", "update"]
    severity: int | None = Field(default=None, ge=1, le=4)
    worker: str | None = Field(default=None, min_length=1, max_length=64)
    unit: str | None = Field(default=None, max_length=128)
    status: HelpStatus | None = None
    outcome: str | None = Field(default=None, max_length=2000)


@router.post("/help-requests/{request_id}/steps", tags=["help requests"], responses=STEP_ERRORS)
def help_step(request_id: Id, body: HelpStep, ctx: Caller) -> dict[str, Any]:
    """Work a help request: triage, assign or update (each step audited)."""
    from shoutu.errors import BadRequest
    from shoutu.services.control import help_requests as service

    if body.action == "triage":
        if body.severity is None:
            raise BadRequest("triage needs the {severity}")
        found = service.triage(ctx, request_id, severity=body.severity)
    elif body.action == "assign":
        if body.worker is None:
            raise BadRequest("assigning needs the {worker}")
        found = service.assign(ctx, request_id, worker=body.worker, unit_name=body.unit)
    else:
        if body.status is None:
            raise BadRequest("an update needs the {status}")
        found = service.update(ctx, request_id, status=body.status, outcome=body.outcome)
    shown: dict[str, Any] = plain(found)
    return shown


@router.get("/areas", tags=["risk areas"])
def areas(ctx: Caller, status: AreaStatus | None = None) -> dict[str, Any]:
    """Risk areas (风险区) in the caller's jurisdiction: proposed, approved, lifted."""
    from shoutu.services.control.areas import list_areas

    return {"areas": list_areas(ctx, status=status)}


@router.post("/areas/{area_id}/approve", tags=["risk areas"], responses=STEP_ERRORS)
def approve_area(area_id: Id, ctx: Caller) -> dict[str, Any]:
    """Approve a proposed area (the right to approve risk areas, in one's capture scope)."""
    from shoutu.services.control.areas import approve_areas

    return {"areas": approve_areas(ctx, [area_id])}


@router.get("/supervision/board", tags=["supervision"])
def board(
    ctx: Caller,
    date: Annotated[dt.date | None, Query(description="Default: the latest day.")] = None,
    level: Annotated[str, Query(pattern="^[a-z_]+$", max_length=32)] = "district",
) -> dict[str, Any]:
    """Who is behind (open, overdue, failed tasks per party), ranked, with the 7-day trend,
    for the parties in the caller's jurisdiction."""
    from shoutu.services.supervision.board import board as run
    from shoutu.web.public_api import the_day

    return run(ctx, the_day(ctx, date), level=level)


Level = Annotated[str, Query(pattern="^[a-z_]+$", max_length=32)]


@router.get("/coverage", tags=["control"])
def coverage(
    ctx: Caller,
    date: Annotated[dt.date | None, Query(description="Default: the latest day.")] = None,
    level: Level = "district",
    list_limit: Annotated[int, Query(ge=0, le=1000)] = 100,
) -> dict[str, Any]:
    """The four "should" rates (四应) per region on the day, numerator and denominator, and
    who was not covered (up to ``list_limit`` each), of the people whose home lies in the
    caller's jurisdiction; each list read audited."""
    from shoutu.services.control.coverage import coverage as run
    from shoutu.web.public_api import the_day

    found = run(ctx, date=the_day(ctx, date), level=level, limit=list_limit).as_json()
    found.pop("lists_dir")
    shown: dict[str, Any] = plain(found)
    return shown


@router.get("/community-zero", tags=["control"])
def community_zero(
    ctx: Caller,
    date: Annotated[dt.date | None, Query(description="Default: the latest day.")] = None,
    level: Level = "district",
) -> dict[str, Any]:
    """Community zero (社会面清零) per region on the day, by the protocol's rule: days since
    the last community case, the status and its streak, and whether every region is at
    zero — of the cases and residents in the caller's jurisdiction."""
    from shoutu.services.control.community_zero import from_registry
    from shoutu.web.public_api import the_day

    shown: dict[str, Any] = plain(from_registry(ctx, day=the_day(ctx, date), level=level).as_json())
    return shown


__all__ = ["router"]
