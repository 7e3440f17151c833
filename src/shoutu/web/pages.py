"""The pages: login, the command centre, a case, a signal's response workflow, and the public
bulletin (no login). Server-rendered (Jinja2); charts are islands fed by JSON endpoints; htmx
posts workflow steps with the session's CSRF token. A page without a login redirects to the
login form (the API answers 401 instead)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from shoutu.errors import Unauthenticated
from shoutu.services.context import ServiceContext
from shoutu.web.api import Id, set_cookie
from shoutu.web.auth import COOKIE, CSRF_FIELD, base, caller, maybe_caller, public
from shoutu.web.i18n import COOKIE as LANG_COOKIE
from shoutu.web.i18n import label, negotiate, term, translations
from shoutu.web.public_api import plausible, the_day

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
MaybeUser = Annotated[ServiceContext | None, Depends(maybe_caller)]


def context(request: Request, ctx: ServiceContext | None = None) -> dict[str, Any]:
    """What every page's template sees: the language and its words, the user, the CSRF
    token of their session."""
    lang = negotiate(request)
    token = getattr(request.state, "token", None)
    csrf = None
    if ctx is not None and token:
        from shoutu.services.access.sessions import csrf_token

        csrf = csrf_token(base(request), token)
    return {
        "lang": lang,
        "_": translations(lang).gettext,
        "label": lambda v: label(v, lang),
        "term": lambda kind, v: term(kind, v, lang),
        "user": ctx.principal if ctx is not None else None,
        "rights": {r.value for r in ctx.principal.rights} if ctx is not None else set(),
        "csrf": csrf,
        "csrf_field": CSRF_FIELD,
        "other_lang": "en" if lang == "zh" else "zh",
    }


def render(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    shown = context(request, values.get("ctx"))
    lang = shown["lang"]
    response = templates.TemplateResponse(request, name, {**shown, **values}, status_code=status)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)


def safe_next(target: str) -> str:
    """Where to go after logging in: a path of this site only (never ``//host`` or a URL)."""
    parts = urlsplit(target)
    if (
        not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or parts.scheme
        or parts.netloc
        or any(c in target for c in "\r\n\\")
    ):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", next=safe_next(next))


def same_origin(request: Request) -> bool:
    """Whether a form post comes from this site's own page (its Origin, else Referer)."""
    sent = request.headers.get("origin") or request.headers.get("referer")
    if not sent:
        return False
    parts = urlsplit(sent)
    return f"{parts.scheme}://{parts.netloc}" == f"{request.url.scheme}://{request.url.netloc}"


@router.post("/login", response_class=HTMLResponse)
async def login_post(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    from shoutu.services.access.sessions import login
    from shoutu.web.ratelimit import login_attempt

    if not same_origin(request):
        return render(request, "login.html", status=403, next="/", error="origin")
    login_attempt(request)
    try:
        found = await run_in_threadpool(login, public(request), username, password)
    except Unauthenticated as exc:
        return render(request, "login.html", status=401, next=safe_next(next), error=str(exc))
    response = RedirectResponse(safe_next(next), status_code=303)
    set_cookie(response, request, found.token, found.expires_at)
    return response


@router.post("/logout")
async def logout_post(
    request: Request, ctx: Annotated[ServiceContext, Depends(caller)]
) -> Response:
    from shoutu.services.access.sessions import logout

    await run_in_threadpool(logout, ctx, request.state.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, ctx: MaybeUser, date: dt.date | None = None) -> Response:
    """The command centre on a day (default: the latest): the situation, the curve by
    in-control / community / imported, R_t, the district map, the four "should" rates, the
    parties furthest behind, open signals."""
    from shoutu.domain.vocabulary import Right
    from shoutu.services.command.centre import command_centre

    if ctx is None:
        return to_login(request)
    if not ctx.principal.may(Right.VIEW_CASES):  # a lab or a key place: its own page
        return RedirectResponse("/lab", status_code=303)
    day = the_day(ctx, date)
    found = command_centre(ctx, day)
    return render(
        request,
        "dashboard.html",
        ctx=ctx,
        c=found,
        s=found["situation"],
        signals=found["open_signals"],
        day=day,
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request, case_id: Id, ctx: MaybeUser, contacts: str | None = None
) -> Response:
    """A case: its timeline, its person (masked), its likely infector, its contacts a page at
    a time (``contacts``: the cursor of the next page) and its tasks."""
    from shoutu.services.registry.cases import case_record
    from shoutu.web import paging

    if ctx is None:
        return to_login(request)
    after = paging.after_id(contacts)
    found = case_record(ctx, case_id, contacts=CONTACTS_PER_PAGE + 1, after=after)
    rows = found["contact_page"]
    shown = paging.page(rows, CONTACTS_PER_PAGE, lambda r: (r["contact_id"],))
    return render(
        request,
        "case.html",
        ctx=ctx,
        found=found,
        person=found["person"],
        contacts=rows[:CONTACTS_PER_PAGE],
        next_contacts=shown.next_cursor,
        tz=ZoneInfo(ctx.settings.timezone),  # dates as the reader's local days
    )


CONTACTS_PER_PAGE = 50


@router.get("/signals/{signal_id}", response_class=HTMLResponse)
def signal_page(request: Request, signal_id: Id, ctx: MaybeUser) -> Response:
    """A signal and its response workflow: the next steps it may take (none shown to a
    user without the right to respond)."""
    from shoutu.domain.vocabulary import Right
    from shoutu.services.surveillance.signals import NEXT, get_signal

    if ctx is None:
        return to_login(request)
    found = get_signal(ctx, signal_id)
    steps = sorted(NEXT[found["status"]], key=lambda s: s.value)
    if not ctx.principal.may(Right.RESPOND_TO_SIGNALS):  # an observer: no buttons it may not use
        steps = []
    return render(request, "signal.html", ctx=ctx, signal=found, steps=steps)


@router.get("/control", response_class=HTMLResponse)
def control_page(request: Request, ctx: MaybeUser, episodes: Id | None = None) -> Response:
    """The control desk: episodes in force (a page after the episode ``episodes``), open
    help requests with their steps, proposed risk areas to approve."""
    from shoutu.services.command.centre import control_desk

    if ctx is None:
        return to_login(request)
    return render(request, "control.html", ctx=ctx, desk=control_desk(ctx, after=episodes))


@router.get("/control/four", response_class=HTMLResponse)
def four_page(
    request: Request, ctx: MaybeUser, date: dt.date | None = None, level: str | None = None
) -> Response:
    """The four "should" lists (四应) per region on a day, with who was not covered, and
    community zero per region, of the user's jurisdiction (by default at its own level: the
    districts, a town's towns, a community's communities)."""
    from shoutu.domain.regions import LEVEL_DIGITS
    from shoutu.domain.vocabulary import RegionLevel
    from shoutu.services.command.centre import four_and_zero, rows_level
    from shoutu.web.public_api import the_day

    if ctx is None:
        return to_login(request)
    four = four_and_zero(ctx, the_day(ctx, date), level)
    own = LEVEL_DIGITS[rows_level(ctx.principal.view)]  # no level above the user's own
    levels = [
        lv
        for lv in (RegionLevel.DISTRICT, RegionLevel.TOWN, RegionLevel.COMMUNITY)
        if LEVEL_DIGITS[lv] >= own
    ]
    return render(request, "four.html", ctx=ctx, four=four, levels=levels)


@router.get("/worker", response_class=HTMLResponse)
def worker_page(request: Request, ctx: MaybeUser, date: dt.date | None = None) -> Response:
    """A community worker's round (phone first): the people to check today, a health-check
    form each (forms that cannot be sent are kept on the phone and sent when back online),
    and the open help requests to act on."""
    from shoutu.domain.vocabulary import Symptom
    from shoutu.services.command.centre import worker_day

    if ctx is None:
        return to_login(request)
    return render(
        request,
        "worker.html",
        ctx=ctx,
        day=worker_day(ctx, None if date is None else plausible(ctx, date)),
        symptoms=list(Symptom),
    )


@router.get("/lab", response_class=HTMLResponse)
def lab_page(request: Request, ctx: MaybeUser) -> Response:
    """A lab's upload: check a results file (its bad rows and fields), then store it; the
    recall list of positive pools."""
    from shoutu.services.screening.recalls import recall_list

    if ctx is None:
        return to_login(request)
    return render(request, "lab.html", ctx=ctx, pools=recall_list(ctx, limit=50))


@router.get("/public/self-check", response_class=HTMLResponse)
def self_check_page(request: Request, date: dt.date | None = None) -> HTMLResponse:
    """The public self-check (no login, phone first): the published places and windows, and
    a form for one's own visit."""
    return _self_check(request, date)


@router.post("/public/self-check", response_class=HTMLResponse)
def self_check_post(
    request: Request,
    place_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
    start: Annotated[str, Form()],
    end: Annotated[str, Form()],
    date: Annotated[dt.date | None, Form()] = None,
) -> HTMLResponse:
    """The answer for one visit (local times as the form gives them; nothing is stored)."""
    from shoutu.domain.timeutil import parse_timestamp
    from shoutu.errors import BadRequest

    ctx = public(request)
    try:
        visit = (
            place_id,
            parse_timestamp(start, ctx.settings.timezone),
            parse_timestamp(end, ctx.settings.timezone),
        )
    except ValueError as exc:
        raise BadRequest(f"the visit's times: {exc}") from None
    return _self_check(request, date, visit)


def _self_check(
    request: Request,
    date: dt.date | None,
    visit: tuple[int, dt.datetime, dt.datetime] | None = None,
) -> HTMLResponse:
    from shoutu.services.public.self_check import check_visits, published_windows, windows_json

    ctx = public(request)
    day = the_day(ctx, date)
    windows = windows_json(published_windows(ctx, day))
    answer = None if visit is None else check_visits(ctx, day, [visit])
    return render(request, "self_check.html", day=day, windows=windows, answer=answer, asked=visit)


@router.get("/public", response_class=HTMLResponse)
def public_page(request: Request, date: dt.date | None = None) -> HTMLResponse:
    """The public bulletin of a day (default the latest; no login): the day's figures, the
    curve, the map, risk areas."""
    from shoutu.services.public.areas import public_areas
    from shoutu.services.public.bulletin import bulletin

    ctx = public(request)
    day = the_day(ctx, date)
    return render(
        request,
        "public.html",
        b=bulletin(ctx, day).figures,
        areas=public_areas(ctx, day).as_json(),
    )


__all__ = ["router"]
