"""Help requests (求助) by a protocol's ``help_requests`` table: a request's deadline at the
level now responsible, whether its state meets it, and the escalations due by a moment — pure
functions of protocol values and times, so a run at any hour gives the same history.

A request is held to a deadline at each level: from its receipt (or escalation) until triaged,
``untriaged_hours``; once triaged, its severity's ``hours`` from triage (or escalation). The
deadline is met when the request reaches the severity's ``met_by`` state (``in_progress`` —
acknowledged, someone acting — for a life-threatening one; ``resolved`` otherwise) or ends.
Past an unmet deadline the request escalates to the next level of ``escalation`` (community →
town → district → city) at the moment the deadline passed, with a new clock from then; at the
last level it stays overdue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shoutu.domain.vocabulary import HelpStatus, RegionLevel
from shoutu.protocols.schema import HelpRequests

#: states a request ends in (``escalated`` is not one: it is a level change)
ENDED = frozenset({HelpStatus.RESOLVED, HelpStatus.CANCELLED})
#: the states each state may move to (escalation aside, which the clock does)
MOVES: dict[HelpStatus, frozenset[HelpStatus]] = {
    HelpStatus.RECEIVED: frozenset({HelpStatus.TRIAGED, HelpStatus.CANCELLED}),
    HelpStatus.TRIAGED: frozenset(
        {
            HelpStatus.TRIAGED,
            HelpStatus.ASSIGNED,
            HelpStatus.IN_PROGRESS,
            HelpStatus.RESOLVED,
            HelpStatus.CANCELLED,
        }
    ),
    HelpStatus.ASSIGNED: frozenset(
        {HelpStatus.ASSIGNED, HelpStatus.IN_PROGRESS, HelpStatus.RESOLVED, HelpStatus.CANCELLED}
    ),
    HelpStatus.IN_PROGRESS: frozenset(
        {HelpStatus.ASSIGNED, HelpStatus.RESOLVED, HelpStatus.CANCELLED}
    ),
    HelpStatus.ESCALATED: frozenset(
        {
            HelpStatus.TRIAGED,
            HelpStatus.ASSIGNED,
            HelpStatus.IN_PROGRESS,
            HelpStatus.RESOLVED,
            HelpStatus.CANCELLED,
        }
    ),
    HelpStatus.RESOLVED: frozenset(),
    HelpStatus.CANCELLED: frozenset(),
}
_PROGRESS = (HelpStatus.IN_PROGRESS, HelpStatus.RESOLVED)


@dataclass(frozen=True)
class Clock:
    """Where a request stands for its deadline: the level responsible (an index into the
    protocol's ``escalation``), when that level's clock started, its severity (None: not
    triaged) and whether its state meets the deadline."""

    level: int
    started: dt.datetime
    severity: int | None
    met: bool = False


def deadline(rules: HelpRequests, clock: Clock) -> dt.datetime:
    """When the current level's clock runs out."""
    if clock.severity is None:
        hours = rules.untriaged_hours
    else:
        hours = rules.deadlines[clock.severity].hours
    return clock.started + dt.timedelta(hours=hours)


def meets(rules: HelpRequests, severity: int | None, status: HelpStatus) -> bool:
    """Whether a request in ``status`` meets its deadline (an ended one always does)."""
    if status in ENDED:
        return True
    if severity is None:
        return False
    if rules.deadlines[severity].met_by == HelpStatus.IN_PROGRESS:
        return status in _PROGRESS
    return False


def escalations(
    rules: HelpRequests, clock: Clock, at: dt.datetime, *, before: bool = False
) -> list[Clock]:
    """The escalations due by ``at`` (``before``: deadlines strictly before it — a step taken
    at the deadline meets it), in order: each at the moment the deadline before it passed, to
    the next level, with a new clock from then."""
    steps: list[Clock] = []
    while not clock.met and clock.level < len(rules.escalation) - 1:
        due = deadline(rules, clock)
        if due > at or (before and due == at):
            break
        clock = Clock(clock.level + 1, due, clock.severity)
        steps.append(clock)
    return steps


def level_of(rules: HelpRequests, clock: Clock) -> RegionLevel:
    return rules.escalation[clock.level]


def overdue(rules: HelpRequests, clock: Clock, at: dt.datetime) -> bool:
    """Past the current level's deadline with the deadline unmet."""
    return not clock.met and deadline(rules, clock) <= at


__all__ = [
    "ENDED",
    "MOVES",
    "Clock",
    "deadline",
    "escalations",
    "level_of",
    "meets",
    "overdue",
]
