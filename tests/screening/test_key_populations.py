"""Routine screening of key populations on simulator output: compliance and the overdue list
equal a plain loop over the simulator's own files (people.parquet, tests.parquet)."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cities import SCREENING_CITY
from conftest import City
from shoutu.cli.app import app
from shoutu.services.context import ServiceContext
from shoutu.services.screening.key_populations import compliance
from shoutu.services.simulation.importer import import_simulation, load_simulation_events


@pytest.fixture
def screening_run(city: City) -> Path:
    return city(**SCREENING_CITY)


def _reference(out: Path, day: dt.date, window: int, intervals: dict[str, float]) -> dict:
    """The plain loop: person by person, sample by sample."""
    people = pq.read_table(out / "people.parquet").to_pylist()
    tests = pq.read_table(out / "tests.parquet").to_pylist()
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), ZoneInfo("Asia/Shanghai"))
    start = end - dt.timedelta(days=window)
    lookback = end - dt.timedelta(days=window + max(intervals.values()) + 1)
    samples: dict[int, list[dt.datetime]] = {}
    for t in tests:
        if t["method"] == "pcr" and t["sample_time"] < end:
            samples.setdefault(t["person_id"], []).append(t["sample_time"])
    expected = done = 0.0
    overdue = set()
    for p in people:
        category = p["key_population"]
        if category not in intervals:
            continue
        mine = [s for s in samples.get(p["person_id"], []) if s >= lookback]
        e = window / intervals[category]
        expected += e
        done += min(sum(1 for s in mine if s >= start), e)
        allowed = math.ceil(intervals[category]) * 24
        if not mine or (end - max(mine)).total_seconds() / 3600 > allowed:
            overdue.add(p["person_id"])
    return {"compliance": done / expected, "overdue": overdue}


def test_compliance_on_simulator_output(
    ctx: ServiceContext, screening_run: Path, cli_env: dict[str, str], tmp_path: Path
) -> None:
    import_simulation(ctx, screening_run)
    load_simulation_events(ctx, screening_run)
    protocol, _ = ctx.protocol()
    intervals = {str(k): float(v.interval_days) for k, v in protocol.key_populations.items()}
    day = dt.date(2022, 3, 14)
    report = compliance(ctx, day, window_days=7)
    people = sum(row["people"] for row in report.by_category)
    assert people > 20
    expected = sum(row["expected_tests"] for row in report.by_category)
    weighted = sum(row["compliance"] * row["expected_tests"] for row in report.by_category)
    reference = _reference(screening_run, day, 7, intervals)
    assert weighted / expected == pytest.approx(reference["compliance"], abs=1e-3)
    assert {row["person_id"] for row in report.overdue} == reference["overdue"]
    assert 0 < reference["compliance"] <= 1
    overdue_csv = tmp_path / "overdue.csv"
    result = CliRunner().invoke(
        app,
        [
            "screening",
            "key-populations",
            "--date",
            day.isoformat(),
            "--overdue-output",
            str(overdue_csv),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert len(body["overdue"]) == len(reference["overdue"])
    assert reference["overdue"], "the city has overdue workers: the list below is checked"
    import csv

    with overdue_csv.open() as handle:
        listed = list(csv.DictReader(handle))
    first = listed[0]
    assert "*" in first["name"] and first["building"]  # masked, and where to find them
    phones = [r["phone"] for r in listed if r["phone"]]
    assert phones and all("****" in p for p in phones)
