"""Investigation commands (流调溯源): `shoutu trace`, `chains`, `trajectories` and
`self-check`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shoutu.cli.analytics import JsonOpt
from shoutu.cli.output import emit_columns, emit_json, err, errors_as_exit

if TYPE_CHECKING:
    from shoutu.io.engines import EngineOptions
    from shoutu.settings import Settings

ProtocolOpt = Annotated[str | None, typer.Option(help="Protocol [the one in force].")]


EngineOpt = Annotated[
    str, typer.Option(help="duckdb (embedded) or spark (pyspark; same query, same rows).")
]


def _engine_options(settings: Settings) -> EngineOptions:
    from shoutu.io.engines import EngineOptions

    return EngineOptions(settings.duckdb_memory_limit, settings.spark_master)


def trace(
    ctx: typer.Context,
    checkins: Annotated[
        Path | None, typer.Option(help="Check-ins: person_id, place_id, t_in, t_out.")
    ] = None,
    cases: Annotated[
        Path | None,
        typer.Option(help="Index cases: person_id (or case_id), onset/sample, isolation."),
    ] = None,
    people: Annotated[
        Path | None, typer.Option(help="People: person_id and household_id, office_id, ….")
    ] = None,
    output: Annotated[Path | None, typer.Option(help="Contacts file (.parquet or .csv).")] = None,
    groups: Annotated[
        Path | None, typer.Option(help="Memberships: person_id, group_type, group_id.")
    ] = None,
    quarantine: Annotated[
        Path | None, typer.Option(help="Quarantine starts: person_id, start_time.")
    ] = None,
    tests: Annotated[
        Path | None,
        typer.Option(
            help="Test results (person_id, sample_time, result[, method]): cases found by "
            "repeated testing are traced from their last negative sample."
        ),
    ] = None,
    protocol: ProtocolOpt = None,
    engine: EngineOpt = "duckdb",
    case: Annotated[
        int | None,
        typer.Option("--case", help="Store mode: trace this registered case, record contacts."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Close and secondary contacts by the protocol: households, classes, offices, dormitories
    and co-presence at places (DuckDB or Spark over Parquet or CSV). File mode: --checkins
    --cases --people --output. Store mode: --case CASE_ID reads the registry and the check-in
    store and records Contacts and contact-control Tasks."""
    import pyarrow.compute as pc

    from shoutu.cli.state import state
    from shoutu.io.provenance import build_provenance, file_hashes_later
    from shoutu.services.investigation.tracing import TraceFiles, trace_case, trace_files

    if case is not None:
        with errors_as_exit(json):
            service = state(ctx).context()
            counts = trace_case(service, case)
        if json:
            emit_json({"case": case, **counts})
        else:
            err.print(
                f"case {case}: {counts['close']:,} close and {counts['secondary']:,} secondary "
                f"contacts recorded, {counts['tasks']:,} control tasks",
                markup=False,
            )
        return
    with errors_as_exit(json):
        if checkins is None or cases is None or people is None or output is None:
            raise ValueError("file mode needs --checkins, --cases, --people and --output")
        files = TraceFiles(checkins, cases, people, groups, quarantine, tests)
        settings = state(ctx).settings()
        from shoutu.protocols.loader import ProtocolRegistry

        chosen = ProtocolRegistry(settings.protocol_dir).load(protocol or settings.protocol)
        inputs = [p for p in (checkins, cases, people, groups, quarantine, tests) if p]
        hashes = file_hashes_later([p for p in inputs if p.exists()])
        table = trace_files(
            files, chosen, settings.timezone, engine=engine, options=_engine_options(settings)
        )
    provenance = build_provenance(
        command="trace",
        parameters={"protocol": chosen.name, "engine": engine},
        input_hashes=hashes(),
    )
    columns = {name: table[name] for name in table.column_names}
    close = int(pc.sum(pc.equal(table["kind"], "close")).as_py() or 0)
    emit_columns(columns, provenance, "contacts", json, output, {"close": close})
    if not json:
        err.print(
            f"{output}: {close:,} close and {table.num_rows - close:,} secondary contact rows",
            markup=False,
        )


