"""`shoutu requests`: help requests (求助) received, triaged, assigned, worked, escalated."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer

from shoutu.cli import i18n
from shoutu.cli.imports import AllowDates, DateFormat, Encoding, FileArg
from shoutu.cli.output import emit_json, err, errors_as_exit, out, parse, parse_time
from shoutu.cli.state import state
from shoutu.domain.vocabulary import HelpCategory, HelpStatus, RegionLevel

app = typer.Typer(
    rich_markup_mode=None,
    help="Help requests from people in risk areas or under control: deadlines by severity, "
    "escalation community → town → district → city.",
    no_args_is_help=True,
)
Json = Annotated[bool, typer.Option("--json", help="Print JSON only.")]
At = Annotated[
    str | None,
    typer.Option("--at", help="When it happened (ISO 8601; naive: local time) [now]."),
]
Request = Annotated[int, typer.Argument(help="The help request's id.")]
COLUMNS = [
    "id",
    "category",
    "severity",
    "status",
    "responsible_level",
    "region_code",
    "due_time",
    "overdue",
]


def _at(context: Any, text: str | None, parameter: str = "at") -> dt.datetime | None:
    return parse_time(parameter, text, context.settings.timezone)


def _print(requests: list[dict[str, Any]], tz: str, zh: str, en: str) -> None:
    table = i18n.table(zh, en, COLUMNS)
    for r in requests:
        table.add_row(
            str(r["request_id"]),
            i18n.value(HelpCategory, r["category"]),
            str(r["severity"] or "—"),
            i18n.value(HelpStatus, r["status"]),
            i18n.value(RegionLevel, r["level"]),
            r["resp_region"] or r["region_code"],
            i18n.when(r["due_time"], tz),
            i18n.say("是", "yes") if r["overdue"] else "",
        )
    out.print(table)


def _show(request: dict[str, Any], tz: str, json: bool) -> None:
    if json:
        emit_json(request)
        return
    _print([request], tz, f"求助 {request['request_id']}", f"Help request {request['request_id']}")
    if request["never_waits_on_test"]:
        err.print(request["never_waits_on_test"], markup=False)
    if request["dispatch_now"]:
        err.print("dispatch now (120 / closed-loop vehicle)", markup=False)


@app.command("add")
def add(
    ctx: typer.Context,
    category: Annotated[
        str,
        typer.Option(
            help="medical_emergency, dialysis, obstetric, oncology, chronic_medicine, "
            "mental_health, food, infant_supplies, other."
        ),
    ],
    person: Annotated[int | None, typer.Option(help="The asker's person id.")] = None,
    region: Annotated[
        str | None, typer.Option(help="The address (community or building code) if no person.")
    ] = None,
    severity: Annotated[
        int | None,
        typer.Option(help="1 life-threatening, 2 health-threatening, 3 in difficulty, 4 none."),
    ] = None,
    channel: Annotated[str, typer.Option(help="hotline, community_worker, app.")] = "hotline",
    vulnerable: Annotated[
        str, typer.Option(help="Groups, comma-separated: elderly_alone, pregnant, infant, …")
    ] = "",
    note: Annotated[str | None, typer.Option(help="What was asked (stored encrypted).")] = None,
    received: Annotated[
        str | None, typer.Option(help="When it came (ISO 8601; naive: local time) [now].")
    ] = None,
    json: Json = False,
) -> None:
    """Record a help request; with --severity it is triaged at once and its deadline set."""
    from shoutu.domain.timeutil import utcnow
    from shoutu.domain.vocabulary import HelpChannel, VulnerableGroup
    from shoutu.services.control.help_requests import NewRequest, add_request

    with errors_as_exit(json):
        context = state(ctx).context()
        request = NewRequest(
            category=parse("category", HelpCategory.parse, category),
            received_time=_at(context, received, "received") or utcnow(),
            person_id=person,
            region_code=region,
            severity=severity,
            channel=parse("channel", HelpChannel.parse, channel),
            vulnerable=parse("vulnerable", VulnerableGroup.parse_many, vulnerable),
            note=note,
        )
        found = add_request(context, request)
    _show(found, context.settings.timezone, json)


@app.command("triage")
def triage(
    ctx: typer.Context,
    request: Request,
    severity: Annotated[int, typer.Option(help="1 life-threatening … 4 no danger.")],
    department: Annotated[str | None, typer.Option(help="Department responsible.")] = None,
    unit: Annotated[str | None, typer.Option(help="Unit responsible.")] = None,
    worker: Annotated[str | None, typer.Option(help="Worker responsible.")] = None,
    at: At = None,
    json: Json = False,
) -> None:
    """Set the severity: the deadline counts from now by the protocol's table."""
    from shoutu.services.control.help_requests import triage as service

    with errors_as_exit(json):
        context = state(ctx).context()
        found = service(
            context,
            request,
            severity=severity,
            at=_at(context, at),
            department=department,
            unit_name=unit,
            worker=worker,
        )
    _show(found, context.settings.timezone, json)


