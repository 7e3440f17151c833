"""Daily check-ins: plausible volumes and times, local venues, common random numbers."""

from __future__ import annotations

import numpy as np
import pytest

from shoutu.domain.vocabulary import PlaceType
from shoutu.sim.params import load_population_params
from shoutu.sim.population import PLACE_TYPES, City, build_city
from shoutu.sim.rng import Streams
from shoutu.sim.schedule import CheckIns, Scheduler

PARAMS = load_population_params()


@pytest.fixture(scope="module")
def setup() -> tuple[City, Scheduler, Streams]:
    streams = Streams(5)
    city = build_city(20_000, PARAMS, streams)
    return city, Scheduler(city, PARAMS), streams


def _day(
    setup: tuple[City, Scheduler, Streams],
    day: int = 0,
    weekend: bool = False,
    free: np.ndarray | None = None,
    open_places: np.ndarray | None = None,
) -> CheckIns:
    city, scheduler, streams = setup
    free = np.ones(city.n, bool) if free is None else free
    open_places = np.ones(city.n_places, bool) if open_places is None else open_places
    return scheduler.day(day, weekend, streams, free, open_places)


def test_volumes_times_and_places(setup: tuple[City, Scheduler, Streams]) -> None:
    city = setup[0]
    weekday, weekend = _day(setup), _day(setup, 5, True)
    adults = (city.age >= 18).sum()
    assert 0.6 * adults < len(weekday) < 1.2 * adults
    assert len(weekend) > len(weekday) * 0.95
    assert (weekday.t_out > weekday.t_in).all() and (weekday.t_in >= 4 * 60).all()
    types = {PLACE_TYPES[t] for t in city.place_type[weekday.place]}
    assert PlaceType.RESTAURANT in types and PlaceType.COLD_CHAIN_WAREHOUSE in types
    assert PlaceType.WORKPLACE not in types and PlaceType.SCHOOL not in types
    restaurant = city.place_type[weekday.place] == PLACE_TYPES.index(PlaceType.RESTAURANT)
    customers = restaurant & (city.workplace[weekday.person] != weekday.place)
    minutes = weekday.t_out[customers] - weekday.t_in[customers]
    assert minutes.min() >= 30 and minutes.max() <= 90
    assert (np.diff(weekday.place) >= 0).all()  # sorted by place


def test_most_visits_are_in_the_home_district(setup: tuple[City, Scheduler, Streams]) -> None:
    city, scheduler, _ = setup
    rows = _day(setup)
    place_district = city.geo.community_district[city.place_community[rows.place]]
    customers = city.workplace[rows.person] != rows.place
    assert (place_district == scheduler.district[rows.person])[customers].mean() > 0.8


def test_staying_home_and_closures(setup: tuple[City, Scheduler, Streams]) -> None:
    city = setup[0]
    free = np.ones(city.n, bool)
    free[: city.n // 2] = False
    open_places = np.ones(city.n_places, bool)
    restaurants = city.place_type == PLACE_TYPES.index(PlaceType.RESTAURANT)
    open_places[restaurants] = False
    rows = _day(setup, free=free, open_places=open_places)
    assert (rows.person >= city.n // 2).all()
    assert not restaurants[rows.place].any()


def test_common_random_numbers(setup: tuple[City, Scheduler, Streams]) -> None:
    """Keeping some people home leaves everyone else's day exactly as it was."""
    city = setup[0]
    base = _day(setup, 3)
    free = np.ones(city.n, bool)
    free[::3] = False
    fewer = _day(setup, 3, free=free)

    def visits(rows: CheckIns) -> set[tuple[int, int, int, int]]:
        return {
            (int(p), int(q), int(a), int(b))
            for p, q, a, b in zip(rows.person, rows.place, rows.t_in, rows.t_out, strict=True)
        }

    kept = {v for v in visits(base) if free[v[0]]}
    assert visits(fewer) == kept
