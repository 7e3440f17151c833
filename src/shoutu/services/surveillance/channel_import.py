"""User channels: any count series a user imports as ``date,region,count``.

``shoutu import series FILE --channel NAME`` validates the file (dates, counts >= 0, region
codes of the registry's format, one row per date and region; every problem named by row and
field), then writes its non-zero counts to the event store (kind ``series``, the local day's
midnight as the event time). The batch id is the file's content hash plus the channel name, so
re-importing the same file changes nothing; different files of a channel add up. The channel
then works like the built-in ones in ``shoutu channels``, ``signals run`` and ``detect``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoutu.domain.regions import parse_region_code
from shoutu.errors import BadRequest, InputError, ValidationReport
from shoutu.events.store import EventBatch, local_days, read_events, write_events
from shoutu.io.provenance import build_provenance
from shoutu.io.series import read_daily_series
from shoutu.io.tables import read_table
from shoutu.services.context import ServiceContext
from shoutu.services.surveillance.catalogue import BUILT_IN

NAME = re.compile(r"[a-z][a-z0-9_]{1,40}")


@dataclass(frozen=True)
class SeriesImport:
    channel: str
    batch: EventBatch
    provenance: dict[str, Any]


def import_channel(
    ctx: ServiceContext, channel: str, path: Path, *, date_format: str | None = None
) -> SeriesImport:
    if not NAME.fullmatch(channel) or channel in BUILT_IN:
        raise BadRequest(
            f"{{channel}} name {channel!r}: use 2-41 lower-case letters, digits or _, starting "
            "with a letter, not a built-in channel"
        )
    _check_regions(path)
    series = read_daily_series(path, date_format)
    counts = series.local + series.imported
    region_index, step = np.nonzero(counts)
    zone = ZoneInfo(ctx.settings.timezone)
    midnights = [
        dt.datetime.combine(series.date(int(i)), dt.time(), zone).astimezone(dt.UTC)
        for i in range(series.days)
    ]
    table = pa.table(
        {
            "channel": pa.array([channel] * len(step), pa.string()),
            "time": pa.array([midnights[i] for i in step], pa.timestamp("us", tz="UTC")),
            "region": pa.array([series.regions[r] for r in region_index], pa.string()),
            "count": pa.array(counts[region_index, step], pa.float64()),
        }
    )
    batch = hashlib.sha256(f"{series.content_hash}:{channel}".encode()).hexdigest()[:16]
    written = write_events(ctx.settings.event_dir, "series", table, ctx.settings.timezone, batch)
    provenance = build_provenance(
        command="import series",
        parameters={"channel": channel, "date_format": date_format},
        input_hashes=[series.content_hash],
    )
    return SeriesImport(channel, written, provenance)


def _check_regions(path: Path) -> None:
    """Every region must be a region code (12 digits, or 16 for a building)."""
    table = read_table(path)
    if "region" not in table.columns:
        return  # read_daily_series reports the missing columns
    report = ValidationReport()
    for chunk in table.chunks(None, report):
        for number, line, raw in chunk:
            value = raw.get("region")
            try:
                parse_region_code(str(value or ""))
            except ValueError as exc:
                report.add(table.name, number, "region", str(exc), line)
    if not report.ok:
        raise InputError(report)


def stored_series(event_dir: Path, timezone: str, channel: str) -> pa.Table:
    """A user channel's counts per local day and region (columns day, region, count)."""
    table = read_events(event_dir, "series", columns=["channel", "time", "region", "count"])
    if table.num_rows == 0:
        table = pa.table(
            {
                "channel": pa.array([], pa.string()),
                "time": pa.array([], pa.timestamp("us", tz="UTC")),
                "region": pa.array([], pa.string()),
                "count": pa.array([], pa.float64()),
            }
        )
    table = table.filter(pc.equal(table["channel"], channel))
    return pa.table(
        {
            "day": local_days(table["time"], timezone),
            "region": table["region"],
            "count": table["count"],
        }
    )


__all__ = ["SeriesImport", "import_channel", "stored_series"]
