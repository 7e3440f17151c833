"""The simulated response: cases from tests, isolation, tracing and quarantine by protocol,
pooled screening, risk areas; common random numbers across scenarios."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from shoutu.errors import NotFound
from shoutu.services.context import ServiceContext
from shoutu.services.registry.situation import situation
from shoutu.services.simulation.importer import import_simulation, run_end
from shoutu.sim.engine import run_config, simulate

PEOPLE = 20_000
DAYS = 35


def _run(tmp: Path, scenario: str, protocol: str = "cn-9th-2022", seed: int = 3) -> Path:
    out = tmp / f"{scenario}-{protocol}-{seed}"
    simulate(
        run_config(people=PEOPLE, days=DAYS, seed=seed, scenario=scenario, protocol=protocol), out
    )
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("response")
    return {name: _run(tmp, name) for name in ("none", "default", "lockdown")}


def _table(out: Path, name: str) -> dict[str, list[object]]:
    return pq.read_table(out / f"{name}.parquet").to_pydict()


def test_the_response_contains_the_outbreak(runs: dict[str, Path]) -> None:
    none = len(_table(runs["none"], "truth_infections")["infectee_id"])
    default = len(_table(runs["default"], "truth_infections")["infectee_id"])
    assert none > 0.5 * PEOPLE
    assert default < 0.1 * none


def test_cases_are_consistent(runs: dict[str, Path]) -> None:
    out = runs["default"]
    cases = _table(out, "cases")
    truth = _table(out, "truth_infections")
    infected = dict(zip(truth["infectee_id"], truth["infection_time"], strict=True))
    assert len(cases["person_id"]) > 5
    assert len(set(cases["person_id"])) == len(cases["person_id"])
    channels = set(cases["channel"])
    assert channels <= {"fever_clinic", "antigen_self_test", "quarantine_testing", "hospital"}
    for person, sample, report, isolation, infection in zip(
        cases["person_id"],
        cases["sample_time"],
        cases["report_time"],
        cases["isolation_time"],
        cases["infection_time"],
        strict=True,
    ):
        assert infected[person] == infection <= sample <= report == isolation
    assert any(cases["found_in_control"]) and "quarantine_testing" in channels


def test_positive_tests_carry_ct_values(runs: dict[str, Path]) -> None:
    import pyarrow.compute as pc

    tests = pq.read_table(runs["default"] / "tests.parquet")
    pcr = tests.filter(pc.equal(tests["method"], "pcr"))
    positive = pc.equal(pcr["result"], "positive")
    assert pc.all(pc.equal(pc.is_valid(pcr["ct_n"]), positive)).as_py()
    positives = pcr.filter(positive)
    assert positives.num_rows > 0
    assert pc.max(positives["ct_n"]).as_py() < 40 and pc.max(positives["ct_orf1ab"]).as_py() < 40
    assert pc.all(pc.greater(pcr["result_time"], pcr["sample_time"])).as_py()
    antigen = tests.filter(pc.equal(tests["method"], "antigen"))
    assert antigen.num_rows > 0 and antigen["tube_id"].null_count == antigen.num_rows


def test_quarantine_follows_the_protocol(runs: dict[str, Path]) -> None:
    episodes = _table(runs["default"], "quarantine")
    kinds = set(episodes["kind"])
    assert {"centralised", "isolation", "home"} <= kinds
    close = [
        (s, e)
        for k, s, e, r in zip(
            episodes["kind"],
            episodes["start_time"],
            episodes["end_time"],
            episodes["reason"],
            strict=True,
        )
        if k == "centralised" and r == "close contact"
    ]
    assert close
    # cn-9th: 7 days centralised, counted from the last exposure, so at most 7 days in the hotel
    assert all((e - s).total_seconds() <= 7 * 86400 + 1 for s, e in close)
    secondary = [
        (s, e)
        for k, s, e, r in zip(
            episodes["kind"],
            episodes["start_time"],
            episodes["end_time"],
            episodes["reason"],
            strict=True,
        )
        if r == "secondary contact"
    ]
    # cn-9th: 7 days at home from identification (shorter only if isolated as a case)
    lengths = [(e - s).total_seconds() / 86400 for s, e in secondary]
    assert secondary and max(lengths) < 7.001
    assert sum(abs(x - 7) < 0.001 for x in lengths) > 0.9 * len(lengths)


def test_another_protocol_changes_quarantine(tmp_path: Path) -> None:
    out = _run(tmp_path, "default", protocol="who-2021")
    episodes = _table(out, "quarantine")
    reasons = set(episodes["reason"])
    assert "secondary contact" not in reasons  # WHO: no secondary contacts
    assert "centralised" not in set(episodes["kind"])  # WHO: 14 days at home


def test_lockdown_and_mass_screening(runs: dict[str, Path]) -> None:
    out = runs["lockdown"]
    daily = _table(out, "daily")
    assert sum(daily["in_lockdown"]) > 0
    tests = _table(out, "tests")
    pooled = [t for t, k in zip(tests["tube_id"], tests["pool_size"], strict=True) if k == 10]
    assert pooled
    _, counts = np.unique(np.asarray(pooled), return_counts=True)
    assert counts.max() <= 10


def test_sentinel_channels_have_a_baseline(runs: dict[str, Path]) -> None:
    visits, sales = _table(runs["none"], "visits"), _table(runs["none"], "sales")
    assert set(visits["reason"]) == {"ili", "other"} or set(visits["reason"]) == {"other"}
    assert {"fever", "cough", "antigen_kit"} <= set(sales["category"])
    default_visits = _table(runs["default"], "visits")
    assert "ili" in set(default_visits["reason"])


def test_scenarios_share_random_numbers(runs: dict[str, Path]) -> None:
    """Before the first case is reported, 'none' and 'default' are the same epidemic."""
    cases = _table(runs["default"], "cases")
    first_report = min(cases["report_time"])
    infections = []
    for name in ("none", "default"):
        truth = _table(runs[name], "truth_infections")
        infections.append(
            {
                (a, b)
                for a, b, t in zip(
                    truth["infectee_id"], truth["infector_id"], truth["infection_time"], strict=True
                )
                if t < first_report
            }
        )
    assert infections[0] == infections[1] and len(infections[0]) >= 10


def test_a_run_loads_into_the_registry_and_its_channels_count_what_happened(
    ctx: ServiceContext, runs: dict[str, Path]
) -> None:
    """One registry load per backend: the situation, then the channels over it."""
    out = runs["default"]
    results = {r.entity: r for r in import_simulation(ctx, out)}
    cases = _table(out, "cases")
    assert results["cases"].inserted == len(cases["person_id"])
    assert results["control_measures"].inserted == len(_table(out, "quarantine")["person_id"])
    summary = json.loads((out / "summary.json").read_text())
    data = situation(ctx, now=run_end(summary) - dt.timedelta(seconds=1))
    assert data["cases"]["total"] == summary["cases"]
    assert data["cases"]["found_in_control"] == sum(cases["found_in_control"])
    _channels_count_what_happened(ctx, out)


def test_a_runs_events_load_into_the_event_store(
    ctx: ServiceContext, runs: dict[str, Path]
) -> None:
    from shoutu.events.store import read_events
    from shoutu.services.simulation.importer import load_simulation_events

    out = runs["default"]
    batches = {b.kind: b for b in load_simulation_events(ctx, out)}
    assert set(batches) == {"checkins", "tests", "visits", "sales"}
    for kind, batch in batches.items():
        assert batch.rows == pq.read_metadata(out / f"{kind}.parquet").num_rows, kind
    assert read_events(ctx.settings.event_dir, "tests").num_rows == batches["tests"].rows


def _channels_count_what_happened(ctx: ServiceContext, out: Path) -> None:
    from shoutu.domain.vocabulary import RegionLevel
    from shoutu.services.simulation.importer import load_simulation_events
    from shoutu.services.surveillance.channels import channel_series

    load_simulation_events(ctx, out)
    cases = _table(out, "cases")
    series = channel_series(ctx, "cases_report", level=RegionLevel.DISTRICT)
    assert sum(series["count"]) == len(cases["person_id"])
    days = sorted(set(series["date"]))
    assert len(days) == (dt.date.fromisoformat(days[-1]) - dt.date.fromisoformat(days[0])).days + 1
    visits = _table(out, "visits")
    ili = channel_series(ctx, "ili_visits", level=RegionLevel.CITY, weekly=True)
    assert sum(ili["count"]) == sum(1 for r in visits["reason"] if r == "ili")
    assert all(dt.date.fromisoformat(d).weekday() == 0 for d in ili["date"])
    assert set(ili["region"]) == {"990100000000"}
    assert ili["rate_per_100k"][0] == pytest.approx(ili["count"][0] / PEOPLE * 100_000)
    sales = _table(out, "sales")
    fever = channel_series(ctx, "sales_fever", level=RegionLevel.COMMUNITY)
    assert sum(fever["count"]) == sum(
        q for c, q in zip(sales["category"], sales["quantity"], strict=True) if c == "fever"
    )
    share = channel_series(ctx, "ili_share", level=RegionLevel.CITY, weekly=True)
    all_visits = channel_series(ctx, "clinic_visits", level=RegionLevel.CITY, weekly=True)
    for day, pct, ili_count, total in zip(
        share["date"], share["count"], ili["count"], all_visits["count"], strict=True
    ):
        assert pct == pytest.approx(100 * ili_count / total if total else 0.0, abs=1e-4), day
    assert share["rate_per_100k"][0] is None
    with pytest.raises(NotFound, match="unknown channel"):
        channel_series(ctx, "tweets")