@app.command("assign")
def assign(
    ctx: typer.Context,
    request: Request,
    to: Annotated[str, typer.Option("--to", help="The worker it goes to.")],
    unit: Annotated[str | None, typer.Option(help="Their unit.")] = None,
    department: Annotated[str | None, typer.Option(help="Their department.")] = None,
    at: At = None,
    json: Json = False,
) -> None:
    """Give a triaged request to a worker."""
    from shoutu.services.control.help_requests import assign as service

    with errors_as_exit(json):
        context = state(ctx).context()
        found = service(
            context, request, worker=to, unit_name=unit, department=department,
            at=_at(context, at),
        )  # fmt: skip
    _show(found, context.settings.timezone, json)


@app.command("update")
def update(
    ctx: typer.Context,
    request: Request,
    status: Annotated[str | None, typer.Option(help="in_progress, resolved or cancelled.")] = None,
    outcome: Annotated[str | None, typer.Option(help="What was done.")] = None,
    refused_by: Annotated[
        str | None, typer.Option(help="A facility that refused the asker (for supervision).")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="The refusal's reason.")] = None,
    at: At = None,
    json: Json = False,
) -> None:
    """Move a request on (in progress, resolved, cancelled), or record a facility's refusal."""
    from shoutu.errors import BadRequest
    from shoutu.services.control import help_requests as service

    with errors_as_exit(json):
        context = state(ctx).context()
        when = _at(context, at)
        if refused_by is not None:
            found = service.refusal(
                context, request, facility=refused_by, reason=reason or "", at=when
            )
        elif status is not None:
            found = service.update(
                context,
                request,
                status=parse("status", HelpStatus.parse, status),
                outcome=outcome,
                at=when,
            )
        else:
            raise BadRequest("give {status} or {refused_by}")
    _show(found, context.settings.timezone, json)


@app.command("escalate-run")
def escalate_run(ctx: typer.Context, at: At = None, json: Json = False) -> None:
    """Escalate every request whose deadline passed unmet, each dated when it passed."""
    from shoutu.services.control.help_requests import escalate_run as service

    with errors_as_exit(json):
        context = state(ctx).context()
        done = service(context, at=_at(context, at))
    if json:
        emit_json({"escalated": [e.as_json() for e in done]})
        return
    tz = context.settings.timezone
    for e in done:
        out.print(
            f"request {e.request_id}: {e.from_level.value} → {e.to_level.value} at "
            f"{i18n.when(e.at, tz)} ({e.region})",
            markup=False,
        )
    out.print(i18n.say(f"升级 {len(done)} 件", f"{len(done)} escalations"), markup=False)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    open_: Annotated[bool, typer.Option("--open", help="Only requests not ended.")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue ones.")] = False,
    region: Annotated[str | None, typer.Option(help="Only in this region's subtree.")] = None,
    at: At = None,
    reveal: Annotated[bool, typer.Option("--reveal", help="Show the notes.")] = False,
    purpose: Annotated[str | None, typer.Option(help="Why the notes are revealed.")] = None,
    json: Json = False,
) -> None:
    """Help requests received by --at, overdue as of then."""
    from shoutu.services.control.help_views import list_requests

    with errors_as_exit(json):
        context = state(ctx).context()
        found = list_requests(
            context,
            status=parse("status", HelpStatus.parse, status) if status else None,
            open_only=open_,
            overdue_only=overdue,
            region=region,
            at=_at(context, at),
            reveal=reveal,
            purpose=purpose,
        )
    if json:
        emit_json({"requests": found})
        return
    print_requests(found, context.settings.timezone)


