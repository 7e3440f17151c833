"""`shoutu policy compare`: paired runs, intervals, averted infections per 10,000 tests."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.services.simulation.policy import compare
from shoutu.sim.engine import run_config, simulate


def test_compare_is_paired_and_summarised() -> None:
    result = compare(
        ["none", "default", "none"], people=3000, days=25, runs=2, seed=4, protocols=["cn-9th-2022"]
    )
    rows = {i: r for i, r in enumerate(result["scenarios"])}
    baseline, default, again = rows[0], rows[1], rows[2]
    assert baseline["infections_averted_per_10k_tests"]["mean"] == 0
    assert again["infections"] == baseline["infections"]  # same seeds, same numbers
    assert default["infections"]["mean"] < baseline["infections"]["mean"]
    assert default["infections_averted_per_10k_tests"]["mean"] > 0
    for row in result["scenarios"]:
        for measure in ("infections", "cases", "tubes_tested", "quarantine_person_days"):
            stats = row[measure]
            assert stats["low"] <= stats["mean"] <= stats["high"]


def test_cli_json() -> None:
    result = CliRunner().invoke(
        app,
        [
            "policy",
            "compare",
            "none",
            "default",
            "--people",
            "2000",
            "--days",
            "10",
            "--runs",
            "2",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [r["scenario"] for r in payload["scenarios"]] == ["none", "default"]
    assert payload["provenance"]["command"] == "policy compare"


def test_tracing_finds_more_cases_inside_control(tmp_path: Path) -> None:
    """The simulator issue: with tracing on, a larger share of cases is found inside control."""
    untraced = tmp_path / "untraced.toml"
    untraced.write_text('name = "untraced"\n[tracing]\nenabled = false\n')
    shares = {}
    for scenario in ("default", str(untraced)):
        summary = simulate(
            run_config(people=20_000, days=30, seed=5, scenario=scenario),
            tmp_path / Path(scenario).stem,
        )
        shares[Path(scenario).stem] = summary["cases_in_control_share"] or 0.0
    assert shares["default"] > shares["untraced"] + 0.2


def test_compare_runs_each_scenario_under_each_protocol() -> None:
    """The same scenario under the edition and its companions variant, paired: the variant
    traces companions, the edition none; the arms are named by scenario and protocol."""
    result = compare(
        ["default"],
        people=3000,
        days=20,
        runs=1,
        seed=4,
        protocols=["cn-9th-2022", "cn-9th-2022-city-companions"],
    )
    edition, variant = result["scenarios"]
    assert [edition["arm"], variant["arm"]] == [
        "default @ cn-9th-2022",
        "default @ cn-9th-2022-city-companions",
    ]
    assert result["baseline"] == edition["arm"]
    assert edition["companions"]["mean"] == 0 < variant["companions"]["mean"]
    assert variant["close_contacts"]["mean"] < edition["close_contacts"]["mean"]
