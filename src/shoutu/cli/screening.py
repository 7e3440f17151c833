"""`shoutu screening`: mass screening with pooled samples."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from shoutu.cli.output import emit_json, errors_as_exit, out
from shoutu.cli.state import state

app = typer.Typer(
    help="Mass screening: pool sizes (and campaigns, coverage).", no_args_is_help=True
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
    from shoutu.services.screening import pool_size_advice

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
        Path | None, typer.Option(help="CSV of the overdue people (masked names, audited).")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Routine screening of key populations: compliance with the protocol's testing interval
    per category and per unit (workplace), and who is overdue."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.key_populations import compliance
    from shoutu.services.registry import masked_names

    with errors_as_exit(json):
        service = state(ctx).context()
        report = compliance(service, parse_date(date), window_days=window_days)
        if overdue_output is not None:
            ids = [row["person_id"] for row in report.overdue]
            names = masked_names(service, ids, "key-population screening: overdue list")
            _write_csv(
                overdue_output,
                [{"name": names.get(r["person_id"], ""), **r} for r in report.overdue],
            )
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


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["person_id"])
        writer.writeheader()
        writer.writerows(rows)
