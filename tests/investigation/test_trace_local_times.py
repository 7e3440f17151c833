"""Trust issue, item 15: a naive time in a trace input is local time (SHOUTU_TIMEZONE) whatever
the input's format — naive Parquet columns (files or tables in memory) exactly as CSV text —
so the same visits give the same contacts however their times are written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv
import pyarrow.parquet as pq
import pytest

from cities import SMALL_CITY
from conftest import City
from shoutu.domain.timeutil import parse_timestamp
from shoutu.protocols.loader import ProtocolRegistry
from shoutu.services.investigation.tracing import TraceInputs, trace_tables

ZONE = "Asia/Shanghai"
TIMED = ("checkins", "cases", "quarantine", "tests")


def _naive(table: pa.Table, zone: str = ZONE) -> pa.Table:
    """``table`` with every time-zone-aware timestamp column as naive local time in ``zone``."""
    for i, column in enumerate(table.schema):
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            local = pc.local_timestamp(table[column.name].cast(pa.timestamp("us", tz=zone)))
            table = table.set_column(i, column.name, local)
    return table


def _inputs(out: Path, **chosen: Path | pa.Table) -> TraceInputs:
    files = {name: out / f"{name}.parquet" for name in (*TIMED, "people", "groups")}
    return TraceInputs(**{**files, **chosen})  # type: ignore[arg-type]


def _variants(out: Path, tmp_path: Path) -> dict[str, TraceInputs]:
    naive = {name: _naive(pq.read_table(out / f"{name}.parquet")) for name in TIMED}
    for name, table in naive.items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
        flat = [c.name for c in table.schema if not pa.types.is_nested(c.type)]
        # local times as text, no offset (CSV holds no nested columns: an episode's stages)
        pv.write_csv(table.select(flat), tmp_path / f"{name}.csv")
    return {
        "naive Parquet": _inputs(out, **{n: tmp_path / f"{n}.parquet" for n in TIMED}),
        "naive tables": _inputs(out, **naive),
        "CSV": _inputs(out, **{n: tmp_path / f"{n}.csv" for n in TIMED}),
        "UTC check-ins, naive cases": _inputs(
            out, **{n: tmp_path / f"{n}.parquet" for n in TIMED if n != "checkins"}
        ),
    }


def test_naive_parquet_times_are_local_time(tmp_path: Path, city: City) -> None:
    """The same trace from time-zone-aware Parquet, naive local Parquet files and tables, CSV
    text, and UTC check-ins with naive cases: identical rows."""
    out = city(**SMALL_CITY)
    protocol = ProtocolRegistry(None).load("cn-9th-2022")
    expected = trace_tables(_inputs(out), protocol, ZONE)
    assert expected.num_rows > 100 and "venue" in expected["setting"].to_pylist()
    for name, inputs in _variants(out, tmp_path).items():
        got = trace_tables(inputs, protocol, ZONE)
        assert got.equals(expected), name


def test_spark_reads_naive_parquet_times_as_local_time(tmp_path: Path, city: City) -> None:
    out = city(**SMALL_CITY)
    protocol = ProtocolRegistry(None).load("cn-9th-2022")
    expected = trace_tables(_inputs(out), protocol, ZONE)
    naive = _variants(out, tmp_path)["naive Parquet"]
    assert trace_tables(naive, protocol, ZONE, engine="spark").equals(expected)


BERLIN = [
    "2022-03-27 01:59:59",
    "2022-03-27 02:00:00",  # skipped: clocks go from 02:00 to 03:00
    "2022-03-27 02:30:00",
    "2022-03-27 03:00:00",
    "2022-10-30 01:59:59",
    "2022-10-30 02:00:00",  # twice: clocks go back from 03:00 to 02:00
    "2022-10-30 02:30:00",
    "2022-10-30 03:00:00",
    "2022-12-31 23:00:00",
]


@pytest.mark.parametrize("form", ["table", "file", "store days"])
def test_naive_times_around_daylight_saving_changes(tmp_path: Path, form: str) -> None:
    """Around daylight-saving changes a naive time is converted as the CSV reader converts text
    (``parse_timestamp``: a skipped or repeated local time takes the offset before the change),
    and a span keeps every row that may overlap it."""
    from shoutu.io.engines import Overlap, open_engine

    zone = "Europe/Berlin"
    utc = pa.timestamp("us", tz="UTC")
    text = pa.array([*BERLIN, None], pa.string())
    naive = pa.table(
        {"t_in": text.cast(pa.timestamp("us")), "t_out": text.cast(pa.timestamp("us"))}
    )
    expected = [None if v is None else parse_timestamp(v, zone) for v in text.to_pylist()]
    pq.write_table(naive, tmp_path / "all.parquet")
    pq.write_table(naive.slice(0, 4), tmp_path / "day0.parquet")
    pq.write_table(naive.slice(4), tmp_path / "day1.parquet")
    source = {
        "table": naive,
        "file": (tmp_path / "all.parquet",),
        "store days": (tmp_path / "day0.parquet", tmp_path / "day1.parquet"),
    }[form]
    engine = open_engine("duckdb", timezone=zone)
    try:
        engine.load("raw", source)
        got = engine.fetch("SELECT t_in FROM raw")["t_in"].cast(utc).to_pylist()
        assert sorted(got, key=str) == sorted(expected, key=str)
        for instant in (e for e in expected if e is not None):
            micros = (instant - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(
                microseconds=1
            )
            engine.load("span", source, Overlap("t_in", "t_out", micros - 1, micros + 1))
            kept = engine.fetch("SELECT t_in FROM span")["t_in"].cast(utc).to_pylist()
            assert instant in kept
    finally:
        engine.close()
