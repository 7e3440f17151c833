"""The four-early clocks (command issue): on a simulated city, the clocks' medians and 90th
percentiles equal plain recounts of the simulator's delays (cases.parquet, tests.parquet,
contacts.parquet), and the late cases are those over the protocol's limits."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from cities import SMALL_CITY
from conftest import City
from shoutu.domain.vocabulary import RegionLevel
from shoutu.services.context import ServiceContext
from shoutu.services.simulation.importer import import_run
from shoutu.services.supervision.clocks import clocks


def _recount(run: Path) -> dict[str, list[float]]:
    cases = pq.read_table(run / "cases.parquet").to_pylist()
    tests = pq.read_table(
        run / "tests.parquet", columns=["person_id", "sample_time", "result_time"]
    )
    results = {(t["person_id"], t["sample_time"]): t["result_time"] for t in tests.to_pylist()}
    contacts: dict[int, list[dict[str, object]]] = defaultdict(list)
    for c in pq.read_table(run / "contacts.parquet").to_pylist():
        contacts[int(c["index_case_id"])].append(c)
    steps: dict[str, list[float]] = defaultdict(list)

    def hours(later: dt.datetime, earlier: dt.datetime) -> float:
        return (later - earlier).total_seconds() / 3600

    for case in cases:
        report = case["report_time"]
        result = results.get((case["person_id"], case["sample_time"]))
        if result is not None:
            steps["result_to_report"].append(hours(report, result))
        if case["isolation_time"] is not None:
            steps["report_to_isolation"].append(hours(case["isolation_time"], report))
        mine = contacts.get(int(case["case_id"]), [])
        for name, column in (("identified", "identified_time"), ("controlled", "controlled_time")):
            times = [c[column] for c in mine if c[column] is not None]
            if times:
                steps[f"report_to_contacts_{name}"].append(hours(max(times), report))  # type: ignore[type-var,arg-type]
    return steps


def test_clocks_equal_a_recount_of_the_simulators_delays(ctx: ServiceContext, city: City) -> None:
    run = city(**SMALL_CITY)
    import_run(ctx, run)
    summary = json.loads((run / "summary.json").read_text())
    start = dt.date.fromisoformat(summary["start_date"])
    end = start + dt.timedelta(days=summary["days"] + 5)
    found = clocks(ctx, start, end, level=RegionLevel.CITY)
    by_step = {r["step"]: r for r in found["clocks"]}
    recount = _recount(run)
    assert set(by_step) == set(recount) and found["cases"] > 0
    for step, values in recount.items():
        row = by_step[step]
        assert row["n"] == len(values), step
        assert row["median_hours"] == round(float(np.median(values)), 4), step
        assert row["p90_hours"] == round(float(np.percentile(values, 90)), 4), step
        if row["limit_hours"] is not None:
            late = sum(v > row["limit_hours"] for v in values)
            assert len(row["late"]) == late, step
    assert by_step["result_to_report"]["limit_hours"] == 2  # cn-9th: report within 2 h
    # WHO's indicators: the share of new cases already listed as a contact, and of cases whose
    # contacts were all identified within 24 h
    cases = pq.read_table(run / "cases.parquet").to_pylist()
    listed: dict[int, dt.datetime] = {}
    for c in pq.read_table(run / "contacts.parquet").to_pylist():
        when = c["identified_time"]
        if when is not None and (c["person_id"] not in listed or when < listed[c["person_id"]]):
            listed[c["person_id"]] = when
    were = sum(
        1 for c in cases if c["person_id"] in listed and listed[c["person_id"]] <= c["report_time"]
    )
    tracing = found["tracing"]
    assert tracing["were_listed_contacts"] == round(were / len(cases), 4)
    identified = recount["report_to_contacts_identified"]
    assert tracing["contacts_identified_within_24h"] == round(
        sum(h <= 24 for h in identified) / len(identified), 4
    )
    assert 0 < tracing["contacts_identified_within_24h"] < 1 and tracing["were_listed_contacts"] > 0