def chains(
    cases: Annotated[
        Path, typer.Option(help="Cases: case_id, onset_date [, sample_date, imported].")
    ],
    output: Annotated[Path | None, typer.Option(help="CSV or Parquet (default: CSV out).")] = None,
    groups: Annotated[
        Path | None, typer.Option(help="Groups: case_id, group_type, group_id.")
    ] = None,
    contacts: Annotated[
        Path | None, typer.Option(help="Contacts: source_id, target_id, setting.")
    ] = None,
    si_mean: Annotated[float | None, typer.Option(help="Serial interval mean (days).")] = None,
    si_sd: Annotated[float | None, typer.Option(help="Serial interval sd (days).")] = None,
    si_dist: Annotated[str, typer.Option(help="gamma or normal (with --si-mean/--si-sd).")] = (
        "gamma"
    ),
    si_distr: Annotated[
        Path | None, typer.Option(help="Empirical serial interval day,p (days may be <= 0).")
    ] = None,
    no_source_weight: Annotated[
        float | None,
        typer.Option(
            help="Weight of a source outside the cases, against the serial interval's peak: "
            "links scoring less give no known source [0.01]."
        ),
    ] = None,
    graph_dir: Annotated[
        Path | None,
        typer.Option(help="Also write the chain graph here: index.json + page-NNNN.json."),
    ] = None,
    page_size: Annotated[
        int, typer.Option(help="Cases per graph page (whole clusters; a big one alone).")
    ] = 2000,
    json: JsonOpt = False,
) -> None:
    """Likely infector (with probability and runner-up), generation, cluster and origin of each
    case, from exposure links and a serial interval."""
    from shoutu.analytics.chains import NO_SOURCE_WEIGHT, SerialInterval
    from shoutu.io.provenance import build_provenance, file_hash
    from shoutu.services.investigation.chains import chains_file, read_si_table

    with errors_as_exit(json):
        if si_distr is not None:
            si = read_si_table(si_distr)
        elif si_mean is not None and si_sd is not None:
            si = SerialInterval(si_dist, mean=si_mean, sd=si_sd)
        else:
            raise ValueError("give --si-mean and --si-sd, or --si-distr")
        if no_source_weight is None:
            no_source_weight = NO_SOURCE_WEIGHT
        result = chains_file(
            cases, si, groups=groups, contacts=contacts, no_source_weight=no_source_weight
        )
        columns = result.columns
        if graph_dir is not None:
            pages = result.graph(page_size).write(graph_dir)
            err.print(f"{graph_dir}: chain graph in {len(pages) - 1:,} pages", markup=False)
    inputs = [p for p in (cases, groups, contacts, si_distr) if p is not None]
    provenance = build_provenance(
        command="chains",
        parameters={
            "si_mean": si_mean,
            "si_sd": si_sd,
            "si_dist": si_dist,
            "no_source_weight": no_source_weight,
        },
        input_hashes=[file_hash(p) for p in inputs],
    )
    unknown = sum(1 for o in columns["origin"] if o == "unknown")
    emit_columns(columns, provenance, "chains", json, output, {"no_known_source": unknown})


def trajectories(
    ctx: typer.Context,
    checkins: Annotated[Path, typer.Option(help="Check-ins: person_id, place_id, t_in, t_out.")],
    cases: Annotated[
        Path, typer.Option(help="Cases: person_id (or case_id), onset/sample, isolation.")
    ],
    output: Annotated[Path | None, typer.Option(help="CSV or Parquet (default: CSV out).")] = None,
    places: Annotated[
        Path | None, typer.Option(help="Places: place_id, name, type, region_code, lat, lon.")
    ] = None,
    tests: Annotated[
        Path | None, typer.Option(help="Test results: windows from the last negative sample.")
    ] = None,
    round_minutes: Annotated[
        int, typer.Option(help="Windows widened to whole slots of this many minutes.")
    ] = 60,
    protocol: ProtocolOpt = None,
    engine: EngineOpt = "duckdb",
    json: JsonOpt = False,
) -> None:
    """De-identified case trajectories for publication: places and time windows (no person,
    no count) where cases were during the protocol's contact window, widened to whole slots
    and merged per place."""
    from shoutu.cli.state import state
    from shoutu.io.provenance import build_provenance, file_hash
    from shoutu.protocols.loader import ProtocolRegistry
    from shoutu.services.public.trajectories import TrajectoryFiles, publish_trajectories

    with errors_as_exit(json):
        settings = state(ctx).settings()
        chosen = ProtocolRegistry(settings.protocol_dir).load(protocol or settings.protocol)
        table = publish_trajectories(
            TrajectoryFiles(checkins, cases, tests),
            chosen,
            settings.timezone,
            places=places,
            round_minutes=round_minutes,
            engine=engine,
            options=_engine_options(settings),
        )
    provenance = build_provenance(
        command="trajectories",
        parameters={"protocol": chosen.name, "round_minutes": round_minutes},
        input_hashes=[file_hash(p) for p in (checkins, cases, places, tests) if p],
    )
    columns = {name: table[name] for name in table.column_names}
    emit_columns(columns, provenance, "trajectories", json, output)
    if not json and output is not None:
        err.print(f"{output}: {table.num_rows:,} place windows", markup=False)


def self_check(
    ctx: typer.Context,
    trajectories: Annotated[
        Path, typer.Option(help="Published trajectories (from `shoutu trajectories`).")
    ],
    visits: Annotated[
        Path | None,
        typer.Option(help="Your visits: place_id, t_in, t_out (naive times are local)."),
    ] = None,
    place: Annotated[int | None, typer.Option(help="Or one visit: the place id …")] = None,
    time_in: Annotated[str | None, typer.Option(help="… arrival (local time) …")] = None,
    time_out: Annotated[str | None, typer.Option(help="… and departure.")] = None,
    output: Annotated[Path | None, typer.Option(help="CSV or Parquet (default: CSV out).")] = None,
    json: JsonOpt = False,
) -> None:
    """Self-check: which published case windows your own visits overlapped, and for how long.
    Needs only the published file: your visits stay with you."""
    from shoutu.cli.state import state
    from shoutu.io.provenance import build_provenance
    from shoutu.services.public.trajectories import read_visits, self_check_files

    with errors_as_exit(json):
        settings = state(ctx).settings()
        mine = read_visits(visits, place, time_in, time_out, settings.timezone)
        table = self_check_files(trajectories, mine)
    provenance = build_provenance(command="self-check", parameters={"visits": mine.num_rows})
    columns = {name: table[name] for name in table.column_names}
    emit_columns(columns, provenance, "exposures", json, output)
    if not json:
        err.print(
            f"{table.num_rows:,} overlapping exposure(s) among {mine.num_rows:,} visit(s)",
            markup=False,
        )
