"""User channels: any count series a user imports as ``date,region,count``.

``shoutu import series FILE --channel NAME`` validates the file (dates, counts >= 0, region
codes of the registry's format, one row per date and region; every problem named by row and
field). The channel then works like the built-in ones in ``shoutu channels``, ``signals run``
and ``detect``.

A file's rows are what it says: the count of each (day, region) it has a row for, an explicit
0 included (days and regions it has no row for are left as they are). The event store (kind
``series``, the local day's midnight as the event time) keeps one value per channel, day and
region, the newest batch's: an import compares its rows with what is stored and writes only
the counts that differ — new ones, and replacements of stored ones — as a new batch stamped
with its time (``sent_at``) and id (``batch``), with one audit event saying what changed (the
replaced counts before and after, how many were added); an identical re-send, or a file
whose every count is stored already, writes nothing and is "already stored". Older rows stay
in their files, superseded: :func:`stored_series` resolves them (per day and region, the rows
of the newest ``sent_at``, then batch id; rows stored before batches were stamped count as
the oldest and add up among themselves, as they did).

The new batch's files are written aside, then renamed into their day folders after the audit
events are in the unit and before it commits (a failed commit removes them): a reader sees a
day either before or after the import, never both values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoutu.domain.regions import parse_region_code
from shoutu.domain.timeutil import Window, parse_date
from shoutu.domain.vocabulary import AuditAction
from shoutu.errors import BadRequest, InputError, ValidationReport
from shoutu.events.store import EventBatch, local_days, read_events, write_events
from shoutu.io.provenance import build_provenance
from shoutu.io.series import DailySeries, read_daily_series
from shoutu.io.tables import missing_column, read_table
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.surveillance.catalogue import BUILT_IN
from shoutu.store.repositories import locks

NAME = re.compile(r"[a-z][a-z0-9_]{1,40}")
KIND = "series"
ROWS = pa.schema(
    [
        ("channel", pa.string()),
        ("time", pa.timestamp("us", tz="UTC")),
        ("region", pa.string()),
        ("count", pa.float64()),
        ("batch", pa.string()),
        ("sent_at", pa.timestamp("us", tz="UTC")),
    ]
)
RESOLVED = pa.schema([("day", pa.date32()), ("region", pa.string()), ("count", pa.float64())])
STORED = "stored"
ALREADY = "already stored"

Cell = tuple[dt.date, str]


@dataclass(frozen=True)
class SeriesImport:
    channel: str
    batch: EventBatch  # the rows written (none when already stored)
    provenance: dict[str, Any]
    added: int = 0  # counts for days and regions that had none
    replaced: int = 0  # stored counts given another value
    unchanged: int = 0  # rows of the file whose count was stored already
    status: str = STORED  # or ALREADY: nothing written


#: The lock a series import holds from reading what is stored to committing its batch.
LOCK = "shoutu.series.import"


def import_channel(
    ctx: ServiceContext,
    channel: str,
    path: Path,
    *,
    date_format: str | None = None,
    allow_dates: bool = False,
    encoding: str | None = None,
) -> SeriesImport:
    """Import a channel's counts (see the module); days outside the plausible dates
    (SHOUTU_PLAUSIBLE_DATES) are refused unless ``allow_dates``."""
    if not NAME.fullmatch(channel) or channel in BUILT_IN:
        raise BadRequest(
            f"{{channel}} name {channel!r}: use 2-41 lower-case letters, digits or _, starting "
            "with a letter, not a built-in channel"
        )
    window = None if allow_dates else ctx.plausible_window()
    cells = _file_cells(path, date_format, encoding, window)
    series = read_daily_series(path, date_format, encoding=encoding)
    given = _values(series, cells)
    provenance = build_provenance(
        command="import series",
        parameters={
            "channel": channel,
            "date_format": date_format,
            "allow_dates": allow_dates,
            "encoding": encoding,
        },
        input_hashes=[series.content_hash],
    )
    event_dir, timezone = ctx.settings.event_dir, ctx.settings.timezone
    days = sorted({day.isoformat() for day, _ in given})
    moved: list[Path] = []
    try:
        with writing(ctx, detail=f"import series {path.name}") as unit:
            locks.serialise(unit.conn, name=LOCK)  # one writer compares and replaces at a time
            rows = stored_rows(event_dir, channel, days)
            stored = _cell_values(resolve(rows, timezone))
            changes = {cell: v for cell, v in given.items() if stored.get(cell, 0.0) != v}
            replaced = sorted(cell for cell in changes if cell in stored)
            unchanged = len(given) - len(changes)
            if not changes:
                nothing = EventBatch(kind=KIND, rows=0, days=0, batch="")
                return SeriesImport(channel, nothing, provenance, 0, 0, unchanged, ALREADY)
            sent = _sent_at(rows, unit.now)
            batch = hashlib.sha256(
                f"{series.content_hash}:{channel}:{sent.isoformat()}".encode()
            ).hexdigest()[:16]
            unit.event(
                AuditAction.UPDATE if replaced else AuditAction.CREATE,
                KIND,
                channel,
                before={"counts": {_label(c): stored[c] for c in replaced}} if replaced else None,
                after={
                    "batch": batch,
                    "counts": {_label(c): changes[c] for c in replaced},
                    "added": len(changes) - len(replaced),
                    "replaced": len(replaced),
                    "unchanged": unchanged,
                },
            )
            unit.flush()  # the audit events are in the unit before any file is visible
            table = _batch_table(channel, changes, batch, sent, ZoneInfo(timezone))
            written = _publish(event_dir, table, timezone, batch, moved)
    except BaseException:
        for target in moved:  # the unit did not commit: the batch was never stored
            target.unlink(missing_ok=True)
        raise
    added = len(changes) - len(replaced)
    return SeriesImport(channel, written, provenance, added, len(replaced), unchanged, STORED)


def stored_rows(event_dir: Path, channel: str, days: list[str] | None = None) -> pa.Table:
    """The stored rows of ``channel`` (on ``days`` only, if given), superseded ones included,
    in the columns of :data:`ROWS` (null batch and sent_at for rows stored before those)."""
    table = read_events(event_dir, KIND, days)
    if table.num_rows == 0:
        return ROWS.empty_table()
    table = table.filter(pc.equal(table["channel"], channel))
    columns = [
        table[f.name].cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type)
        for f in ROWS
    ]
    return pa.Table.from_arrays(columns, schema=ROWS)


def resolve(rows: pa.Table, timezone: str) -> pa.Table:
    """One count per local day and region (columns of :data:`RESOLVED`, sorted by day then
    region): of the rows of the newest ``sent_at`` and batch id, their sum."""
    if rows.num_rows == 0:
        return RESOLVED.empty_table()
    day = pc.cast(local_days(rows["time"], timezone), pa.int32()).to_numpy(zero_copy_only=False)
    region_labels, region = _ranks(rows["region"])
    _, batch = _ranks(pc.fill_null(rows["batch"], ""))
    sent_us = pc.cast(rows["sent_at"], pa.int64())
    sent = pc.fill_null(sent_us, np.iinfo(np.int64).min).to_numpy(zero_copy_only=False)
    count = rows["count"].to_numpy(zero_copy_only=False)
    order = np.lexsort((batch, sent, region, day))
    day, region, sent, batch, count = (a[order] for a in (day, region, sent, batch, count))
    new_cell = np.ones(len(day), bool)
    new_cell[1:] = (day[1:] != day[:-1]) | (region[1:] != region[:-1])
    new_version = new_cell.copy()
    new_version[1:] |= (sent[1:] != sent[:-1]) | (batch[1:] != batch[:-1])
    cell = np.cumsum(new_cell) - 1
    version = np.cumsum(new_version) - 1
    last_row = np.append(np.flatnonzero(new_cell)[1:] - 1, len(day) - 1)
    keep = version == version[last_row][cell]
    totals = np.bincount(cell[keep], weights=count[keep], minlength=len(last_row))
    first = np.flatnonzero(new_cell)
    return pa.table(
        {
            "day": pa.array(day[first], pa.int32()).cast(pa.date32()),
            "region": pa.array([region_labels[i] for i in region[first]], pa.string()),
            "count": pa.array(totals, pa.float64()),
        }
    )


def stored_series(event_dir: Path, timezone: str, channel: str) -> pa.Table:
    """A user channel's counts per local day and region, one each (see :func:`resolve`)."""
    return resolve(stored_rows(event_dir, channel), timezone)


