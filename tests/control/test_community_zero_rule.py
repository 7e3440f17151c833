"""The community zero rule (rules/community_zero.py) as a pure function: its invariants over
random count matrices, and the protocol values it reads."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from shoutu.domain.vocabulary import CommunityZeroStatus
from shoutu.protocols.loader import ProtocolRegistry
from shoutu.protocols.schema import CommunityZero
from shoutu.rules.community_zero import community_zero

ZERO, BASIC, NOT = (
    CommunityZeroStatus.ZERO,
    CommunityZeroStatus.BASIC_ZERO,
    CommunityZeroStatus.NOT_ZERO,
)


@st.composite
def cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray | None, CommunityZero]:
    regions = draw(st.integers(1, 6))
    days = draw(st.integers(1, 12))
    # mostly zeros, so that streaks happen
    counts = draw(
        arrays(np.int64, (regions, days), elements=st.sampled_from([0, 0, 0, 1, 2, 5, 40]))
    )
    population = draw(
        st.none()
        | arrays(
            np.float64,
            regions,
            elements=st.sampled_from([np.nan, 0.0, 50_000.0, 1_000_000.0, 9_000_000.0]),
        )
    )
    rule = CommunityZero(
        days=draw(st.integers(1, 5)), basic_rate_per_100k=draw(st.sampled_from([0.5, 1.0, 2.0]))
    )
    return counts, population, rule


@settings(max_examples=300, deadline=None)
@given(cases())
def test_invariants(case: tuple[np.ndarray, np.ndarray | None, CommunityZero]) -> None:
    counts, population, rule = case
    found = community_zero(counts, rule, population)
    days = counts.shape[1]
    n = rule.days
    for i, row in enumerate(counts):
        status, since, start = found.status[i], found.days_since[i], found.zero_since[i]
        window = row[max(days - n, 0) :]
        nonzero = np.flatnonzero(row)
        # days since is consistent with the last nonzero day
        if len(nonzero):
            assert since == days - 1 - nonzero[-1]
        else:
            assert since is None
        # zero <=> the last N days (those given) are all 0 <=> no case within N days
        assert (status is ZERO) == bool((window == 0).all())
        assert (status is ZERO) == (since is None or since >= n)
        if status is ZERO:
            assert start is not None and (row[start:] == 0).all()
            assert start == 0 or row[start - 1] > 0  # the streak's first day
        else:
            assert start is None
        # basic zero only with a population, never when zero, and below the rate each day
        if status is BASIC:
            assert population is not None
            people = population[i]
            assert np.isfinite(people) and people > 0
            assert (window * 100_000 / people < rule.basic_rate_per_100k).all()
        if status is NOT and population is not None:
            people = population[i]
            if np.isfinite(people) and people > 0:
                assert (window * 100_000 / people >= rule.basic_rate_per_100k).any()
    if population is None:
        assert BASIC not in found.status


def test_hand_made_rows() -> None:
    rule = CommunityZero(days=3, basic_rate_per_100k=1.0)
    counts = np.array(
        [
            [5, 0, 0, 0],  # zero since day 1, 3 days since
            [0, 0, 1, 0],  # a case the day before: not zero
            [0, 0, 0, 0],  # never a case: zero since the first day
            [9, 3, 2, 1],  # 1..3 a day in 1 million: basically zero
        ]
    )
    found = community_zero(counts, rule, np.array([np.nan, np.nan, np.nan, 1e6]))
    assert found.status == [ZERO, NOT, ZERO, BASIC]
    assert found.days_since == [3, 1, None, 0]
    assert found.zero_since == [1, None, 0, None]


def test_bad_counts_are_refused() -> None:
    rule = CommunityZero(days=3, basic_rate_per_100k=1.0)
    with pytest.raises(ValueError, match=">= 0"):
        community_zero(np.array([[1, -1]]), rule)
    with pytest.raises(ValueError, match="regions x days"):
        community_zero(np.array([1, 2]), rule)


def test_the_editions_rule() -> None:
    registry = ProtocolRegistry()
    for name in ("cn-8th-2021", "cn-9th-2022"):
        rule = registry.load(name).community_zero
        assert rule == CommunityZero(days=3, basic_rate_per_100k=1.0), name
    for name in ("who-2021", "us-cdc-2021"):
        assert registry.load(name).community_zero is None, name
