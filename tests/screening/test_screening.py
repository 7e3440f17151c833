"""Pooled testing: Dorfman's expected tests, dilution, the pool-size advisor (METHODS.md:
'Pooled testing'), from the parameter file or the event store's recent positives."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from shoutu.analytics.pooling import (
    CtDistribution,
    advise,
    dilution_shift,
    expected_tests,
    relative_sensitivity,
)
from shoutu.cli.app import app
from shoutu.events.store import write_events
from shoutu.services.context import ServiceContext
from shoutu.services.screening.pool_advice import pool_size_advice

TYPICAL = CtDistribution(mean=26.0, sd=4.0)


def test_dorfman_expected_tests() -> None:
    assert expected_tests(1, 0.3) == 1.0
    assert expected_tests(10, 0.01) == pytest.approx(0.1 + 1 - 0.99**10)
    assert expected_tests(10, 0.01) == pytest.approx(0.1956, abs=1e-4)
    # METHODS.md: optimum near 1 + 1/sqrt(p): k = 11 at 1% (E 0.196)
    best = min(range(2, 40), key=lambda k: expected_tests(k, 0.01))
    assert best == 11 and expected_tests(best, 0.01) == pytest.approx(0.196, abs=5e-4)
    assert min(range(2, 40), key=lambda k: expected_tests(k, 0.05)) == 5
    # pooling stops paying above p ~ 0.31
    assert min(expected_tests(k, 0.30) for k in range(2, 40)) < 1
    assert min(expected_tests(k, 0.32) for k in range(2, 40)) > 1
    with pytest.raises(ValueError):
        expected_tests(0, 0.1)


@given(st.integers(2, 50), st.floats(0, 1), st.floats(0, 1))
def test_expected_tests_grow_with_prevalence(k: int, p: float, q: float) -> None:
    low, high = sorted((p, q))
    assert expected_tests(k, low) <= expected_tests(k, high) + 1e-12
    assert 1 / k - 1e-12 <= expected_tests(k, low) <= 1 + 1 / k + 1e-12


def test_dilution_and_sensitivity() -> None:
    assert dilution_shift(10) == pytest.approx(3.3219, abs=1e-4)  # METHODS: 2.3, 3.3, 4.3
    assert dilution_shift(20, 0.5) == pytest.approx(4.3219 / 2, abs=1e-4)
    values = CtDistribution(values=np.array([20.0, 30.0, 37.0, 39.0]))
    # single tubes: all 4 below 40; a 10-pool shifts by 3.32: 37 and 39 are lost
    assert relative_sensitivity(10, values, 40.0) == 0.5
    sens = [relative_sensitivity(k, TYPICAL, 40.0) for k in (1, 5, 10, 20)]
    assert sens[0] == 1.0 and sens == sorted(sens, reverse=True)


def test_advice_as_practised() -> None:
    """Typical Omicron Ct: 10-in-1 at 1%, bigger tubes when rarer, single tubes when pooling
    costs more than it saves; low-Ct-shifted positives push towards smaller tubes."""
    assert advise(0.01, TYPICAL).recommended == 10
    assert advise(0.001, TYPICAL).recommended == 20
    assert advise(0.05, TYPICAL).recommended == 5
    assert advise(0.35, TYPICAL).recommended == 1
    late = CtDistribution(mean=33.0, sd=3.0)  # positives found late: dilution costs more
    assert advise(0.01, late).recommended in (1, 5)
    assert advise(0.01, late, floor=0.0).recommended == 10


def test_cli_json(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["screening", "pool-size", "--prevalence", "0.01", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) == {"recommended", "expected_tests_per_person", "sensitivity"}
    assert body["recommended"] == 10
    assert body["expected_tests_per_person"] == {"1": 1.0, "5": 0.249, "10": 0.1956, "20": 0.2321}
    assert all(round(v, 4) == v for v in body["sensitivity"].values())
    bad = CliRunner().invoke(app, ["screening", "pool-size", "--prevalence", "1.5"])
    assert bad.exit_code == 2


def test_ct_from_recent_positives(ctx: ServiceContext, tmp_path: Path) -> None:
    """With enough recent single-tube positives in the event store, their Ct values decide."""
    rng = np.random.default_rng(3)
    n = 200
    start = dt.datetime(2022, 4, 1, tzinfo=dt.UTC)
    table = pa.table(
        {
            "sample_id": [f"S{i}" for i in range(n)],
            "person_id": list(range(n)),
            "sample_time": [start + dt.timedelta(hours=int(h)) for h in rng.integers(0, 480, n)],
            "method": ["pcr"] * n,
            "pool_size": [1] * (n - 20) + [10] * 20,
            "result": ["positive"] * n,
            "ct_n": rng.uniform(31, 39.5, n),
        }
    )
    source = tmp_path / "tests.parquet"
    pq.write_table(table, source)
    write_events(ctx.settings.event_dir, "tests", source, ctx.settings.timezone)
    advice, ct = pool_size_advice(ctx, 0.01)
    assert ct.values is not None and len(ct.values) == n - 20  # single tubes only
    assert "single-tube PCR positives" in ct.source
    assert advice.sensitivity[10] < 0.7 and advice.recommended == 1
