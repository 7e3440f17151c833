"""Day-partitioned Parquet files under the event folder (``SHOUTU_EVENT_DIR``).

Layout: ``{event_dir}/{kind}/day=YYYY-MM-DD/{batch}-{part}.parquet``, where the day is the
local day (configured time zone) of the kind's event time, ``batch`` is the first 16 hex
digits of the source file's SHA-256 and ``part`` its row group: re-importing a batch rewrites
the same files with the same bytes (idempotent), and a reader picks days by folder. Inside a
file, rows are sorted by the kind's keys (check-ins by place, then entry time), so a trace
reads only the days and places it needs. Sources are streamed one row group at a time.
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shoutu.io.provenance import file_hash

#: kind -> (event time column, sort keys)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "checkins": ("t_in", ("place_id", "t_in")),
    "tests": ("sample_time", ("person_id", "sample_time")),
    "visits": ("time", ("place_id", "time")),
    "sales": ("time", ("place_id", "time")),
    "series": ("time", ("channel", "region")),  # user channels: date,region,count imports
}


@dataclass(frozen=True)
class EventBatch:
    kind: str
    rows: int
    days: int
    batch: str


def local_days(times: pa.ChunkedArray | pa.Array, timezone: str) -> pa.Array:
    """The local calendar day of each UTC timestamp."""
    local = pc.local_timestamp(pc.cast(times, pa.timestamp("us", tz=timezone)))
    return pc.cast(local, pa.date32())


def write_events(
    event_dir: Path, kind: str, source: Path | pa.Table, timezone: str, batch: str | None = None
) -> EventBatch:
    """Partition ``source`` (a Parquet file of ``kind``, or a table) by local day into the
    event store. The batch id defaults to the source file's content hash (a table needs one)."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}; expected one of {sorted(KINDS)}")
    time_column, keys = KINDS[kind]
    if isinstance(source, pa.Table):
        if batch is None:
            raise ValueError("a table of events needs a batch id")
        parts: Iterator[pa.Table] = iter([source])
    else:
        batch = batch or file_hash(source)[:16]
        reader = pq.ParquetFile(source)
        parts = (reader.read_row_group(part) for part in range(reader.num_row_groups))
    rows, days = 0, set()
    for part, table in enumerate(parts):
        if table.num_rows == 0:
            continue
        day = local_days(table.column(time_column), timezone)
        table = table.append_column("_day", day)
        for value in pc.unique(day).to_pylist():
            chunk = table.filter(pc.equal(table.column("_day"), pa.scalar(value, pa.date32())))
            chunk = chunk.drop_columns(["_day"]).sort_by([(k, "ascending") for k in keys])
            folder = event_dir / kind / f"day={value.isoformat()}"
            folder.mkdir(parents=True, exist_ok=True)
            write_atomically(
                chunk.replace_schema_metadata(None), folder / f"{batch}-{part:05d}.parquet"
            )
            rows += chunk.num_rows
            days.add(value)
    return EventBatch(kind=kind, rows=rows, days=len(days), batch=batch)


def write_atomically(table: pa.Table, path: Path) -> None:
    """Write a Parquet file under a temporary name and rename it into place: a reader (or a
    kill -9 in the middle) never sees half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


class UnreadableEvents(UserWarning):
    """An event file that cannot be read: skipped (``shoutu repair`` moves it aside)."""


def readable(files: list[Path]) -> list[Path]:
    """The files whose Parquet footer reads; each other one is named in a warning."""
    found = []
    for path in files:
        try:
            pq.read_metadata(path)
        except Exception as exc:  # pyarrow raises several kinds for a damaged file
            warnings.warn(
                f"{path}: cannot be read ({exc}); skipped — `shoutu repair` moves it aside",
                UnreadableEvents,
                stacklevel=3,
            )
            continue
        found.append(path)
    return found


def unreadable(event_dir: Path) -> list[Path]:
    """Every event file of the store that cannot be read."""
    broken = []
    for path in sorted(event_dir.glob("*/day=*/*.parquet")):
        try:
            pq.read_metadata(path)
        except Exception:  # damaged: its footer does not read
            broken.append(path)
    return broken


def batch_files(event_dir: Path, kind: str, batch: str) -> list[Path]:
    """The files one batch wrote (``{batch}-NNNNN.parquet`` in the kind's day folders)."""
    return readable(sorted((event_dir / kind).glob(f"day=*/{batch}-*.parquet")))


def event_days(event_dir: Path, kind: str) -> list[str]:
    """The days (YYYY-MM-DD) that hold events of ``kind``."""
    folder = event_dir / kind
    return (
        sorted(p.name.removeprefix("day=") for p in folder.glob("day=*")) if folder.exists() else []
    )


def day_files(folder: Path, first: dt.date, last: dt.date) -> tuple[Path, ...]:
    """The Parquet files of one kind's ``day=YYYY-MM-DD`` folders from ``first`` to ``last``."""
    days = sorted(p for p in folder.glob("day=*") if p.is_dir())
    low, high = first.isoformat(), last.isoformat()
    return tuple(
        readable(
            [
                f
                for d in days
                if low <= d.name.removeprefix("day=") <= high
                for f in sorted(d.glob("*.parquet"))
            ]
        )
    )


def read_events(
    event_dir: Path, kind: str, days: list[str] | None = None, columns: list[str] | None = None
) -> pa.Table:
    """Events of ``kind`` (on ``days`` only, and only ``columns``, if given)."""
    folders = [event_dir / kind / f"day={d}" for d in (days or event_days(event_dir, kind))]
    files = readable(
        sorted(f for folder in folders if folder.exists() for f in folder.glob("*.parquet"))
    )
    if not files:
        return pa.table({})
    # batches from different sources may carry optional columns the others lack
    return pa.concat_tables(
        [pq.read_table(f, columns=columns) for f in files], promote_options="default"
    )


def read_people(event_dir: Path, kind: str, days: list[str], person_ids: list[int]) -> pa.Table:
    """Events of ``kind`` on ``days`` of these people only (each file filtered as it is
    read; optional columns some batches lack come back null)."""
    folders = [event_dir / kind / f"day={d}" for d in days]
    files = readable(
        sorted(f for folder in folders if folder.exists() for f in folder.glob("*.parquet"))
    )
    if not files or not person_ids:
        return pa.table({})
    wanted = pa.array(sorted(set(person_ids)), pa.int64())
    parts = [pq.read_table(f, filters=pc.field("person_id").isin(wanted)) for f in files]
    return pa.concat_tables(parts, promote_options="default")


def read_around(
    event_dir: Path, kind: str, times: pa.ChunkedArray | pa.Array, columns: list[str]
) -> pa.Table:
    """Stored events of ``kind`` on the days of ``times``, a day either side (a UTC day and
    the local day that partitions the store may differ by one), only ``columns``."""
    days = pc.unique(pc.cast(times.drop_null(), pa.date32())).to_pylist()
    wanted = sorted({(d + dt.timedelta(days=k)).isoformat() for d in days for k in (-1, 0, 1)})
    return read_events(event_dir, kind, wanted, columns)
