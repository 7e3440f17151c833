"""`shoutu import goods | shifts | samples-environment | place-reports | closed-loop`: ports,
the cold chain (人物环境同防), key places' daily reports and closed-loop staff, registered on
the `import` group; `loop` (`control loop`), registered on the control group."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from shoutu.cli.imports import AllowDates, DateFormat, Encoding, FileArg, JsonOpt, app
from shoutu.cli.output import emit_json, errors_as_exit, out, parse
from shoutu.cli.state import state


def _run(ctx: typer.Context, call: Callable[..., Any], json: bool, **options: Any) -> None:
    """Call an import with the file's options (date format, bare dates, encoding) as one."""
    from shoutu.services.control.recording import FileOptions

    reading = FileOptions(
        date_format=options.pop("date_format"),
        allow_dates=options.pop("allow_dates"),
        encoding=options.pop("encoding"),
    )
    with errors_as_exit(json):
        result = call(state(ctx).context(), options=reading, **options)
    if json:
        emit_json({"ok": True, "result": result.as_json(), "provenance": result.provenance})
        return
    out.print(
        f"{result.file}: {result.rows:,} {result.entity} rows — {result.recorded:,} new, "
        + (f"{result.updated:,} corrected, " if result.updated else "")
        + f"{result.unchanged:,} unchanged"
        + (
            f"; episodes {result.episodes_opened:,} opened, {result.episodes_extended:,} extended"
            if result.entity == "closed-loop stays"
            else ""
        ),
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


@app.command("closed-loop")
def closed_loop(
    ctx: typer.Context,
    file: FileArg,
    protocol: Annotated[
        str | None, typer.Option(help="Protocol whose closed_loop applies [SHOUTU_PROTOCOL].")
    ] = None,
    json: JsonOpt = False,
    date_format: DateFormat = None,
    allow_dates: AllowDates = False,
    encoding: Encoding = None,
) -> None:
    """Closed-loop staff (闭环管理): person_id, place_id, start_time; optional left_time.
    Known by person and start; a left_time given (or corrected) later opens, or extends, the
    measure after leaving by the protocol's closed_loop.after_leaving."""
    from shoutu.services.control.closed_loop import import_loop

    _run(
        ctx,
        import_loop,
        json,
        path=file,
        protocol=protocol,
        date_format=date_format,
        allow_dates=allow_dates,
        encoding=encoding,
    )


def loop(
    ctx: typer.Context,
    date: Annotated[str, typer.Option("--date", help="The day (YYYY-MM-DD).")],
    protocol: Annotated[
        str | None, typer.Option(help="Protocol whose closed_loop applies [SHOUTU_PROTOCOL].")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Closed-loop staff on a day: in the loop, left (under the measure after leaving) or off;
    in the loop, the last PCR sample against the test interval (the worker's key population's,
    else the protocol's closed_loop.test_interval_days) and whether a test is overdue."""
    from shoutu.domain.timeutil import parse_date
    from shoutu.services.control.closed_loop import loop_day

    with errors_as_exit(json):
        found = loop_day(state(ctx).context(), parse("date", parse_date, date), protocol=protocol)
    if json:
        emit_json(found)
        return
    out.print(
        f"{found['date']} ({found['protocol']}): "
        + ", ".join(f"{n} {s}" for s, n in found["counts"].items())
        + f"; {found['tests_overdue']} tests overdue",
        markup=False,
    )
    for w in found["workers"]:
        overdue = " — test overdue" if w.get("test_overdue") else ""
        out.print(
            f"  person {w['person_id']} at place {w['place_id']}: {w['status']}, last sample "
            f"{w['last_sample'] or 'none'} (every {w['interval_days']:g} days){overdue}",
            markup=False,
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
