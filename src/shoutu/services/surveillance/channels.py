"""Count series per channel and region level, for the detectors (``shoutu detect``).

Channels: reported cases by report date and by onset date, cases by detection channel, clinic
visits for influenza-like illness and for any reason, the ILI share of clinic visits, pharmacy
sales by category, antigen positives; from the registry (cases) and the event store (visits,
sales, tests); and channels users import as date,region,count (``services.channel_import``).
Regions are aggregated to a level of the administrative tree by their codes; missing dates
count as zero; weekly series use ISO weeks keyed by their Monday; rates per 100,000 use the
registry's populations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shoutu.domain.regions import level_code
from shoutu.domain.timeutil import local_date
from shoutu.domain.vocabulary import RegionLevel, TestMethod, VisitReason
from shoutu.errors import NotFound, options_checked
from shoutu.events.store import read_events
from shoutu.io.provenance import build_provenance
from shoutu.services.context import ServiceContext
from shoutu.services.surveillance.catalogue import BUILT_IN, channel_names
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import people as people_repo
from shoutu.store.repositories import places as places_repo
from shoutu.store.repositories import regions as regions_repo


def _events(ctx: ServiceContext, channel: str) -> list[tuple[dt.datetime, str | None, float]]:
    """(time, region code, count) of each event of ``channel``."""
    if channel not in BUILT_IN:  # a user channel
        table = read_events(ctx.settings.event_dir, "series").to_pylist()
        return [(r["time"], r["region"], r["count"]) for r in table if r["channel"] == channel]
    with ctx.connect() as conn:
        if channel.startswith("cases_"):
            cases = cases_repo.times(conn)
            if channel == "cases_report":
                return [(r, g, 1) for r, _, _, g in cases]
            if channel == "cases_onset":
                return [(o, g, 1) for _, o, _, g in cases if o is not None]
            wanted = channel.removeprefix("cases_")
            return [(r, g, 1) for r, _, c, g in cases if c == wanted]
        places = (
            places_repo.regions(conn)
            if channel.endswith("visits") or channel.startswith("sales_")
            else {}
        )
        people = people_repo.all_home_regions(conn) if channel == "antigen_positives" else {}
    event_dir = ctx.settings.event_dir
    if channel in ("ili_visits", "clinic_visits"):
        visits = read_events(event_dir, "visits").to_pylist()
        return [
            (v["time"], places.get(v["place_id"]), 1)
            for v in visits
            if channel == "clinic_visits" or v["reason"] == VisitReason.ILI.value
        ]
    if channel.startswith("sales_"):
        category = channel.removeprefix("sales_")
        sales = read_events(event_dir, "sales").to_pylist()
        return [
            (s["time"], places.get(s["place_id"]), int(s["quantity"]))
            for s in sales
            if s["category"] == category
        ]
    tests = read_events(event_dir, "tests").to_pylist()
    return [
        (t["sample_time"], people.get(t["person_id"]), 1)
        for t in tests
        if t["method"] == TestMethod.ANTIGEN.value and t["result"] == "positive"
    ]


def channel_series(
    ctx: ServiceContext,
    channel: str,
    *,
    level: RegionLevel = RegionLevel.DISTRICT,
    weekly: bool = False,
) -> dict[str, list[Any]]:
    """Long columns date, region, count, rate_per_100k (every date from first to last).
    ``ili_share``: ILI visits per 100 clinic visits (count = the percentage, no rate)."""
    names = channel_names(ctx.settings.event_dir)
    if channel not in names:
        raise NotFound(f"unknown channel {channel!r}; one of: {', '.join(names)}")
    share = channel == "ili_share"
    counts = _binned(ctx, "ili_visits" if share else channel, level, weekly)
    visits = _binned(ctx, "clinic_visits", level, weekly) if share else counts
    with ctx.connect() as conn:
        population = regions_repo.populations(conn)
    columns: dict[str, list[Any]] = {"date": [], "region": [], "count": [], "rate_per_100k": []}
    if not visits:
        return columns
    step = 7 if weekly else 1
    first, last = min(d for d, _ in visits), max(d for d, _ in visits)
    for region in sorted({r for _, r in visits}):
        day = first
        while day <= last:
            count: float = counts.get((day, region), 0)
            people = population.get(region)
            rate = round(count / people * 100_000, 6) if people and not share else None
            if share:
                total = visits.get((day, region), 0)
                count = round(100 * count / total, 4) if total else 0.0
            columns["date"].append(day.isoformat())
            columns["region"].append(region)
            columns["count"].append(count)
            columns["rate_per_100k"].append(rate)
            day += dt.timedelta(days=step)
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


def _binned(
    ctx: ServiceContext, channel: str, level: RegionLevel, weekly: bool
) -> dict[tuple[dt.date, str], float]:
    """Counts per (local day or ISO week's Monday, region at ``level``)."""
    tz = ctx.settings.timezone
    counts: dict[tuple[dt.date, str], float] = {}
    for time, code, count in _events(ctx, channel):
        region = level_code(code, level)
        if region is None:
            continue
        day = local_date(time if time.tzinfo else time.replace(tzinfo=dt.UTC), tz)
        if weekly:
            day -= dt.timedelta(days=day.weekday())  # the ISO week's Monday
        counts[(day, region)] = counts.get((day, region), 0) + count
    return counts
