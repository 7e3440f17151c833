"""Public trajectories and the self-check (investigation issue): de-identified place windows
from the cases' contact windows, and a person's own visits checked against them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from typer.testing import CliRunner

from cities import TRACE_CITY
from conftest import City
from shoutu.cli.app import app
from shoutu.errors import BadRequest
from shoutu.protocols.loader import ProtocolRegistry
from shoutu.services.public.exposure import read_visits, self_check
from shoutu.services.public.trajectories import (
    TRAJECTORY_COLUMNS,
    TrajectoryInputs,
    trajectory_windows,
)

UTC = dt.UTC
ONSET = dt.datetime(2022, 4, 5, 2, 0, tzinfo=UTC)
T = ONSET - dt.timedelta(days=1)  # 2022-04-04 02:00 UTC = 10:00 in Shanghai


def _at(hours: float) -> dt.datetime:
    return T + dt.timedelta(hours=hours)


def _files(tmp_path: Path) -> TrajectoryInputs:
    utc = pa.timestamp("us", tz="UTC")
    pq.write_table(
        pa.table(
            {
                "person_id": pa.array([1, 2], pa.int64()),
                "onset_time": pa.array([ONSET, ONSET], utc),
                "isolation_time": pa.array([ONSET + dt.timedelta(days=1)] * 2, utc),
            }
        ),
        tmp_path / "cases.parquet",
    )
    visits = [
        (1, 10, _at(0.2), _at(0.8)),  # 10:12-10:48 local
        (2, 10, _at(1.3), _at(2.1)),  # 11:18-12:06
        (1, 11, _at(-240), _at(-239)),  # ten days before: outside the window
        (3, 10, _at(5), _at(6)),  # not a case
        (2, 12, _at(30), _at(31)),
    ]
    pq.write_table(
        pa.table(
            {
                "person_id": pa.array([v[0] for v in visits], pa.int64()),
                "place_id": pa.array([v[1] for v in visits], pa.int64()),
                "t_in": pa.array([v[2] for v in visits], utc),
                "t_out": pa.array([v[3] for v in visits], utc),
            }
        ),
        tmp_path / "checkins.parquet",
    )
    return TrajectoryInputs(tmp_path / "checkins.parquet", tmp_path / "cases.parquet")


def test_trajectories_are_whole_slots_merged_per_place_without_people(tmp_path: Path) -> None:
    protocol = ProtocolRegistry(None).load("cn-9th-2022")
    table = trajectory_windows(_files(tmp_path), protocol, "Asia/Shanghai")
    assert table.column_names == list(TRAJECTORY_COLUMNS)
    assert not {"person_id", "case_id", "index_id"} & set(table.column_names)
    rows = [(r["place_id"], r["window_start"], r["window_end"]) for r in table.to_pylist()]
    # 10:12-10:48 -> 10:00-11:00 and 11:18-12:06 -> 11:00-13:00 touch: one window 10:00-13:00
    assert rows == [(10, _at(0), _at(3)), (12, _at(30), _at(31))]
    assert table["local_window"][0].as_py() == "2022-04-04 10:00–13:00"
    quarter = trajectory_windows(_files(tmp_path), protocol, "Asia/Shanghai", round_minutes=15)
    place10 = [
        (r["window_start"], r["window_end"]) for r in quarter.to_pylist() if r["place_id"] == 10
    ]
    assert place10 == [(_at(0), _at(0.75) + dt.timedelta(minutes=15)), (_at(1.25), _at(2.25))]


def test_naive_times_are_local_time(tmp_path: Path) -> None:
    """Naive times in Parquet inputs are local time, as CSV text is: the same cases and visits
    with naive Shanghai times publish the same windows (10:00-13:00 local, not 8 hours late)."""
    files = _files(tmp_path)
    protocol = ProtocolRegistry(None).load("cn-9th-2022")
    expected = trajectory_windows(files, protocol, "Asia/Shanghai")
    for name in ("checkins", "cases"):
        table = pq.read_table(tmp_path / f"{name}.parquet")
        for i, column in enumerate(table.schema):
            if pa.types.is_timestamp(column.type):
                local = table[i].cast(pa.timestamp("us", tz="Asia/Shanghai"))
                table = table.set_column(i, column.name, pc.local_timestamp(local))
        pq.write_table(table, tmp_path / f"naive-{name}.parquet")
    naive = TrajectoryInputs(tmp_path / "naive-checkins.parquet", tmp_path / "naive-cases.parquet")
    got = trajectory_windows(naive, protocol, "Asia/Shanghai")
    assert got.equals(expected)
    assert got["local_window"][0].as_py() == "2022-04-04 10:00–13:00"


def test_self_check_lists_overlapping_windows(tmp_path: Path) -> None:
    protocol = ProtocolRegistry(None).load("cn-9th-2022")
    published = trajectory_windows(_files(tmp_path), protocol, "Asia/Shanghai")
    utc = pa.timestamp("us", tz="UTC")
    mine = pa.table(
        {
            "place_id": pa.array([10, 10, 11, 12], pa.int64()),
            "t_in": pa.array([_at(2.5), _at(-2), _at(0), _at(30.5)], utc),
            "t_out": pa.array([_at(4), _at(-1), _at(1), _at(40)], utc),
        }
    )
    found = self_check(published, mine).to_pylist()
    assert [(r["place_id"], r["overlap_minutes"]) for r in found] == [(10, 30.0), (12, 30.0)]
    assert found[0]["visit_start"] == _at(2.5) and found[0]["window_end"] == _at(3)


def test_self_check_cli_and_bad_visits(tmp_path: Path) -> None:
    files = _files(tmp_path)
    runner = CliRunner()
    published = tmp_path / "public.csv"
    result = runner.invoke(
        app,
        [
            "trajectories",
            "--checkins",
            str(files.checkins),
            "--cases",
            str(files.cases),
            "--output",
            str(published),
        ],
    )
    assert result.exit_code == 0, result.output
    one = runner.invoke(
        app,
        [
            "self-check",
            "--trajectories",
            str(published),
            "--place",
            "10",
            "--time-in",
            "2022-04-04 12:30",  # local
            "--time-out",
            "2022-04-04 14:00",
            "--json",
        ],
    )
    assert one.exit_code == 0, one.output
    import json

    exposures = json.loads(one.stdout)["exposures"]
    assert [e["overlap_minutes"] for e in exposures] == [30.0]
    bad = tmp_path / "visits.csv"
    bad.write_text("place_id,t_in,t_out\n10,2022-04-04 12:30,2022-04-04 12:00\nx,2022-04-04,\n")
    result = runner.invoke(
        app, ["self-check", "--trajectories", str(published), "--visits", str(bad)]
    )
    assert result.exit_code == 1
    text = result.output
    assert "visits.csv" in text and "row 1" in text and "t_out" in text
    assert "row 2" in text and "place_id" in text


def test_trajectories_name_a_missing_column(tmp_path: Path) -> None:
    files = _files(tmp_path)
    cases = pq.read_table(files.cases).drop_columns(["isolation_time"])
    pq.write_table(cases, tmp_path / "open.parquet")
    result = CliRunner().invoke(
        app,
        [
            "trajectories",
            "--checkins",
            str(files.checkins),
            "--cases",
            str(tmp_path / "open.parquet"),
        ],
    )
    assert result.exit_code == 1
    assert "open.parquet: needs a column isolation_time or report_time (--cases)" in result.output


def test_read_visits_needs_a_whole_visit() -> None:
    import pytest

    with pytest.raises(BadRequest, match="place with time_in and time_out"):
        read_visits(None, 10, "2022-04-04 12:30", None, "Asia/Shanghai")


def test_simulator_trajectories_cover_every_case_visit(tmp_path: Path, city: City) -> None:
    """On simulator output (places file included): every case visit inside its contact window
    lies inside a published window at its place, and every published window holds a case
    visit; DuckDB and Spark publish the same windows."""
    out = city(**TRACE_CITY)
    protocol = ProtocolRegistry(None).load("cn-9th-2022")
    files = TrajectoryInputs(out / "checkins.parquet", out / "cases.parquet")
    table = trajectory_windows(files, protocol, "Asia/Shanghai", places=out / "places.parquet")
    assert table.num_rows > 20 and table["name"].null_count == 0
    windows: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for r in table.to_pylist():
        windows.setdefault(r["place_id"], []).append((r["window_start"], r["window_end"]))
    contact = {}
    for c in pq.read_table(out / "cases.parquet").to_pylist():
        start = c["onset_time"] or c["sample_time"]
        if start is not None:
            end = c["isolation_time"] or c["report_time"]
            contact[c["person_id"]] = (start - dt.timedelta(days=4), end)
    used = set()
    visits = 0
    checkins = pq.read_table(out / "checkins.parquet")
    of_cases = pc.is_in(checkins["person_id"], value_set=pa.array(list(contact), pa.int64()))
    for v in checkins.filter(of_cases).to_pylist():
        window = contact.get(v["person_id"])
        if window is None or not (v["t_out"] > window[0] and v["t_in"] < window[1]):
            continue
        s, e = max(v["t_in"], window[0]), min(v["t_out"], window[1])
        inside = [w for w in windows.get(v["place_id"], []) if w[0] <= s and e <= w[1]]
        assert len(inside) == 1, v
        used.add((v["place_id"], inside[0]))
        visits += 1
    assert visits >= table.num_rows
    assert len(used) == table.num_rows
    spark = trajectory_windows(
        files, protocol, "Asia/Shanghai", places=out / "places.parquet", engine="spark"
    )
    assert spark.equals(table)
