"""`shoutu supervision clocks | board | report | reassign`: the four-early clocks, who is
behind, the accountability report and the responsibility rules re-applied."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from shoutu.cli.output import Table, emit_json, errors_as_exit, out, parse
from shoutu.cli.state import state
from shoutu.domain.vocabulary import RegionLevel

app = typer.Typer(
    rich_markup_mode=None,
    help="Supervision (督查): the four-early clocks against the protocol's limits.",
    no_args_is_help=True,
)


@app.command("clocks")
def clocks(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="First report day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last report day (YYYY-MM-DD).")],
    level: Annotated[str, typer.Option(help="Region level.")] = "district",
    protocol: Annotated[
        str | None, typer.Option(help="Protocol whose timeliness applies [SHOUTU_PROTOCOL].")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """For the cases reported in the period: result → report, report → isolation, report →
    contacts identified and under control, per region — median and 90th percentile in hours,
    the share within the protocol's limit, and the late cases with who is responsible."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.supervision.clocks import clocks as run

    with errors_as_exit(json):
        first, last = parse("from", parse_date, start), parse("to", parse_date, end)
        found = run(
            state(ctx).context(),
            first,
            last,
            level=parse("level", RegionLevel, level),
            protocol=protocol,
        )
    if json:
        emit_json(found)
        return
    table = Table(
        title=f"{found['from']} – {found['to']} ({found['protocol']}): {found['cases']} cases"
    )
    for column in ("region", "step", "n", "median h", "p90 h", "limit h", "within", "late"):
        table.add_column(column)
    for r in found["clocks"]:
        table.add_row(
            r["region_code"],
            r["step"],
            str(r["n"]),
            f"{r['median_hours']:.1f}",
            f"{r['p90_hours']:.1f}",
            "—" if r["limit_hours"] is None else f"{r['limit_hours']:g}",
            "—" if r["within_limit"] is None else f"{r['within_limit']:.0%}",
            str(len(r["late"])),
        )
    out.print(table)
    if found["tasks"]:
        tasks = Table(title="tasks with a protocol deadline")
        for column in ("kind", "region", "n", "done", "median h", "p90 h", "in time", "overdue"):
            tasks.add_column(column)
        for t in found["tasks"]:
            tasks.add_row(
                t["kind"],
                t["region_code"],
                str(t["n"]),
                str(t["done"]),
                "—" if t["median_hours"] is None else f"{t['median_hours']:.1f}",
                "—" if t["p90_hours"] is None else f"{t['p90_hours']:.1f}",
                "—" if t["done_in_time"] is None else f"{t['done_in_time']:.0%}",
                str(t["open_overdue"]),
            )
        out.print(tasks)


@app.command("board")
def board(
    ctx: typer.Context,
    date: Annotated[str, typer.Option("--date", help="The day (YYYY-MM-DD, local).")],
    level: Annotated[
        str, typer.Option(help="district (or another region level), unit or person.")
    ] = "district",
    top: Annotated[int, typer.Option(min=1, help="Show at most this many parties.")] = 20,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Who is behind (督查): per responsible party, as of 24:00 of the day, the items open,
    overdue and failed (tasks by kind — quarantine test days, recalls, investigations,
    signal responses —, episodes past their planned end, help requests past their deadline),
    ranked worst first, with the overdue count at the end of each of the last 7 days."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.supervision.board import board as run

    with errors_as_exit(json):
        found = run(state(ctx).context(), parse("date", parse_date, date), level=level)
    if json:
        emit_json(found)
        return
    print_board({**found, "parties": found["parties"][:top]})


def print_board(found: dict[str, Any], title_suffix: str = "") -> None:
    """The board's parties as a table (worst first)."""
    suffix = f" ({title_suffix})" if title_suffix else ""
    table = Table(title=f"督查 Board {found['date']} by {found['level']}{suffix}")
    for column in ("rank", "party", "overdue", "failed", "open", "worst", "overdue, 7 days"):
        table.add_column(column)
    for p in found["parties"]:
        worst = max(p["by_kind"].items(), key=lambda kv: kv[1]["overdue"], default=("", {}))[0]
        table.add_row(
            str(p["rank"]),
            p["party"],
            str(p["overdue"]),
            str(p["failed"]),
            str(p["open"]),
            worst,
            " ".join(str(n) for n in p["overdue_trend"]),
        )
    out.print(table)


@app.command("reassign")
def reassign(
    ctx: typer.Context,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Re-apply the responsibility rules to the tasks still to be done about a person (people,
    cases, control episodes) from the person's present home — after people moved or the
    rules changed. Each change audited."""
    from shoutu.services.supervision.responsible import reassign as run

    with errors_as_exit(json):
        found = run(state(ctx).context())
    if json:
        emit_json(found)
        return
    out.print(
        f"{found['pending']:,} tasks to be done, {found['about_people']:,} about a person: "
        f"{len(found['changed']):,} reassigned",
        markup=False,
    )


@app.command("report")
def report(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD).")],
    region: Annotated[str, typer.Option(help="Region code (its subtree).")],
    fmt: Annotated[str, typer.Option("--format", help="md, pdf or json.")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", help="Write here (a PDF needs it) [print].")
    ] = None,
) -> None:
    """The accountability report (督查问责报告) of a region and period for an inspection
    team: the four-early figures, each late step of a case's chain with who was responsible,
    each failed task (not executable, done late, overdue) with its parties and times, and the
    audit trail of who did what to them. Reading the trail is audited."""
    import sys

    from shoutu.domain.timeutil import parse_date
    from shoutu.errors import BadRequest
    from shoutu.services.supervision.report import report as run

    with errors_as_exit(False):
        first, last = parse("from", parse_date, start), parse("to", parse_date, end)
        if fmt == "pdf" and output is None:
            raise BadRequest("{output}: a PDF is written to a file: give --output FILE")
        found, content = run(
            state(ctx).context(), first, last, region=region, fmt=fmt, output=output
        )
    if output is None:
        sys.stdout.write(content.decode())
        return
    out.print(
        f"{found['region']} {found['from']} – {found['to']}: {len(found['late_steps'])} late "
        f"steps, {len(found['failed_tasks'])} failed tasks → {output}",
        markup=False,
    )
