"""Without interventions the emergent epidemiology falls in the literature ranges cited by
src/shoutu/sim/params/omicron.toml (small city, fixed seeds, tolerances from repeated runs:
scripts/calibrate_sim.py gives SAR 0.31, serial interval 3.3 days, doubling 2.7-3.0 days)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from shoutu.sim.engine import run_config, simulate
from shoutu.sim.validation import emergent_measures

PEOPLE = 20_000


@pytest.fixture(scope="module", params=[1, 2])
def run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, float]]:
    out = tmp_path_factory.mktemp(f"unmitigated{request.param}")
    config = run_config(people=PEOPLE, days=45, seed=request.param, scenario="none")
    simulate(config, out)
    return out, emergent_measures(out, PEOPLE)


def test_household_secondary_attack_rate(run: tuple[Path, dict[str, float]]) -> None:
    assert 0.25 <= run[1]["household_sar"] <= 0.43  # Lyngse 2022: 0.29; Madewell 2022: 0.43


def test_serial_interval(run: tuple[Path, dict[str, float]]) -> None:
    assert 2.6 <= run[1]["serial_interval"] <= 3.6  # Backer 2022: 2.2-3.5 days


def test_early_doubling_time(run: tuple[Path, dict[str, float]]) -> None:
    assert 2.0 <= run[1]["doubling_days"] <= 3.8


def test_settings_mix(run: tuple[Path, dict[str, float]]) -> None:
    shares = run[1]
    assert 0.25 < shares["share_household"] < 0.45
    for setting in ("venue", "community", "office", "school_class"):
        assert 0.02 < shares[f"share_{setting}"] < 0.35, setting


def test_truth_is_consistent(run: tuple[Path, dict[str, float]]) -> None:
    out = run[0]
    truth = pq.read_table(out / "truth_infections.parquet").to_pydict()
    infectees = truth["infectee_id"]
    assert len(set(infectees)) == len(infectees)  # nobody is infected twice
    when = dict(zip(infectees, truth["infection_time"], strict=True))
    for infectee, infector, setting, place, traceable in zip(
        infectees,
        truth["infector_id"],
        truth["setting"],
        truth["place_id"],
        truth["traceable"],
        strict=True,
    ):
        if setting == "imported":
            assert infector is None and not traceable
            continue
        assert when[infector] < when[infectee]
        assert (place is not None) == (setting == "venue")
        assert traceable == (setting not in ("community", "imported"))
    daily = pq.read_table(out / "daily.parquet").to_pydict()
    assert sum(daily["new_infections"]) == len(infectees)
