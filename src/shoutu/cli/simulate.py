"""`shoutu simulate`: run the Demo City simulator and write its files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shoutu.cli.i18n import say
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
    from shoutu.services.simulation.runs import simulate_run

    with errors_as_exit(json), progress_bars() as bars:
        summary = simulate_run(
            state(ctx).context(),
            out_dir,
            people=people,
            days=days,
            seed=seed,
            protocol=protocol,
            start_date=start_date,
            scenario=scenario,
            summary_only=summary_only,
            progress=bars,
        )
    if json:
        emit_json(summary)
        return
    out.print(
        f"{out_dir}: {summary['people']:,} people, {summary['households']:,} households, "
        f"{summary['places']:,} places, {summary['checkins']:,} check-ins over "
        f"{summary['days']} days",
        markup=False,
    )


policy_app = typer.Typer(
    rich_markup_mode=None, help="Compare control policies by effect and cost.", no_args_is_help=True
)


@policy_app.command("compare")
def compare(
    ctx: typer.Context,
    scenarios: Annotated[
        list[str],
        typer.Argument(help="Scenarios (built-in names or files); the first is the baseline."),
    ],
    people: Annotated[int, typer.Option(min=50, max=30_000_000, help="Residents.")] = 100_000,
    days: Annotated[int, typer.Option(min=1, max=3650, help="Days to simulate.")] = 60,
    runs: Annotated[int, typer.Option(min=1, max=1000, help="Runs per scenario.")] = 10,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the first run.")] = 1,
    protocol: Annotated[
        list[str] | None,
        typer.Option(
            help="Protocol (default: the configured one); repeat it to run every scenario "
            "under each (what a rule costs and averts)."
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Infections, cases, tests, quarantine and lockdown person-days, contacts and companions
    traced per scenario and protocol (mean and 90% interval over paired runs), and infections
    averted per 10,000 tests against the first."""
    from shoutu.cli.output import Table
    from shoutu.services.simulation.policy import MEASURES
    from shoutu.services.simulation.policy import compare as run

    settings = state(ctx).settings()
    names = protocol or [settings.protocol]
    with errors_as_exit(json), progress_bars() as bars:
        result = run(
            scenarios,
            people=people,
            days=days,
            runs=runs,
            seed=seed,
            protocols=names,
            progress=bars,
        )
    if json:
        emit_json(result)
        return
    table = Table(
        title=say("最小代价、最大防控效果", "Least cost, greatest effect")
        + f" — {people:,} people, {days} days, {runs} runs "
        f"({', '.join(names)}); mean [90% interval]"
    )
    table.add_column("scenario")
    labels = {
        "infections": "infections",
        "cases": "cases",
        "tubes_tested": "tubes tested",
        "quarantine_person_days": "quarantine p-days",
        "lockdown_person_days": "lockdown p-days",
        "close_contacts": "close contacts",
        "companions": "companions",
    }
    for measure in MEASURES:
        table.add_column(labels[measure], justify="right")
    table.add_column(f"averted / 10k tests vs {result['baseline']}", justify="right")
    for row in result["scenarios"]:
        cells = [
            f"{row[m]['mean']:,.0f} [{row[m]['low']:,.0f}-{row[m]['high']:,.0f}]"
            for m in (*MEASURES, "infections_averted_per_10k_tests")
        ]
        table.add_row(row["arm"], *cells)
    out.print(table)
