"""Count series per channel and region level, for the detectors (``shoutu detect``).

Channels: reported cases by report date and by onset date, cases by detection channel, clinic
visits for influenza-like illness and for any reason, the ILI share of clinic visits, pharmacy
sales by category, antigen positives, absences for illness at schools and kindergartens and
symptomatic people at key places (their daily reports); from the registry (cases, key places'
reports) and the event store (visits, sales, tests); and channels users import as
date,region,count (``services.channel_import``). Regions are aggregated to a level of the
administrative tree by their codes; missing dates count as zero; weekly series use ISO weeks
keyed by their Monday; rates per 100,000 use the registry's populations.

How a channel is counted, reading only the rows and columns it needs: cases in one query of the
registry (their time, channel and region), binned by local day in Arrow; visits, sales and
antigen positives in one DuckDB aggregate over the event store's Parquet files (the filter, time
and key columns only, the filter applied in the scan), per local day (the configured time zone)
and place or person, then joined to the places' regions or the people's home regions (the
registry's columnar roster); users' channels from their resolved series (one value per day and
region). That gives counts per local day and region code; the codes (a few thousand) are mapped
to the level once each, days to their ISO week's Monday when weekly, and the counts summed into
a regions x steps matrix with numpy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoutu.domain.regions import level_code
from shoutu.domain.vocabulary import PlaceType, RegionLevel, TestMethod, TestOutcome, VisitReason
from shoutu.errors import NotFound, options_checked
from shoutu.events.store import day_files, local_days
from shoutu.io.provenance import build_provenance
from shoutu.services.context import ServiceContext
from shoutu.services.registry.roster import roster
from shoutu.services.surveillance.catalogue import BUILT_IN, channel_names
from shoutu.services.surveillance.channel_import import stored_series
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import cold_chain as cold_chain_repo
from shoutu.store.repositories import places as places_repo
from shoutu.store.repositories import regions as regions_repo

#: counts per local day and region code, before the level
DAILY = pa.schema([("day", pa.date32()), ("code", pa.string()), ("count", pa.float64())])
EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class EventChannel:
    """A channel counted from the event store: its kind, time column, the key that locates an
    event (a place, or a person's home), the rows it counts and what it sums."""

    kind: str
    time: str
    key: str  # place_id or person_id
    where: str  # SQL over the kind's columns ("": every row)
    measure: str = "count(*)"  # SQL aggregate


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def event_channel(channel: str) -> EventChannel:
    """How a built-in event-store channel is counted."""
    if channel in ("ili_visits", "clinic_visits"):
        ili = f"reason = {_quoted(VisitReason.ILI.value)}"
        return EventChannel("visits", "time", "place_id", ili if channel == "ili_visits" else "")
    if channel.startswith("sales_"):
        category = f"category = {_quoted(channel.removeprefix('sales_'))}"
        return EventChannel("sales", "time", "place_id", category, "sum(quantity)")
    positive = (
        f"method = {_quoted(TestMethod.ANTIGEN.value)}"
        f" AND result = {_quoted(TestOutcome.POSITIVE.value)}"
    )
    return EventChannel("tests", "sample_time", "person_id", positive)


def _events(ctx: ServiceContext, spec: EventChannel) -> pa.Table:
    """Counts per local day and region code of one event-store channel (DuckDB)."""
    import duckdb

    files = day_files(ctx.settings.event_dir / spec.kind, dt.date.min, dt.date.max)
    if not files:
        return DAILY.empty_table()
    if spec.key == "person_id":
        people = roster(ctx)
        keys = pa.table({"id": people["person_id"], "code": people["home_region_code"]})
    else:
        with ctx.connect() as conn:
            places = places_repo.regions(conn)
        keys = pa.table(
            {
                "id": pa.array(list(places), pa.int64()),
                "code": pa.array(list(places.values()), pa.string()),
            }
        )
    listed = ", ".join(_quoted(str(f)) for f in files)
    local = f"timezone({_quoted(ctx.settings.timezone)}, CAST(e.{spec.time} AS TIMESTAMPTZ))"
    sql = f"""
        WITH counted AS (
            SELECT CAST({local} AS DATE) AS day, e.{spec.key} AS id, {spec.measure} AS n
            FROM read_parquet([{listed}], union_by_name = true) AS e
            {f"WHERE {spec.where}" if spec.where else ""}
            GROUP BY 1, 2
        )
        SELECT c.day, k.code, CAST(sum(c.n) AS DOUBLE) AS count
        FROM counted AS c JOIN keys AS k ON k.id = c.id
        GROUP BY 1, 2
    """
    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit = {_quoted(ctx.settings.duckdb_memory_limit)}")
        con.execute("SET TimeZone = 'UTC'")
        con.register("keys", keys)
        found = pa.table(con.execute(sql).arrow())
    finally:
        con.close()
    return found.cast(DAILY)


def _cases(ctx: ServiceContext, channel: str) -> pa.Table:
    """Counts per local day and region code of a case channel (one registry query)."""
    with ctx.connect() as conn:
        cases = cases_repo.times(conn)
    if channel == "cases_report":
        chosen = [(r, g) for r, _, _, g in cases]
    elif channel == "cases_onset":
        chosen = [(o, g) for _, o, _, g in cases if o is not None]
    else:
        wanted = channel.removeprefix("cases_")
        chosen = [(r, g) for r, _, c, g in cases if c == wanted]
    times = pa.array([t for t, _ in chosen], pa.timestamp("us", tz="UTC"))
    return pa.table(
        {
            "day": local_days(times, ctx.settings.timezone),
            "code": pa.array([g for _, g in chosen], pa.string()),
            "count": pa.array(np.ones(len(chosen))),
        }
    )


SCHOOLS = (PlaceType.SCHOOL.value, PlaceType.KINDERGARTEN.value)


def _place_reports(ctx: ServiceContext, channel: str) -> pa.Table:
    """Counts per report day and place region from key places' daily reports."""
    with ctx.connect() as conn:
        reports = cold_chain_repo.report_counts(conn)
    if channel == "school_absence_ill":
        chosen = [(d, code, ill) for d, code, kind, ill, _ in reports if kind in SCHOOLS]
    else:
        chosen = [(d, code, sick) for d, code, _, _, sick in reports]
    return pa.table(
        {
            "day": pa.array([d for d, _, _ in chosen], pa.date32()),
            "code": pa.array([c for _, c, _ in chosen], pa.string()),
            "count": pa.array([float(n) for _, _, n in chosen], pa.float64()),
        }
    )


def daily_counts(ctx: ServiceContext, channel: str) -> pa.Table:
    """A channel's counts per local day and region code (columns of :data:`DAILY`; a day and
    code may come more than once, their counts add up)."""
    if channel not in BUILT_IN:  # a user channel: one value per day and region, zeros left out
        series = stored_series(ctx.settings.event_dir, ctx.settings.timezone, channel)
        series = series.filter(pc.not_equal(series["count"], 0))
        return pa.table(
            {"day": series["day"], "code": series["region"], "count": series["count"]}
        ).cast(DAILY)
    if channel.startswith("cases_"):
        return _cases(ctx, channel)
    if channel in ("school_absence_ill", "key_place_symptomatic"):
        return _place_reports(ctx, channel)
    return _events(ctx, event_channel(channel))


@dataclass(frozen=True)
class ChannelMatrix:
    """A channel's counts, regions (sorted) x steps (days, or ISO weeks keyed by Monday) from
    the first to the last step with any count."""

    regions: list[str]
    dates: list[dt.date]
    values: np.ndarray
    integral: bool = True  # counts of events (else user values, or shares)


def _binned(daily: pa.Table, level: RegionLevel, weekly: bool) -> ChannelMatrix:
    """Counts per (day or ISO week's Monday, region at ``level``)."""
    valid = pc.and_(pc.is_valid(daily["day"]), pc.is_valid(daily["code"]))
    daily = daily.filter(valid)
    if daily.num_rows == 0:
        return ChannelMatrix([], [], np.zeros((0, 0)))
    encoded = pc.dictionary_encode(daily["code"]).combine_chunks()
    mapped = [level_code(code, level) for code in encoded.dictionary.to_pylist()]
    regions = sorted({m for m in mapped if m is not None})
    row_of = {region: i for i, region in enumerate(regions)}
    code_row = np.asarray([-1 if m is None else row_of[m] for m in mapped], np.int64)
    row = code_row[encoded.indices.to_numpy(zero_copy_only=False)]
    day = pc.cast(daily["day"], pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)
    count = daily["count"].to_numpy(zero_copy_only=False)
    if weekly:
        day -= (day + 3) % 7  # the ISO week's Monday (1970-01-01 was a Thursday)
    keep = row >= 0
    row, day, count = row[keep], day[keep], count[keep]
    if len(row) == 0:
        return ChannelMatrix([], [], np.zeros((0, 0)))
    step = 7 if weekly else 1
    first = int(day.min())
    steps = (int(day.max()) - first) // step + 1
    values = np.zeros(len(regions) * steps)
    np.add.at(values, row * steps + (day - first) // step, count)
    dates = [EPOCH + dt.timedelta(days=first + i * step) for i in range(steps)]
    return ChannelMatrix(regions, dates, values.reshape(len(regions), steps))


def channel_matrix(
    ctx: ServiceContext,
    channel: str,
    *,
    level: RegionLevel = RegionLevel.DISTRICT,
    weekly: bool = False,
) -> ChannelMatrix:
    """A channel's counts as a matrix (the values :func:`channel_series` lists).
    ``ili_share``: ILI visits per 100 clinic visits, in percent rounded to 4 decimals."""
    names = channel_names(ctx.settings.event_dir)
    if channel not in names:
        raise NotFound(f"unknown channel {channel!r}; one of: {', '.join(names)}")
    if channel != "ili_share":
        counts = _binned(daily_counts(ctx, channel), level, weekly)
        return ChannelMatrix(counts.regions, counts.dates, counts.values, channel in BUILT_IN)
    ili = _binned(daily_counts(ctx, "ili_visits"), level, weekly)
    visits = _binned(daily_counts(ctx, "clinic_visits"), level, weekly)
    aligned = np.zeros_like(visits.values)
    if ili.regions:
        row_of = {region: i for i, region in enumerate(visits.regions)}
        rows = [row_of[r] for r in ili.regions]  # ILI visits are clinic visits
        start = visits.dates.index(ili.dates[0])
        aligned[rows, start : start + len(ili.dates)] = ili.values
    share = [
        [round(100 * c / t, 4) if t else 0.0 for c, t in zip(cs, ts, strict=True)]
        for cs, ts in zip(aligned.tolist(), visits.values.tolist(), strict=True)
    ]
    values = np.asarray(share, float).reshape(visits.values.shape)
    return ChannelMatrix(visits.regions, visits.dates, values, integral=False)


def channel_series(
    ctx: ServiceContext,
    channel: str,
    *,
    level: RegionLevel = RegionLevel.DISTRICT,
    weekly: bool = False,
) -> dict[str, list[Any]]:
    """Long columns date, region, count, rate_per_100k (every date from first to last).
    ``ili_share``: ILI visits per 100 clinic visits (count = the percentage, no rate)."""
    matrix = channel_matrix(ctx, channel, level=level, weekly=weekly)
    with ctx.connect() as conn:
        population = regions_repo.populations(conn)
    share = channel == "ili_share"
    dates = [d.isoformat() for d in matrix.dates]
    columns: dict[str, list[Any]] = {"date": [], "region": [], "count": [], "rate_per_100k": []}
    for region, row in zip(matrix.regions, matrix.values.tolist(), strict=True):
        people = population.get(region)
        counts = [int(c) for c in row] if matrix.integral else row
        columns["date"].extend(dates)
        columns["region"].extend([region] * len(dates))
        columns["count"].extend(counts)
        columns["rate_per_100k"].extend(
            [None] * len(dates)
            if share or not people
            else [round(c / people * 100_000, 6) for c in counts]
        )
    return columns


@dataclass(frozen=True)
class ChannelReport:
    columns: dict[str, list[Any]]
    provenance: dict[str, Any]


def channel_report(
    ctx: ServiceContext, channel: str, *, level: str = "district", weekly: bool = False
) -> ChannelReport:
    """A channel's series (see :func:`channel_series`) at a level named as text."""
    with options_checked():
        parsed = RegionLevel.parse(level)
    columns = channel_series(ctx, channel, level=parsed, weekly=weekly)
    provenance = build_provenance(
        command="channels", parameters={"channel": channel, "level": level, "weekly": weekly}
    )
    return ChannelReport(columns, provenance)
