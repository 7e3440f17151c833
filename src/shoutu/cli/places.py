"""`shoutu places`: key places' response plans — listed, triggered, drilled, reported."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoutu.cli import i18n
from shoutu.cli.output import emit_json, errors_as_exit, out, parse, parse_time
from shoutu.cli.state import state

app = typer.Typer(
    rich_markup_mode=None,
    help="Key places: daily reports, response plans (应急预案) triggered by a case or a "
    "signal, or drilled.",
    no_args_is_help=True,
)
Json = Annotated[bool, typer.Option("--json", help="Print JSON only.")]
At = Annotated[
    str | None,
    typer.Option("--at", help="When (ISO 8601; naive: local time) [now]."),
]
Place = Annotated[int, typer.Argument(help="The key place's id.")]
PlanOpt = Annotated[
    str | None, typer.Option("--plan", help="The plan's name [the plan for the place's type].")
]


def _at(context: Any, text: str | None) -> Any:
    return parse_time("at", text, context.settings.timezone)


def _print(report: dict[str, Any], tz: str, json: bool) -> None:
    if json:
        emit_json(report)
        return
    kind = i18n.say("演练", "drill") if report["drill"] else report["reason"]
    table = i18n.table(
        f"预案 {report['plan']} — 场所 {report['place_id']}（{kind}）",
        f"Plan {report['plan']} — place {report['place_id']} ({kind})",
        ["step", "task_id", "party", "region", "due_time", "done", "status"],
    )
    for s in report["steps"]:
        table.add_row(
            s["step"],
            str(s["task_id"]),
            s["party"],
            s["resp_region"] or "",
            i18n.when(s["due_time"], tz),
            i18n.when(s["done_time"], tz),
            s["state"],
        )
    out.print(table)
    out.print(
        i18n.say(
            f"按时完成 {report['done_in_time']}/{report['total']} 步（运行 {report['run_id']}）",
            f"{report['done_in_time']} of {report['total']} steps done in time "
            f"(run {report['run_id']})",
        ),
        markup=False,
    )


@app.command("plans")
def list_plans(ctx: typer.Context, json: Json = False) -> None:
    """The response plans: place types, steps, parties and due hours."""
    from shoutu.services.control.key_places import plans

    with errors_as_exit(json):
        found = plans(state(ctx).context())
    data = {name: plan.model_dump(mode="json") for name, plan in sorted(found.items())}
    if json:
        emit_json({"plans": data})
        return
    for name, plan in data.items():
        marked = " (times a proposal)" if plan["proposal"] else ""
        out.print(f"{name}: {plan['title_en']}{marked} — {', '.join(plan['place_types'])}")
        for s in plan["steps"]:
            out.print(f"  {s['key']}: {s['party']} within {s['due_hours']:g} h — {s['text_en']}")


@app.command("trigger")
def trigger(
    ctx: typer.Context,
    place: Place,
    case: Annotated[int | None, typer.Option(help="The case that touched the place.")] = None,
    signal: Annotated[int | None, typer.Option(help="The signal that touched it.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why, in words.")] = None,
    plan: PlanOpt = None,
    at: At = None,
    json: Json = False,
) -> None:
    """Run the place's response plan: one task per step with its party and due time."""
    from shoutu.services.control.key_places import Trigger, run_plan

    with errors_as_exit(json):
        context = state(ctx).context()
        report = run_plan(
            context,
            place,
            plan=plan,
            trigger=Trigger(case_id=case, signal_id=signal, reason=reason),
            at=_at(context, at),
        )
    _print(report, context.settings.timezone, json)


@app.command("drill")
def drill(
    ctx: typer.Context, place: Place, plan: PlanOpt = None, at: At = None, json: Json = False
) -> None:
    """Run a plan as an exercise: its tasks are marked as a drill; `places report RUN` later
    says which steps were done in time."""
    from shoutu.services.control.key_places import run_plan

    with errors_as_exit(json):
        context = state(ctx).context()
        report = run_plan(context, place, plan=plan, at=_at(context, at), drill=True)
    _print(report, context.settings.timezone, json)


@app.command("report")
def report(
    ctx: typer.Context,
    run: Annotated[int, typer.Argument(help="The plan run (from trigger or drill).")],
    at: At = None,
    json: Json = False,
) -> None:
    """A plan run's steps: done in time, late, open or overdue."""
    from shoutu.services.control.key_places import plan_report

    with errors_as_exit(json):
        context = state(ctx).context()
        found = plan_report(context, run, at=_at(context, at))
    _print(found, context.settings.timezone, json)


@app.command("reports")
def reports(
    ctx: typer.Context,
    date: Annotated[str, typer.Option("--date", help="The day reported (YYYY-MM-DD).")],
    at: At = None,
    protocol: Annotated[
        str | None, typer.Option(help="Protocol whose key_places apply [SHOUTU_PROTOCOL].")
    ] = None,
    json: Json = False,
) -> None:
    """Key places' daily reports for a day: each place of the protocol's reporting types with
    its report (received, late) or none (due, overdue past the protocol's hour of the next
    day), attendance, absences for illness and their share, symptomatic people, disinfection."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.control.place_reports import reports_day

    with errors_as_exit(json):
        day = parse("date", parse_date, date)
        context = state(ctx).context()
        found = reports_day(context, day, at=_at(context, at), protocol=protocol)
    if json:
        emit_json(found)
        return
    counts = found["counts"]
    out.print(
        f"{found['date']} ({found['protocol']}, due {found['due']}): "
        + ", ".join(f"{n} {status}" for status, n in counts.items()),
        markup=False,
    )
    for p in found["places"]:
        figures = (
            f" — absent for illness {p['absent_ill'] or 0}"
            + (f" ({p['absent_ill_share']:.1%})" if p.get("absent_ill_share") is not None else "")
            + f", symptomatic {p['symptomatic']}, disinfected {'yes' if p['disinfected'] else 'no'}"
            if "symptomatic" in p
            else ""
        )
        out.print(
            f"  {p['place_id']} {p['name']} ({p['type']}): {p['status']}{figures}", markup=False
        )


@app.command("trigger-cases")
def trigger_cases(
    ctx: typer.Context,
    date: Annotated[str, typer.Option("--date", help="The day the cases were reported.")],
    at: At = None,
    json: Json = False,
) -> None:
    """Trigger the response plans of the key places the day's cases touched (their
    workplace, school and check-ins in their window); a place whose triggered run still has
    open tasks is already responding. The same day again triggers nothing new."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.control.key_place_cases import trigger_for_cases

    with errors_as_exit(json):
        day = parse("date", parse_date, date)
        context = state(ctx).context()
        found = trigger_for_cases(context, day, at=_at(context, at))
    if json:
        emit_json(found)
        return
    out.print(f"{found['date']}: {found['cases']} cases", markup=False)
    for p in found["places"]:
        cases = ", ".join(f"case {c['case_id']} ({c['how']})" for c in p["cases"])
        state_text = "triggered" if p["triggered"] else "already responding"
        out.print(
            f"  place {p['place_id']} ({p['type']}): {state_text}, run {p['run_id']} — {cases}",
            markup=False,
        )
