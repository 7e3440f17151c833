"""Contact tracing as the protocol defines it, from what an investigator has: memberships
(household, school class, office, dormitory, nursing home) and venue check-ins.

Close contacts: members of the case's groups, and people whose check-ins overlapped the
case's at a venue by at least the protocol's minimum, between the start of the protocol's
lookback window and the case's isolation. Secondary contacts: members of a close contact's
groups in the protocol's secondary settings. A share of contacts (compliance) is found.

Each contact comes with what links it to a case (``Traced``): a close contact with the case
it was exposed to last (the first of equals), the setting and, at a venue, the place; a
secondary contact with the close contact it shares a group with (the first setting of the
protocol's list, then the first close contact) and that close contact's case.

Venue co-presence is classified by the shared rule (``rules/companions.py``): under a city
variant with companions, by the venue's type and the overlap's length, as close contact or
spatiotemporal companion (时空伴随者); a person who is a close contact of any due case is not
also a companion, and a companion is linked like a close contact (case, venue, last overlap).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from shoutu.domain.vocabulary import Setting
from shoutu.protocols.schema import Protocol
from shoutu.rules.companions import CLOSE, COMPANION, classify
from shoutu.sim.rng import Streams
from shoutu.sim.schedule import CheckIns
from shoutu.sim.transmission import GROUP_SETTINGS, SETTINGS


def _members_of(
    groups: np.ndarray, wanted: np.ndarray, wanted_time: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """People in any of the ``wanted`` groups, with the latest time of their group and the
    position in ``wanted`` that time is of (the first of equals)."""
    positions = np.flatnonzero(wanted >= 0)
    if len(positions) == 0:
        return np.empty(0, np.int64), np.empty(0), np.empty(0, np.int64)
    wanted, wanted_time = wanted[positions], wanted_time[positions]
    order = np.lexsort((-wanted_time, wanted))  # by group, latest first, stable among equals
    keys, times, source = wanted[order], wanted_time[order], positions[order]
    first = np.r_[True, keys[1:] != keys[:-1]]
    keys, times, source = keys[first], times[first], source[first]
    people = np.flatnonzero(np.isin(groups, keys))
    at = np.searchsorted(keys, groups[people])
    return people, times[at], source[at]


@dataclass(frozen=True)
class Traced:
    """Contacts found by one tracing, each person once (sorted), with what links them to a
    case: ``case`` the index case, ``via`` the close contact of a secondary contact (-1 for a
    close one), ``setting`` an index into ``SETTINGS``, ``place`` the venue (-1 elsewhere),
    ``last`` the last exposure (NaN for a secondary contact: not traced by time)."""

    person: np.ndarray
    last: np.ndarray
    case: np.ndarray
    via: np.ndarray
    setting: np.ndarray
    place: np.ndarray

    @staticmethod
    def none() -> Traced:
        empty = np.empty(0, np.int64)
        return Traced(empty, np.empty(0), empty, empty, empty, empty)

    def take(self, keep: np.ndarray) -> Traced:
        return Traced(
            self.person[keep],
            self.last[keep],
            self.case[keep],
            self.via[keep],
            self.setting[keep],
            self.place[keep],
        )


def _latest(found: list[tuple[np.ndarray, ...]], leave_out: np.ndarray) -> Traced:
    """Each person of ``found`` (people, last, case, setting, place) once, by their latest
    exposure (the first of equals), without the people of ``leave_out``."""
    if not found:
        return Traced.none()
    people, last, case, where, place = (np.concatenate([f[k] for f in found]) for k in range(5))
    keep = ~np.isin(people, leave_out)
    people, last, case, where, place = (a[keep] for a in (people, last, case, where, place))
    order = np.lexsort((-last, people))
    people, last = people[order], last[order]
    first = np.r_[True, people[1:] != people[:-1]] if len(people) else np.zeros(0, bool)
    chosen = order[first]
    return Traced(
        people[first].astype(np.int64),
        last[first],
        case[chosen].astype(np.int64),
        np.full(int(first.sum()), -1, np.int64),
        where[chosen].astype(np.int64),
        place[chosen].astype(np.int64),
    )


class Tracer:
    def __init__(
        self,
        groups: dict[Setting, np.ndarray],
        protocol: Protocol,
        keep_days: int,
        place_type: np.ndarray | None = None,
    ) -> None:
        """``place_type``: each place's index into ``PlaceType`` (None: types unknown)."""
        self.groups = groups
        self.protocol = protocol
        self.place_type = place_type
        self.history: deque[tuple[int, CheckIns]] = deque(maxlen=keep_days)

    def remember(self, day: int, checkins: CheckIns) -> None:
        self.history.append((day, checkins))

    def close_contacts(
        self, cases: np.ndarray, start: np.ndarray, end: np.ndarray
    ) -> tuple[Traced, Traced]:
        """(close contacts, companions) of ``cases`` exposed in [start, end), each with their
        last exposure and the case, setting and place of it."""
        rules = self.protocol.contacts.rules
        found: list[tuple[np.ndarray, ...]] = []
        companions: list[tuple[np.ndarray, ...]] = []
        for setting in GROUP_SETTINGS:
            if setting in rules:
                people, last, source = _members_of(
                    self.groups[setting], self.groups[setting][cases], end
                )
                where = np.full(len(people), SETTINGS.index(setting))
                found.append((people, last, cases[source], where, np.full(len(people), -1)))
        venue_rule = rules.get(Setting.VENUE)
        if venue_rule is not None:
            order = np.argsort(cases)
            sorted_cases = cases[order]
            for day, rows in self.history:
                base = float(day)
                mine = np.flatnonzero(np.isin(rows.person, sorted_cases))
                if len(mine) == 0:
                    continue
                which = order[np.searchsorted(sorted_cases, rows.person[mine])]
                t_in = base + rows.t_in[mine] / 1440.0
                t_out = base + rows.t_out[mine] / 1440.0
                inside = (t_out > start[which]) & (t_in < end[which])
                mine = mine[inside]
                if len(mine) == 0:
                    continue
                lo = np.searchsorted(rows.place, rows.place[mine], side="left")
                hi = np.searchsorted(rows.place, rows.place[mine], side="right")
                counts = hi - lo
                i = np.repeat(mine, counts)
                j = (
                    np.arange(counts.sum())
                    - np.repeat(np.cumsum(counts) - counts, counts)
                    + np.repeat(lo, counts)
                )
                overlap = np.minimum(rows.t_out[i], rows.t_out[j]) - np.maximum(
                    rows.t_in[i], rows.t_in[j]
                )
                types = (
                    np.full(len(i), -1)
                    if self.place_type is None
                    else self.place_type[rows.place[i]]
                )
                kind = classify(self.protocol.contacts, types, overlap)
                kind[rows.person[i] == rows.person[j]] = 0
                last = base + np.minimum(rows.t_out[i], rows.t_out[j]) / 1440.0
                for wanted, into in ((CLOSE, found), (COMPANION, companions)):
                    hit = kind == wanted
                    into.append(
                        (
                            rows.person[j][hit].astype(np.int64),
                            last[hit],
                            rows.person[i][hit].astype(np.int64),
                            np.full(int(hit.sum()), SETTINGS.index(Setting.VENUE)),
                            rows.place[i][hit].astype(np.int64),
                        )
                    )
        close = _latest(found, cases)
        return close, _latest(companions, np.concatenate([cases, close.person]))

    def secondary_contacts(self, close: Traced, cases: np.ndarray) -> Traced:
        """Members of the close contacts' groups in the protocol's secondary settings (not
        close contacts or cases themselves), each with the close contact and its case."""
        rule = self.protocol.contacts.secondary
        if not rule.enabled or len(close.person) == 0:
            return Traced.none()
        found = []
        for s in rule.settings:
            if s in self.groups:
                people, _, source = _members_of(
                    self.groups[s], self.groups[s][close.person], np.zeros(len(close.person))
                )
                found.append((people, source, np.full(len(people), SETTINGS.index(s))))
        if not found:
            return Traced.none()
        people, source, setting = (np.concatenate([f[k] for f in found]) for k in range(3))
        people, first = np.unique(people, return_index=True)
        source, setting = source[first], setting[first]
        keep = ~np.isin(people, close.person) & ~np.isin(people, cases)
        people, source, setting = people[keep], source[keep], setting[keep]
        return Traced(
            people.astype(np.int64),
            np.full(len(people), np.nan),
            close.case[source],
            close.person[source],
            setting.astype(np.int64),
            np.full(len(people), -1, np.int64),
        )


def found_share(
    people: np.ndarray, compliance: float, streams: Streams, day: int, name: str
) -> np.ndarray:
    """The contacts actually found (each with probability ``compliance``)."""
    kept: np.ndarray = people[streams.uniform_for(name, people, day) < compliance]
    return kept
