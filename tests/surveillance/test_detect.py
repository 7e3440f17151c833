"""Aberration detectors against R surveillance: the shared references
(../shared/data/reference/ears_c*_agona.csv) and more R runs made by
tests/golden/make_detector_golden.R (cases in tests/golden/cases_detect.csv)."""

from __future__ import annotations

import csv
import shlex
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from paths import SHARED_DATA, TESTS
from shoutu.analytics.detectors.cusum import cusum
from shoutu.analytics.detectors.ears import ears
from shoutu.cli.app import app

DATA = SHARED_DATA
HERE = TESTS
GOLDEN = HERE / "golden"
runner = CliRunner()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def _check(ours: Path, reference: Path) -> int:
    """Every reference row matches (bound to 1e-4 relative, same alarm); where R gave no
    bound (rows left out of the reference, within its regions and dates) we give none."""
    mine = {(r["region"], r["date"]): r for r in _rows(ours)}
    theirs = _rows(reference)
    for row in theirs:
        got = mine.pop((row["region"], row["date"]))
        assert float(got["count"]) == float(row["count"])
        assert float(got["upperbound"]) == pytest.approx(
            float(row["upperbound"]), rel=1e-4, abs=1e-9
        )
        assert int(got["alarm"]) == int(row["alarm"]), (row["region"], row["date"])
    regions = {row["region"] for row in theirs}
    first, last = min(row["date"] for row in theirs), max(row["date"] for row in theirs)
    for (region, date), row in mine.items():
        if region in regions and first <= date <= last:
            assert row["upperbound"] == "" and row["alarm"] == "0", (region, date, row)
    return len(theirs)


@pytest.mark.parametrize("method", ["c1", "c2"])
def test_shared_ears_references(tmp_path: Path, method: str) -> None:
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "detect",
            str(DATA / "reference" / "input_agona_long.csv"),
            "--method",
            f"ears-{method}",
            "--from",
            "1990-05-14",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert _check(out, DATA / "reference" / f"ears_{method}_agona.csv") == 293
    assert list(_rows(out)[0]) == ["date", "region", "count", "expected", "upperbound", "alarm"]


@pytest.mark.parametrize("case", _rows(GOLDEN / "cases_detect.csv"), ids=lambda c: c["golden"])
def test_more_r_runs(tmp_path: Path, case: dict[str, str]) -> None:
    out = tmp_path / "out.csv"
    source = case["input"]
    path = HERE / source.removeprefix("tests/") if source.startswith("tests/") else DATA / source
    args = ["detect", str(path), *shlex.split(case["args"]), "--output", str(out)]
    if case["wide"] == "1":
        args.append("--wide")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert _check(out, GOLDEN / case["golden"]) >= 20


def test_flat_baseline_bound_is_the_mean() -> None:
    """METHODS.md: with sd = 0 and minSigma = 0 the bound collapses to the mean."""
    counts = np.array([[3, 3, 3, 3, 3, 3, 3, 4, 3]], float)
    d = ears(counts, np.array([7, 8]), method="C1")
    window = np.array([3, 3, 3, 3, 3, 3, 4], float)  # the 7 weeks before time 8
    z = 3.090232306167813  # qnorm(0.999)
    assert d.upperbound[0][0] == 3.0
    assert d.upperbound[0][1] == pytest.approx(window.mean() + z * window.std(ddof=1))
    assert list(d.alarm[0]) == [True, False]


def test_many_series_at_once_equal_one_by_one() -> None:
    rng = np.random.default_rng(2)
    counts = rng.poisson(rng.uniform(0.5, 20, (30, 1)), size=(30, 120)).astype(float)
    times = np.arange(20, 120)
    for method in ("C1", "C2", "C3"):
        together = ears(counts, times, method=method)
        for i in range(0, 30, 7):
            alone = ears(counts[i : i + 1], times, method=method)
            np.testing.assert_allclose(together.upperbound[i], alone.upperbound[0], rtol=1e-12)
    together_c = cusum(counts, times)
    alone_c = cusum(counts[3:4], times)
    np.testing.assert_array_equal(together_c.alarm[3], alone_c.alarm[0])


