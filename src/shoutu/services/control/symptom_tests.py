"""Symptom tests (症状检测): a health check reporting fever or one of the protocol's test
symptoms opens a test task on the person's episode of control, from the report's time and due
the protocol's ``test_within_hours`` later. An episode has at most one open at a time: a
report while one is open opens none. A single-tube sample of the person taken at or after the
task opened finishes it, at the sample's time (the deadline is about a sample taken).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shoutu.domain.vocabulary import TaskKind
from shoutu.protocols.schema import HealthChecks, Protocol
from shoutu.services.audit import Unit
from shoutu.services.supervision.tasks import (
    NewTask,
    Responsible,
    finish_tasks,
    open_by_subject,
    open_tasks,
)
from shoutu.store.repositories import people as people_repo
from shoutu.store.repositories import tasks as tasks_repo

SUBJECT = "control_measures"
KIND = TaskKind.SYMPTOM_TEST


@dataclass(frozen=True)
class Call:
    """A report calling for a symptom test: the episode (its row), when, and why."""

    episode: dict[str, Any]
    since: dt.datetime
    reasons: Sequence[str]


@dataclass(frozen=True)
class Outcome:
    """The symptom test a call ended with: ``task_id``, whether the call ``opened`` it (not:
    one was open already), and when it is due."""

    task_id: int
    opened: bool
    due: dt.datetime | None


def _task(rules: HealthChecks, call: Call, home: str | None) -> NewTask:
    """The call's symptom test, for the episode's parties (its region: the episode's own, else
    the person's ``home``)."""
    episode = call.episode
    return NewTask(
        kind=KIND,
        subject_type=SUBJECT,
        subject_id=episode["measure_id"],
        title=f"症状检测 / symptom test: {', '.join(call.reasons)}",
        since=call.since,
        responsible=Responsible(
            region=episode.get("resp_region") or home,
            department=episode.get("resp_department"),
            unit=episode.get("resp_unit"),
            person=episode.get("resp_person"),
        ),
        due=call.since + dt.timedelta(hours=rules.test_within_hours),
    )


def open_symptom_tests(
    unit: Unit, protocol: Protocol, rules: HealthChecks, calls: Sequence[Call]
) -> list[Outcome]:
    """A symptom test for each call's episode unless one is open (a stored one, or one an
    earlier call of these opened: the earliest report opens it); outcomes in the calls'
    order. Audited in ``unit``."""
    stored = open_by_subject(
        unit,
        kind=KIND,
        subject_type=SUBJECT,
        subject_ids=sorted({int(c.episode["measure_id"]) for c in calls}),
    )
    found: dict[int, Outcome] = {
        int(subject): Outcome(int(task["task_id"]), False, task["due_time"])
        for subject, task in stored.items()
    }
    people = sorted(
        {int(c.episode["person_id"]) for c in calls if not c.episode.get("resp_region")}
    )
    homes = people_repo.home_regions(unit.conn, person_ids=people) if people else {}
    new: list[NewTask] = []
    position: dict[int, int] = {}  # episode -> its new test among ``new``
    openers: set[int] = set()  # the calls that open a test
    for i in sorted(range(len(calls)), key=lambda i: calls[i].since):
        episode = int(calls[i].episode["measure_id"])
        if episode not in found and episode not in position:
            position[episode] = len(new)
            openers.add(i)
            new.append(_task(rules, calls[i], homes.get(int(calls[i].episode["person_id"]))))
    ids = open_tasks(unit, protocol, new)
    outcomes: list[Outcome] = []
    for i, call in enumerate(calls):
        episode = int(call.episode["measure_id"])
        if episode in found:
            outcomes.append(found[episode])
            continue
        at = position[episode]
        outcomes.append(Outcome(ids[at], i in openers, new[at].due))
    return outcomes


def finish_by_samples(
    unit: Unit, results: Sequence[dict[str, Any]], measures: dict[int, list[dict[str, Any]]]
) -> int:
    """Finish each open symptom test of these episodes (``measures``: each person's episodes
    in force around the samples) by the person's first sample taken at or after the task
    opened, at that sample's time; how many were finished. Audited in ``unit``."""
    person_of = {str(m["measure_id"]): person for person, rows in measures.items() for m in rows}
    if not person_of:
        return 0
    open_tests = tasks_repo.open_of_subjects(
        unit.conn, kind=KIND.value, subject_type=SUBJECT, subject_ids=sorted(person_of)
    )
    samples: dict[int, list[dt.datetime]] = {}
    for r in results:
        samples.setdefault(int(r["person_id"]), []).append(r["sample_time"])
    done: dict[dt.datetime, list[int]] = {}
    for subject, tasks in open_tests.items():
        taken = sorted(samples.get(person_of[subject], []))
        for task in tasks:
            first = next((t for t in taken if t >= task["open_time"]), None)
            if first is not None:
                done.setdefault(first, []).append(int(task["task_id"]))
    for at, task_ids in sorted(done.items()):
        finish_tasks(unit, task_ids, done_time=at)
    return sum(len(ids) for ids in done.values())


__all__ = ["Call", "Outcome", "finish_by_samples", "open_symptom_tests"]
