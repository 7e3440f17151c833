"""`shoutu areas`: risk areas proposed from cases, approved, edited, run day by day, published."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from shoutu.cli import i18n
from shoutu.cli.output import emit_json, err, errors_as_exit, out, parse, write_rows
from shoutu.cli.state import state
from shoutu.domain.vocabulary import AreaMeasure, AreaStatus, RiskLevel

app = typer.Typer(
    rich_markup_mode=None,
    help="Risk areas: proposed from cases, approved, stepped down by the protocol's timers.",
    no_args_is_help=True,
)
Json = Annotated[bool, typer.Option("--json", help="Print JSON only.")]
Day = Annotated[str, typer.Option("--date", help="The day (YYYY-MM-DD), as of its 24:00.")]
Measure = Annotated[
    str | None,
    typer.Option(help="The area's own measure (一区一策): stay_home, stay_in_area, no_gathering."),
]
COLUMNS = ["area_id", "region_code", "level", "measure", "status", "population", "since"]


def _day(text: str) -> Any:
    from shoutu.domain.timeutil import parse_date

    return parse("date", parse_date, text)


def _measure(text: str | None) -> AreaMeasure | None:
    return None if text is None else parse("measure", AreaMeasure, text)


def _print_areas(zh: str, en: str, areas: list[dict[str, Any]]) -> None:
    table = i18n.table(zh, en, COLUMNS)
    for a in areas:
        table.add_row(
            str(a["area_id"]),
            a["region_code"],
            i18n.value(RiskLevel, a["level"]),
            i18n.value(AreaMeasure, a["measure"]),
            i18n.value(AreaStatus, a["status"]),
            str(a["population"] if a["population"] is not None else ""),
            a["since"] or a["proposed_date"] or "",
        )
    out.print(table)


@app.command("propose")
def propose(
    ctx: typer.Context,
    date: Day,
    protocol: Annotated[str | None, typer.Option(help="Protocol [SHOUTU_PROTOCOL].")] = None,
    json: Json = False,
) -> None:
    """Propose the risk areas the cases reported on the day call for: each residence high
    (building or compound by the protocol), workplaces and long stays at the protocol's
    level, the rest of their counties low; each with its reasons and residents."""
    from shoutu.services.control.areas import propose_areas

    with errors_as_exit(json):
        found = propose_areas(state(ctx).context(), _day(date), protocol=protocol)
    if json:
        emit_json(found)
        return
    _print_areas(
        f"风险区提议 — {found['date']}", f"Proposed areas — {found['date']}", found["proposed"]
    )
    for a in found["proposed"]:
        err.print(f"area {a['area_id']}: {a['reason']}", markup=False)
    if found["counties_low"]:
        err.print(f"counties low: {', '.join(found['counties_low'])}", markup=False)


@app.command("approve")
def approve(
    ctx: typer.Context,
    areas: Annotated[list[int] | None, typer.Argument(help="Proposed areas to approve.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Approve every proposed area.")] = False,
    effective: Annotated[
        str | None, typer.Option(help="The first day in force (YYYY-MM-DD) [the proposal's].")
    ] = None,
    measure: Measure = None,
    json: Json = False,
) -> None:
    """Approve proposed areas: only approved areas take effect."""
    from shoutu.services.control.areas import approve_areas

    with errors_as_exit(json):
        approved = approve_areas(
            state(ctx).context(),
            areas or [],
            every=every,
            effective=_day(effective) if effective else None,
            measure=_measure(measure),
        )
    if json:
        emit_json({"approved": approved})
        return
    _print_areas("已批准风险区", "Approved areas", approved)
    for a in approved:
        if a["campaign_id"] is not None:
            err.print(f"area {a['area_id']}: mass screening, campaign {a['campaign_id']}")


@app.command("reject")
def reject(
    ctx: typer.Context,
    areas: Annotated[list[int], typer.Argument(help="Proposed areas to reject.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")],
    json: Json = False,
) -> None:
    """Reject proposed areas, with the reason."""
    from shoutu.services.control.areas import reject_areas

    with errors_as_exit(json):
        count = reject_areas(state(ctx).context(), areas, reason)
    if json:
        emit_json({"rejected": count})
    else:
        err.print(f"{count} areas rejected", markup=False)


@app.command("edit")
def edit(
    ctx: typer.Context,
    area: Annotated[int, typer.Argument(help="The area.")],
    add: Annotated[
        list[str] | None, typer.Option("--add", help="A region code to add (building…).")
    ] = None,
    remove: Annotated[
        list[str] | None, typer.Option("--remove", help="A region code to take out.")
    ] = None,
    measure: Measure = None,
    json: Json = False,
) -> None:
    """Change an area's extent (add or remove buildings or compounds) or its measure."""
    from shoutu.services.control.areas import edit_area

    with errors_as_exit(json):
        changed = edit_area(
            state(ctx).context(),
            area,
            add=add or [],
            remove=remove or [],
            measure=_measure(measure),
        )
    if json:
        emit_json({"area": changed})
        return
    _print_areas("风险区", "Area", [changed])
    err.print(f"extent: {', '.join(changed['extent'])}", markup=False)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="proposed, approved, rejected or lifted [all].")
    ] = None,
    json: Json = False,
) -> None:
    """List risk areas."""
    from shoutu.services.control.areas import list_areas

    with errors_as_exit(json):
        chosen = parse("status", AreaStatus, status) if status else None
        found = list_areas(state(ctx).context(), status=chosen)
    if json:
        emit_json({"areas": found})
        return
    _print_areas("风险区", "Risk areas", found)


