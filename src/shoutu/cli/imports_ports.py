"""`shoutu import goods | shifts | samples-environment | place-reports | closed-loop`: ports,
the cold chain (人物环境同防), key places' daily reports and closed-loop staff, registered on
the `import` group; `loop` (`control loop`), registered on the control group."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from shoutu.cli.imports import AllowDates, DateFormat, Encoding, FileArg, JsonOpt, app
from shoutu.cli.output import emit_json, errors_as_exit, out, parse
from shoutu.cli.state import state


def _run(
    ctx: typer.Context,
    call: Callable[..., Any],
    json: bool,
    path: Path,
    reading: tuple[str | None, bool, str | None],
    **options: Any,
) -> None:
    """Call an import with the file's options (date format, bare dates, encoding) as one."""
    from shoutu.services.registry.imports.recording import FileOptions

    date_format, allow_dates, encoding = reading
    file_options = FileOptions(date_format, allow_dates, encoding)
    with errors_as_exit(json):
        result = call(state(ctx).context(), path, options=file_options, **options)
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


ProtocolOpt = Annotated[
    str | None, typer.Option(help="Protocol whose rules apply [SHOUTU_PROTOCOL].")
]

#: the files, by command: the service that records them, whether a protocol applies, the doc
FILES: dict[str, tuple[str, bool, str]] = {
    "goods": (
        "control.cold_chain.import_goods",
        False,
        """Where batches of inbound goods were: batch_no (a lot or container number),
    place_id, arrived_time; optional left_time. Known by batch, place and arrival: the same row
    again changes nothing.""",
    ),
    "shifts": (
        "control.cold_chain.import_shifts",
        False,
        """Workers' shifts at sites (排班): person_id, place_id, start_time, end_time. Known
    by person, place and start.""",
    ),
    "samples-environment": (
        "control.cold_chain.import_environment_samples",
        True,
        """Environment and goods samples: sample_ref, site_id, object (cold_chain_package,
    container_surface, warehouse, vehicle, other), sample_time, result; optional batch_no,
    origin_country, ct. A new positive names the places its batch reached, puts the staff on
    shift there while it was there under control (the protocol's environment_exposed rules)
    and opens an investigation task; the same sample again changes nothing.""",
    ),
    "place-reports": (
        "control.place_reports.import_place_reports",
        True,
        """Key places' daily reports: place_id (a place of the protocol's reporting types),
    report_date, symptomatic, disinfected; optional expected, present, absent, absent_ill,
    absence_reasons, received_time [now]. One per place and day: the same again changes
    nothing, a different one corrects it (audited).""",
    ),
    "vaccinations": (
        "registry.vaccination.import_vaccinations",
        True,
        """Vaccination doses: person_id, date, product (one of the protocol's
    vaccination.primary_doses), dose_number; optional manufacturer, batch, site_id. Known by
    person and dose number: the same row again changes nothing, a different one corrects it
    (audited).""",
    ),
    "responsibilities": (
        "registry.responsibilities.import_responsibilities",
        False,
        """Responsibility rules (四方责任): kind (a task kind, or * for any), region_code;
    department, unit, person (at least one). A task takes the rule of its kind at the nearest
    region at or above its subject's region (falling back up the tree). Known by kind and
    region: the same row again changes nothing, a different one corrects it (audited).""",
    ),
    "closed-loop": (
        "control.closed_loop.import_loop",
        True,
        """Closed-loop staff (闭环管理): person_id, place_id, start_time; optional left_time.
    Known by person and start; a left_time given (or corrected) later opens, or extends, the
    measure after leaving by the protocol's closed_loop.after_leaving.""",
    ),
}


def _service(path: str) -> Callable[..., Any]:
    module, name = path.rsplit(".", 1)
    loaded = importlib.import_module(f"shoutu.services.{module}")
    found: Callable[..., Any] = getattr(loaded, name)
    return found


def _file_command(name: str, service: str, protocol: bool, doc: str) -> Callable[..., None]:
    def with_protocol(
        ctx: typer.Context,
        file: FileArg,
        protocol: ProtocolOpt = None,
        json: JsonOpt = False,
        date_format: DateFormat = None,
        allow_dates: AllowDates = False,
        encoding: Encoding = None,
    ) -> None:
        reading = (date_format, allow_dates, encoding)
        _run(ctx, _service(service), json, file, reading, protocol=protocol)

    def without(
        ctx: typer.Context,
        file: FileArg,
        json: JsonOpt = False,
        date_format: DateFormat = None,
        allow_dates: AllowDates = False,
        encoding: Encoding = None,
    ) -> None:
        _run(ctx, _service(service), json, file, (date_format, allow_dates, encoding))

    command = with_protocol if protocol else without
    command.__doc__ = doc
    command.__name__ = name.replace("-", "_")
    return command


for _name, (_service_path, _protocol, _doc) in FILES.items():
    app.command(_name)(_file_command(_name, _service_path, _protocol, _doc))


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
