"""`shoutu import`: registry files in, all-or-nothing, with a validation report."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from shoutu.cli.output import emit_json, errors_as_exit, out, progress_bars
from shoutu.cli.state import state

app = typer.Typer(
    rich_markup_mode=None,
    help="Import registry files (CSV, Excel or Parquet). A file is imported whole or not at all; "
    "re-importing it changes nothing. Bad rows are reported by row, field and reason (exit 1).",
    no_args_is_help=True,
)

FileArg = Annotated[
    Path, typer.Argument(help="CSV, Excel (.xlsx) or Parquet file.", dir_okay=False)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON only.")]
AllowClear = Annotated[
    bool,
    typer.Option(
        "--allow-clear",
        help="Let an empty value clear a stored one (without it, an empty field of a known "
        "record is refused; a column left out of the file is never touched).",
    ),
]
AllowDates = Annotated[
    bool,
    typer.Option(
        "--allow-dates",
        help="Accept event dates outside SHOUTU_PLAUSIBLE_DATES (historical data).",
    ),
]
Encoding = Annotated[
    str | None,
    typer.Option(help="The CSV's text encoding, e.g. gb18030 for GBK exports [utf-8]."),
]
MappingOpt = Annotated[
    str | None,
    typer.Option(
        "--mapping",
        help="Read another system's file through an import mapping: a TOML file of columns, "
        "values and defaults, or a built-in one by name (e.g. hk-chp-case-details).",
    ),
]
DateFormat = Annotated[
    str | None,
    typer.Option("--date-format", help="strptime format of dates, e.g. %Y/%m/%d (default ISO)."),
]


def _run(
    ctx: typer.Context,
    kind: str,
    path: Path,
    json: bool,
    date_format: str | None,
    allow_clear: bool = False,
    allow_dates: bool = False,
    encoding: str | None = None,
    mapping: str | None = None,
) -> None:
    from shoutu.services.control.isolation import import_cases
    from shoutu.services.registry.imports.specs import import_file

    with errors_as_exit(json), progress_bars() as bars:
        options: dict[str, Any] = {
            "date_format": date_format,
            "progress": bars,
            "allow_clear": allow_clear,
            "allow_dates": allow_dates,
            "encoding": encoding,
            "mapping": mapping,
        }
        context = state(ctx).context()
        result = (  # new cases open their isolation
            import_cases(context, path, **options)
            if kind == "cases"
            else import_file(context, kind, path, **options)
        )
    if json:
        emit_json({"ok": True, "result": result.as_json(), "provenance": result.provenance})
        return
    out.print(
        f"{result.file}: {result.rows:,} {kind} rows — {result.inserted:,} new, "
        f"{result.updated:,} updated, {result.unchanged:,} unchanged",
        markup=False,
    )
    related = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in result.related.items() if v)
    if related:
        out.print(f"  {related}", markup=False)
    if result.ignored_columns:
        out.print(f"  ignored columns: {', '.join(result.ignored_columns)}", markup=False)


#: the registry files, by kind: what each holds
REGISTRY_FILES = {
    "regions": """Regions: code (12 digits, or 16 for a building), name_zh, name_en, population,
    lat, lon, polygon (GeoJSON). Parents must exist or come in the same file.""",
    "places": """Places: place_id, name, type, region_code, lat, lon, venue_code, capacity.""",
    "people": """People: person_id, name, id_type, id_number, phone, sex, birth_date,
    home_region_code, workplace_id, school_id, key_population, vaccination_doses,
    last_vaccination_date, synthetic. ID numbers and phones are stored encrypted.""",
    "cases": """Cases: case_id, person_id (a person of the registry), classification, origin,
    channel, found_in_control, report_time, protocol; optional severity, region_code,
    infection_time, onset_time, sample_time, isolation_time, release_time, status. Times in
    order. Without person_id, a line list: each new case gets a new person, described by
    person.* columns (person.sex, …, the people file's fields). A line list of another system
    with --mapping, e.g. --mapping hk-chp-case-details for Hong Kong CHP's case list.""",
    "control_measures": """Control measures (quarantine, isolation, health monitoring
    episodes): measure_id, person_id, kind, status, reason, start_time, protocol; optional
    planned_end_time, end_time.""",
}


def _registry_command(kind: str, doc: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        file: FileArg,
        json: JsonOpt = False,
        date_format: DateFormat = None,
        allow_clear: AllowClear = False,
        allow_dates: AllowDates = False,
        encoding: Encoding = None,
        mapping: MappingOpt = None,
    ) -> None:
        _run(ctx, kind, file, json, date_format, allow_clear, allow_dates, encoding, mapping)

    command.__doc__ = doc
    command.__name__ = kind
    return command