@app.command("run")
def run(ctx: typer.Context, date: Day, json: Json = False) -> None:
    """Judge every approved area through the day: step down what qualifies (the lower level
    from the next day; to low: lifted), say what is held and why, reset the clock of areas
    with a new case inside, and list the counties whose low level lifts."""
    from shoutu.services.control.area_run import run_areas

    with errors_as_exit(json):
        found = run_areas(state(ctx).context(), _day(date))
    if json:
        emit_json(found)
        return
    table = i18n.table(
        f"风险区每日研判 — {found['date']}",
        f"Daily run of risk areas — {found['date']}",
        ["area_id", "region_code", "level", "what", "detail"],
    )
    for a in found["areas"]:
        if a["level"] is None:
            what = i18n.say("解除", "lifted")
        elif a["level"] != a["level_before"]:
            what = i18n.say("降级", "stepped down")
        else:
            what = i18n.say("暂缓", "held") if a["held"] else i18n.say("维持", "kept")
        detail = a["held"] or f"quiet day {a['quiet_day']}, earliest {a['earliest_downgrade']}"
        table.add_row(
            str(a["area_id"]),
            a["region_code"],
            i18n.value(RiskLevel, a["level"] or "low"),
            what,
            detail,
        )
    out.print(table)
    if found["counties_lifted"]:
        err.print(f"counties back to routine: {', '.join(found['counties_lifted'])}", markup=False)


def print_public(data: dict[str, Any], limit: int | None = None) -> None:
    """The public list (``PublicAreas.as_json``), the first ``limit`` entries."""
    levels, measures = data["labels"]["levels"], data["labels"]["measures"]
    shown = data["areas"] if limit is None else data["areas"][:limit]
    counts: dict[str, int] = {}
    for a in data["areas"]:
        counts[a["level"]] = counts.get(a["level"], 0) + 1
    summary = ", ".join(
        f"{i18n.say(levels[k]['zh'], levels[k]['en'])} {n}" for k, n in sorted(counts.items())
    )
    table = i18n.table(
        f"风险区域公告 — {data['date']}（{summary or '无'}）",
        f"Risk areas — {data['date']} ({summary or 'none'})",
        ["region_code", "level", "measure", "since", "earliest_downgrade"],
    )
    for a in shown:
        table.add_row(
            a["region_code"],
            i18n.say(levels[a["level"]]["zh"], levels[a["level"]]["en"]),
            i18n.say(measures[a["measure"]]["zh"], measures[a["measure"]]["en"]),
            a["since"],
            a["earliest_downgrade"] or "",
        )
    out.print(table)
    if limit is not None and len(data["areas"]) > limit:
        err.print(f"… {len(data['areas']) - limit} more: shoutu areas public", markup=False)


@app.command("public")
def public(
    ctx: typer.Context,
    date: Day,
    output: Annotated[
        Path | None, typer.Option(help="CSV, Excel or Parquet file of the list.")
    ] = None,
    json: Json = False,
) -> None:
    """The public list of risk areas on the day: level, measure, since when and the earliest
    next downgrade, each county with areas one low entry; the history of changes (JSON).
    No person appears in it."""
    from shoutu.services.public.areas import CSV_COLUMNS, public_areas

    with errors_as_exit(json):
        found = public_areas(state(ctx).context(), _day(date))
        if output is not None:
            write_rows(output, found.rows(), list(CSV_COLUMNS), {"command": "areas public"})
    if json:
        emit_json(found.as_json())
        return
    print_public(found.as_json())