def _ranks(values: pa.ChunkedArray | pa.Array) -> tuple[list[str], np.ndarray]:
    """The sorted distinct strings and each value's rank among them."""
    encoded = pc.dictionary_encode(values).combine_chunks()
    labels = encoded.dictionary.to_pylist()
    order = np.argsort(np.asarray(labels, dtype=object))
    rank = np.empty(len(labels), np.int64)
    rank[order] = np.arange(len(labels))
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    return [labels[i] for i in order], rank[indices]


def _cell_values(resolved: pa.Table) -> dict[Cell, float]:
    return {(r["day"], r["region"]): float(r["count"]) for r in resolved.to_pylist()}


def _values(series: DailySeries, cells: set[Cell]) -> dict[Cell, float]:
    """The file's count of each (day, region) it has a row for."""
    counts = series.local + series.imported
    row_of = {region.strip(): i for i, region in enumerate(series.regions)}
    return {
        (day, region): float(counts[row_of[region], (day - series.start).days // series.step_days])
        for day, region in cells
    }


def _sent_at(rows: pa.Table, now: dt.datetime) -> dt.datetime:
    """The new batch's stamp: now, or just after the newest stored one if the clock is
    behind it (the newest batch wins)."""
    newest = pc.max(rows["sent_at"]).as_py() if rows.num_rows else None
    if newest is not None and newest >= now:
        return newest + dt.timedelta(microseconds=1)  # type: ignore[no-any-return]
    return now


def _batch_table(
    channel: str, changes: dict[Cell, float], batch: str, sent: dt.datetime, zone: ZoneInfo
) -> pa.Table:
    cells = sorted(changes)
    return pa.Table.from_pydict(
        {
            "channel": [channel] * len(cells),
            "time": [
                dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC) for day, _ in cells
            ],
            "region": [region for _, region in cells],
            "count": [changes[cell] for cell in cells],
            "batch": [batch] * len(cells),
            "sent_at": [sent] * len(cells),
        },
        schema=ROWS,
    )


def _publish(
    event_dir: Path, table: pa.Table, timezone: str, batch: str, moved: list[Path]
) -> EventBatch:
    """Write the batch aside, then rename each day's file into the store (into ``moved``,
    which the caller removes if the unit does not commit)."""
    event_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=event_dir, prefix=".staging-") as staging:
        written = write_events(Path(staging), KIND, table, timezone, batch)
        for file in sorted((Path(staging) / KIND).glob("day=*/*.parquet")):
            target = event_dir / KIND / file.parent.name / file.name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(file, target)
            moved.append(target)
    return written


