"""Named random streams: uniform, independent, and common across scenarios."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from shoutu.sim.rng import Streams


def test_uniform_and_independent() -> None:
    s = Streams(11)
    u = s.uniform_for("a", np.arange(200_000), 3)
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    assert ((u >= 0) & (u < 1)).all()
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    chi2 = ((counts - 10_000) ** 2 / 10_000).sum()
    assert chi2 < 45  # 19 degrees of freedom: p < 0.001 above ~43.8
    for other in (
        s.uniform_for("a", np.arange(200_000), 4),
        s.uniform_for("b", np.arange(200_000), 3),
        Streams(12).uniform_for("a", np.arange(200_000), 3),
    ):
        assert abs(np.corrcoef(u, other)[0, 1]) < 0.01


@given(st.integers(0, 2**31), st.lists(st.integers(0, 10**6), min_size=1, max_size=50, unique=True))
def test_a_persons_number_does_not_depend_on_who_else_draws(seed: int, people: list[int]) -> None:
    s = Streams(seed)
    who = np.asarray(people)
    alone = np.array([s.uniform_for("x", np.array([p]), 5)[0] for p in people])
    assert np.array_equal(s.uniform_for("x", who, 5), alone)


def test_whole_population_draws_are_repeatable() -> None:
    assert np.array_equal(Streams(3).uniform("go", 1000, 2), Streams(3).uniform("go", 1000, 2))
    assert not np.array_equal(Streams(3).uniform("go", 1000, 2), Streams(3).uniform("go", 1000, 3))
