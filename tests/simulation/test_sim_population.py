"""Demo City's population: census-like structure, consistent memberships, deterministic."""

from __future__ import annotations

import numpy as np
import pytest

from shoutu.domain.vocabulary import KeyPopulation, PlaceType
from shoutu.sim.params import load_population_params
from shoutu.sim.population import KEY_POPULATIONS, PLACE_TYPES, STAFF_CATEGORY, City, build_city
from shoutu.sim.rng import Streams

PARAMS = load_population_params()


@pytest.fixture(scope="module")
def city() -> City:
    return build_city(50_000, PARAMS, Streams(7))


def test_age_structure_is_close_to_the_2020_census(city: City) -> None:
    census = {"0-14": 17.95, "15-59": 63.35, "60+": 18.70}  # 7th census headline shares, %
    age = city.age
    shares = {
        "0-14": (age <= 14).mean() * 100,
        "15-59": ((age >= 15) & (age <= 59)).mean() * 100,
        "60+": (age >= 60).mean() * 100,
    }
    for band, expected in census.items():
        assert abs(shares[band] - expected) < 3.0, (band, shares[band])
    assert 0.49 < city.sex.mean() < 0.53


def test_households_are_census_sized_and_multi_generational(city: City) -> None:
    members = city.household[city.household >= 0]
    sizes = np.bincount(members)
    sizes = sizes[sizes > 0]
    assert 2.45 < sizes.mean() < 2.75
    assert (sizes == 1).mean() == pytest.approx(0.254, abs=0.03)
    ages_by_household = {}
    for person in np.flatnonzero(city.household >= 0)[:20_000]:
        ages_by_household.setdefault(city.household[person], []).append(city.age[person])
    three_generations = sum(
        1
        for ages in ages_by_household.values()
        if min(ages) < 18 and max(ages) >= 55 and any(25 <= a <= 50 for a in ages)
    )
    assert three_generations > 0.03 * len(ages_by_household)


def test_every_household_lives_in_one_building(city: City) -> None:
    housed = city.household >= 0
    order = np.argsort(city.household[housed], kind="stable")
    hh, bld = city.household[housed][order], city.building[housed][order]
    same = hh[1:] == hh[:-1]
    assert (bld[1:][same] == bld[:-1][same]).all()
    community = city.geo.building_community[city.building]
    assert (community >= 0).all() and (community < city.geo.n_communities).all()


def test_school_children_are_in_classes_of_the_right_size(city: City) -> None:
    age = city.age
    compulsory = (age >= 6) & (age <= 14) & (city.nursing_home < 0)
    assert (city.school_class[compulsory] >= 0).all()
    pupils = city.school_class[(city.school >= 0)]
    counts = np.bincount(pupils)
    assert counts.max() <= 50
    school_types = city.place_type[city.school[city.school >= 0]]
    assert set(np.unique(school_types)) <= {
        PLACE_TYPES.index(PlaceType.SCHOOL),
        PLACE_TYPES.index(PlaceType.KINDERGARTEN),
    }
    assert (city.school[age > 17] < 0).all()


def test_workers_offices_and_key_populations(city: City) -> None:
    workers = city.workplace >= 0
    assert 0.45 < workers.mean() < 0.6
    assert (city.age[workers] >= 18).all() and (city.office[workers] >= 0).all()
    assert np.bincount(city.office[workers]).max() <= PARAMS.work.office_size
    # an office belongs to one workplace
    order = np.argsort(city.office[workers], kind="stable")
    office, place = city.office[workers][order], city.workplace[workers][order]
    same = office[1:] == office[:-1]
    assert (place[1:][same] == place[:-1][same]).all()
    for ptype, category in STAFF_CATEGORY.items():
        staff = workers & (
            city.place_type[np.maximum(city.workplace, 0)] == PLACE_TYPES.index(ptype)
        )
        if staff.any():
            assert (city.key_population[staff] == KEY_POPULATIONS.index(category)).all(), ptype
    teachers = city.key_population == KEY_POPULATIONS.index(KeyPopulation.TEACHER)
    assert (city.school_class[teachers] >= 0).all()
    cold = city.key_population == KEY_POPULATIONS.index(KeyPopulation.COLD_CHAIN)
    assert cold.sum() > 0


def test_nursing_homes_and_dormitories(city: City) -> None:
    residents = city.nursing_home >= 0
    assert residents.sum() > 0 and (city.age[residents] >= 80).all()
    assert (city.household[residents] < 0).all()
    dorm = city.dormitory >= 0
    assert dorm.sum() > 0 and (city.household[dorm] < 0).all()
    assert np.bincount(city.dormitory[dorm]).max() <= PARAMS.dormitory_size


def test_vaccination_by_age(city: City) -> None:
    assert (city.doses[city.age <= 2] == 0).all()
    adults = (city.age >= 18) & (city.age <= 59)
    assert (city.doses[adults] == 3).mean() == pytest.approx(0.63, abs=0.03)


def test_deterministic_for_a_seed() -> None:
    a, b, c = (build_city(3_000, PARAMS, Streams(s)) for s in (1, 1, 2))
    for name in ("age", "household", "building", "school_class", "office", "doses"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert not np.array_equal(a.age, c.age)


def test_a_million_people_build() -> None:
    big = build_city(1_000_000, PARAMS, Streams(3))
    assert big.n == 1_000_000
    assert len(big.geo.district_codes) > 5
    assert len(set(big.geo.building_codes)) == len(big.geo.building_codes)
