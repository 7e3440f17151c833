"""`shoutu screening`: mass screening with pooled samples."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shoutu.cli.output import emit_json, errors_as_exit, out, parse, write_rows
from shoutu.cli.state import state

app = typer.Typer(
    rich_markup_mode=None,
    help="Mass screening: pool sizes (and campaigns, coverage).",
    no_args_is_help=True,
)


@app.command("pool-size")
def pool_size(
    ctx: typer.Context,
    prevalence: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Expected prevalence, a fraction (0.01 = 1%).")
    ],
    floor: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Least sensitivity relative to single tubes."),
    ] = 0.95,
    shift_per_doubling: Annotated[
        float, typer.Option(min=0.0, help="Ct shift per doubling of the pool (log2 k x this).")
    ] = 1.0,
    cutoff: Annotated[
        float | None, typer.Option(help="Assay Ct cut-off (default: the parameter file's, 40).")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Expected tests per person (Dorfman) and sensitivity after dilution for each validated
    pool size of the protocol, and the recommended size."""
    from shoutu.services.screening.pool_advice import pool_size_advice

    with errors_as_exit(json):
        service = state(ctx).context()
        advice, ct = pool_size_advice(
            service,
            prevalence,
            floor=floor,
            shift_per_doubling=shift_per_doubling,
            cutoff=cutoff,
        )
    if json:
        emit_json(
            {
                "recommended": advice.recommended,
                "expected_tests_per_person": {
                    str(k): round(v, 4) for k, v in advice.expected_tests_per_person.items()
                },
                "sensitivity": {str(k): round(v, 4) for k, v in advice.sensitivity.items()},
            }
        )
        return
    out.print(f"prevalence {prevalence:g}; Ct of positives: {ct.source}", markup=False)
    out.print("pool  tests/person  sensitivity", markup=False)
    for k, tests in advice.expected_tests_per_person.items():
        mark = "  <- recommended" if k == advice.recommended else ""
        out.print(f"{k:>4}  {tests:12.4f}  {advice.sensitivity[k]:11.4f}{mark}", markup=False)


@app.command("key-populations")
def key_populations(
    ctx: typer.Context,
    date: Annotated[str, typer.Option("--date", help="The day the report ends (YYYY-MM-DD).")],
    window_days: Annotated[int, typer.Option(min=1, help="Days the report covers.")] = 7,
    overdue_output: Annotated[
        Path | None,
        typer.Option(
            help="The overdue people (.csv, .xlsx or .parquet): masked name and phone, "
            "building; audited."
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Routine screening of key populations: compliance with the protocol's testing interval
    per category and per unit (workplace), and who is overdue."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.screening.key_populations import compliance

    with errors_as_exit(json):
        day = parse("date", parse_date, date)
        report = compliance(
            state(ctx).context(), day, window_days=window_days, names=overdue_output is not None
        )
        if overdue_output is not None:
            write_rows(overdue_output, report.overdue, ["person_id"], report.provenance)
    if json:
        emit_json(report.as_json())
        return
    out.print(f"key populations, {window_days} days to {date}", markup=False)
    for title, rows in (("category", report.by_category), ("unit", report.by_unit)):
        out.print(f"{title:>20}  people  expected  compliance  overdue", markup=False)
        for row in rows:
            share = "-" if row["compliance"] is None else f"{row['compliance']:.1%}"
            out.print(
                f"{row['key']!s:>20}  {row['people']:6}  {row['expected_tests']:8}  "
                f"{share:>10}  {row['overdue']:7}",
                markup=False,
            )


@app.command("campaign")
def campaign(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Campaign name, e.g. huangpu-2022-04-02.")],
    region: Annotated[str, typer.Option(help="Region code of the area (its subtree).")],
    start: Annotated[str, typer.Option(help="Start of round 1 (local time if no offset).")],
    risk: Annotated[str, typer.Option(help="Area risk level: high, medium or low.")] = "medium",
    rounds: Annotated[int | None, typer.Option(min=1, help="Rounds [the protocol's].")] = None,
    round_hours: Annotated[
        float | None, typer.Option(help="Time limit of a round [the protocol's, e.g. 24].")
    ] = None,
    interval_hours: Annotated[
        float | None, typer.Option(help="Hours from one round's start to the next [protocol].")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Create a mass-screening campaign (pool ratio from the protocol by the area's risk)."""
    from shoutu.services.screening.campaigns import create_campaign

    with errors_as_exit(json):
        created = create_campaign(
            state(ctx).context(),
            name,
            region_code=region,
            start_time=start,
            risk_level=risk,
            rounds=rounds,
            round_hours=round_hours,
            interval_hours=interval_hours,
        )
    if json:
        emit_json({k: v for k, v in created.items() if k not in ("created_at", "updated_at")})
        return
    out.print(
        f"campaign {name} (#{created['campaign_id']}): {created['rounds']} rounds of "
        f"{created['round_hours']:g} h every {created['interval_hours']:g} h from "
        f"{created['start_time'].isoformat()}, {created['pool_ratio']}-in-1",
        markup=False,
    )


@app.command("status")
def status(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Campaign name.")],
    level: Annotated[str, typer.Option(help="Areas: community or building.")] = "community",
    untested_output: Annotated[
        Path | None,
        typer.Option(
            help="Who is not yet tested in the latest round (.csv, .xlsx or .parquet): "
            "masked name and phone, building; audited."
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date", help="As of the end of this day [now, or a simulated registry's last day]."
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Coverage per round and area (expected, sampled, resulted, positive), turnaround by lab and
    site, and rounds still needed before each area can be declared clear."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.screening.campaigns import campaign_status

    with errors_as_exit(json):
        day = parse("date", parse_date, date) if date else None
        report = campaign_status(
            state(ctx).context(), name, level=level, names=untested_output is not None, day=day
        )
        if untested_output is not None:
            write_rows(untested_output, report.untested_contacts, ["person_id"], report.provenance)
    if json:
        emit_json(report.as_json())
        return
    out.print(f"campaign {name}: {len(report.rounds)} round(s) started", markup=False)
    out.print("round  expected  sampled  resulted  positive  coverage", markup=False)
    for r in report.rounds:
        out.print(
            f"{r['round']:5}  {r['expected']:8}  {r['sampled']:7}  {r['resulted']:8}  "
            f"{r['positive']:8}  {r['coverage']:8.1%}",
            markup=False,
        )
    waiting = [c for c in report.clearance if c["rounds_needed"]]
    out.print(
        f"areas: {len(report.clearance)}; not yet clear: {len(waiting)}; "
        f"not yet tested in the latest round: {len(report.untested):,}",
        markup=False,
    )
    for t in report.turnaround:
        out.print(
            f"lab {t['lab_id']} site {t['site_id']}: {t['samples']} samples, median "
            f"{t['median_hours']} h, p90 {t['p90_hours']} h",
            markup=False,
        )
