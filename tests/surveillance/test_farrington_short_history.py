"""Farrington flexible on short histories, against R surveillance 1.20.3: noPeriods with b = 1
or 2 on series only a little longer than b years (periods left with no rows once
pastWeeksNotIncluded is taken out), a reference window cut off by the start of the series,
a large pastWeeksNotIncluded. Golden files by tests/golden/make_farrington_short_golden.R
(cases in tests/golden/cases_farrington_short.csv: every row of R's default range, empty where
R gives NA, with R's expected values) and R's own baseline factor (blocks, data.glm) for
more layouts (tests/golden/cases_farrington_blocks.csv -> ff_blocks_short.csv)."""

from __future__ import annotations

import csv
import datetime as dt
import math
import shlex
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from paths import GOLDEN, SHARED_DATA, TESTS
from shoutu.cli.app import app

DATA = SHARED_DATA
HERE = TESTS
REL = 1e-8
runner = CliRunner()

MEASLES_COMMAND = shlex.split(
    "--wide --method farrington-flexible --b 1 --w 3 --alpha 0.01 --no-periods 10 "
    "--weights-threshold 2.58 --past-weeks-not-included 26 --p-threshold-trend 1 "
    "--threshold-method nbPlugin"
)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def _input(source: str) -> Path:
    return HERE / source.removeprefix("tests/") if source.startswith("tests/") else DATA / source


def _options(case: dict[str, str]) -> dict[str, Any]:
    """The case's R control settings in shoutu's snake case (empty: R's default)."""
    kinds: dict[str, Any] = {
        "b": int,
        "w": int,
        "alpha": float,
        "trend": lambda text: text == "1",
        "p_threshold_trend": float,
        "weights_threshold": float,
        "no_periods": int,
        "past_weeks_not_included": int,
        "threshold_method": str,
        "powertrans": str,
    }
    return {name: kind(case[name]) for name, kind in kinds.items() if case[name] != ""}


def _number(text: str) -> float:
    return math.nan if text == "" else float(text)


def _compare(ours: dict[tuple[str, str], dict[str, float]], golden: Path) -> int:
    """Every row of R's output: the same count, alarm, bound and expected value (relative
    1e-8); no bound, no expected value and no alarm where R's bound is NA (R's
    control$expected holds 0 there when the GLM did not converge). Our rows of R's regions
    are exactly R's weeks. Returns the number of rows R gave a bound."""
    theirs = _rows(golden)
    regions = {row["region"] for row in theirs}
    assert {key for key in ours if key[0] in regions} == {
        (row["region"], row["date"]) for row in theirs
    }
    bounded = 0
    for row in theirs:
        key = (row["region"], row["date"])
        got = ours[key]
        assert got["count"] == float(row["count"]), key
        if row["upperbound"] == "":
            assert math.isnan(got["upperbound"]), (key, got)
            assert math.isnan(got["expected"]), (key, got)
            assert got["alarm"] == 0, key
            continue
        bounded += 1
        assert got["upperbound"] == pytest.approx(float(row["upperbound"]), rel=REL), key
        assert got["expected"] == pytest.approx(float(row["expected"]), rel=REL), key
        assert got["alarm"] == int(row["alarm"]), key
    return bounded


def _from_table(columns: dict[str, Any]) -> dict[tuple[str, str], dict[str, float]]:
    region = columns["region"]
    regions = region.to_pylist() if hasattr(region, "to_pylist") else list(region)
    dates = [str(day) for day in np.asarray(columns["date"]).astype("datetime64[D]")]
    values = {name: np.asarray(columns[name], float) for name in ("count", "expected")}
    values["upperbound"] = np.asarray(columns["upperbound"], float)
    alarm = np.asarray(columns["alarm"], int)
    return {
        (regions[i], dates[i]): {
            "count": float(values["count"][i]),
            "expected": float(values["expected"][i]),
            "upperbound": float(values["upperbound"][i]),
            "alarm": int(alarm[i]),
        }
        for i in range(len(dates))
    }


def _from_csv(path: Path) -> dict[tuple[str, str], dict[str, float]]:
    return {
        (row["region"], row["date"]): {
            "count": float(row["count"]),
            "expected": _number(row["expected"]),
            "upperbound": _number(row["upperbound"]),
            "alarm": int(row["alarm"]),
        }
        for row in _rows(path)
    }


CASES = _rows(GOLDEN / "cases_farrington_short.csv")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["golden"].removesuffix(".csv"))
def test_short_histories_as_r(case: dict[str, str]) -> None:
    """detect_file (what `shoutu detect` runs) from R's default first week to the case's
    last week, against R's farringtonFlexible."""
    from shoutu.services.surveillance.detect import detect_file

    table = detect_file(
        _input(case["input"]),
        method="farrington-flexible",
        wide=case["wide"] == "1",
        options=_options(case),
        date_to=case["to"] or None,
    )
    assert _compare(_from_table(table.columns), GOLDEN / case["golden"]) >= 14


