"""`shoutu simulate`: run the Demo City simulator and write its files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from shoutu.cli.output import emit_json, errors_as_exit, out, progress_bars
from shoutu.cli.state import state


def simulate(
    ctx: typer.Context,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the output files.", file_okay=False)
    ],
    people: Annotated[int, typer.Option(min=50, max=30_000_000, help="Residents.")] = 100_000,
    days: Annotated[int, typer.Option(min=1, max=3650, help="Days to simulate.")] = 60,
    seed: Annotated[int, typer.Option(min=0, help="Random seed.")] = 1,
    protocol: Annotated[
        str | None, typer.Option(help="Protocol (default: the configured one, cn-9th-2022).")
    ] = None,
    start_date: Annotated[str, typer.Option(help="Day 0, YYYY-MM-DD (local).")] = "2022-03-01",
    scenario: Annotated[
        str,
        typer.Option(
            help="Built-in scenario (default, none, screening, lockdown) or a scenario file."
        ),
    ] = "default",
    summary_only: Annotated[
        bool, typer.Option("--summary-only", help="Write only the summary files.")
    ] = False,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Simulate Demo City's outbreak and response: people, places, memberships, check-ins,
    infections (ground truth), tests, cases, quarantine, visits, sales and daily counts
    (Parquet); identical files for the same seed and inputs."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.protocols import ProtocolRegistry
    from shoutu.protocols.loader import protocol_hash
    from shoutu.sim.engine import RunConfig
    from shoutu.sim.engine import simulate as run
    from shoutu.sim.scenario import load_scenario

    settings = state(ctx).settings()
    with errors_as_exit(json), progress_bars() as bars:
        start: dt.date = parse_date(start_date)
        name = protocol or settings.protocol
        loaded = ProtocolRegistry(settings.protocol_dir).load(name)
        config = RunConfig(
            people=people,
            days=days,
            seed=seed,
            start=start,
            timezone=settings.timezone,
            protocol=loaded,
            protocol_hash=protocol_hash(loaded),
            scenario=load_scenario(scenario),
            summary_only=summary_only,
        )
        summary = run(config, out_dir, progress=bars)
    if json:
        emit_json(summary)
        return
    out.print(
        f"{out_dir}: {summary['people']:,} people, {summary['households']:,} households, "
        f"{summary['places']:,} places, {summary['checkins']:,} check-ins over "
        f"{summary['days']} days",
        markup=False,
    )
