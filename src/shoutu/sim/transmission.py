"""Who infects whom each day, by setting (the ground truth of the simulation).

A susceptible person's hazard on a day is the sum over settings of
  groups (household, school class, office, dormitory, nursing home):
      beta[setting] * total infectiousness of the other members of their group;
  venues: beta[venue] * sum over overlapping check-ins of infectious people of
      infectiousness * overlapping hours;
  community (untraceable): beta[community] * infectiousness per resident of their district;
times their susceptibility (vaccination). They are infected with probability 1 - exp(-hazard);
the setting is drawn in proportion to its share of the hazard, then the infector (and, at a
venue, the check-in) in proportion to their contribution. Classes and offices meet on weekdays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shoutu.domain.vocabulary import PlaceType, Setting
from shoutu.sim.disease import Disease
from shoutu.sim.params import DiseaseParams, PopulationParams
from shoutu.sim.population import PLACE_TYPES, City
from shoutu.sim.rng import Streams
from shoutu.sim.schedule import CheckIns

SETTINGS: list[Setting] = list(Setting)
GROUP_SETTINGS = (
    Setting.HOUSEHOLD,
    Setting.SCHOOL_CLASS,
    Setting.OFFICE,
    Setting.DORMITORY,
    Setting.NURSING_HOME,
)
WEEKDAY_ONLY = frozenset({Setting.SCHOOL_CLASS, Setting.OFFICE})
#: settings whose exposures are recorded in the files an investigator has (memberships, scans)
TRACEABLE = frozenset({*GROUP_SETTINGS, Setting.VENUE})


@dataclass
class NewInfections:
    person: np.ndarray
    infector: np.ndarray  # -1 when imported
    setting: np.ndarray  # index into SETTINGS
    place: np.ndarray  # -1 outside venues
    time: np.ndarray  # days since day 0

    def __len__(self) -> int:
        return len(self.person)

    @staticmethod
    def none() -> NewInfections:
        nothing = np.empty(0, np.int64)
        return NewInfections(nothing, nothing, nothing, nothing, np.empty(0))

    @staticmethod
    def concat(parts: list[NewInfections]) -> NewInfections:
        return NewInfections(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("person", "infector", "setting", "place", "time")
            )
        )


def _weighted_pick(
    groups_of_sources: np.ndarray,
    weights: np.ndarray,
    sources: np.ndarray,
    wanted_groups: np.ndarray,
    u: np.ndarray,
) -> np.ndarray:
    """For each wanted group, a source in that group chosen with probability ∝ weight."""
    order = np.argsort(groups_of_sources, kind="stable")
    g_sorted, w_sorted, s_sorted = groups_of_sources[order], weights[order], sources[order]
    cum = np.cumsum(w_sorted)
    start = np.searchsorted(g_sorted, wanted_groups, side="left")
    end = np.searchsorted(g_sorted, wanted_groups, side="right")
    before = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    total = cum[end - 1] - before
    index = np.searchsorted(cum, before + u * total, side="right")
    result: np.ndarray = s_sorted[np.clip(index, start, end - 1)]
    return result


class Transmission:
    def __init__(self, city: City, params: DiseaseParams, population: PopulationParams) -> None:
        self.params = params
        n = city.n
        self.place_contact = np.asarray(
            [population.contact(PLACE_TYPES[t]) for t in city.place_type]
        )
        self.workplace = city.workplace
        nursing_places = city.place_type == PLACE_TYPES.index(PlaceType.NURSING_HOME)
        staff_home = np.where(
            (city.workplace >= 0) & nursing_places[np.maximum(city.workplace, 0)],
            city.workplace,
            -1,
        )
        self.groups: dict[Setting, np.ndarray] = {
            Setting.HOUSEHOLD: city.household.astype(np.int64),
            Setting.SCHOOL_CLASS: city.school_class.astype(np.int64),
            Setting.OFFICE: city.office.astype(np.int64),
            Setting.DORMITORY: city.dormitory.astype(np.int64),
            Setting.NURSING_HOME: np.maximum(city.nursing_home, staff_home).astype(np.int64),
        }
        self.n_groups = {
            s: int(g.max()) + 1 if (g >= 0).any() else 0 for s, g in self.groups.items()
        }
        self.district = city.geo.community_district[city.geo.building_community[city.building]]
        self.n_districts = len(city.geo.district_codes)
        self.district_size = np.maximum(np.bincount(self.district, minlength=self.n_districts), 1)
        self.n = n

    def day(
        self,
        day: int,
        weekend: bool,
        disease: Disease,
        checkins: CheckIns,
        mixing: np.ndarray,
        streams: Streams,
        outside: np.ndarray | None = None,
    ) -> NewInfections:
        """New infections of day ``day``. ``mixing`` is False for people kept apart from
        everyone (isolated, in centralised quarantine); ``outside`` is False for people at
        home (quarantine, lockdown): they meet only their household (or dormitory, home)."""
        outside = np.ones(self.n, bool) if outside is None else outside
        beta = self.params.beta
        t_mid = day + 0.5
        current = np.flatnonzero(disease.ever_infected & ~disease.recovered_by(day) & mixing)
        w_all = disease.infectiousness(current, t_mid)
        source = current[w_all > 0]
        w = w_all[w_all > 0]
        empty = NewInfections.none()
        if len(source) == 0:
            return empty
        weight = np.zeros(self.n)
        weight[source] = w
        susceptible = (~disease.ever_infected & mixing).astype(float) * disease.susceptibility
        components: dict[Setting, np.ndarray] = {}
        for setting in GROUP_SETTINGS:
            if weekend and setting in WEEKDAY_ONLY:
                continue
            group = self.groups[setting]
            away = setting in WEEKDAY_ONLY  # meets away from home: only people out and about
            member = (group[source] >= 0) & (outside[source] if away else True)
            if not member.any():
                continue
            total = np.bincount(
                group[source][member], weights=w[member], minlength=self.n_groups[setting]
            )
            components[setting] = getattr(beta, setting.value) * np.where(
                (group >= 0) & (outside if away else True), total[np.maximum(group, 0)], 0.0
            )
        venue = self._venue_exposure(checkins, weight, susceptible)
        if venue is not None:
            components[Setting.VENUE] = beta.venue * venue
        out = outside[source]
        share = np.bincount(self.district[source][out], weights=w[out], minlength=self.n_districts)
        components[Setting.COMMUNITY] = (
            beta.community * (share / self.district_size)[self.district] * outside
        )
        settings = list(components)
        hazard = np.zeros(self.n)
        for component in components.values():
            hazard += component
        hazard *= susceptible
        candidates = np.flatnonzero(hazard > 0)
        u = streams.uniform_for("transmission.infect", candidates, day)
        infected = candidates[u < -np.expm1(-hazard[candidates])]
        if len(infected) == 0:
            return empty
        matrix = np.stack([components[s][infected] for s in settings], axis=1)
        cum = np.cumsum(matrix, axis=1)
        pick = streams.uniform_for("transmission.setting", infected, day) * cum[:, -1]
        chosen = np.minimum((cum <= pick[:, None]).sum(axis=1), len(settings) - 1)
        infector = np.full(len(infected), -1, np.int64)
        place = np.full(len(infected), -1, np.int64)
        time = day + streams.uniform_for("transmission.time", infected, day)
        u_who = streams.uniform_for("transmission.infector", infected, day)
        for index, setting in enumerate(settings):
            sel = chosen == index
            if not sel.any():
                continue
            if setting == Setting.VENUE:
                infector[sel], place[sel], time[sel] = self._venue_infectors(
                    checkins, weight, infected[sel], u_who[sel], day
                )
                continue
            group = self.district if setting == Setting.COMMUNITY else self.groups[setting]
            member = group[source] >= 0
            if setting == Setting.COMMUNITY or setting in WEEKDAY_ONLY:
                member &= outside[source]
            infector[sel] = _weighted_pick(
                group[source][member], w[member], source[member], group[infected[sel]], u_who[sel]
            )
        setting_index = np.asarray([SETTINGS.index(s) for s in settings])[chosen]
        return NewInfections(
            infected.astype(np.int64), infector, setting_index.astype(np.int64), place, time
        )

    def _venue_exposure(
        self, checkins: CheckIns, weight: np.ndarray, susceptible: np.ndarray
    ) -> np.ndarray | None:
        """Per person, the venue hazard of the day: sum over overlapping visits of infectious
        people of infectiousness x overlapping hours x the place's contact share. Two staff of
        a place do not count (they meet in their office).

        A sweep over minutes per place: each infectious visit adds its weight at entry and
        removes it at exit; two cumulative sums give any visit's exposure as a difference, so
        the cost does not grow with the number of infectious visitors."""
        person, place = checkins.person, checkins.place
        infectious = weight[person] > 0
        if not infectious.any():
            return None
        hit = np.unique(place[infectious])
        row = np.searchsorted(hit, place)
        at_hit = (row < len(hit)) & (hit[np.minimum(row, len(hit) - 1)] == place)
        staff = (self.workplace[person] == place).astype(np.int64)
        width = int(checkins.t_out.max()) + 2
        exposure = np.zeros(len(person))
        exposed = np.flatnonzero(at_hit & (susceptible[person] > 0))
        sources = np.flatnonzero(infectious)
        block = max(1, 4_000_000 // (2 * width))  # places per block: bounded memory
        for first in range(0, len(hit), block):
            last = min(first + block, len(hit))
            grid = np.zeros((last - first, 2, width))
            src = sources[(row[sources] >= first) & (row[sources] < last)]
            w = weight[person[src]] * self.place_contact[place[src]]
            np.add.at(grid, (row[src] - first, staff[src], checkins.t_in[src]), w)
            np.add.at(grid, (row[src] - first, staff[src], checkins.t_out[src]), -w)
            minutes = np.concatenate(
                [np.zeros((last - first, 2, 1)), np.cumsum(np.cumsum(grid, axis=2), axis=2)], axis=2
            )
            dst = exposed[(row[exposed] >= first) & (row[exposed] < last)]
            r = row[dst] - first
            t_in, t_out = checkins.t_in[dst], checkins.t_out[dst]
            from_customers = minutes[r, 0, t_out] - minutes[r, 0, t_in]
            from_staff = minutes[r, 1, t_out] - minutes[r, 1, t_in]
            exposure[dst] = from_customers + np.where(staff[dst] == 1, 0.0, from_staff)
        hazard: np.ndarray = np.bincount(person, weights=exposure / 60.0, minlength=self.n)
        return hazard

    def _venue_infectors(
        self, checkins: CheckIns, weight: np.ndarray, people: np.ndarray, u: np.ndarray, day: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For people infected at a venue: the infectious visit that infected them (chosen in
        proportion to its contribution), its place, and the time (middle of the overlap)."""
        person, place = checkins.person, checkins.place
        wanted = np.zeros(self.n, bool)
        wanted[people] = True
        targets = np.flatnonzero(wanted[person])
        sources = np.flatnonzero(weight[person] > 0)
        sources = sources[np.argsort(place[sources], kind="stable")]
        start = np.searchsorted(place[sources], place[targets], side="left")
        end = np.searchsorted(place[sources], place[targets], side="right")
        counts = end - start
        j = np.repeat(targets, counts)
        i = sources[
            np.arange(counts.sum())
            - np.repeat(np.cumsum(counts) - counts, counts)
            + np.repeat(start, counts)
        ]
        meet = np.maximum(checkins.t_in[i], checkins.t_in[j])
        overlap = np.minimum(checkins.t_out[i], checkins.t_out[j]) - meet
        staff = self.workplace[person] == place
        both_staff = staff[i] & staff[j]
        contribution = np.where(
            (overlap > 0) & ~both_staff,
            weight[person[i]] * overlap * self.place_contact[place[i]],
            0.0,
        )
        keep = contribution > 0
        pair = _weighted_pick(person[j][keep], contribution[keep], np.flatnonzero(keep), people, u)
        i, meet, overlap = i[pair], meet[pair], overlap[pair]
        time = day + (meet + overlap / 2.0) / 1440.0
        return person[i].astype(np.int64), place[i].astype(np.int64), time