def test_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("date,region,count\n2022-03-01,a,1\n2022-03-02,a,-4\n")
    result = runner.invoke(app, ["detect", str(path), "--method", "ears-c1"])
    assert result.exit_code == 1 and "row 2 (line 3), field count" in result.stderr
    week = runner.invoke(
        app,
        [
            "detect",
            str(DATA / "reference" / "input_agona_long.csv"),
            "--method",
            "ears-c1",
            "--from",
            "1990-05-15",
        ],
    )
    assert week.exit_code == 2 and "is not a week of the series" in week.stderr
    short = runner.invoke(
        app,
        [
            "detect",
            str(DATA / "reference" / "input_agona_long.csv"),
            "--method",
            "ears-c2",
            "--from",
            "1990-01-15",
        ],
    )
    assert short.exit_code == 2 and "too short" in short.stderr
    unknown = runner.invoke(app, ["detect", str(path), "--method", "shewhart"])
    assert unknown.exit_code == 2 and "ears-c1" in unknown.stderr


def test_moving_percentile_by_hand() -> None:
    """Counts 0, 1, 2, …; periods of 2 days; 1 year of 10 days back; 1 neighbour each side.
    At t = 13: current = 12 + 13 = 25; baseline periods end at t-12, t-10, t-8, i.e. days
    1, 3, 5: sums 0+1, 2+3, 4+5 = 1, 5, 9; P80 (type 7) = 5 + 0.6 x (9 - 5) = 7.4."""
    from shoutu.analytics.detectors.moving_percentile import moving_percentile

    counts = np.arange(20, dtype=float)[None, :]
    d = moving_percentile(
        counts, np.array([13]), period=2, years=1, neighbours=1, percentile=80, year_steps=10
    )
    assert d.upperbound[0, 0] == pytest.approx(7.4)
    assert d.expected[0, 0] == pytest.approx(5.0)
    assert bool(d.alarm[0, 0])
    with pytest.raises(ValueError, match="time 14 or later"):
        moving_percentile(counts, np.array([12]), period=2, years=1, neighbours=1, year_steps=10)


def test_moving_percentile_matches_a_plain_loop() -> None:
    from shoutu.analytics.detectors.moving_percentile import moving_percentile

    rng = np.random.default_rng(8)
    counts = rng.poisson(20, size=(4, 365 * 3 + 60)).astype(float)
    period, years, neighbours, pct = 7, 3, 2, 85
    first = years * 365 + neighbours * period + period - 1
    times = np.arange(first, counts.shape[1])
    d = moving_percentile(
        counts, times, period=period, years=years, neighbours=neighbours, percentile=pct
    )
    for s in range(4):
        for i, t in enumerate(times[::17]):

            def total(end: int, s: int = s) -> float:
                return float(counts[s, end - period + 1 : end + 1].sum())

            base = [
                total(t - y * 365 + j * period)
                for y in range(1, years + 1)
                for j in range(-neighbours, neighbours + 1)
            ]
            threshold = float(np.percentile(base, pct))
            assert d.upperbound[s, i * 17] == pytest.approx(threshold)
            assert bool(d.alarm[s, i * 17]) == (total(t) > threshold)


