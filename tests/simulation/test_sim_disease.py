"""Natural history: Ct curves, symptoms by age, antigen sensitivity, common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

from shoutu.sim.disease import Disease
from shoutu.sim.params import load_disease_params
from shoutu.sim.rng import Streams

PARAMS = load_disease_params()


def _infected(n: int = 20_000, age: int = 40, doses: int = 3, seed: int = 1) -> Disease:
    disease = Disease(np.full(n, age), np.full(n, doses), PARAMS, Streams(seed))
    disease.infect(np.arange(n), np.zeros(n))
    return disease


def test_incubation_and_symptoms() -> None:
    d = _infected()
    assert d.incubation.mean() == pytest.approx(PARAMS.incubation_mean, rel=0.03)
    assert d.incubation.std() == pytest.approx(PARAMS.incubation_sd, rel=0.08)
    assert (~d.symptomatic).mean() == pytest.approx(0.32, abs=0.015)
    assert (~_infected(age=10).symptomatic).mean() == pytest.approx(0.45, abs=0.015)
    onset = d.onset(np.arange(d.age.size))
    assert np.isinf(onset[~d.symptomatic]).all() and np.isfinite(onset[d.symptomatic]).all()


def test_ct_curve_falls_to_the_peak_at_onset_and_clears() -> None:
    d = _infected(n=2000)
    who = np.arange(2000)
    assert (d.ct(who, 0.0) == 40).all()
    at_peak = d.ct(who, d.incubation)
    assert np.allclose(at_peak, d.peak_ct)
    assert (d.ct(who, d.incubation + d.clearance + 0.01) == 40).all()
    assert np.mean(d.peak_ct[d.symptomatic]) == pytest.approx(PARAMS.peak_ct_mean, abs=0.3)
    orf = d.ct(who, d.incubation, gene="ORF1ab")
    assert np.mean(orf - at_peak) == pytest.approx(PARAMS.orf1ab_offset_mean, abs=0.1)
    assert (d.recovered_by(30.0)).all() and not d.recovered_by(0.5).any()


def test_infectiousness_follows_viral_load() -> None:
    d = _infected(n=2000)
    who = np.arange(2000)
    assert (d.infectiousness(who, 0.2) == 0).all()  # latent: Ct still above culture threshold
    peak = d.infectiousness(who, d.incubation)
    later = d.infectiousness(who, d.incubation + 4)
    assert (later <= peak).all() and later.mean() < 0.2 * peak.mean()
    asym = ~d.symptomatic
    assert peak[asym].mean() < peak[~asym].mean()


def test_antigen_sensitivity_by_viral_load() -> None:
    d = _infected(n=4000)
    who = np.arange(4000)
    at_peak = d.antigen_probability(who, d.incubation)
    # Cochrane (Dinnes et al. 2022): about 73% in symptomatic people overall, higher near onset
    assert 0.75 < at_peak[d.symptomatic].mean() < 0.95
    low_ct = d.ct(who, d.incubation) < 22
    assert at_peak[low_ct].mean() > 0.95
    assert (d.antigen_probability(who, 0.0) == 0).all()
    late = d.antigen_probability(who, d.incubation + d.clearance * 0.8)
    assert late.mean() < 0.1


def test_vaccination_lowers_susceptibility_and_severity() -> None:
    unvaccinated, boosted = _infected(age=85, doses=0), _infected(age=85, doses=3)
    assert boosted.susceptibility[0] < unvaccinated.susceptibility[0]
    assert boosted.severe.mean() < unvaccinated.severe.mean()
    assert _infected(age=30, doses=0).severe.mean() < 0.01


def test_a_persons_course_does_not_depend_on_when_or_with_whom() -> None:
    a = Disease(np.full(100, 40), np.full(100, 2), PARAMS, Streams(4))
    b = Disease(np.full(100, 40), np.full(100, 2), PARAMS, Streams(4))
    a.infect(np.arange(100), np.zeros(100))
    b.infect(np.array([7, 42]), np.array([5.0, 9.0]))
    for name in ("incubation", "symptomatic", "peak_ct", "clearance", "severe"):
        assert np.array_equal(getattr(a, name)[[7, 42]], getattr(b, name)[[7, 42]]), name
