"""Reading input tables: CSV and Parquet, in chunks, with row and line numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoutu.errors import InputError, ValidationReport
from shoutu.io.tables import read_table

cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
    max_size=12,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(cell, cell), min_size=1, max_size=20), size=st.integers(1, 7))
def test_csv_round_trip_in_chunks(tmp_path: Path, rows: list[tuple[str, str]], size: int) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["a", "b"])
    writer.writerows(rows)
    path = tmp_path / "t.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    report = ValidationReport()
    got = [r for chunk in read_table(path).chunks(size, report) for r in chunk]
    assert report.ok
    expected = [(a.strip() or None, b.strip() or None) for a, b in rows if a.strip() or b.strip()]
    assert [(r[2]["a"], r[2]["b"]) for r in got] == expected
    assert [r[0] for r in got] == list(range(1, len(expected) + 1))
    assert all(
        chunk_len <= size
        for chunk_len in [len(c) for c in read_table(path).chunks(size, ValidationReport())]
    )


def test_line_numbers_follow_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,2\n\n3,"multi\nline"\n4,5\n', encoding="utf-8")
    rows = [r for c in read_table(path).chunks(None, ValidationReport()) for r in c]
    assert [(r[0], r[1]) for r in rows] == [(1, 2), (2, 5), (3, 6)]


def test_parquet_chunks_keep_types(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"id": pa.array(range(10), pa.int64()), "x": [0.5] * 10}), path)
    chunks = list(read_table(path).chunks(4, ValidationReport()))
    assert [len(c) for c in chunks] == [4, 4, 2]
    assert chunks[2][1] == (10, None, {"id": 9, "x": 0.5})


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"a,,b\n1,2,3\n", "empty column name"),
        (b"a,b,a\n1,2,3\n", "appears twice"),
        (b"\xff\xfea,b\n", "not UTF-8"),
    ],
)
def test_bad_headers(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_table(path)
    assert reason in info.value.report.problems[0].reason
    assert info.value.report.problems[0].file == str(path)


def test_not_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    path.write_text("a,b\n")
    with pytest.raises(InputError, match="1 problem") as info:
        read_table(path)
    assert "not a readable Parquet file" in info.value.report.problems[0].reason


def test_the_importers_reader_takes_naive_parquet_times_as_local(tmp_path: Path) -> None:
    """One rule for every format (trust issue, item 15): a naive Parquet timestamp is local
    wall time as CSV text is, an aware one is the instant it names."""
    import datetime as dt

    from shoutu.io.columnar import read_columns

    schema = pa.schema([("person_id", pa.int64()), ("time", pa.timestamp("us", "UTC"))])
    naive = pa.array([dt.datetime(2022, 4, 1, 10, 0)], pa.timestamp("us"))
    aware = pa.array([dt.datetime(2022, 4, 1, 2, 0, tzinfo=dt.UTC)], pa.timestamp("us", "UTC"))
    utc_ten = dt.datetime(2022, 4, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
    for name, column in (("naive", naive), ("aware", aware)):
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.table({"person_id": [1], "time": column}), path)
        table, _ = read_columns(path, schema, ("person_id", "time"), "Asia/Shanghai")
        assert table["time"].to_pylist() == [utc_ten], name
    text = tmp_path / "text.csv"
    text.write_text("person_id,time\n1,2022-04-01 10:00\n")
    table, _ = read_columns(text, schema, ("person_id", "time"), "Asia/Shanghai")
    assert table["time"].to_pylist() == [utc_ten]
