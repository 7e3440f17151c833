"""`shoutu supervision clocks`: the four-early clocks per region and step."""

from __future__ import annotations

from typing import Annotated

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
