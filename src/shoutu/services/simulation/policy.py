"""Policy comparison: the "least cost, greatest effect" table (最小代价、最大防控效果).

Each scenario runs ``runs`` times; run r of every scenario uses seed ``seed + r``, so with
common random numbers the differences between scenarios are the interventions' doing, not luck.
For each scenario: mean and 90% interval (5th-95th percentile over runs) of infections,
cases, tubes tested, quarantine and lockdown person-days; and infections averted per 10,000
tubes tested, against the first scenario, run by run:
(baseline infections - infections) / tubes tested x 10,000.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from shoutu.errors import BadRequest
from shoutu.io.provenance import build_provenance
from shoutu.progress import Progress, Silent
from shoutu.sim.engine import run_config, simulate

MEASURES = ("infections", "cases", "tubes_tested", "quarantine_person_days", "lockdown_person_days")


def _stats(values: list[float]) -> dict[str, float]:
    array = np.asarray(values, float)
    return {
        "mean": round(float(array.mean()), 2),
        "low": round(float(np.percentile(array, 5)), 2),
        "high": round(float(np.percentile(array, 95)), 2),
    }


def compare(
    scenarios: list[str],
    *,
    people: int,
    days: int,
    runs: int,
    seed: int,
    protocol: str,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run every scenario ``runs`` times (paired seeds) and summarise each."""
    if not scenarios:
        raise BadRequest("name at least one of the {scenarios}")
    progress = progress or Silent()
    results: dict[str, list[dict[str, Any]]] = {}
    progress.stage(f"{len(scenarios)} scenarios x {runs} runs", len(scenarios) * runs)
    with tempfile.TemporaryDirectory() as tmp:
        for index, scenario in enumerate(scenarios):
            results[scenario] = []
            for run in range(runs):
                config = run_config(
                    people=people,
                    days=days,
                    seed=seed + run,
                    scenario=scenario,
                    protocol=protocol,
                    summary_only=True,
                )
                out = Path(tmp) / f"{index}-{run}"
                results[scenario].append(simulate(config, out))
                progress.advance(1)
    baseline = [r["infections"] for r in results[scenarios[0]]]
    table = []
    for scenario in scenarios:
        rows = results[scenario]
        averted = [
            (base - r["infections"]) / r["tubes_tested"] * 10_000 if r["tubes_tested"] else 0.0
            for base, r in zip(baseline, rows, strict=True)
        ]
        table.append(
            {
                "scenario": scenario,
                **{m: _stats([r[m] for r in rows]) for m in MEASURES},
                "infections_averted_per_10k_tests": _stats(averted),
            }
        )
    summary = {
        "baseline": scenarios[0],
        "people": people,
        "days": days,
        "runs": runs,
        "seed": seed,
        "protocol": protocol,
        "scenarios": table,
    }
    return {
        **summary,
        "provenance": build_provenance(
            command="policy compare",
            parameters={k: v for k, v in summary.items() if k != "scenarios"},
        ),
    }
