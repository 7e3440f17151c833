"""Channel counts equal a plain recount of a simulated city's own files: every built-in
channel, at several levels, daily and weekly, in a time zone with a daylight-saving change
inside the run (America/New_York, 13 March 2022)."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest

from cities import SCREENING_CITY
from conftest import City
from shoutu.domain.vocabulary import RegionLevel
from shoutu.services.context import ServiceContext, open_context
from shoutu.services.simulation.importer import import_simulation, load_simulation_events
from shoutu.services.surveillance.catalogue import BUILT_IN
from shoutu.services.surveillance.channels import channel_matrix, channel_series
from shoutu.settings import Settings

ZONE = "America/New_York"
DIGITS = {"city": 4, "district": 6, "town": 9, "community": 12}


def _at(code: str | None, level: str) -> str | None:
    """The code at ``level`` containing ``code``, written out plainly."""
    if not code:
        return None
    if level == "building":
        return code if len(code) == 16 else None
    return code[: DIGITS[level]].ljust(12, "0")


@functools.cache
def _rows(out: Path, name: str) -> list[dict[str, Any]]:
    return pq.read_table(out / f"{name}.parquet").to_pylist()


def recount(out: Path, channel: str, level: str, weekly: bool) -> dict[tuple[dt.date, str], float]:
    """Counts per (local day or ISO week's Monday, region) from the simulator's files."""
    zone = ZoneInfo(ZONE)
    places = {p["place_id"]: p["region_code"] for p in _rows(out, "places")}
    people = _rows(out, "people")
    homes = {p["person_id"]: p["building_id"] for p in people}
    residence = {p["person_id"]: p["region_code"] for p in people}
    events: list[tuple[dt.datetime, str | None, float]] = []
    if channel.startswith("cases_"):
        for case in _rows(out, "cases"):
            time = case["onset_time"] if channel == "cases_onset" else case["report_time"]
            wanted = channel in ("cases_report", "cases_onset") or (
                case["channel"] == channel.removeprefix("cases_")
            )
            if wanted and time is not None:
                events.append((time, residence[case["person_id"]], 1))
    elif channel in ("ili_visits", "clinic_visits"):
        for visit in _rows(out, "visits"):
            if channel == "clinic_visits" or visit["reason"] == "ili":
                events.append((visit["time"], places.get(visit["place_id"]), 1))
    elif channel.startswith("sales_"):
        for sale in _rows(out, "sales"):
            if sale["category"] == channel.removeprefix("sales_"):
                events.append((sale["time"], places.get(sale["place_id"]), sale["quantity"]))
    elif channel in ("school_absence_ill", "key_place_symptomatic"):
        pass  # key places' daily reports: a run has none (tests/control/test_place_reports.py)
    else:
        assert channel == "antigen_positives"
        for test in _rows(out, "tests"):
            if test["method"] == "antigen" and test["result"] == "positive":
                events.append((test["sample_time"], homes.get(test["person_id"]), 1))
    counts: dict[tuple[dt.date, str], float] = defaultdict(float)
    for time, code, n in events:
        region = _at(code, level)
        if region is None:
            continue
        day = time.astimezone(zone).date()
        if weekly:
            day -= dt.timedelta(days=day.weekday())
        counts[(day, region)] += n
    return counts


def expected(out: Path, channel: str, level: str, weekly: bool) -> dict[str, list[Any]]:
    """The long columns the documentation promises, from the recount."""
    share = channel == "ili_share"
    counts = recount(out, "ili_visits" if share else channel, level, weekly)
    visits = recount(out, "clinic_visits", level, weekly) if share else counts
    population = {r["code"]: r["population"] for r in _rows(out, "regions")}
    columns: dict[str, list[Any]] = {"date": [], "region": [], "count": [], "rate_per_100k": []}
    if not visits:
        return columns
    first, last = min(d for d, _ in visits), max(d for d, _ in visits)
    for region in sorted({r for _, r in visits}):
        day = first
        while day <= last:
            count = counts.get((day, region), 0)
            total = visits.get((day, region), 0)
            people = population.get(region)
            if share:
                count = round(100 * count / total, 4) if total else 0.0
            columns["date"].append(day.isoformat())
            columns["region"].append(region)
            columns["count"].append(count)
            columns["rate_per_100k"].append(
                round(count / people * 100_000, 6) if people and not share else None
            )
            day += dt.timedelta(days=7 if weekly else 1)
    return columns


@pytest.fixture
def loaded(settings: Settings, city: City) -> tuple[ServiceContext, Path]:
    out = city(**SCREENING_CITY)
    zoned = settings.model_copy(update={"timezone": ZONE})
    ctx = open_context(zoned)
    import_simulation(ctx, out)
    load_simulation_events(ctx, out)
    return ctx, out


CHECKS = [
    *((channel, "district", False) for channel in BUILT_IN),
    *((channel, "community", True) for channel in BUILT_IN),
    ("antigen_positives", "building", False),
    ("antigen_positives", "town", True),
    ("cases_report", "city", False),
    ("ili_share", "town", False),
    ("sales_fever", "building", False),  # pharmacies are in communities: nothing at buildings
]


def test_channel_counts_equal_a_plain_recount(loaded: tuple[ServiceContext, Path]) -> None:
    ctx, out = loaded
    try:
        assert sum(recount(out, "antigen_positives", "district", False).values()) > 0
        assert sum(recount(out, "sales_fever", "district", False).values()) > 0
        for channel, level, weekly in CHECKS:
            got = channel_series(ctx, channel, level=RegionLevel.parse(level), weekly=weekly)
            assert got == expected(out, channel, level, weekly), (channel, level, weekly)
        matrix = channel_matrix(ctx, "antigen_positives", level=RegionLevel.TOWN)
        plain = recount(out, "antigen_positives", "town", False)
        assert matrix.values.sum() == sum(plain.values())
        assert matrix.regions == sorted({r for _, r in plain})
    finally:
        ctx.close()
