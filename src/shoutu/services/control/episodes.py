"""Control episodes (the ``control_measures`` rows): planned by the protocol's stage rule,
opened (by a contact of a case or an inbound traveller's arrival), extended on re-exposure or
a new arrival (``episode_list.py`` lists them).

An episode's stages and test days come from ``rules.quarantine.stages`` (the simulator's rule
too) over local days: the anchor's local midnight is day 0, so a test on episode day ``k`` is
the local date of the first midnight at or after ``anchor + k - 1`` days. Each test day becomes
a quarantine test task (``services/supervision/tasks.py``) due by the end of that day, for the
parties of the person's home (the responsibility rules look up from there). A re-exposure or
arrival while an episode is open moves its planned end to the new anchor's (the planned end
before is kept on the row and in the audit trail, which names what extended it). A person has
one open quarantine episode, whatever opened it.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from shoutu.domain.access import EVERYWHERE
from shoutu.domain.timeutil import end_of_day, local_date, zone
from shoutu.domain.vocabulary import (
    OPEN_CONTROL_STATUSES,
    ControlKind,
    ControlStatus,
    TaskKind,
)
from shoutu.protocols.schema import Protocol, Quarantine
from shoutu.rules.quarantine import first_kind, stages
from shoutu.services.audit import Unit
from shoutu.services.control.symptom_tests import finish_by_samples
from shoutu.services.supervision.tasks import (
    NewTask,
    Responsible,
    cancel_tasks,
    finish_tasks,
    open_tasks,
)
from shoutu.store.repositories import measures as repo
from shoutu.store.repositories import people as people_repo
from shoutu.store.repositories import tasks as tasks_repo

#: the kinds a quarantine episode passes through
QUARANTINE_KINDS = (ControlKind.CENTRALISED, ControlKind.HOME, ControlKind.HEALTH_MONITORING)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Plan:
    """An episode's kind, start, planned end and stages (as stored: ISO times, test days as
    ISO dates)."""

    kind: ControlKind
    start: dt.datetime
    planned_end: dt.datetime
    stages: list[dict[str, Any]]

    @property
    def test_days(self) -> list[dt.date]:
        return [dt.date.fromisoformat(d) for s in self.stages for d in s["test_days"]]


@functools.lru_cache(maxsize=8192)
def plan(rules: Quarantine, anchor: dt.datetime, start: dt.datetime, tz: str) -> Plan:
    """The episode the protocol's ``rules`` give for ``anchor`` (what it counts from), control
    beginning at ``start``; days are local days of ``tz``. Remembered (a batch's contacts
    share exposure and identification hours): its stages are shared, read, never changed."""
    day0 = local_date(anchor, tz)
    origin = dt.datetime.combine(day0, dt.time(), zone(tz))

    def days(t: dt.datetime) -> float:
        return (t - origin) / DAY

    def time(x: float) -> dt.datetime:
        return (origin + x * DAY).astimezone(dt.UTC)

    found = stages(rules, days(anchor), days(start))
    stored = [
        {
            "kind": s.kind.value,
            "start": time(s.start).isoformat(),
            "planned_end": time(s.end).isoformat(),
            "test_days": [(day0 + dt.timedelta(days=round(d))).isoformat() for d in s.test_days],
        }
        for s in found
    ]
    end = time(found[-1].end) if found else max(anchor, start)
    return Plan(first_kind(rules), max(anchor, start), end, stored)


@dataclass(frozen=True)
class Reason:
    """What opens an episode: a contact of a case (``contact_id``, ``case_id``), an inbound
    traveller's arrival (``arrival_id``, at the port ``place_id``, from ``origin``), or the
    handling of goods (``batch``) or a site (``place_id``) a positive environment sample
    (``environment_sample_id``) was taken from, or leaving a closed loop (``loop_id``, at
    ``place_id``)."""

    person_id: int
    anchor: dt.datetime
    start: dt.datetime
    place_id: int | None = None
    contact_id: int | None = None
    case_id: int | None = None
    arrival_id: int | None = None
    origin: str | None = None
    environment_sample_id: int | None = None
    batch: str | None = None
    loop_id: int | None = None

    @property
    def text(self) -> str:
        """The episode's ``reason``: what opened it."""
        if self.loop_id is not None:
            return f"left the closed loop at place {self.place_id} (stay {self.loop_id})"
        if self.environment_sample_id is not None:
            what = f"batch {self.batch}" if self.batch else "the site"
            return (
                f"handled {what} at place {self.place_id}: positive environment sample "
                f"{self.environment_sample_id}"
            )
        if self.arrival_id is None:
            return f"contact {self.contact_id} of case {self.case_id}"
        port = "" if self.place_id is None else f" at port {self.place_id}"
        origin = "" if self.origin is None else f" from {self.origin}"
        return f"arrival {self.arrival_id}{port}{origin}"

    @property
    def cause(self) -> str:
        """Why it extends an open episode (the audit detail)."""
        if self.environment_sample_id is not None or self.loop_id is not None:
            return f"{self.text}"
        if self.arrival_id is None:
            return f"re-exposure (contact {self.contact_id})"
        return f"a new arrival ({self.text})"