def print_requests(
    found: list[dict[str, Any]], tz: str, title: tuple[str, str] = ("求助", "Help requests")
) -> None:
    _print(found, tz, *title)


@app.command("show")
def show(
    ctx: typer.Context,
    request: Request,
    reveal: Annotated[bool, typer.Option("--reveal", help="Show the note.")] = False,
    purpose: Annotated[str | None, typer.Option(help="Why the note is revealed.")] = None,
    json: Json = False,
) -> None:
    """One request with its history of steps."""
    from shoutu.services.control.help_views import get_request

    with errors_as_exit(json):
        context = state(ctx).context()
        found = get_request(context, request, reveal=reveal, purpose=purpose)
    _show(found, context.settings.timezone, json)
    if not json:
        tz = context.settings.timezone
        for s in found["steps"]:
            place = f" at {s['facility']}" if s["facility"] else ""
            out.print(
                f"  {i18n.when(s['time'], tz)}  {s['action']}{place}  {s['level'] or ''}  "
                f"{s['detail'] or ''}",
                markup=False,
            )
        if found["note"]:
            out.print(f"  note: {found['note']}", markup=False)


@app.command("summary")
def summary(
    ctx: typer.Context,
    level: Annotated[str, typer.Option(help="Group by: community, town, district, city.")] = (
        "district"
    ),
    at: At = None,
    json: Json = False,
) -> None:
    """Open and overdue requests per region; median hours to resolution by category."""
    from shoutu.services.control.help_views import summary as service

    with errors_as_exit(json):
        context = state(ctx).context()
        found = service(
            context, at=_at(context, at), level=parse("level", RegionLevel.parse, level)
        )
    if json:
        emit_json(found)
        return
    print_summary(found)


def print_summary(found: dict[str, Any]) -> None:
    table = i18n.table(
        "求助汇总", "Help requests by region", ["region", "count", "open", "overdue"]
    )
    for r in found["regions"]:
        table.add_row(r["region_code"], str(r["received"]), str(r["open"]), str(r["overdue"]))
    out.print(table)
    for c in found["categories"]:
        out.print(
            f"  {i18n.value(HelpCategory, c['category'])}: {c['resolved']} resolved, median "
            f"{c['median_hours_to_resolution']:g} h",
            markup=False,
        )


@app.command("import")
def import_(
    ctx: typer.Context,
    file: FileArg,
    json: Json = False,
    date_format: DateFormat = None,
    allow_dates: AllowDates = False,
    encoding: Encoding = None,
) -> None:
    """A hotline's log: source_ref, received_time, category; optional severity (1–4),
    channel, person_id or region_code (one of them), vulnerable, note. All or nothing; the
    same row again changes nothing, the same source_ref with other values is refused."""
    from shoutu.services.control.help_import import import_requests

    with errors_as_exit(json):
        result = import_requests(
            state(ctx).context(),
            file,
            date_format=date_format,
            allow_dates=allow_dates,
            encoding=encoding,
        )
    if json:
        emit_json({"ok": True, "result": result.as_json(), "provenance": result.provenance})
        return
    out.print(
        f"{result.file}: {result.rows:,} help requests — {result.recorded:,} new "
        f"({result.triaged:,} triaged), {result.unchanged:,} unchanged",
        markup=False,
    )