def test_moving_percentile_cli(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    days = np.datetime64("2019-01-01") + np.arange(365 * 3 + 30)
    rows = ["date,region,count", *(f"{d},east,{rng.poisson(5)}" for d in days)]
    path = tmp_path / "daily.csv"
    path.write_text("\n".join(rows) + "\n")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "detect",
            str(path),
            "--method",
            "moving-percentile",
            "--percentile",
            "90",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(_rows(out)) == len(days) - (3 * 365 + 2 * 7 + 7 - 1)


def test_bad_wide_input(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("week,north,south\n2022-01-03,1,2\n2022-01-10,x,3\n2022-01-10,4,5\n")
    result = runner.invoke(app, ["detect", str(path), "--wide", "--method", "ears-c1"])
    assert result.exit_code == 1
    assert "row 2 (line 3), field north: 'x' is not a count >= 0" in result.stderr
    assert "row 3 (line 4), field week: 2022-01-10 appears twice" in result.stderr


def test_detector_estimator_matches_its_function_twin() -> None:
    """The estimator (settings in __init__, fit returns self, results end in _) gives what
    the function gives; R's default range without times; unknown options are errors."""
    import datetime as dt

    from shoutu.analytics.detectors.base import Calendar
    from shoutu.analytics.detectors.farrington import farrington_flexible
    from shoutu.analytics.detectors.methods import Detector

    rows = _rows(DATA / "reference" / "input_agona_long.csv")
    counts = np.array([[float(r["count"]) for r in rows]])
    calendar = Calendar(dt.date.fromisoformat(rows[0]["date"]), 7, counts.shape[1])
    fitted = Detector("farrington-flexible", b=3, threshold_method="nbPlugin").fit(counts, calendar)
    assert fitted.times_[0] == 52 * 3 + 3  # R: freq * b + w + 1, 1-based
    twin = farrington_flexible(counts, fitted.times_, calendar, b=3, threshold_method="nbPlugin")
    np.testing.assert_array_equal(fitted.upperbound_, twin.upperbound)
    np.testing.assert_array_equal(fitted.alarm_, twin.alarm)
    with pytest.raises(ValueError, match="--k does not apply to farrington-flexible"):
        Detector("farrington-flexible", k=1.0).fit(counts, calendar)


@pytest.mark.parametrize(
    ("powertrans", "expected"),
    [
        ("none", (1.3073128, 8.6926872, 0.0907246, 0.8124165)),
        ("1/2", (1.9891097, 9.3744842, 0.1189986, 0.6857951)),
        ("2/3", (1.8084477, 9.1154825, 0.1094727, 0.7289546)),
    ],
)
def test_delta_threshold_as_r_unit_tests(powertrans: str, expected: tuple[float, ...]) -> None:
    """R surveillance's unit test (METHODS.md): predFit 5, se 0.2, phi 1, alpha 0.05, y 8."""
    from shoutu.analytics.detectors.thresholds import delta_threshold

    one = np.array([1.0])
    got = delta_threshold(5 * one, 0.2 * one, one, powertrans, 0.05, 8 * one)
    assert [float(v[0]) for v in got] == pytest.approx(expected, abs=1e-7)


@pytest.mark.parametrize(
    ("phi", "expected"),
    [(1.5, (8, 24, 0.8597797, 0.4193982)), (1.0, (9, 22, 0.9093099, 0.4605347))],
)
def test_muan_threshold_as_r_unit_tests(phi: float, expected: tuple[float, ...]) -> None:
    """R surveillance's unit test (METHODS.md): muan with eta = log 5, se = log 2, y = 11."""
    from shoutu.analytics.detectors.thresholds import noufaily_threshold

    one = np.array([1.0])
    got = noufaily_threshold(np.log(5) * one, np.log(2) * one, phi * one, 0.05, 11 * one, "muan")
    assert [float(v[0]) for v in got] == pytest.approx(expected, abs=1e-7)


@pytest.mark.parametrize("size", [1e-13, 0.3, 4.0, 250.0, 1e7])
def test_negative_binomial_quantiles_match_scipy(size: float) -> None:
    """Our vectorised qnbinom/qpois search against scipy's ppf on ordinary parameters (and,
    at an exact tie, R: qnbinom(0.5, 4, 0.5) = 3 where pnbinom(3, 4, 0.5) = 0.5)."""
    from scipy import stats

    from shoutu.analytics.detectors.quantiles import qnbinom, qpois

    prob = np.linspace(0.02, 0.98, 49)
    for p in (0.01, 0.5, 0.95, 0.999):
        np.testing.assert_array_equal(
            qnbinom(p, np.full(prob.shape, size), prob), stats.nbinom.ppf(p, size, prob)
        )
        mean = size * prob * 10
        np.testing.assert_array_equal(qpois(p, mean), stats.poisson.ppf(p, mean))
    assert qnbinom(0.5, np.array([4.0]), np.array([0.5]))[0] == 3