@dataclass
class EpisodesImport:
    """What an import that opens episodes did (``import contacts``, ``import arrivals``)."""

    entity: str
    file: str
    rows: int
    protocol: str
    recorded: int = 0
    updated: int = 0  # rows the file changed (a later exposure, a corrected port)
    unchanged: int = 0
    without_rule: int = 0  # rows the protocol has no quarantine for
    opened: int = 0
    extended: int = 0
    tasks: int = 0
    provenance: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "file": self.file,
            "rows": self.rows,
            "protocol": self.protocol,
            "recorded": self.recorded,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "without_rule": self.without_rule,
            "episodes_opened": self.opened,
            "episodes_extended": self.extended,
            "test_tasks": self.tasks,
        }


@dataclass
class Opened:
    opened: int = 0
    extended: int = 0
    unchanged: int = 0
    tasks: int = 0


def test_tasks(
    measure_id: int,
    days: list[dt.date],
    tz: str,
    kind: TaskKind = TaskKind.QUARANTINE_TEST,
    *,
    region: str | None,
) -> list[NewTask]:
    """A test task of ``kind`` for an episode on each of ``days``, due by the day's end, for
    the parties of ``region`` (the person's home: the rules look up from there)."""
    who = Responsible(region=region)
    return [
        NewTask(
            kind=kind,
            subject_type="control_measures",
            subject_id=measure_id,
            title=title,
            since=since,
            responsible=who,
            due=due,
        )
        for title, since, due in (_test_day(kind, day, tz) for day in days)
    ]


@functools.lru_cache(maxsize=4096)
def _test_day(kind: TaskKind, day: dt.date, tz: str) -> tuple[str, dt.datetime, dt.datetime]:
    """A test day's task title, opening (the local day's start) and due time (its end): the
    same for every episode tested that day (an import of 100,000 contacts has 525,000 test
    tasks on a dozen days)."""
    since = dt.datetime.combine(day, dt.time(), zone(tz)).astimezone(dt.UTC)
    return f"{kind.zh} {day.isoformat()} / {kind.en.lower()}", since, end_of_day(day, tz)


def open_episodes(
    unit: Unit, protocol: Protocol, reasons: list[tuple[Reason, Quarantine]], tz: str
) -> Opened:
    """Open each reason's episode by its rules, or extend the person's open one when the
    new planned end is later; with its test tasks. Audited in ``unit``; new episodes are
    written together (an episode opened and extended by one batch is written once, with the
    planned end before its extension kept)."""
    done = Opened()
    people = sorted({r.person_id for r, _ in reasons})
    current = {
        person: rows[-1]
        for person, rows in repo.open_episodes(
            unit.conn,
            person_ids=people,
            kinds=[k.value for k in QUARANTINE_KINDS],
            statuses=[s.value for s in OPEN_CONTROL_STATUSES],
        ).items()
    }
    homes = people_repo.home_regions(unit.conn, person_ids=people)
    new_rows: list[dict[str, Any]] = []  # episodes to open (no id yet)
    new_tasks: list[NewTask] = []
    for reason, rules in sorted(reasons, key=lambda r: r[0].anchor):
        planned = plan(rules, reason.anchor, reason.start, tz)
        episode = current.get(reason.person_id)
        if episode is not None and episode["planned_end_time"] > planned.start:
            if planned.planned_end <= episode["planned_end_time"]:
                done.unchanged += 1
                continue
            values = {
                "kind": planned.kind,  # a secondary contact found a close one: centralised
                "stages": planned.stages,
                "planned_end_time": planned.planned_end,
                "previous_planned_end_time": episode["planned_end_time"],
            }
            done.extended += 1
            if "measure_id" not in episode:  # opened by this batch: not written yet
                episode.update(values)
                continue
            _extend(unit, episode, values, reason.cause)
            untested = _untested(unit, episode["measure_id"], planned, tz)
            new_tasks += test_tasks(
                episode["measure_id"], untested, tz, region=homes.get(reason.person_id)
            )
            current[reason.person_id] = {**episode, **values}
            continue
        row: dict[str, Any] = {
            "person_id": reason.person_id,
            "kind": planned.kind,
            "status": ControlStatus.ACTIVE,
            "reason": reason.text,
            "case_id": reason.case_id,
            "contact_id": reason.contact_id,
            "arrival_id": reason.arrival_id,
            "environment_sample_id": reason.environment_sample_id,
            "loop_id": reason.loop_id,
            "place_id": None,
            "start_time": planned.start,
            "planned_end_time": planned.planned_end,
            "end_time": None,
            "protocol": protocol.name,
            "site": None,
            "stages": planned.stages,
            "previous_planned_end_time": None,
            "resp_region": homes.get(reason.person_id),  # the person's home is responsible
        }
        new_rows.append(row)
        current[reason.person_id] = row
        done.opened += 1
    ids = repo.add(unit.conn, rows=[{**row, **unit.stamp} for row in new_rows])
    unit.created("control_measures", ids, new_rows)
    for measure_id, row in zip(ids, new_rows, strict=True):
        days = [dt.date.fromisoformat(d) for s in row["stages"] for d in s["test_days"]]
        new_tasks += test_tasks(measure_id, days, tz, region=row["resp_region"])
    done.tasks = len(open_tasks(unit, protocol, new_tasks))
    return done