def test_measles_command_runs_and_matches_r(tmp_path: Path) -> None:
    """The command that raised IndexError (a period of the current year left with no rows
    by pastWeeksNotIncluded = 26) exits 0 and gives R's alarms, bounds and expected values."""
    out = tmp_path / "measles.csv"
    path = DATA / "public" / "measles_de_weekly.csv"
    result = runner.invoke(app, ["detect", str(path), *MEASLES_COMMAND, "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert list(_rows(out)[0]) == ["date", "region", "count", "expected", "upperbound", "alarm"]
    assert _compare(_from_csv(out), GOLDEN / "ff_short_measles_b1.csv") == 252


def test_weeks_together_equal_weeks_alone() -> None:
    """All monitored weeks fitted in one batch (levels some weeks lack) give what each week
    gives alone."""
    from shoutu.analytics.detectors.base import Calendar
    from shoutu.analytics.detectors.methods import plan
    from shoutu.io.series import read_wide_series

    series = read_wide_series(DATA / "public" / "salmonella_all_onset_de_weekly.csv")
    calendar = Calendar(series.start, 7, series.days)
    counts = series.local + series.imported
    detector = plan("farrington-flexible", {"b": 3, "no_periods": 6, "past_weeks_not_included": 40})
    first = detector.first_time(calendar)
    times = np.arange(first, first + 30)
    together = detector.run(counts, times, calendar)
    for i in range(0, 30, 7):
        alone = detector.run(counts, times[i : i + 1], calendar)
        np.testing.assert_allclose(together.upperbound[:, i], alone.upperbound[:, 0], rtol=1e-10)
        np.testing.assert_allclose(together.expected[:, i], alone.expected[:, 0], rtol=1e-10)
        np.testing.assert_array_equal(together.alarm[:, i], alone.alarm[:, 0])


def _block_cases() -> list[dict[str, str]]:
    return _rows(GOLDEN / "cases_farrington_blocks.csv")


@pytest.mark.parametrize("case", _block_cases(), ids=lambda c: c["case"])
def test_baseline_factor_as_r(case: dict[str, str]) -> None:
    """flexible_baseline's rows and levels are R's (algo.farrington.data.glm, which calls
    blocks): windows at position 0, periods left empty, a pastWeeksNotIncluded that reaches
    into the reference windows, periods shorter than one week (R writes them counting down);
    where R stops with an error, so do we."""
    from shoutu.analytics.detectors.base import Calendar
    from shoutu.analytics.detectors.reference_weeks import flexible_baseline

    theirs = [row for row in _rows(GOLDEN / "ff_blocks_short.csv") if row["case"] == case["case"]]
    calendar = Calendar(dt.date.fromisoformat(case["start"]), 7, int(case["n"]))

    def ours() -> list[tuple[int, int]]:
        base = flexible_baseline(
            calendar,
            int(case["k"]) - 1,
            b=int(case["b"]),
            w=int(case["w"]),
            no_periods=int(case["p"]),
            past_excluded=int(case["pwni"]),
        )
        assert base.level_now == int(case["p"]) - 1
        return list(zip(base.rows.tolist(), base.levels.tolist(), strict=True))

    if theirs[0]["error"]:
        with pytest.raises(ValueError, match=case["shoutu_error"]):
            ours()
        return
    assert ours() == [(int(row["position"]) - 1, int(row["level"]) - 1) for row in theirs]


def test_a_period_with_one_row_has_leverage_one() -> None:
    """As lm.influence: a leverage within 10 eps of 1 is 1, so the Anscombe residual of a
    period's only row is infinite (R's weight 0 above the threshold, gamma below) rather
    than rounding noise; NaN (fitted exactly) counts as no outlier."""
    from shoutu.analytics.detectors import glm

    y = np.array([[[3.0, 5.0, 4.0, 6.0], [7.0, 0.0, 0.0, 0.0]]])
    real = np.array([[[1.0, 1.0, 1.0, 1.0], [1.0, 0.0, 0.0, 0.0]]])
    times = np.array([[[0.0, 1.0, 2.0, 3.0], [4.0, 0.0, 0.0, 0.0]]])
    for trend in (False, True):
        model = glm.fit(y, real, times, trend=trend)
        hat = model.hat(times)
        assert hat[0, 1, 0] == 1.0
        assert np.all(hat[0, 0] < 1.0) and np.all(hat[0, 1, 1:] == 0.0)
        phi = np.maximum(model.dispersion, 1.0)
        residuals = glm.anscombe_residuals(y, model, phi, hat)
        assert not np.isfinite(residuals[0, 1, 0])
        weights = glm.reweights(residuals, real, 2.58)
        s = residuals[real > 0]
        with np.errstate(invalid="ignore"):
            raw = np.where(s > 2.58, 1 / s**2, 1.0)  # +inf: weight 0; -inf, NaN: gamma
        np.testing.assert_allclose(weights[real > 0], raw * len(s) / raw.sum(), rtol=1e-15)
