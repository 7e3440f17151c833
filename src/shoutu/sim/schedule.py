"""Daily schedules: who checks in where and when (venue-code scans with entry and exit times).

Customers visit venues at the rates of the population parameters (weekday or weekend), mostly
in their home district; staff of venues and key places check in for their shifts. School and
office attendance is implied by memberships (classes, offices), not scanned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shoutu.domain.vocabulary import PlaceType
from shoutu.sim.params import PopulationParams
from shoutu.sim.population import PLACE_TYPES, City
from shoutu.sim.rng import Streams

LOCAL_SHARE = 0.85  # visits in the home district
#: place types whose staff scan in for their shifts (not offices and schools: memberships)
SHIFT_TYPES = frozenset(PlaceType) - {PlaceType.WORKPLACE, PlaceType.SCHOOL, PlaceType.KINDERGARTEN}


@dataclass
class CheckIns:
    """One day's check-ins; times are minutes after the day's local midnight."""

    person: np.ndarray
    place: np.ndarray
    t_in: np.ndarray
    t_out: np.ndarray

    def __len__(self) -> int:
        return len(self.person)


@dataclass
class _Choice:
    """Weighted choice of a venue within each district (slot d) or anywhere (the last slot).

    The cumulative weights of all slots are concatenated, slot d shifted by d, so one
    ``searchsorted`` of ``slot + u`` picks for everyone at once."""

    places: np.ndarray
    cumulative: np.ndarray


class Scheduler:
    """Precomputed venue choices for one city; ``day`` draws a day's check-ins."""

    def __init__(self, city: City, params: PopulationParams) -> None:
        self.city = city
        self.params = params
        self.district = city.geo.community_district[city.geo.building_community[city.building]]
        n_districts = len(city.geo.district_codes)
        place_district = city.geo.community_district[city.place_community]
        age = city.age
        self.age_factor = np.select(
            [age < 6, age < 18, age >= 65], [0.3, 0.5, 0.8], default=1.0
        ) * (city.nursing_home < 0)
        self.n_districts = n_districts
        self.choices: dict[PlaceType, _Choice] = {}
        for ptype in params.venues:
            of_type = city.places_of(ptype)
            slots = [of_type[place_district[of_type] == d] for d in range(n_districts)]
            slots = [here if len(here) else of_type for here in slots] + [of_type]
            places, cumulative = [], []
            for slot, here in enumerate(slots):
                weights = np.cumsum(np.maximum(city.place_size[here].astype(float), 1.0))
                places.append(here)
                cumulative.append(slot + weights / weights[-1])
            self.choices[ptype] = _Choice(
                np.concatenate(places).astype(np.int32), np.concatenate(cumulative)
            )
        self.thresholds = {
            (ptype, weekend): (
                (venue.weekend_rate if weekend else venue.weekday_rate) * self.age_factor
            ).astype(np.float32)
            for ptype, venue in params.venues.items()
            for weekend in (False, True)
        }
        shift = np.isin(city.place_type, [PLACE_TYPES.index(t) for t in SHIFT_TYPES])
        self.staff = np.flatnonzero((city.workplace >= 0) & shift[np.maximum(city.workplace, 0)])

    def day(
        self, day: int, weekend: bool, streams: Streams, free: np.ndarray, open_places: np.ndarray
    ) -> CheckIns:
        """Check-ins of day ``day`` for people ``free`` to go out, at ``open_places``."""
        n = self.city.n
        parts: list[tuple[np.ndarray, ...]] = []
        for ptype, venue in self.params.venues.items():
            name = f"schedule.{ptype.value}"
            go = streams.uniform(f"{name}.go", n, day) < self.thresholds[(ptype, weekend)]
            who = np.flatnonzero(go & free)
            if len(who) == 0:
                continue
            u_where = streams.uniform_for(f"{name}.where", who, day)
            u_local = streams.uniform_for(f"{name}.local", who, day)
            slot = np.where(u_local < LOCAL_SHARE, self.district[who], self.n_districts)
            choice = self.choices[ptype]
            index = np.searchsorted(choice.cumulative, slot + u_where, side="right")
            place = choice.places[np.minimum(index, len(choice.places) - 1)]
            arrive = streams.uniform_for(f"{name}.arrive", who, day)
            stay = streams.uniform_for(f"{name}.stay", who, day)
            first, last, dwell_min, dwell_max = venue.visit[2:]
            t_in = (first * 60 + arrive * (last - first) * 60).astype(np.int32)
            t_out = t_in + (dwell_min + stay * (dwell_max - dwell_min)).astype(np.int32)
            parts.append((who.astype(np.int32), place, t_in, t_out))
        staff = self.staff
        on_shift = streams.uniform_for("schedule.shift.on", staff, day) < (0.6 if weekend else 1)
        staff = staff[on_shift & free[staff]]
        start = streams.uniform_for("schedule.shift.start", staff, day)
        length = streams.uniform_for("schedule.shift.length", staff, day)
        t_in = (480 + (start - 0.5) * 120).astype(np.int32)
        parts.append(
            (
                staff.astype(np.int32),
                self.city.workplace[staff].astype(np.int32),
                t_in,
                t_in + (480 + (length - 0.5) * 60).astype(np.int32),
            )
        )
        person, place, t_in, t_out = (np.concatenate(column) for column in zip(*parts, strict=True))
        keep = np.flatnonzero(open_places[place])
        # grouped by place (what transmission and tracing search on); a stable sort of a
        # 16-bit key is a radix sort, several times faster than sorting (place, time) pairs
        key = place[keep].astype(np.uint16 if self.city.n_places < 65_536 else np.int64)
        order = keep[np.argsort(key, kind="stable")]
        return CheckIns(person[order], place[order], t_in[order], t_out[order])
