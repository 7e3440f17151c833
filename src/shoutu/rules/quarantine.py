"""Quarantine stages and test days by a protocol's ``Quarantine`` rules.

An episode counts from its anchor (last exposure, arrival or identification, as the rules
say): centralised quarantine for ``centralised_days``, then home quarantine for
``home_days``, then health monitoring for ``health_monitoring_days``. Test days are 1-based
days of each stage. Times are days (floats, or numpy arrays of them) since any origin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from shoutu.domain.vocabulary import ControlKind
from shoutu.protocols.schema import Quarantine

T = TypeVar("T", float, np.ndarray)


@dataclass(frozen=True)
class StageEnds:
    """When each stage of an episode anchored at ``anchor`` ends (exclusive)."""

    centralised: float | np.ndarray
    home: float | np.ndarray
    monitoring: float | np.ndarray


def stage_ends(rules: Quarantine, anchor: T) -> StageEnds:
    """The end of the centralised, home and monitoring stages counted from ``anchor``."""
    centralised = anchor + rules.centralised_days
    home = centralised + rules.home_days
    return StageEnds(centralised, home, home + rules.health_monitoring_days)


@dataclass(frozen=True)
class Stage:
    """One stage of an episode: its kind, [start, end) and the days its tests fall on (each
    the start of a whole day, in the same units as the anchor)."""

    kind: ControlKind
    start: float
    end: float
    test_days: tuple[float, ...]


def episode_day(anchor: float | np.ndarray, day: float | np.ndarray) -> np.ndarray:
    """The 1-based day of the episode anchored at ``anchor`` that the whole day starting at
    ``day`` is (0 or less: before it)."""
    result: np.ndarray = np.floor(np.asarray(day) - np.asarray(anchor)) + 1
    return result


def test_day_start(anchor: float, k: int) -> float:
    """The start of the whole day that is day ``k`` (1-based) of the episode anchored at
    ``anchor``: the first day start at or after ``anchor + k - 1``."""
    return float(np.ceil(anchor + k - 1))


def stages(rules: Quarantine, anchor: float, start: float | None = None) -> list[Stage]:
    """The chained stages of an episode counted from ``anchor`` (centralised, home, health
    monitoring; stages of no days left out), control beginning at ``start`` (default: the
    anchor; a stage ends no earlier than it), with each stage's test days."""
    begin = anchor if start is None else max(anchor, start)
    ends = stage_ends(rules, anchor)
    bounds = (
        (
            ControlKind.CENTRALISED,
            anchor,
            ends.centralised,
            rules.centralised_days,
            0,
            rules.test_days_centralised,
        ),
        (
            ControlKind.HOME,
            ends.centralised,
            ends.home,
            rules.home_days,
            rules.centralised_days,
            rules.test_days_home,
        ),
        (
            ControlKind.HEALTH_MONITORING,
            ends.home,
            ends.monitoring,
            rules.health_monitoring_days,
            rules.centralised_days + rules.home_days,
            rules.test_days_monitoring,
        ),
    )
    found: list[Stage] = []
    for kind, low, high, days, offset, tests in bounds:
        if not days:
            continue
        found.append(
            Stage(
                kind,
                max(float(low), begin),
                max(float(high), begin),
                tuple(test_day_start(anchor, offset + k) for k in tests),
            )
        )
    return found


def first_kind(rules: Quarantine) -> ControlKind:
    """The kind of control an episode under ``rules`` starts with (health monitoring alone,
    as for companions, when it has no quarantine days)."""
    if rules.centralised_days:
        return ControlKind.CENTRALISED
    return ControlKind.HOME if rules.home_days else ControlKind.HEALTH_MONITORING


def scheduled_tests(rules: Quarantine) -> np.ndarray:
    """``table[k]``: whether day ``k`` (1-based) of the whole episode is a test day (index 0
    and days past the episode are never)."""
    c, h, m = rules.centralised_days, rules.home_days, rules.health_monitoring_days
    table = np.zeros(c + h + m + 2, bool)
    table[list(rules.test_days_centralised)] = True
    table[[c + d for d in rules.test_days_home]] = True
    table[[c + h + d for d in rules.test_days_monitoring]] = True
    return table


def episode_test_days(rules: Quarantine) -> list[int]:
    """The 1-based days of the whole episode that are test days."""
    return [int(k) for k in np.flatnonzero(scheduled_tests(rules))]


def is_test_day(rules: Quarantine, day_of_episode: np.ndarray) -> np.ndarray:
    """Whether each 1-based day of the episode is a test day (vectorised)."""
    table = scheduled_tests(rules)
    days = np.clip(np.asarray(day_of_episode), 0, len(table) - 1)
    result: np.ndarray = table[days] & (np.asarray(day_of_episode) >= 1)
    return result


__all__ = [
    "Stage",
    "StageEnds",
    "episode_day",
    "episode_test_days",
    "first_kind",
    "is_test_day",
    "scheduled_tests",
    "stage_ends",
    "stages",
    "test_day_start",
]
