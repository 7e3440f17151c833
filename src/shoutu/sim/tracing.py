"""Contact tracing as the protocol defines it, from what an investigator has: memberships
(household, school class, office, dormitory, nursing home) and venue check-ins.

Close contacts: members of the case's groups, and people whose check-ins overlapped the
case's at a venue by at least the protocol's minimum, between the start of the protocol's
lookback window and the case's isolation. Secondary contacts: members of a close contact's
groups in the protocol's secondary settings. A share of contacts (compliance) is found.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from shoutu.domain.vocabulary import Setting
from shoutu.protocols.schema import Protocol
from shoutu.sim.rng import Streams
from shoutu.sim.schedule import CheckIns
from shoutu.sim.transmission import GROUP_SETTINGS


def _members_of(
    groups: np.ndarray, wanted: np.ndarray, wanted_time: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """People in any of the ``wanted`` groups, with the latest time of their group."""
    valid = wanted >= 0
    wanted, wanted_time = wanted[valid], wanted_time[valid]
    if len(wanted) == 0:
        return np.empty(0, np.int64), np.empty(0)
    latest: dict[int, float] = {}
    for g, t in zip(wanted.tolist(), wanted_time.tolist(), strict=True):
        latest[g] = max(t, latest.get(g, -np.inf))
    keys = np.fromiter(latest.keys(), np.int64)
    times = np.fromiter(latest.values(), float)
    order = np.argsort(keys)
    keys, times = keys[order], times[order]
    people = np.flatnonzero(np.isin(groups, keys))
    return people, times[np.searchsorted(keys, groups[people])]


class Tracer:
    def __init__(
        self, groups: dict[Setting, np.ndarray], protocol: Protocol, keep_days: int
    ) -> None:
        self.groups = groups
        self.protocol = protocol
        self.history: deque[tuple[int, CheckIns]] = deque(maxlen=keep_days)

    def remember(self, day: int, checkins: CheckIns) -> None:
        self.history.append((day, checkins))

    def close_contacts(
        self, cases: np.ndarray, start: np.ndarray, end: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(close contacts, their last exposure time) of ``cases`` exposed in [start, end)."""
        rules = self.protocol.contacts.rules
        found: list[tuple[np.ndarray, np.ndarray]] = []
        for setting in GROUP_SETTINGS:
            if setting in rules:
                found.append(_members_of(self.groups[setting], self.groups[setting][cases], end))
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
                enough = (
                    (overlap > 0)
                    & (overlap >= venue_rule.min_overlap_minutes)
                    & (rows.person[i] != rows.person[j])
                )
                last = base + np.minimum(rows.t_out[i], rows.t_out[j])[enough] / 1440.0
                found.append((rows.person[j][enough].astype(np.int64), last))
        if not found:
            return np.empty(0, np.int64), np.empty(0)
        people = np.concatenate([f[0] for f in found])
        last = np.concatenate([f[1] for f in found])
        keep = ~np.isin(people, cases)
        people, last = people[keep], last[keep]
        order = np.lexsort((-last, people))
        people, last = people[order], last[order]
        first = np.r_[True, people[1:] != people[:-1]] if len(people) else np.zeros(0, bool)
        return people[first], last[first]

    def secondary_contacts(self, close: np.ndarray, cases: np.ndarray) -> np.ndarray:
        rule = self.protocol.contacts.secondary
        if not rule.enabled or len(close) == 0:
            return np.empty(0, np.int64)
        found = [
            _members_of(self.groups[s], self.groups[s][close], np.zeros(len(close)))[0]
            for s in rule.settings
            if s in self.groups
        ]
        if not found:
            return np.empty(0, np.int64)
        people = np.unique(np.concatenate(found))
        return people[~np.isin(people, close) & ~np.isin(people, cases)]


def found_share(
    people: np.ndarray, compliance: float, streams: Streams, day: int, name: str
) -> np.ndarray:
    """The contacts actually found (each with probability ``compliance``)."""
    kept: np.ndarray = people[streams.uniform_for(name, people, day) < compliance]
    return kept
