"""Control measures in force: isolation of cases, quarantine episodes, risk areas, closures.

Everything is kept per person (or place) as times in days since day 0, with the risk areas'
masks as ``sim/areas.py`` sets them each night, and turned each day into the three masks
the rest of the simulation reads:
  free     may go out (venue visits, classes, offices, community mixing);
  mixing   meets anyone at all (False when isolated or in centralised quarantine);
  at home  otherwise meets only their household.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from shoutu.domain.vocabulary import ControlKind
from shoutu.protocols.schema import Protocol, Quarantine
from shoutu.rules.quarantine import episode_day, first_kind, is_test_day, stage_ends

INF = np.inf
KINDS: list[ControlKind] = list(ControlKind)


@dataclass
class Episodes:
    """Control episodes, for quarantine.parquet (end may be revised, e.g. by isolation): each
    with what its days count from (``anchor``), the quarantine rules it follows (None for a
    case's isolation) and the contact whose tracing opened it (-1: none)."""

    person: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    start: list[float] = field(default_factory=list)
    end: list[float] = field(default_factory=list)
    reason: list[str] = field(default_factory=list)
    anchor: list[float] = field(default_factory=list)
    rules: list[Quarantine | None] = field(default_factory=list)
    contact: list[int] = field(default_factory=list)

    def add(
        self,
        person: np.ndarray,
        kind: ControlKind,
        start: np.ndarray,
        end: np.ndarray,
        reason: str,
        *,
        anchor: np.ndarray | None = None,
        rules: Quarantine | None = None,
        contact: np.ndarray | None = None,
    ) -> np.ndarray:
        first = len(self.person)
        self.person += person.tolist()
        self.kind += [KINDS.index(kind)] * len(person)
        self.start += np.broadcast_to(start, person.shape).tolist()
        self.end += np.broadcast_to(end, person.shape).tolist()
        self.reason += [reason] * len(person)
        self.anchor += np.broadcast_to(start if anchor is None else anchor, person.shape).tolist()
        self.rules += [rules] * len(person)
        self.contact += np.broadcast_to(-1 if contact is None else contact, person.shape).tolist()
        return np.arange(first, first + len(person))


class Control:
    def __init__(self, n: int, n_places: int, protocol: Protocol) -> None:
        self.protocol = protocol
        self.isolated_at = np.full(n, INF)
        self.released_at = np.full(n, INF)
        # quarantine phases: [start, centralised_end) centralised, then home until home_end,
        # then health monitoring until monitoring_end
        self.q_start = np.full(n, INF)
        self.q_centralised_end = np.full(n, -INF)
        self.q_home_end = np.full(n, -INF)
        self.q_monitoring_end = np.full(n, -INF)
        self.q_anchor = np.full(n, INF)  # what test days count from
        self.q_rule = np.full(n, -1, np.int64)  # index into self.rules
        self.rules: list[Quarantine] = []
        self.q_episode = np.full(n, -1, np.int64)
        self.reported = np.zeros(n, bool)
        self.high_area = np.zeros(n, bool)  # living in a high-risk area in force (stay home)
        self.medium_area = np.zeros(n, bool)  # in a medium-risk one (stay in the area)
        self.closed = np.zeros(n_places, bool)
        self.episodes = Episodes()

    # -- status at a time --------------------------------------------------------------------
    def isolated(self, t: float) -> np.ndarray:
        result: np.ndarray = (self.isolated_at <= t) & (t < self.released_at)
        return result

    def centralised(self, t: float) -> np.ndarray:
        result: np.ndarray = (self.q_start <= t) & (t < self.q_centralised_end)
        return result

    def home_quarantine(self, t: float) -> np.ndarray:
        result: np.ndarray = (
            (self.q_start <= t) & (t >= self.q_centralised_end) & (t < self.q_home_end)
        )
        return result

    def locked_down(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """(people in high-risk areas: stay home, people in medium-risk areas), as set for
        the day by ``lock_down``."""
        return self.high_area, self.medium_area

    def under_control(self, t: float) -> np.ndarray:
        """Isolated, quarantined (any phase but monitoring) or locked down at home (管控内)."""
        high, _ = self.locked_down(t)
        result: np.ndarray = self.isolated(t) | self.centralised(t) | self.home_quarantine(t) | high
        return result

    def masks(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """(free to go out, mixing with anyone) at time ``t``."""
        away = self.isolated(t) | self.centralised(t)
        high, medium = self.locked_down(t)
        free = ~(away | self.home_quarantine(t) | high | medium)
        return free, ~away

    # -- changes ---------------------------------------------------------------------------------
    def isolate(self, who: np.ndarray, at: np.ndarray, release: np.ndarray) -> None:
        """Isolate cases from ``at`` until ``release``; ends their quarantine."""
        new = who[~np.isfinite(self.isolated_at[who])]
        index = np.searchsorted(who, new) if len(who) else np.empty(0, int)
        at_new, release_new = at[index], release[index]
        self.isolated_at[new] = at_new
        self.released_at[new] = release_new
        open_episode = self.q_episode[new]
        for person, episode, start in zip(new, open_episode, at_new, strict=True):
            if episode >= 0 and self.episodes.end[episode] > start:
                self.episodes.end[episode] = max(float(start), self.episodes.start[episode])
            self.q_episode[person] = -1
        self.q_centralised_end[new] = np.minimum(self.q_centralised_end[new], at_new)
        self.q_home_end[new] = np.minimum(self.q_home_end[new], at_new)
        self.q_monitoring_end[new] = np.minimum(self.q_monitoring_end[new], at_new)
        self.episodes.add(new, ControlKind.ISOLATION, at_new, release_new, "case")

    def quarantine(
        self,
        who: np.ndarray,
        start: float,
        anchor: np.ndarray,
        rules: Quarantine,
        reason: str,
        contacts: np.ndarray | None = None,
    ) -> np.ndarray:
        """Put ``who`` under ``rules`` from ``start``, counting days from ``anchor``; people
        already isolated, or already quarantined until later, are left as they are. Each
        episode opened keeps its contact (``contacts``: one per person of ``who``)."""
        end = anchor + rules.total_days
        keep = (
            ~np.isfinite(self.isolated_at[who]) & (self.q_monitoring_end[who] < end) & (end > start)
        )
        who, anchor = who[keep], anchor[keep]
        contacts = None if contacts is None else contacts[keep]
        if len(who) == 0:
            return who
        ends = stage_ends(rules, anchor)
        self.q_start[who] = start
        self.q_anchor[who] = anchor
        self.q_centralised_end[who] = (
            np.maximum(ends.centralised, start) if rules.centralised_days else start
        )
        self.q_home_end[who] = np.maximum(ends.home, start)
        self.q_monitoring_end[who] = ends.monitoring
        if rules not in self.rules:
            self.rules.append(rules)
        self.q_rule[who] = self.rules.index(rules)
        self.q_episode[who] = self.episodes.add(
            who,
            first_kind(rules),
            np.full(len(who), start),
            self.q_home_end[who],
            reason,
            anchor=anchor,
            rules=rules,
            contact=contacts,
        )
        return who

    def quarantine_test_due(self, day: int) -> np.ndarray:
        """People whose protocol test day falls on ``day`` (while in quarantine or monitoring)."""
        active = np.flatnonzero(
            (self.q_start <= day + 0.5) & (day + 0.5 < self.q_monitoring_end) & (self.q_rule >= 0)
        )
        if len(active) == 0:
            return active.astype(np.int64)
        k = episode_day(self.q_anchor[active], float(day)).astype(np.int64)  # 1-based
        due = np.zeros(len(active), bool)
        for index, rules in enumerate(self.rules):
            mine = self.q_rule[active] == index
            if mine.any():
                due[mine] = is_test_day(rules, k[mine])
        result: np.ndarray = active[due]
        return result

    def lock_down(self, high: np.ndarray, medium: np.ndarray) -> None:
        """The people in high and in medium risk areas from now on."""
        self.high_area, self.medium_area = high, medium