for _kind, _doc in REGISTRY_FILES.items():
    app.command(_kind.replace("_", "-"))(_registry_command(_kind, _doc))


@app.command()
def contacts(
    ctx: typer.Context,
    file: FileArg,
    protocol: Annotated[
        str | None,
        typer.Option(help="Protocol whose quarantine rules open the episodes [SHOUTU_PROTOCOL]."),
    ] = None,
    json: JsonOpt = False,
    date_format: DateFormat = None,
    allow_dates: AllowDates = False,
    encoding: Encoding = None,
) -> None:
    """Contacts of cases: index_case_id, person_id, kind (close, secondary), setting,
    last_exposure_time; optional place_id, identified_time. Each opens its episode of control
    by the protocol's quarantine rules (stages, planned end, dated test tasks); a second
    exposure extends an open episode; the same row again changes nothing."""
    from shoutu.services.control.contacts import import_contacts

    with errors_as_exit(json):
        result = import_contacts(
            state(ctx).context(),
            file,
            protocol=protocol,
            date_format=date_format,
            allow_dates=allow_dates,
            encoding=encoding,
        )
    _show_episodes_import(result, "contact", json)


def _show_episodes_import(result: Any, noun: str, json: bool) -> None:
    """An import that opens episodes (contacts, arrivals): JSON, or its counts in a line."""
    if json:
        emit_json({"ok": True, "result": result.as_json(), "provenance": result.provenance})
        return
    out.print(
        f"{result.file}: {result.rows:,} {noun} rows — {result.recorded:,} new, "
        f"{result.updated:,} updated, {result.unchanged:,} unchanged; episodes "
        f"{result.opened:,} opened, {result.extended:,} extended ({result.protocol}), "
        f"{result.tasks:,} test tasks",
        markup=False,
    )
    if result.without_rule:
        out.print(
            f"  {result.without_rule:,} {noun}s have no quarantine rule in {result.protocol}",
            markup=False,
        )


@app.command()
def arrivals(
    ctx: typer.Context,
    file: FileArg,
    protocol: Annotated[
        str | None,
        typer.Option(help="Protocol whose inbound rules open the episodes [SHOUTU_PROTOCOL]."),
    ] = None,
    json: JsonOpt = False,
    date_format: DateFormat = None,
    allow_dates: AllowDates = False,
    encoding: Encoding = None,
) -> None:
    """Inbound travellers: person_id, arrival_time; optional port_place_id (a place of type
    port, airport or railway_station), origin_country (an ISO 3166 code or a name). Each
    arrival opens the person's quarantine by the protocol's inbound_traveller rules (stages,
    planned end, dated test tasks), counted from the arrival; an arrival while under control
    extends the open episode; the same row again changes nothing."""
    from shoutu.services.control.arrivals import import_arrivals

    with errors_as_exit(json):
        result = import_arrivals(
            state(ctx).context(),
            file,
            protocol=protocol,
            date_format=date_format,
            allow_dates=allow_dates,
            encoding=encoding,
        )
    _show_episodes_import(result, "arrival", json)


@app.command()
def simulation(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(help="A `shoutu simulate --out` folder.", file_okay=False)
    ],
    json: JsonOpt = False,
) -> None:
    """A simulator run: regions, places, people (with synthetic names and valid-checksum ID
    numbers, marked synthetic), cases, traced contacts and episodes of control (with their
    stages and test days) into the registry; check-ins, tests, visits and sales into the event
    store."""
    from shoutu.services.simulation.importer import import_run

    with errors_as_exit(json), progress_bars() as bars:
        loaded = import_run(state(ctx).context(), directory, progress=bars)
    if json:
        emit_json(
            {
                "ok": True,
                "results": [r.as_json() for r in loaded.results],
                "events": [{"kind": e.kind, "rows": e.rows, "days": e.days} for e in loaded.events],
            }
        )
        return
    for result in loaded.results:
        out.print(
            f"{result.entity}: {result.rows:,} rows — {result.inserted:,} new, "
            f"{result.updated:,} updated, {result.unchanged:,} unchanged",
            markup=False,
        )


