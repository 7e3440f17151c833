"""`shoutu import goods | shifts | samples-environment | place-reports`: ports, the cold chain
(人物环境同防) and key places' daily reports, registered on the `import` group."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from shoutu.cli.imports import AllowDates, DateFormat, Encoding, FileArg, JsonOpt, app
from shoutu.cli.output import emit_json, errors_as_exit, out
from shoutu.cli.state import state


def _run(ctx: typer.Context, call: Callable[..., Any], json: bool, **options: Any) -> None:
    with errors_as_exit(json):
        result = call(state(ctx).context(), **options)
    if json:
        emit_json({"ok": True, "result": result.as_json(), "provenance": result.provenance})
        return
    out.print(
        f"{result.file}: {result.rows:,} {result.entity} rows — {result.recorded:,} new, "
        + (f"{result.updated:,} corrected, " if result.updated else "")
        + f"{result.unchanged:,} unchanged",
        markup=False,
    )
    for p in result.positives:
        places = ", ".join(str(r["place_id"]) for r in p["places_reached"])
        out.print(
            f"  positive {p['sample_ref']}"
            + (f" (batch {p['batch_no']})" if p["batch_no"] else "")
            + f": places {places}; {len(p['staff']):,} staff, {p['episodes_opened']:,} episodes "
            f"opened, {p['episodes_extended']:,} extended; investigation task "
            f"{p['investigation_task']}"
            + ("; the protocol has no environment_exposed rules" if p["without_rule"] else ""),
            markup=False,
        )


@app.command()
def goods(
    ctx: typer.Context,
    file: FileArg,
    json: JsonOpt = False,
    date_format: DateFormat = None,
    allow_dates: AllowDates = False,
    encoding: Encoding = None,
) -> None:
    """Where batches of inbound goods were: batch_no (a lot or container number), place_id,
    arrived_time; optional left_time. Known by batch, place and arrival: the same row again
    changes nothing."""
    from shoutu.services.control.cold_chain import import_goods

    _run(
        ctx,
        import_goods,
        json,
        path=file,
        date_format=date_format,
        allow_dates=allow_dates,
        encoding=encoding,
    )


@app.command()
def shifts(
    ctx: typer.Context,
    file: FileArg,
    json: JsonOpt = False,
    date_format: DateFormat = None,
    allow_dates: AllowDates = False,
    encoding: Encoding = None,
) -> None:
    """Workers' shifts at sites (排班): person_id, place_id, start_time, end_time. Known by
    person, place and start."""
    from shoutu.services.control.cold_chain import import_shifts

    _run(
        ctx,
        import_shifts,
        json,
        path=file,
        date_format=date_format,
        allow_dates=allow_dates,
        encoding=encoding,
    )


@app.command("place-reports")
def place_reports(
    ctx: typer.Context,
    file: FileArg,
    protocol: Annotated[
        str | None, typer.Option(help="Protocol whose key_places apply [SHOUTU_PROTOCOL].")
    ] = None,
    json: JsonOpt = False,
    date_format: DateFormat = None,
    allow_dates: AllowDates = False,
    encoding: Encoding = None,
) -> None:
    """Key places' daily reports: place_id (a place of the protocol's reporting types),
    report_date, symptomatic, disinfected; optional expected, present, absent, absent_ill,
    absence_reasons, received_time [now]. One per place and day: the same again changes
    nothing, a different one corrects it (audited)."""
    from shoutu.services.control.place_reports import import_place_reports

    _run(
        ctx,
        import_place_reports,
        json,
        path=file,
        protocol=protocol,
        date_format=date_format,
        allow_dates=allow_dates,
        encoding=encoding,
    )


@app.command("samples-environment")
def samples_environment(
    ctx: typer.Context,
    file: FileArg,
    protocol: Annotated[
        str | None,
        typer.Option(help="Protocol whose environment_exposed rules apply [SHOUTU_PROTOCOL]."),
    ] = None,
    json: JsonOpt = False,
    date_format: DateFormat = None,
    allow_dates: AllowDates = False,
    encoding: Encoding = None,
) -> None:
    """Environment and goods samples: sample_ref, site_id, object (cold_chain_package,
    container_surface, warehouse, vehicle, other), sample_time, result; optional batch_no,
    origin_country, ct. A new positive names the places its batch reached, puts the staff on
    shift there while it was there under control (the protocol's environment_exposed rules)
    and opens an investigation task; the same sample again changes nothing."""
    from shoutu.services.control.cold_chain import import_environment_samples

    _run(
        ctx,
        import_environment_samples,
        json,
        path=file,
        protocol=protocol,
        date_format=date_format,
        allow_dates=allow_dates,
        encoding=encoding,
    )