def _label(cell: Cell) -> str:
    return f"{cell[0].isoformat()} {cell[1]}"


def _file_cells(
    path: Path, date_format: str | None, encoding: str | None, window: Window | None
) -> set[Cell]:
    """The (day, region) of each row; every region must be a region code (12 digits, or 16
    for a building), every day within ``window`` (if any). Unreadable dates are left to
    read_daily_series, which reports them."""
    table = read_table(path, encoding)
    if "region" not in table.columns:  # a channel of one's own is counted by region
        report = ValidationReport()
        report.add(table.name, None, "region", missing_column("region", list(table.columns)))
        raise InputError(report)
    date_column = "date" if "date" in table.columns else "dates"
    report = ValidationReport()
    cells: set[Cell] = set()
    for chunk in table.chunks(None, report):
        for number, line, raw in chunk:
            value = raw.get("region")
            try:
                parse_region_code(str(value or ""))
            except ValueError as exc:
                report.add(table.name, number, "region", str(exc), line)
                continue
            try:
                day = parse_date(raw.get(date_column), date_format)
            except ValueError:
                continue
            if window is not None and day not in window:
                reason = f"{day} is outside the plausible dates {window}"
                report.add(table.name, number, date_column, reason, line, "allow_dates")
                continue
            cells.add((day, str(value).strip()))
    if not report.ok:
        raise InputError(report)
    return cells


__all__ = ["SeriesImport", "import_channel", "resolve", "stored_rows", "stored_series"]