def _extend(unit: Unit, episode: dict[str, Any], values: dict[str, Any], cause: str) -> None:
    """A stored episode extended: the row changed, the audit keeping what it was."""
    repo.change(unit.conn, measure_id=episode["measure_id"], values=values | unit.touch)
    shown = ("kind", "planned_end_time", "stages")
    unit.updated(
        "control_measures",
        episode["measure_id"],
        {c: episode[c] for c in shown},
        {c: values[c] for c in shown},
        detail=f"extended: {cause}",
    )


def _untested(unit: Unit, measure_id: int, planned: Plan, tz: str) -> list[dt.date]:
    """The planned test days an episode has no test task for yet."""
    tasked = {
        local_date(t["open_time"], tz)
        for t in tasks_repo.listing(
            unit.conn,
            kind=TaskKind.QUARANTINE_TEST.value,
            subject_type="control_measures",
            subject_id=str(measure_id),
            limit=None,
            within=EVERYWHERE,  # the episode's own plan, whoever records it
        )
    }
    return [d for d in planned.test_days if d not in tasked]


#: the episodes whose scheduled tests a sample does: the kind of their test tasks
TESTED = {
    **{k: TaskKind.QUARANTINE_TEST for k in QUARANTINE_KINDS},
    ControlKind.POST_RELEASE_MONITORING: TaskKind.QUARANTINE_TEST,
    ControlKind.ISOLATION: TaskKind.RELEASE,
}


def _under_quarantine(measure: dict[str, Any], at: dt.datetime) -> bool:
    end = measure["end_time"]
    return bool(
        ControlKind(measure["kind"]) in TESTED
        and ControlStatus(measure["status"]) in OPEN_CONTROL_STATUSES
        and measure["start_time"] <= at
        and (end is None or end > at)
    )


def after_results(
    unit: Unit,
    results: list[dict[str, Any]],
    measures: dict[int, list[dict[str, Any]]],
    new_cases: dict[int, int],
    tz: str,
) -> dict[str, int]:
    """Single-tube results against the quarantine episodes in force at their samples
    (``measures``: each person's measures then): a sample taken on a test day does that
    day's test task; a person who became a case (``new_cases``: person -> case) has the
    episode end ``converted_to_case`` at the result; a sample taken at or after a symptom
    test opened finishes it (``symptom_tests.py``). Audited in ``unit``."""
    symptom_tests = finish_by_samples(unit, results, measures)
    under = [
        (r, m)
        for r in results
        for m in measures.get(int(r["person_id"]), [])
        if _under_quarantine(m, r["sample_time"])
    ]
    open_tests: dict[str, list[dict[str, Any]]] = {}
    for kind in sorted(set(TESTED.values())):
        found = tasks_repo.open_of_subjects(
            unit.conn,
            kind=kind.value,
            subject_type="control_measures",
            subject_ids=sorted(
                {str(m["measure_id"]) for _, m in under if TESTED[ControlKind(m["kind"])] == kind}
            ),
        )
        for subject, tasks in found.items():
            open_tests.setdefault(subject, []).extend(tasks)
    done: dict[int, dt.datetime] = {}
    ended: dict[int, dt.datetime] = {}  # converted episodes: when
    for r, m in under:
        day = local_date(r["sample_time"], tz)
        for task in open_tests.get(str(m["measure_id"]), []):
            if local_date(task["open_time"], tz) == day and task["task_id"] not in done:
                done[int(task["task_id"])] = r["result_time"]
        case_id = new_cases.get(int(r["person_id"]))
        if (
            case_id is None
            or r["result"] != "positive"
            or m["measure_id"] in ended
            or m["kind"] not in QUARANTINE_KINDS
        ):
            continue
        ended[m["measure_id"]] = r["result_time"]
        values = {"status": ControlStatus.CONVERTED_TO_CASE, "end_time": r["result_time"]}
        repo.change(unit.conn, measure_id=m["measure_id"], values=values | unit.touch)
        unit.updated(
            "control_measures",
            m["measure_id"],
            {"status": m["status"], "end_time": None},
            values,
            detail=f"converted to case {case_id}: positive sample {r.get('sample_id')}",
        )
        m.update(values)
    for task_id, at in done.items():
        finish_tasks(unit, [task_id], done_time=at)
    for measure_id, at in ended.items():  # the rest of a converted episode's tests lapse
        moot = [
            int(t["task_id"])
            for t in open_tests.get(str(measure_id), [])
            if int(t["task_id"]) not in done
        ]
        cancel_tasks(unit, moot, at=at, why="episode converted to a case")
    return {
        "quarantine_tests_done": len(done),
        "converted": len(ended),
        "symptom_tests_done": symptom_tests,
    }


__all__ = [
    "QUARANTINE_KINDS",
    "Opened",
    "Plan",
    "Reason",
    "after_results",
    "open_episodes",
    "plan",
    "test_tasks",
]
