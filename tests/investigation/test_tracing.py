"""Contact identification (investigation issue), file mode: close contacts from groups and
co-presence by the protocol's window and minimum overlap, secondary contacts through a close
contact's household; on simulator output, the true traceable transmissions are found."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cities import SMALL_CITY, TRACE_CITY
from conftest import City
from shoutu.cli.app import app
from shoutu.errors import BadRequest, InputError
from shoutu.protocols.loader import ProtocolRegistry
from shoutu.services.context import ServiceContext
from shoutu.services.investigation.tracing import OUTPUT, TraceInputs, trace_tables

UTC = dt.UTC


def _files(tmp_path: Path) -> TraceInputs:
    day = dt.datetime(2022, 4, 5, 2, 0, tzinfo=UTC)
    pq.write_table(
        pa.table(
            {
                "person_id": [1],
                "onset_time": [day],
                "sample_time": [None],
                "isolation_time": [day + dt.timedelta(days=1)],
            },
            schema=pa.schema(
                [
                    ("person_id", pa.int64()),
                    ("onset_time", pa.timestamp("us", tz="UTC")),
                    ("sample_time", pa.timestamp("us", tz="UTC")),
                    ("isolation_time", pa.timestamp("us", tz="UTC")),
                ]
            ),
        ),
        tmp_path / "cases.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "person_id": [1, 2, 3, 4, 5, 6],
                "household_id": ["H1", "H1", "H2", None, "H2", "H3"],
                "office_id": ["O1", None, "O1", None, None, None],
            }
        ),
        tmp_path / "people.parquet",
    )
    t = day - dt.timedelta(days=1)
    minutes = dt.timedelta(minutes=1)
    pq.write_table(
        pa.table(
            {
                "person_id": [1, 4, 6, 1],
                "place_id": [10, 10, 10, 11],
                "t_in": [t, t + 50 * minutes, t + 55 * minutes, t - dt.timedelta(days=9)],
                "t_out": [
                    t + 60 * minutes,
                    t + 90 * minutes,
                    t + 65 * minutes,
                    t - dt.timedelta(days=9) + 60 * minutes,
                ],
            }
        ),
        tmp_path / "checkins.parquet",
    )
    return TraceInputs(
        tmp_path / "checkins.parquet", tmp_path / "cases.parquet", tmp_path / "people.parquet"
    )


def test_close_and_secondary_by_protocol(tmp_path: Path) -> None:
    files = _files(tmp_path)
    protocols = ProtocolRegistry(None)
    rows = trace_tables(files, protocols.load("cn-9th-2022"), "Asia/Shanghai")
    assert rows.column_names == list(OUTPUT)
    got = {(r["contact_id"], r["kind"], r["setting"], r["via_id"]) for r in rows.to_pylist()}
    assert got == {
        (2, "close", "household", None),  # the case's household
        (3, "close", "office", None),  # the case's office
        (4, "close", "venue", None),  # 10 minutes together at place 10
        (6, "close", "venue", None),  # 5 minutes: any overlap counts in cn-9th
        (5, "secondary", "household", 3),  # the office contact's household
    }
    venue = {r["contact_id"]: r for r in rows.to_pylist() if r["setting"] == "venue"}
    assert venue[4]["overlap_minutes"] == 10.0 and venue[4]["place_id"] == 10
    assert "4 days before onset" in venue[4]["rule"]
    # the 9-day-old visit to place 11 is outside the window; WHO needs 15 minutes
    who = trace_tables(files, protocols.load("who-2021"), "Asia/Shanghai")
    assert not any(r["setting"] == "venue" for r in who.to_pylist())


def test_true_transmissions_are_found(tmp_path: Path, city: City) -> None:
    """At least 99% of the simulator's traceable transmissions inside the protocol window of a
    detected infector are among that infector's close contacts."""
    out = city(**TRACE_CITY)
    result = CliRunner().invoke(
        app,
        [
            "trace",
            "--checkins",
            str(out / "checkins.parquet"),
            "--cases",
            str(out / "cases.parquet"),
            "--people",
            str(out / "people.parquet"),
            "--groups",
            str(out / "groups.parquet"),
            "--quarantine",
            str(out / "quarantine.parquet"),
            "--output",
            str(tmp_path / "contacts.parquet"),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = pq.read_table(tmp_path / "contacts.parquet").to_pylist()
    close = {(r["index_id"], r["contact_id"]) for r in rows if r["kind"] == "close"}
    window = {}
    for c in pq.read_table(out / "cases.parquet").to_pylist():
        start = c["onset_time"] or c["sample_time"]
        if start is not None:
            window[c["person_id"]] = (
                start - dt.timedelta(days=4),
                c["isolation_time"] or c["report_time"],
            )
    eligible = found = 0
    for t in pq.read_table(out / "truth_infections.parquet").to_pylist():
        if not t["traceable"] or t["infector_id"] not in window:
            continue
        lo, hi = window[t["infector_id"]]
        if lo <= t["infection_time"] < hi:
            eligible += 1
            found += (t["infector_id"], t["infectee_id"]) in close
    assert eligible >= 10
    assert found / eligible >= 0.99


def test_missing_file_is_named(tmp_path: Path) -> None:
    files = _files(tmp_path)
    with pytest.raises(InputError) as missing:
        trace_tables(
            TraceInputs(tmp_path / "nope.parquet", files.cases, files.people),
            ProtocolRegistry(None).load("cn-9th-2022"),
            "Asia/Shanghai",
        )
    assert missing.value.report.lines() == [
        f"{tmp_path / 'nope.parquet'}: file not found (checkins)"
    ]


def test_store_mode_records_contacts(ctx: ServiceContext, tmp_path: Path, city: City) -> None:
    """`trace --case`: the registry's case and the check-in store give the same venue
    contacts as file mode; Contacts and control Tasks are recorded once."""
    from sqlalchemy import func, select

    from shoutu.services.investigation.tracing import trace_case
    from shoutu.services.simulation.importer import import_simulation, load_simulation_events
    from shoutu.store.tables import Case, Contact, Task, table

    out = city(**SMALL_CITY)
    import_simulation(ctx, out)
    load_simulation_events(ctx, out)
    with ctx.engine.connect() as conn:
        case = (
            conn.execute(select(table(Case)).where(table(Case).c.onset_time.is_not(None)).limit(1))
            .mappings()
            .first()
        )
    assert case is not None
    counts = trace_case(ctx, int(case["case_id"]))
    assert counts["close"] > 0 and counts["tasks"] >= counts["close"] // 10
    again = trace_case(ctx, int(case["case_id"]))
    assert again == {
        "close": 0,
        "secondary": 0,
        "companions": 0,
        "tasks": 0,
        "episodes_opened": 0,
        "episodes_extended": 0,
        "test_tasks": 0,
    }
    # each contact is under an episode of control by the protocol (opened, or the simulated
    # run's own episode extended or kept)
    assert counts["episodes_opened"] + counts["episodes_extended"] > 0
    with ctx.engine.connect() as conn:
        everyone = conn.execute(select(table(Contact))).mappings().all()
        tasks = conn.execute(select(func.count()).select_from(table(Task))).scalar_one()
    # the run's own traced contacts came with import simulation; trace adds this case's rest
    traced = [c for c in everyone if c["rule"] != "simulation"]
    assert tasks >= 1 and traced and all(c["index_case_id"] == case["case_id"] for c in traced)
    stored = [c for c in everyone if c["index_case_id"] == case["case_id"]]
    file_mode = trace_tables(
        TraceInputs(out / "checkins.parquet", out / "cases.parquet", out / "people.parquet"),
        ProtocolRegistry(None).load(case["protocol"]),
        "Asia/Shanghai",
    ).to_pylist()
    venue_file = {
        r["contact_id"]
        for r in file_mode
        if r["index_id"] == case["person_id"] and r["setting"] == "venue" and r["kind"] == "close"
    }
    venue_store = {
        c["person_id"]
        for c in stored
        if c["setting"].value == "venue" and c["kind"].value == "close"
    }
    assert venue_store == venue_file


def _tests_file(path: Path, rows: list[tuple[int, dt.datetime, str, str]]) -> Path:
    pq.write_table(
        pa.table(
            {
                "person_id": pa.array([r[0] for r in rows], pa.int64()),
                "sample_time": pa.array([r[1] for r in rows], pa.timestamp("us", tz="UTC")),
                "method": [r[2] for r in rows],
                "result": [r[3] for r in rows],
            }
        ),
        path,
    )
    return path


def test_cases_found_by_screening_are_traced_from_the_last_negative(tmp_path: Path) -> None:
    """A case found by repeated screening with a PCR negative 12 hours before its onset is
    traced from that sample, not from 4 days before: the visit 1 day earlier no longer
    counts. An antigen negative, a negative after the anchor, or a case found at a fever clinic
    keep the protocol's lookback."""
    from dataclasses import replace

    files = _files(tmp_path)
    onset = dt.datetime(2022, 4, 5, 2, 0, tzinfo=UTC)
    protocol = ProtocolRegistry(None).load("cn-9th-2022")
    cases = pq.read_table(files.cases)
    screened = cases.append_column("channel", pa.array(["routine_screening"]))
    pq.write_table(screened, tmp_path / "screened.parquet")
    tests = _tests_file(
        tmp_path / "tests.parquet",
        [
            (1, onset - dt.timedelta(days=3), "pcr", "negative"),
            (1, onset - dt.timedelta(hours=12), "pcr", "negative"),
            (1, onset - dt.timedelta(hours=2), "antigen", "negative"),
            (1, onset + dt.timedelta(hours=1), "pcr", "negative"),
        ],
    )
    traced = replace(files, cases=tmp_path / "screened.parquet", tests=tests)
    rows = trace_tables(traced, protocol, "Asia/Shanghai").to_pylist()
    assert not any(r["setting"] == "venue" for r in rows)
    household = next(r for r in rows if r["contact_id"] == 2)
    assert household["exposure_start"] == onset - dt.timedelta(hours=12)
    assert "from their last negative sample" in household["rule"]
    # found at a fever clinic: the usual 4 days, the venue contacts are back
    clinic = cases.append_column("channel", pa.array(["fever_clinic"]))
    pq.write_table(clinic, tmp_path / "clinic.parquet")
    rows = trace_tables(
        replace(traced, cases=tmp_path / "clinic.parquet"), protocol, "Asia/Shanghai"
    ).to_pylist()
    assert {r["contact_id"] for r in rows if r["setting"] == "venue"} == {4, 6}
    assert all("4 days before onset" in r["rule"] for r in rows if r["kind"] == "close")


def test_csv_inputs_give_the_parquet_rows(tmp_path: Path) -> None:
    import pyarrow.csv as pv

    files = _files(tmp_path)
    for name in ("checkins", "cases", "people"):
        pv.write_csv(pq.read_table(tmp_path / f"{name}.parquet"), tmp_path / f"{name}.csv")
    protocol = ProtocolRegistry(None).load("cn-9th-2022")
    from_csv = trace_tables(
        TraceInputs(tmp_path / "checkins.csv", tmp_path / "cases.csv", tmp_path / "people.csv"),
        protocol,
        "Asia/Shanghai",
    )
    assert from_csv.equals(trace_tables(files, protocol, "Asia/Shanghai"))


def test_spark_runs_the_same_query_with_the_same_rows(tmp_path: Path, city: City) -> None:
    """The contact query is written once; on Spark (local mode) it gives exactly DuckDB's rows,
    on the hand-made case (with a last-negative lookback) and on simulator output with
    households, classes, offices, venues, groups and quarantine."""
    from dataclasses import replace

    files = _files(tmp_path)
    tests = _tests_file(
        tmp_path / "tests.parquet",
        [(1, dt.datetime(2022, 4, 4, 20, 0, tzinfo=UTC), "pcr", "negative")],
    )
    protocol = ProtocolRegistry(None).load("cn-9th-2022")
    for traced in (files, replace(files, tests=tests)):
        duck = trace_tables(traced, protocol, "Asia/Shanghai")
        spark = trace_tables(traced, protocol, "Asia/Shanghai", engine="spark")
        assert spark.equals(duck), (spark.to_pylist(), duck.to_pylist())
    out = city(**SMALL_CITY)
    sim = TraceInputs(
        out / "checkins.parquet",
        out / "cases.parquet",
        out / "people.parquet",
        out / "groups.parquet",
        out / "quarantine.parquet",
        out / "tests.parquet",
    )
    duck = trace_tables(sim, protocol, "Asia/Shanghai")
    spark = trace_tables(sim, protocol, "Asia/Shanghai", engine="spark")
    assert duck.num_rows > 100 and {"close", "secondary"} <= set(duck["kind"].to_pylist())
    assert spark.equals(duck)
    # a city variant classifying venues by type (companions): the same on both engines
    typed = replace(sim, places=out / "places.parquet")
    variant = ProtocolRegistry(None).load("cn-9th-2022-city-companions")
    duck = trace_tables(typed, variant, "Asia/Shanghai")
    assert "companion" in duck["kind"].to_pylist()
    assert trace_tables(typed, variant, "Asia/Shanghai", engine="spark").equals(duck)


def test_store_folder_gives_the_file_rows(tmp_path: Path, city: City) -> None:
    """`--checkins` may be the check-in store (day folders sorted by place): only the days the
    cases' windows touch are read, with the same rows as the one unsorted file."""
    from dataclasses import replace

    from shoutu.events.store import write_events

    out = city(**SMALL_CITY)
    events = tmp_path / "events"
    write_events(events, "checkins", out / "checkins.parquet", "Asia/Shanghai")
    files = TraceInputs(
        out / "checkins.parquet",
        out / "cases.parquet",
        out / "people.parquet",
        out / "groups.parquet",
    )
    protocol = ProtocolRegistry(None).load("cn-9th-2022")
    expected = trace_tables(files, protocol, "Asia/Shanghai")
    assert expected.num_rows > 100
    for folder in (events, events / "checkins"):
        got = trace_tables(replace(files, checkins=folder), protocol, "Asia/Shanghai")
        assert got.equals(expected)


def test_engine_options_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """SHOUTU_DUCKDB_MEMORY_LIMIT caps DuckDB; an unknown engine is named."""
    from shoutu.io.engines import EngineOptions, open_engine
    from shoutu.settings import get_settings

    monkeypatch.setenv("SHOUTU_DUCKDB_MEMORY_LIMIT", "300MB")
    settings = get_settings()
    engine = open_engine(
        "duckdb", EngineOptions(settings.duckdb_memory_limit), timezone=settings.timezone
    )
    limit = engine.fetch("SELECT current_setting('memory_limit') AS m")["m"][0].as_py()
    engine.close()
    assert limit.replace(" ", "").upper().startswith(("286", "300")), limit
    with pytest.raises(BadRequest, match="unknown engine 'presto'"):
        open_engine("presto", timezone="UTC")


def test_bad_trace_inputs_are_named_by_file_row_and_field(tmp_path: Path) -> None:
    """A missing column names the file and the option; a CSV time that is not a time names the
    row and field; nothing is written. Naive CSV times are local time."""
    import pyarrow.csv as pv

    files = _files(tmp_path)
    runner = CliRunner()
    output = tmp_path / "contacts.parquet"
    pq.write_table(pq.read_table(files.checkins).drop_columns(["t_out"]), tmp_path / "no.parquet")
    base = ["trace", "--cases", str(files.cases), "--people", str(files.people)]
    result = runner.invoke(
        app, [*base, "--checkins", str(tmp_path / "no.parquet"), "--output", str(output)]
    )
    assert result.exit_code == 1
    assert "no.parquet: needs a column t_out (--checkins)" in result.output
    bad = tmp_path / "checkins.csv"
    bad.write_text(
        "person_id,place_id,t_in,t_out\n"
        "1,10,2022-04-04 10:00,2022-04-04 11:00\n"
        "4,10,2022-04-04 10:50,soon\n"
    )
    result = runner.invoke(app, [*base, "--checkins", str(bad), "--output", str(output)])
    assert result.exit_code == 1
    assert "row 2" in result.output and "t_out" in result.output and "checkins.csv" in result.output
    assert not output.exists()
    # the same visits as local (Shanghai) text: the file's UTC rows, found the same
    local = pq.read_table(files.checkins)
    text = pa.table(
        {
            "person_id": local["person_id"],
            "place_id": local["place_id"],
            "t_in": _local_text(local["t_in"]),
            "t_out": _local_text(local["t_out"]),
        }
    )
    pv.write_csv(text, tmp_path / "local.csv")
    protocol = ProtocolRegistry(None).load("cn-9th-2022")
    from dataclasses import replace

    from_local = trace_tables(
        replace(files, checkins=tmp_path / "local.csv"), protocol, "Asia/Shanghai"
    )
    assert from_local.equals(trace_tables(files, protocol, "Asia/Shanghai"))


def _local_text(times: pa.ChunkedArray) -> pa.ChunkedArray:
    import pyarrow.compute as pc

    return pc.strftime(
        times.cast(pa.timestamp("us", tz="Asia/Shanghai")), format="%Y-%m-%d %H:%M:%S"
    )
