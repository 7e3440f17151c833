"""/api/v1: the session, cases, people, tasks and signals — each route parses, calls one
service as the request's user (whose jurisdiction the repositories apply) and renders."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from shoutu.domain.vocabulary import CaseStatus, SignalStatus, TaskKind, TaskStatus
from shoutu.errors import PreconditionFailed, PreconditionRequired
from shoutu.web import paging
from shoutu.web.auth import COOKIE, Caller, Public
from shoutu.web.encoding import plain
from shoutu.web.problems import ERRORS

router = APIRouter(prefix="/api/v1", responses=ERRORS)
Limit = Annotated[int, Query(ge=1, le=500, description="Rows per page.")]
Cursor = Annotated[str | None, Query(description="The next_cursor of the previous page.")]
#: a record's id (a 64-bit integer in every store)
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class Session(BaseModel):
    token: str
    expires_at: dt.datetime
    username: str
    role: str
    csrf_token: str


def set_cookie(response: Response, request: Request, token: str, expires: dt.datetime) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure when so configured."""
    settings = request.app.state.ctx.settings
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/",
    )


@router.post(
    "/session",
    response_model=Session,
    tags=["session"],
    responses={429: ERRORS[400] | {"description": "Too many attempts"}},
)
def open_session(body: Credentials, request: Request, response: Response, ctx: Public) -> Session:
    """Log in: a bearer token for API clients, and the session cookie for browsers."""
    from shoutu.services.access.sessions import csrf_token, login
    from shoutu.web.ratelimit import login_attempt

    login_attempt(request)
    found = login(ctx, body.username, body.password)
    set_cookie(response, request, found.token, found.expires_at)
    return Session(
        token=found.token,
        expires_at=found.expires_at,
        username=found.principal.name,
        role=str(found.principal.role),
        csrf_token=csrf_token(ctx, found.token),
    )


@router.delete("/session", status_code=204, tags=["session"])
def close_session(request: Request, ctx: Caller) -> Response:
    """Log out (the token or cookie stops working)."""
    from shoutu.services.access.sessions import logout

    logout(ctx, request.state.token)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/cases", response_model=paging.Page, tags=["cases"])
