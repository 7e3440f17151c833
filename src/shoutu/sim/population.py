"""Demo City's people and places, built from the population parameters (vectorized).

People live in households in buildings (a few in nursing homes or work dormitories), children
go to school classes, workers to workplaces split into offices; staff of key places belong to
the key-population category of their workplace. Indexes are 0-based array positions; files
use ``person_id = index + 1`` and ``place_id = index + 1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from shoutu.domain.vocabulary import KeyPopulation, PlaceType
from shoutu.sim import geography
from shoutu.sim.params import PopulationParams
from shoutu.sim.rng import Streams

PLACE_TYPES: list[PlaceType] = list(PlaceType)
KEY_POPULATIONS: list[KeyPopulation] = list(KeyPopulation)

#: the key population of people working at a place of each type
STAFF_CATEGORY: dict[PlaceType, KeyPopulation] = {
    PlaceType.FARMERS_MARKET: KeyPopulation.MARKET,
    PlaceType.PHARMACY: KeyPopulation.PHARMACY,
    PlaceType.CLINIC: KeyPopulation.MEDICAL_STAFF,
    PlaceType.HOSPITAL: KeyPopulation.MEDICAL_STAFF,
    PlaceType.DESIGNATED_HOSPITAL: KeyPopulation.MEDICAL_STAFF,
    PlaceType.FEVER_CLINIC: KeyPopulation.FEVER_CLINIC_STAFF,
    PlaceType.QUARANTINE_HOTEL: KeyPopulation.ISOLATION_SITE_STAFF,
    PlaceType.NURSING_HOME: KeyPopulation.CARE_HOME,
    PlaceType.AIRPORT: KeyPopulation.AIRPORT_WORKER,
    PlaceType.PORT: KeyPopulation.PORT_WORKER,
    PlaceType.COLD_CHAIN_WAREHOUSE: KeyPopulation.COLD_CHAIN,
    PlaceType.HOTEL: KeyPopulation.HOTEL,
    PlaceType.RAILWAY_STATION: KeyPopulation.TRANSPORT,
    PlaceType.SCHOOL: KeyPopulation.TEACHER,
    PlaceType.KINDERGARTEN: KeyPopulation.TEACHER,
}
NO_INDEX = -1


@dataclass
class Places:
    type: list[int] = field(default_factory=list)  # index into PLACE_TYPES
    community: list[int] = field(default_factory=list)
    size: list[int] = field(default_factory=list)  # planned staff (or pupils for schools)
    key: list[int] = field(default_factory=list)  # key-population index of staff, or -1

    def add(
        self, ptype: PlaceType, communities: np.ndarray, size: int, key: KeyPopulation | None = None
    ) -> np.ndarray:
        start = len(self.type)
        count = len(communities)
        self.type += [PLACE_TYPES.index(ptype)] * count
        self.community += [int(c) for c in communities]
        self.size += [size] * count
        self.key += [KEY_POPULATIONS.index(key) if key else NO_INDEX] * count
        return np.arange(start, start + count)

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "type": np.asarray(self.type, np.int16),
            "community": np.asarray(self.community, np.int32),
            "size": np.asarray(self.size, np.int32),
            "key": np.asarray(self.key, np.int16),
        }


@dataclass
class City:
    """The population and its places; arrays are indexed by person or place."""

    geo: geography.Geography
    age: np.ndarray
    sex: np.ndarray  # 1 male, 0 female
    household: np.ndarray
    building: np.ndarray
    school: np.ndarray
    school_class: np.ndarray
    workplace: np.ndarray
    office: np.ndarray
    dormitory: np.ndarray
    nursing_home: np.ndarray
    key_population: np.ndarray
    doses: np.ndarray
    place_type: np.ndarray
    place_community: np.ndarray
    place_size: np.ndarray
    place_lat: np.ndarray
    place_lon: np.ndarray

    @property
    def n(self) -> int:
        return len(self.age)

    @property
    def n_places(self) -> int:
        return len(self.place_type)

    def places_of(self, ptype: PlaceType) -> np.ndarray:
        return np.flatnonzero(self.place_type == PLACE_TYPES.index(ptype))


class _Ages:
    """Ages drawn from the census pyramid, restricted to a range."""

    def __init__(self, params: PopulationParams, rng: np.random.Generator) -> None:
        weights = np.zeros(100)
        for low, high, percent in params.age_bands:
            weights[low : high + 1] = percent / (high - low + 1)
        self.weights = weights
        self.rng = rng

    def draw(self, n: int, low: int, high: int) -> np.ndarray:
        w = self.weights[low : high + 1]
        drawn: np.ndarray = self.rng.choice(np.arange(low, high + 1), size=n, p=w / w.sum())
        return drawn

    def partner(self, ages: np.ndarray) -> np.ndarray:
        return _clip(ages + np.rint(self.rng.normal(1.5, 3, ages.shape)), 18)

    def child(self, parent: np.ndarray) -> np.ndarray:
        return _clip(parent - 24 - self.rng.integers(0, 15, parent.shape), 0)

    def elder(self, parent: np.ndarray) -> np.ndarray:
        return _clip(parent + 24 + self.rng.integers(0, 11, parent.shape), 18)


def _clip(ages: np.ndarray, low: int) -> np.ndarray:
    clipped: np.ndarray = np.clip(ages, low, 99)
    return clipped


def _households(n: int, params: PopulationParams, streams: Streams) -> tuple[np.ndarray, ...]:
    """(ages, sexes, household index) of ``n`` people, household by household."""
    rng = streams.rng("population.households")
    ages = _Ages(params, rng)
    shares = np.asarray(params.household_sizes) / sum(params.household_sizes)
    sizes = rng.choice(np.arange(1, 7), size=n // 2 + 10, p=shares)
    ends = np.cumsum(sizes)
    count = int(np.searchsorted(ends, n)) + 1
    sizes = sizes[:count]
    sizes[-1] -= int(ends[count - 1] - n)
    blocks: list[tuple[np.ndarray, np.ndarray]] = []  # (household index, ages) per template
    for size in range(1, 7):
        idx = np.flatnonzero(sizes == size)
        k = len(idx)
        if k == 0:
            continue
        u = rng.random(k)
        if size == 1:
            cols = [ages.draw(k, 18, 99)]
        elif size == 2:
            a = np.where(u < 0.65, ages.draw(k, 22, 99), ages.draw(k, 40, 85))
            b = np.where(u < 0.65, ages.partner(a), ages.child(a))
            cols = [a, b]
        elif size == 3:
            m = np.where(u < 0.8, ages.draw(k, 24, 52), ages.draw(k, 45, 75))
            cols = [m, ages.partner(m), ages.child(m)]
        elif size == 4:
            m = ages.draw(k, 25, 50)
            fourth = np.where(u < 0.65, ages.child(m), ages.elder(m))
            cols = [m, ages.partner(m), ages.child(m), fourth]
        else:
            m = ages.draw(k, 25, 50)
            g = ages.elder(m)
            cols = [m, ages.partner(m), ages.child(m), g, ages.partner(g)]
            if size == 6:
                cols.append(ages.child(m))
        blocks.append((idx, np.stack(cols, axis=1)))
    order_h = np.concatenate([np.repeat(idx, block.shape[1]) for idx, block in blocks])
    order_a = np.concatenate([block.ravel() for _, block in blocks])
    sort = np.argsort(order_h, kind="stable")
    household = order_h[sort].astype(np.int32)
    age = order_a[sort].astype(np.int16)
    # the first two members of a family are a couple (one of each sex); others at random
    position = np.arange(n) - np.searchsorted(household, household)
    sex = (rng.random(n) < 0.512).astype(np.int8)
    first = position == 0
    sex[position == 1] = 1 - sex[np.flatnonzero(position == 1) - 1]
    sex[first] = sex[first]
    return age, sex, household


def build_city(n: int, params: PopulationParams, streams: Streams) -> City:
    """Build Demo City for ``n`` people (deterministic for the streams' seed)."""
    if n < 50:
        raise ValueError("Demo City needs at least 50 people")
    age, sex, household = _households(n, params, streams)
    geo = geography.layout(n, params)
    rng = streams.rng("population.places")
    n_households = int(household.max()) + 1
    # households in random order fill the communities, then buildings
    hh_order = rng.permutation(n_households)
    hh_community = np.empty(n_households, np.int32)
    hh_community[hh_order] = (np.arange(n_households) * geo.n_communities) // n_households
    per_community = np.bincount(hh_community, minlength=geo.n_communities)
    geography.add_buildings(geo, per_community, params.households_per_building)
    first_building = np.searchsorted(geo.building_community, np.arange(geo.n_communities))
    rank = np.empty(n_households, np.int64)
    rank[hh_order] = np.arange(n_households) - np.searchsorted(
        hh_community[hh_order], hh_community[hh_order]
    )
    hh_building = first_building[hh_community] + rank // params.households_per_building
    building = hh_building[household].astype(np.int32)
    community = geo.building_community[building]
    district = geo.community_district[community]

    places = Places()
    pop_by_comm = np.bincount(community, minlength=geo.n_communities).astype(float)
    comm_p = pop_by_comm / pop_by_comm.sum()

    def somewhere(count: int) -> np.ndarray:
        return rng.choice(geo.n_communities, size=count, p=comm_p)

    for ptype, venue in params.venues.items():
        count = max(1, round(venue.per_10k * n / 10_000))
        places.add(ptype, somewhere(count), venue.staff, STAFF_CATEGORY.get(ptype))
    for ptype, key_place in params.key_places.items():
        count = max(1, round(n / key_place.per_residents))
        category = STAFF_CATEGORY.get(ptype)
        if ptype == PlaceType.WORKPLACE:  # delivery and logistics companies
            half = max(1, count // 2)
            places.add(ptype, somewhere(half), key_place.staff, KeyPopulation.DELIVERY)
            places.add(
                ptype, somewhere(max(1, count - half)), key_place.staff, KeyPopulation.LOGISTICS
            )
            continue
        places.add(ptype, somewhere(count), key_place.staff, category)

    # nursing-home residents leave their households
    nursing_home = np.full(n, NO_INDEX, np.int32)
    homes = np.flatnonzero(np.asarray(places.type) == PLACE_TYPES.index(PlaceType.NURSING_HOME))
    old = np.flatnonzero((age >= 80) & (rng.random(n) < params.nursing_home_share_80plus))
    nursing_home[old] = rng.choice(homes, size=len(old))
    household[old] = NO_INDEX

    # schools: classes of one stage within a district, by age; schools are runs of classes
    school = np.full(n, NO_INDEX, np.int32)
    school_class = np.full(n, NO_INDEX, np.int32)
    n_classes = 0
    class_school: list[int] = []
    u_school = streams.uniform("population.enrolment", n)
    for stage, (low, high, enrolment, class_size, per_school) in params.schools.items():
        ptype = PlaceType.KINDERGARTEN if stage == "kindergarten" else PlaceType.SCHOOL
        for d in range(len(geo.district_codes)):
            pupils = np.flatnonzero(
                (age >= low)
                & (age <= high)
                & (district == d)
                & (u_school < enrolment)
                & (nursing_home < 0)
            )
            if len(pupils) == 0:
                continue
            pupils = pupils[np.lexsort((u_school[pupils], age[pupils]))]
            classes = math.ceil(len(pupils) / class_size)
            within = np.arange(len(pupils)) * classes // len(pupils)
            schools = math.ceil(classes / per_school)
            comms = np.flatnonzero(geo.community_district == d)
            ids = places.add(
                ptype,
                rng.choice(comms, size=schools),
                class_size * per_school,
                STAFF_CATEGORY[ptype],
            )
            school_of_class = ids[np.arange(classes) * schools // classes]
            school_class[pupils] = n_classes + within
            school[pupils] = school_of_class[within]
            class_school += school_of_class.tolist()
            n_classes += classes

    # workers: teachers, staff of venues and key places, then companies for the rest
    u_work = streams.uniform("population.employment", n)
    employed = np.zeros(n, bool)
    for low, high, rate in params.work.employment:
        employed |= (age >= low) & (age <= high) & (u_work < rate)
    employed &= (nursing_home < 0) & (school < 0)
    pool = rng.permutation(np.flatnonzero(employed))
    workplace = np.full(n, NO_INDEX, np.int32)
    teachers_needed = round(n_classes * params.work.teachers_per_class)
    arrays = places.arrays()
    demand = np.where(
        np.isin(
            arrays["type"],
            [PLACE_TYPES.index(PlaceType.SCHOOL), PLACE_TYPES.index(PlaceType.KINDERGARTEN)],
        ),
        0,
        arrays["size"],
    )
    wanted = teachers_needed + int(demand.sum())
    scale = min(1.0, 0.6 * len(pool) / max(wanted, 1))  # small cities: smaller staffs
    slots = np.repeat(
        np.arange(len(demand)), np.maximum(1, np.rint(demand * scale)).astype(int) * (demand > 0)
    )
    class_arr = np.asarray(class_school, np.int32)
    teacher_classes = np.arange(max(1, round(teachers_needed * scale))) % max(n_classes, 1)
    taken = 0
    if n_classes:
        teachers = pool[: len(teacher_classes)]
        workplace[teachers] = class_arr[teacher_classes[: len(teachers)]]
        school_class[teachers] = teacher_classes[: len(teachers)]
        taken = len(teachers)
    staff = pool[taken : taken + len(slots)]
    workplace[staff] = slots[: len(staff)]
    rest = pool[taken + len(staff) :]
    if len(rest):
        sizes = np.maximum(
            2,
            np.rint(
                rng.lognormal(
                    np.log(params.work.company_size_median),
                    params.work.company_size_sigma,
                    len(rest) // 5 + 1,
                )
            ),
        ).astype(int)
        ends = np.cumsum(sizes)
        companies = int(np.searchsorted(ends, len(rest))) + 1
        ids = places.add(PlaceType.WORKPLACE, somewhere(companies), 0)
        workplace[rest] = ids[np.searchsorted(ends, np.arange(len(rest)), side="right")]

    # offices: a workplace's workers in runs of office_size
    workers = np.flatnonzero(workplace >= 0)
    workers = workers[np.argsort(workplace[workers], kind="stable")]
    wp = workplace[workers]
    rank = np.arange(len(workers)) - np.searchsorted(wp, wp)
    starts = np.r_[0, np.flatnonzero(np.diff(wp)) + 1] if len(wp) else np.empty(0, int)
    offices_per_wp = np.zeros(len(places.type), np.int64)
    if len(wp):
        counts = np.diff(np.r_[starts, len(wp)])
        size = params.work.office_size
        offices_per_wp[wp[starts]] = (counts + size - 1) // size
    office_base = np.cumsum(offices_per_wp) - offices_per_wp
    office = np.full(n, NO_INDEX, np.int32)
    office[workers] = office_base[wp] + rank // params.work.office_size

    # dormitories: some young workers live in rooms near their workplace
    arrays = places.arrays()
    dormitory = np.full(n, NO_INDEX, np.int32)
    young = workers[(age[workers] >= 18) & (age[workers] <= 34)]
    dorm = young[
        streams.uniform("population.dormitory", n)[young] < params.dormitory_share_young_workers
    ]
    dorm = dorm[np.argsort(workplace[dorm], kind="stable")]
    dormitory[dorm] = np.arange(len(dorm)) // params.dormitory_size
    household[dorm] = NO_INDEX
    building[dorm] = first_building[arrays["community"][workplace[dorm]]]
    building[old] = first_building[arrays["community"][nursing_home[old]]]

    key_population = np.full(n, NO_INDEX, np.int16)
    key_population[workers] = arrays["key"][workplace[workers]]

    doses = np.zeros(n, np.int8)
    u_vacc = streams.uniform("population.vaccination", n)
    lower = -1
    for max_age, *shares in params.vaccination:
        band = (age > lower) & (age <= max_age)
        doses[band] = np.searchsorted(np.cumsum(shares), u_vacc[band], side="right")
        lower = max_age
    doses = np.minimum(doses, 3).astype(np.int8)

    place_comm = arrays["community"]
    jitter = rng.random((len(place_comm), 2)) - 0.5
    return City(
        geo=geo,
        age=age,
        sex=sex,
        household=household,
        building=building,
        school=school,
        school_class=school_class,
        workplace=workplace,
        office=office,
        dormitory=dormitory,
        nursing_home=nursing_home,
        key_population=key_population,
        doses=doses,
        place_type=arrays["type"],
        place_community=place_comm,
        place_size=arrays["size"],
        place_lat=geo.community_lat[place_comm] + jitter[:, 0] * geography.CELL * 0.9,
        place_lon=geo.community_lon[place_comm] + jitter[:, 1] * geography.CELL * 0.9,
    )