def importations(
    day: int, city: City, disease: Disease, params: DiseaseParams, streams: Streams
) -> NewInfections:
    """Infections from outside the city: port, airport and cold-chain workers (exposed at
    their workplace) and inbound travellers. ``initial`` on day 0, then ``daily_rate`` a day."""
    from shoutu.domain.vocabulary import ImportRoute, KeyPopulation
    from shoutu.sim.population import KEY_POPULATIONS

    config = params.importation
    rng = streams.rng("importation", day)
    count = config.initial if day == 0 else int(rng.poisson(config.daily_rate))
    if count == 0:
        return NewInfections.none()
    routes = sorted(config.shares)
    shares = np.asarray([config.shares[r] for r in routes])
    chosen_routes = rng.choice(len(routes), size=count, p=shares / shares.sum())
    susceptible = ~disease.ever_infected
    travellers = np.flatnonzero(susceptible & (city.age >= 18) & (city.age <= 70))
    people: list[int] = []
    places: list[int] = []
    for route_index in chosen_routes:
        route = routes[route_index]
        pool = travellers
        if route != ImportRoute.TRAVELLER:
            category = KEY_POPULATIONS.index(KeyPopulation(route))
            workers = np.flatnonzero(susceptible & (city.key_population == category))
            pool = workers if len(workers) else travellers
        pool = np.setdiff1d(pool, np.asarray(people, np.int64), assume_unique=True)
        if len(pool) == 0:
            continue
        person = int(pool[rng.integers(len(pool))])
        people.append(person)
        places.append(int(city.workplace[person]) if route != ImportRoute.TRAVELLER else -1)
    n = len(people)
    return NewInfections(
        np.asarray(people, np.int64),
        np.full(n, -1, np.int64),
        np.full(n, SETTINGS.index(Setting.IMPORTED), np.int64),
        np.asarray(places, np.int64),
        day + rng.random(n),
    )