@app.command()
def series(
    ctx: typer.Context,
    file: FileArg,
    channel: Annotated[str, typer.Option(help="Channel name (lower case, e.g. school_absence).")],
    json: JsonOpt = False,
    date_format: DateFormat = None,
    allow_dates: AllowDates = False,
    encoding: Encoding = None,
) -> None:
    """A surveillance channel of your own: date, region (a region code), count; daily or
    weekly. It becomes a channel for `shoutu channels`, `signals run` and `detect`."""
    from shoutu.services.surveillance.channel_import import import_channel

    with errors_as_exit(json):
        done = import_channel(
            state(ctx).context(),
            channel,
            file,
            date_format=date_format,
            allow_dates=allow_dates,
            encoding=encoding,
        )
    batch = done.batch
    if json:
        emit_json(
            {
                "ok": True,
                "channel": channel,
                "status": done.status,
                "rows": batch.rows,
                "days": batch.days,
                "batch": batch.batch,
                "added": done.added,
                "replaced": done.replaced,
                "unchanged": done.unchanged,
                "provenance": done.provenance,
            }
        )
        return
    if done.status == "already stored":
        out.print(
            f"{file}: channel {channel}: already stored ({done.unchanged:,} counts unchanged)",
            markup=False,
        )
        return
    out.print(
        f"{file}: channel {channel}: {done.added:,} added, {done.replaced:,} replaced, "
        f"{done.unchanged:,} unchanged on {batch.days:,} days (batch {batch.batch})",
        markup=False,
    )


def _event_import(
    ctx: typer.Context,
    file: Path,
    json: bool,
    run: Callable[[Any, Path], Any],
    describe: Callable[[Any], str],
) -> None:
    """Run an event-store import through its service; print JSON (with provenance) or a line."""
    with errors_as_exit(json):
        batch = run(state(ctx).context(), file)
    if json:
        emit_json({"ok": True, "result": batch.as_json(), "provenance": batch.provenance})
        return
    out.print(describe(batch), markup=False)


@app.command()
def results(
    ctx: typer.Context,
    file: FileArg,
    json: JsonOpt = False,
    allow_dates: AllowDates = False,
    encoding: Encoding = None,
) -> None:
    """Lab results: sample_id, tube_id, pool_size, person_id, site_id, lab_id, sample_time,
    result_time, method (pcr, antigen), result, ct_n, ct_orf1ab [, purpose]. Validated whole
    (by row and field), stored in the event store; positive pools recall their members, antigen
    positives ask for PCR confirmation, single-tube positives become cases."""
    from shoutu.services.screening.lab_results import import_results

    def describe(batch: Any) -> str:
        flow = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in batch.workflow.items())
        return (
            f"{batch.file}: {batch.rows:,} results — {batch.new:,} new, "
            f"{batch.already_stored:,} already stored" + (f"; {flow}" if flow else "")
        )

    _event_import(
        ctx,
        file,
        json,
        partial(import_results, allow_dates=allow_dates, encoding=encoding),
        describe,
    )


@app.command()
def checkins(
    ctx: typer.Context,
    file: FileArg,
    json: JsonOpt = False,
    allow_dates: AllowDates = False,
    encoding: Encoding = None,
) -> None:
    """Venue check-ins: person_id, place_id, t_in, t_out (empty: the venue type's typical
    dwell). Checked whole (by row and field), stored day by day sorted by place."""
    from shoutu.services.investigation.checkins import import_checkins

    def describe(batch: Any) -> str:
        return (
            f"{batch.file}: {batch.rows:,} check-ins — {batch.new:,} new, "
            f"{batch.already_stored:,} already stored, {batch.dwell_filled:,} with the typical "
            "dwell"
        )

    _event_import(
        ctx,
        file,
        json,
        partial(import_checkins, allow_dates=allow_dates, encoding=encoding),
        describe,
    )


@app.command()
def checks(
    ctx: typer.Context,
    file: FileArg,
    protocol: Annotated[
        str | None,
        typer.Option(help="Protocol whose health_checks rules apply [SHOUTU_PROTOCOL]."),
    ] = None,
    json: JsonOpt = False,
    date_format: DateFormat = None,
    allow_dates: AllowDates = False,
    encoding: Encoding = None,
) -> None:
    """Daily health checks of people under control: person_id, check_time, temperature (°C);
    optional symptoms (comma- or semicolon-separated, e.g. cough;fever) and channel (app,
    phone, visit, site_staff, import [import]). Each links to the person's episode in force at
    its time (a person not under control then is refused); fever or a test symptom opens a
    symptom test unless one is open; the same report again changes nothing, a different one at
    the same person and time is refused (the first stands)."""
    from shoutu.services.control.checks_import import import_checks

    with errors_as_exit(json):
        result = import_checks(
            state(ctx).context(),
            file,
            protocol=protocol,
            date_format=date_format,
            allow_dates=allow_dates,
            encoding=encoding,
        )
    if json:
        emit_json({"ok": True, "result": result.as_json(), "provenance": result.provenance})
        return
    out.print(
        f"{result.file}: {result.rows:,} health checks — {result.recorded:,} new, "
        f"{result.unchanged:,} unchanged ({result.protocol}); {result.calling_for_test:,} "
        f"calling for a test: {result.tests_opened:,} symptom tests opened, "
        f"{result.tests_already_open:,} already open",
        markup=False,
    )
