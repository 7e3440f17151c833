"""The event store: local-day partitions, sorted files, idempotent batches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shoutu.events.store import event_days, read_events, write_events

UTC_US = pa.timestamp("us", tz="UTC")


def _checkins(path: Path) -> None:
    def t(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text)

    pq.write_table(
        pa.table(
            {
                "person_id": pa.array([1, 2, 3, 4], pa.int64()),
                "place_id": pa.array([9, 5, 9, 5], pa.int64()),
                "t_in": pa.array(
                    [
                        t("2022-03-01T15:30:00+00:00"),
                        t("2022-03-01T16:30:00+00:00"),
                        t("2022-03-01T01:00:00+00:00"),
                        t("2022-03-01T02:00:00+00:00"),
                    ],
                    UTC_US,
                ),
                "t_out": pa.array(
                    [
                        t("2022-03-01T16:00:00+00:00"),
                        t("2022-03-01T17:00:00+00:00"),
                        t("2022-03-01T02:00:00+00:00"),
                        t("2022-03-01T03:00:00+00:00"),
                    ],
                    UTC_US,
                ),
            }
        ),
        path,
    )


def test_partitions_by_local_day_and_sorts_by_place(tmp_path: Path) -> None:
    source = tmp_path / "checkins.parquet"
    _checkins(source)
    batch = write_events(tmp_path / "events", "checkins", source, "Asia/Shanghai")
    assert (batch.rows, batch.days) == (4, 2)
    # 15:30 UTC is 23:30 in Shanghai (March 1); 16:30 UTC is 00:30 on March 2
    assert event_days(tmp_path / "events", "checkins") == ["2022-03-01", "2022-03-02"]
    first = read_events(tmp_path / "events", "checkins", ["2022-03-01"])
    assert first.column("person_id").to_pylist() == [4, 3, 1]  # place 5, then place 9 by time
    assert read_events(tmp_path / "events", "checkins", ["2022-03-02"]).num_rows == 1
    berlin = write_events(tmp_path / "eu", "checkins", source, "Europe/Berlin")
    assert berlin.days == 1


def test_reimporting_a_batch_changes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "checkins.parquet"
    _checkins(source)
    write_events(tmp_path / "events", "checkins", source, "Asia/Shanghai")
    before = {p: p.read_bytes() for p in (tmp_path / "events").rglob("*.parquet")}
    write_events(tmp_path / "events", "checkins", source, "Asia/Shanghai")
    after = {p: p.read_bytes() for p in (tmp_path / "events").rglob("*.parquet")}
    assert before == after
    assert read_events(tmp_path / "events", "checkins").num_rows == 4


def test_unknown_kind(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown event kind"):
        write_events(tmp_path, "tweets", tmp_path / "x.parquet", "UTC")
