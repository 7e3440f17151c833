"""`shoutu vaccination coverage | outreach`: vaccination status per region (and age band) on
a day; who is due a booster, to call."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shoutu.cli.output import Table, emit_json, errors_as_exit, out, parse, write_rows
from shoutu.cli.state import state
from shoutu.domain.vocabulary import RegionLevel, VaccinationStatus

app = typer.Typer(
    rich_markup_mode=None,
    help="Vaccination (加强免疫接种): coverage and booster eligibility by the protocol's rules.",
    no_args_is_help=True,
)


@app.command("coverage")
def coverage(
    ctx: typer.Context,
    date: Annotated[str, typer.Option("--date", help="The day (YYYY-MM-DD).")],
    level: Annotated[str, typer.Option(help="Region level.")] = "district",
    by_age: Annotated[bool, typer.Option("--by-age", help="Per age band too.")] = False,
    protocol: Annotated[
        str | None, typer.Option(help="Protocol whose vaccination rules apply [SHOUTU_PROTOCOL].")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """People by vaccination status on a day per region (and age band), the share of adults
    boosted, and how many are due a booster under the rules in force that day."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.registry.vaccination import coverage as run

    with errors_as_exit(json):
        day = parse("date", parse_date, date)
        chosen = parse("level", RegionLevel, level)
        found = run(state(ctx).context(), day, level=chosen, by_age=by_age, protocol=protocol)
    if json:
        emit_json(found)
        return
    table = Table(title=f"{found['date']} ({found['protocol']})")
    columns = ["region_code", "age_band", "people", *(s.value for s in VaccinationStatus)]
    for column in (*columns, "boosted_share_adults", "due_booster"):
        table.add_column(column)
    for row in found["regions"]:
        share = row["boosted_share_adults"]
        table.add_row(
            *(str(row[c]) for c in columns),
            "—" if share is None else f"{share:.1%}",
            str(row["due_booster"]),
        )
    out.print(table)


@app.command("outreach")
def outreach(
    ctx: typer.Context,
    date: Annotated[str, typer.Option("--date", help="The day (YYYY-MM-DD).")],
    min_age: Annotated[int, typer.Option("--min-age", help="Only people this old or older.")] = 60,
    output: Annotated[
        Path | None, typer.Option(help="CSV, Excel or Parquet file of the list.")
    ] = None,
    protocol: Annotated[
        str | None, typer.Option(help="Protocol whose vaccination rules apply [SHOUTU_PROTOCOL].")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Who is due a booster on the day and has not had it, by community, oldest first, with
    masked names and phones for community workers to call (the read is audited)."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.registry.vaccination import OUTREACH_COLUMNS
    from shoutu.services.registry.vaccination import outreach as run

    with errors_as_exit(json):
        day = parse("date", parse_date, date)
        found = run(state(ctx).context(), day, min_age=min_age, protocol=protocol)
        if output is not None:
            write_rows(
                output, found["people"], list(OUTREACH_COLUMNS), {"command": "vaccination outreach"}
            )
    if json:
        emit_json(found)
        return
    out.print(
        f"{found['date']}: {len(found['people']):,} people aged {found['min_age']}+ due a booster",
        markup=False,
    )
    for community, n in found["by_community"].items():
        out.print(f"  {community}: {n:,}", markup=False)