def cases(
    ctx: Caller,
    status: CaseStatus | None = None,
    region: Annotated[str | None, Query(description="Region code or code prefix.")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> paging.Page:
    """Cases in the caller's jurisdiction, latest report first."""
    from shoutu.services.registry.cases import list_cases

    after = paging.decode(cursor, (paging.timestamp, paging.integer))
    rows = list_cases(ctx, status=status, region=region, limit=limit + 1, after=after)
    return paging.page(rows, limit, lambda r: (r["report_time"], r["case_id"]))


@router.get("/cases/{case_id}", tags=["cases"])
def case(case_id: Id, ctx: Caller) -> dict[str, Any]:
    """One case with its contacts (counts by kind) and tasks."""
    from shoutu.services.registry.cases import get_case

    found: dict[str, Any] = plain(get_case(ctx, case_id))
    return found


@router.get("/cases/{case_id}/chain", tags=["cases"])
def case_chain(case_id: Id, ctx: Caller) -> dict[str, Any]:
    """The case's transmission chain as tracing recorded it, two steps out, within the
    caller's jurisdiction: nodes (cases), edges (infector → infectee, with the setting) and
    the likely infector."""
    from shoutu.services.investigation.case_chain import case_chain as run

    return run(ctx, case_id)


@router.get("/cases/{case_id}/contacts", response_model=paging.Page, tags=["cases"])
def case_contacts(
    case_id: Id, ctx: Caller, limit: Limit = 50, cursor: Cursor = None
) -> paging.Page:
    """The case's contacts, a page at a time: kind, setting, last exposure, the episode each
    opened and the case its person became."""
    from shoutu.services.registry.cases import case_contacts as run

    after = paging.after_id(cursor)
    rows = run(ctx, case_id, limit=limit + 1, after=after)
    return paging.page(rows, limit, lambda r: (r["contact_id"],))


@router.get("/people/{person_id}", tags=["people"])
def person(
    person_id: Id,
    ctx: Caller,
    reveal: Annotated[bool, Query(description="Show personal data (needs a purpose).")] = False,
    purpose: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    """One person, masked unless revealed with a right and a stated purpose; audited."""
    from shoutu.services.registry.people import get_person

    return get_person(ctx, person_id, reveal=reveal, purpose=purpose).as_json()


def etag(task: dict[str, Any]) -> str:
    stamp: dt.datetime = task["updated_at"]
    return f'"{task["task_id"]}-{int(stamp.timestamp() * 1_000_000)}"'


@router.get("/tasks", response_model=paging.Page, tags=["tasks"])
def tasks(
    ctx: Caller,
    status: TaskStatus | None = None,
    kind: TaskKind | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> paging.Page:
    """Tasks in the caller's jurisdiction, oldest first."""
    from shoutu.services.supervision.task_list import list_tasks

    after = paging.after_id(cursor)
    rows = list_tasks(ctx, status=status, kind=kind, limit=limit + 1, after=after)
    return paging.page(rows, limit, lambda r: (r["task_id"],))


@router.get("/tasks/{task_id}", tags=["tasks"])
def task(task_id: Id, ctx: Caller, response: Response) -> dict[str, Any]:
    """One task; its ETag goes in If-Match to change it."""
    from shoutu.services.supervision.task_list import get_task

    found = get_task(ctx, task_id)
    response.headers["ETag"] = etag(found)
    shown: dict[str, Any] = plain(found)
    return shown


class TaskChange(BaseModel):
    status: TaskStatus | None = None
    reply: str | None = Field(default=None, max_length=2000)
    priority: int | None = Field(default=None, ge=1, le=4)


@router.patch(
    "/tasks/{task_id}",
    tags=["tasks"],
    responses={
        409: ERRORS[400] | {"description": "Not allowed now"},
        412: ERRORS[400] | {"description": "Stale ETag"},
        428: ERRORS[400] | {"description": "If-Match missing"},
    },
)
async def change_task(
    task_id: Id,
    body: TaskChange,
    ctx: Caller,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Work a task (status, reply, priority); If-Match must carry its current ETag."""
    from shoutu.services.supervision.task_list import get_task
    from shoutu.services.supervision.tasks import update_task

    if if_match is None:
        raise PreconditionRequired("send If-Match with the task's ETag (GET the task first)")
    seen = await run_in_threadpool(get_task, ctx, task_id)
    if if_match.strip() != etag(seen):
        raise PreconditionFailed(f"task {task_id} has changed since: read it again")
    changed = await run_in_threadpool(
        lambda: update_task(
            ctx,
            task_id,
            status=body.status,
            reply=body.reply,
            priority=body.priority,
            version=seen["updated_at"],
        )
    )
    response.headers["ETag"] = etag(changed)
    shown: dict[str, Any] = plain(changed)
    return shown


@router.get("/signals", response_model=paging.Page, tags=["signals"])
def signals(
    ctx: Caller,
    status: SignalStatus | None = None,
    open_only: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> paging.Page:
    """Signals in the caller's jurisdiction, latest first."""
    from shoutu.services.surveillance.signals import list_signals

    after = paging.decode(cursor, (paging.day, paging.integer))
    rows = list_signals(ctx, status=status, open_only=open_only, limit=limit + 1, after=after)
    return paging.page(rows, limit, lambda r: (r["date_end"], r["signal_id"]))


@router.get("/signals/{signal_id}", tags=["signals"])
def signal(signal_id: Id, ctx: Caller) -> dict[str, Any]:
    from shoutu.services.surveillance.signals import get_signal

    found: dict[str, Any] = plain(get_signal(ctx, signal_id))
    return found


@router.get("/signals/{signal_id}/series", tags=["signals"])
def signal_series(signal_id: Id, ctx: Caller) -> dict[str, Any]:
    """The signal's channel in its region for the 28 days to its end, with its threshold."""
    from shoutu.services.surveillance.signal_series import signal_series as run

    return run(ctx, signal_id)


class SignalStep(BaseModel):
    status: SignalStatus
    unit: str | None = Field(default=None, max_length=128)
    note: str | None = Field(default=None, max_length=2000)


@router.post(
    "/signals/{signal_id}/steps",
    tags=["signals"],
    responses={409: ERRORS[400] | {"description": "Not allowed now"}},
)
def signal_step(signal_id: Id, body: SignalStep, ctx: Caller) -> dict[str, Any]:
    """The response workflow's next step (verifying, investigating, confirmed, dismissed)."""
    from shoutu.services.surveillance.signals import update_signal

    found: dict[str, Any] = plain(
        update_signal(ctx, signal_id, status=body.status, unit=body.unit, note=body.note)
    )
    return found


__all__ = ["router"]
