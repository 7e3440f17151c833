"""The rooms forecast (analytics/rooms.py) as pure functions: hand-counted cases, and its
invariants over random stays (occupancy never negative and equal to a plain count, demand
monotone in the arrival rate and the stay, the shortage day the first day demand exceeds the
rooms)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoutu.analytics.rooms import TOLERANCE, arrival_rate, expected_new, forecast, occupancy

INF = math.inf


def test_occupancy_counts_the_stays_holding_a_room_each_day() -> None:
    # stays on days 0..2, 1..1, -3..0, 2..inf; one that ends before it begins holds nothing
    first, last = [0, 1, -3, 2, 5], [2, 1, 0, INF, 4]
    assert occupancy(first, last, [-4, -3, 0, 1, 2, 3, 100]).tolist() == [0, 1, 2, 2, 2, 1, 1]
    assert occupancy([], [], [0, 1]).tolist() == [0, 0]


def test_arrival_rate_is_the_mean_of_new_stays_over_the_window() -> None:
    # days -6..0 are the window of 7: four stays began in it (one on day -7 and one on day 1
    # fall outside)
    assert arrival_rate([-7, -6, -3, -3, 0, 1], 7) == pytest.approx(4 / 7)
    with pytest.raises(ValueError):
        arrival_rate([0], 0)


def test_expected_new_stays_by_hand() -> None:
    # 2 a day, 3 days each: days 1, 2, 3, 4, 5 hold 2, 4, 6, 6, 6
    assert expected_new(2.0, 3, 5).tolist() == [2, 4, 6, 6, 6]
    # 2.5 days: an arrival is still in on its third day half the time
    assert expected_new(1.0, 2.5, 4).tolist() == [1, 2, 2.5, 2.5]
    assert expected_new(1.0, INF, 3).tolist() == [1, 2, 3]
    assert expected_new(1.0, 0, 3).tolist() == [0, 0, 0]


def test_forecast_by_hand_flags_the_first_short_day_with_its_gap() -> None:
    # three stays in on day 0 leaving after days 1, 3 and never; one new a day for 2 days;
    # 4 rooms: needed 3+1, 2+2, 2+2, 1+2, 1+2 -> no shortage
    found = forecast([1, 3, INF], 1.0, 2, 4, 5)
    assert found.current.tolist() == [3, 2, 2, 1, 1]
    assert found.needed.tolist() == [4, 4, 4, 3, 3]
    assert found.first_shortage is None and found.gap == 0 and not found.shortage.any()
    # 3 rooms: day 1 already short by one
    short = forecast([1, 3, INF], 1.0, 2, 3, 5)
    assert short.shortage.tolist() == [True, True, True, False, False]
    assert short.first_shortage == 0 and short.gap == 1
    # rooms by day: short only when they drop
    dropping = forecast([1, 3, INF], 1.0, 2, [5, 5, 3, 3, 3], 5)
    assert dropping.first_shortage == 2 and dropping.gap == 1


@st.composite
def stays(draw: st.DrawFn) -> tuple[list[float], float, float, list[float], int]:
    count = draw(st.integers(0, 30))
    last = draw(
        st.lists(st.integers(-5, 20).map(float) | st.just(INF), min_size=count, max_size=count)
    )
    rate = draw(st.floats(0, 20, allow_nan=False))
    stay = draw(st.floats(0, 30, allow_nan=False) | st.just(INF))
    horizon = draw(st.integers(0, 21))
    rooms = draw(st.lists(st.integers(0, 60).map(float), min_size=horizon, max_size=horizon))
    return last, rate, stay, rooms, horizon


@settings(max_examples=300, deadline=None)
@given(stays(), st.floats(0, 10, allow_nan=False), st.floats(0, 10, allow_nan=False))
def test_invariants(
    case: tuple[list[float], float, float, list[float], int], more_rate: float, more_stay: float
) -> None:
    last, rate, stay, rooms, horizon = case
    found = forecast(last, rate, stay, rooms, horizon)
    days = np.arange(1, horizon + 1)
    # current stays are a plain count, never negative, and only leave
    assert found.current.tolist() == [sum(1 for x in last if x >= k) for k in days]
    assert (found.current >= 0).all() and (np.diff(found.current) <= 0).all()
    # new stays only accumulate, up to rate x stay (and rate x days so far)
    assert (found.expected >= 0).all() and (np.diff(found.expected) >= -1e-9).all()
    assert (found.expected <= rate * np.minimum(days, stay) + 1e-9).all()
    assert np.allclose(found.needed, found.current + found.expected)
    # more arrivals, or longer stays, never need fewer rooms
    busier = forecast(last, rate + more_rate, stay, rooms, horizon)
    longer = forecast(last, rate, stay + more_stay, rooms, horizon)
    assert (busier.needed >= found.needed - 1e-9).all()
    assert (longer.needed >= found.needed - 1e-9).all()
    # the shortage date is the first day demand exceeds the rooms
    over = [n > r + TOLERANCE for n, r in zip(found.needed, rooms, strict=True)]
    assert found.shortage.tolist() == over
    short = [i for i, s in enumerate(found.shortage) if s]
    assert found.first_shortage == (short[0] if short else None)
    if short:
        assert found.gap == pytest.approx(found.needed[short[0]] - rooms[short[0]])
        assert found.gap > 0
    # without arrivals the need is the stays already in
    assert forecast(last, 0.0, stay, rooms, horizon).needed.tolist() == found.current.tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-10, 10), st.integers(-10, 10) | st.just(10**6)), max_size=40),
    st.lists(st.integers(-12, 12), max_size=10),
)
def test_occupancy_is_a_plain_count(stays: list[tuple[int, int]], days: list[int]) -> None:
    first = [a for a, _ in stays]
    last = [b for _, b in stays]
    found = occupancy(first, last, days)
    assert found.tolist() == [sum(1 for a, b in stays if a <= d <= b) for d in days]
    assert (found >= 0).all()


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError):
        forecast([1], -1.0, 2, 3, 2)
    with pytest.raises(ValueError):
        forecast([math.nan], 1.0, 2, 3, 2)
    with pytest.raises(ValueError):
        occupancy([0, 1], [1], [0])
