"""`shoutu screening`: mass screening with pooled samples."""

from __future__ import annotations

from typing import Annotated

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
