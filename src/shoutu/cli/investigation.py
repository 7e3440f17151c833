"""Investigation commands (流调溯源): `shoutu trace`, `chains`, `trajectories` and
`self-check`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shoutu.cli.analytics import JsonOpt
from shoutu.cli.output import emit_columns, emit_json, err, errors_as_exit

ProtocolOpt = Annotated[str | None, typer.Option(help="Protocol [the one in force].")]


EngineOpt = Annotated[
    str, typer.Option(help="duckdb (embedded) or spark (pyspark; same query, same rows).")
]


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
    places: Annotated[
        Path | None,
        typer.Option(
            help="Places (place_id, type): venue types, for a protocol that classifies "
            "co-presence by venue type (companions); without it duration alone decides."
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
    from shoutu.cli.state import state
    from shoutu.errors import BadRequest
    from shoutu.services.investigation.tracing import TraceInputs, trace, trace_case

    current = state(ctx)
    if case is not None:
        with errors_as_exit(json):
            counts = trace_case(current.context(), case)
        if json:
            emit_json({"case": case, **counts})
        else:
            err.print(
                f"case {case}: {counts['close']:,} close and {counts['secondary']:,} secondary "
                f"contacts and {counts['companions']:,} companions recorded, "
                f"{counts['tasks']:,} control tasks; episodes "
                f"{counts['episodes_opened']:,} opened, {counts['episodes_extended']:,} extended",
                markup=False,
            )
        return
    with errors_as_exit(json):
        if checkins is None or cases is None or people is None or output is None:
            raise BadRequest("file mode needs {checkins}, {cases}, {people} and {output}")
        inputs = TraceInputs(checkins, cases, people, groups, quarantine, tests, places)
        result = trace(current.context(), inputs, protocol=protocol, engine=engine)
    table = result.contacts
    columns = {name: table[name] for name in table.column_names}
    kinds = result.kinds
    emit_columns(columns, result.provenance, "contacts", json, output, kinds)
    if not json:
        err.print(
            f"{output}: {kinds['close']:,} close, {kinds['secondary']:,} secondary and "
            f"{kinds['companion']:,} companion contact rows",
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
    estimate_weights: Annotated[
        bool,
        typer.Option(
            "--estimate-weights/--fixed-weights",
            help="Settings' weights estimated from the data (EM), or the fixed defaults.",
        ),
    ] = True,
    community: Annotated[
        bool,
        typer.Option(
            help="Link the cases whose only groups are households (a setting 'community'); "
            "coordinates in the cases (x,y or lat,lon) weigh those links by distance."
        ),
    ] = False,
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
    from shoutu.analytics.chains import NO_SOURCE_WEIGHT
    from shoutu.services.investigation.chains import chains_file

    with errors_as_exit(json):
        result = chains_file(
            cases,
            si_mean=si_mean,
            si_sd=si_sd,
            si_dist=si_dist,
            si_distr=si_distr,
            groups=groups,
            contacts=contacts,
            no_source_weight=NO_SOURCE_WEIGHT if no_source_weight is None else no_source_weight,
            estimate_weights=estimate_weights,
            community=community,
        )
        if graph_dir is not None:
            pages = result.graph(page_size).write(graph_dir)
            err.print(f"{graph_dir}: chain graph in {len(pages) - 1:,} pages", markup=False)
    extra = {"no_known_source": result.no_known_source}
    emit_columns(result.columns, result.provenance, "chains", json, output, extra)


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
    from shoutu.services.public.trajectories import TrajectoryInputs, publish_trajectories

    with errors_as_exit(json):
        result = publish_trajectories(
            state(ctx).context(),
            TrajectoryInputs(checkins, cases, tests),
            places=places,
            round_minutes=round_minutes,
            protocol=protocol,
            engine=engine,
        )
    table = result.windows
    columns = {name: table[name] for name in table.column_names}
    emit_columns(columns, result.provenance, "trajectories", json, output)
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
    from shoutu.services.public.exposure import read_visits, self_check_file

    with errors_as_exit(json):
        settings = state(ctx).settings()
        mine = read_visits(visits, place, time_in, time_out, settings.timezone)
        result = self_check_file(trajectories, mine)
    table = result.exposures
    columns = {name: table[name] for name in table.column_names}
    emit_columns(columns, result.provenance, "exposures", json, output)
    if not json:
        err.print(
            f"{table.num_rows:,} overlapping exposure(s) among {result.visits:,} visit(s)",
            markup=False,
        )
