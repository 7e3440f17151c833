"""Reproduction number and growth: golden tests against R EpiEstim 2.2-4
(../shared/data/reference/rt_*.csv, made from ../shared/data/public/epiestim_flu2009_*.csv),
serial-interval rules, windows, regions, bad input, Wallinga–Teunis and growth rates."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from paths import GOLDEN, SHARED_DATA
from shoutu.analytics.rt import (
    CoriEstimator,
    SerialIntervalError,
    check_si_distr,
    discr_si,
    estimate_r,
    growth_rate,
    wallinga_teunis,
)
from shoutu.cli.app import app

SHARED = SHARED_DATA
FLU = SHARED / "public" / "epiestim_flu2009_incidence.csv"
FLU_SI = SHARED / "public" / "epiestim_flu2009_si_distr.csv"
runner = CliRunner()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def _compare(ours: Path, reference: Path, rel: float = 1e-6) -> int:
    mine, theirs = _rows(ours), _rows(reference)
    assert len(mine) == len(theirs)
    checked = 0
    for a, b in zip(mine, theirs, strict=True):
        assert (a["t_start"], a["t_end"]) == (b["t_start"], b["t_end"])
        for key in ("date_start", "date_end"):
            if key in b:
                assert a[key] == b[key]
        for key in ("mean", "sd", "q025", "q05", "q25", "median", "q75", "q95", "q975"):
            if b[key] in ("", "NA"):
                assert a[key] == "", key
                continue
            assert float(a[key]) == pytest.approx(float(b[key]), rel=rel), (a["t_start"], key)
            checked += 1
    return checked


@pytest.mark.parametrize(
    ("reference", "si_args"),
    [
        ("rt_flu2009_parametric_si_2.6_1.5.csv", ["--si-mean", "2.6", "--si-sd", "1.5"]),
        ("rt_flu2009_nonparametric_si.csv", ["--si-distr", str(FLU_SI)]),
    ],
)
def test_golden_against_epiestim(tmp_path: Path, reference: str, si_args: list[str]) -> None:
    out = tmp_path / "rt.csv"
    result = runner.invoke(app, ["rt", str(FLU), *si_args, "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert _compare(out, SHARED / "reference" / reference) == 25 * 9


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("rt_*.csv")), ids=lambda p: p.name)
def test_more_epiestim_runs(tmp_path: Path, path: Path) -> None:
    """Runs made by tests/golden/make_rt_golden.R (see its header for each call)."""
    spec = _rows(GOLDEN / "cases_rt.csv")
    case = next(row for row in spec if row["golden"] == path.name)
    args = [
        "rt",
        str(SHARED / "public" / case["input"]),
        "--window",
        case["window"],
        "--output",
        str(tmp_path / "out.csv"),
    ]
    args += (
        ["--si-distr", str(SHARED / "public" / case["si_distr"])]
        if case["si_distr"]
        else ["--si-mean", case["si_mean"], "--si-sd", case["si_sd"]]
    )
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    _compare(tmp_path / "out.csv", path)


def test_discr_si_is_a_distribution() -> None:
    w = discr_si(np.arange(60), 2.6, 1.5)
    assert w[0] == 0 and (w >= 0).all()
    assert w.sum() == pytest.approx(1, abs=1e-9)
    assert float(np.sum(np.arange(60) * w)) == pytest.approx(2.6, abs=1e-6)
    with pytest.raises(SerialIntervalError, match="above 1"):
        discr_si(np.arange(5), 0.9, 1)


def test_non_parametric_si_rules() -> None:
    assert check_si_distr(np.array([0, 0.5, 0.5])).sum() == 1
    with pytest.raises(SerialIntervalError, match="w0 = 0"):
        check_si_distr(np.array([0.1, 0.9]))
    with pytest.raises(SerialIntervalError, match=r"sums to 0\.9000"):
        check_si_distr(np.array([0, 0.5, 0.4]))


def test_windows_before_the_mean_si_are_undefined() -> None:
    est = estimate_r(np.full((1, 40), 10.0), None, discr_si(np.arange(40), 10, 3), window=7)
    assert list(est.t_start[:2]) == [2, 3] and est.t_end[-1] == 40
    undefined = ~np.isfinite(est.mean[0])
    assert undefined.any() and (est.t_end[undefined] <= est.mean_si).all()
    assert np.isfinite(est.mean[0][est.t_end > est.mean_si]).all()


def test_many_regions_at_once_and_missing_days(tmp_path: Path) -> None:
    with FLU.open() as handle:
        flu = [(r["dates"], r["I"]) for r in csv.DictReader(handle)]
    path = tmp_path / "regions.csv"
    lines = ["date,region,cases"]
    for day, count in flu:
        lines.append(f"{day},north,{count}")
        if count != "0":  # south: the same series, with its zero days left out
            lines.append(f"{day},south,{count}")
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "rt",
            str(path),
            "--si-mean",
            "2.6",
            "--si-sd",
            "1.5",
            "--no-quantiles",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert list(rows[0]) == ["region", "t_start", "t_end", "date_start", "date_end", "mean", "sd"]
    north = [r["mean"] for r in rows if r["region"] == "north"]
    south = [r["mean"] for r in rows if r["region"] == "south"]
    assert north == south and len(north) == 25


def test_imported_cases_raise_infectivity_not_the_numerator() -> None:
    local = np.array([[0, 2, 3, 5, 8, 12, 15, 20, 24, 30, 35]], float)
    si = discr_si(np.arange(11), 2.6, 1.5)
    alone = estimate_r(local, None, si, window=3)
    with_imports = estimate_r(local, np.full_like(local, 5.0), si, window=3)
    assert (with_imports.mean[0] < alone.mean[0]).all()
    assert np.array_equal(with_imports.cases_in_window, alone.cases_in_window)


def test_bad_input_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("date,cases\n2022-03-01,4\n2022-03-02,-1\n2022-13-01,3\n2022-03-01,5\n")
    result = runner.invoke(app, ["rt", str(path), "--si-mean", "3", "--si-sd", "1"])
    assert result.exit_code == 1
    assert "row 2 (line 3), field cases: '-1' is not a count >= 0" in result.stderr
    assert "row 3 (line 4), field date" in result.stderr
    assert "row 4 (line 5), field date: 2022-03-01 appears twice" in result.stderr
    missing = runner.invoke(app, ["rt", str(FLU)])
    assert missing.exit_code == 2 and "--si-mean" in missing.stderr


def test_estimator_contract() -> None:
    model = CoriEstimator(discr_si(np.arange(30), 2.6, 1.5), window=7)
    assert model.fit(np.full((2, 30), 20.0)) is model
    assert model.mean_.shape == (2, 23) and model.sd_.shape == (2, 23)


def test_wallinga_teunis_and_cori_agree_under_steady_growth() -> None:
    """For I_t = C e^{rt}, both estimators give 1 / Σ_u w_u e^{-ru} away from the edges."""
    r, days = 0.08, 80
    w = discr_si(np.arange(days), 3.0, 1.5)
    incidence = 1e6 * np.exp(r * np.arange(days))[None, :]
    expected = 1 / np.sum(w * np.exp(-r * np.arange(days)))
    wt = wallinga_teunis(incidence, w)[0]
    assert wt[20:50] == pytest.approx(np.full(30, expected), rel=1e-6)
    cori = estimate_r(incidence, None, w, window=7).mean[0]
    assert cori[30:60] == pytest.approx(np.full(30, expected), rel=1e-4)


def test_growth_rate_and_doubling_time() -> None:
    r = 0.1
    incidence = np.round(200 * np.exp(r * np.arange(30)))[None, :]
    growth = growth_rate(incidence, window=7)
    assert growth.rate[0] == pytest.approx(np.full(24, r), abs=0.005)
    assert (growth.low[0] < r).all() and (growth.high[0] > r).all()
    doubling, low, high = growth.doubling_days
    assert doubling[0][0] == pytest.approx(math.log(2) / r, rel=0.05)
    assert (low[0] < doubling[0]).all() and (high[0] > doubling[0]).all()
    empty = growth_rate(np.zeros((1, 10)), window=7)
    assert np.isnan(empty.rate).all()


def test_fast_and_row_readers_agree(tmp_path: Path) -> None:
    from shoutu.io.series import read_daily_series

    rng = np.random.default_rng(3)
    lines = ["date,region,local,imported"]
    for region in ("b", "a", "c"):
        for day in rng.choice(60, size=40, replace=False):
            lines.append(
                f"{np.datetime64('2022-03-01') + int(day)},{region},"
                f"{rng.integers(0, 50)},{rng.integers(0, 5)}"
            )
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n")
    fast = read_daily_series(path)
    slow = read_daily_series(path, date_format="%Y-%m-%d")
    assert fast.regions == slow.regions == ["a", "b", "c"]
    assert fast.start == slow.start
    assert np.array_equal(fast.local, slow.local) and np.array_equal(fast.imported, slow.imported)


@pytest.mark.parametrize("shape", [0.05, 0.3, 0.71, 1.0, 2.5, 7.3, 30.0, 120.0, 800.0])
def test_own_gamma_cdf_matches_scipy(shape: float) -> None:
    from scipy import special

    from shoutu.analytics.rt import gamma_cdf

    x = np.concatenate([np.linspace(0, 5 * shape + 50, 2000), [1e-8, shape, shape + 1]])
    assert np.max(np.abs(gamma_cdf(x, shape) - special.gammainc(shape, x))) < 1e-12


def test_bad_serial_interval_file(tmp_path: Path) -> None:
    path = tmp_path / "si.csv"
    path.write_text("day,p\n0,0\n1,half\n-2,0.5\n")
    result = runner.invoke(app, ["rt", str(FLU), "--si-distr", str(path)])
    assert result.exit_code == 1
    assert "row 2 (line 3), field p: 'half' is not a number" in result.stderr
    assert "row 3 (line 4), field day: '-2' is not a day >= 0" in result.stderr
