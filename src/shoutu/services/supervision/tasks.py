"""Tasks: the only code that opens, finishes and lists them.

A task has a kind, a subject (a table name and its key), a title, a due time and the four
responsible parties (四方责任: territory, department, unit, person). Its due time counts from
the event behind it (a result, a report, a signal), by the protocol's timeliness value for the
kind (``DUE_HOURS``); a kind without one has no deadline. Every task opened or finished is
audited in the caller's write unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shoutu.domain.timeutil import not_in_future
from shoutu.domain.vocabulary import TaskKind, TaskStatus
from shoutu.errors import BadRequest, InvalidTransition, NotFound
from shoutu.protocols.schema import Protocol
from shoutu.services.audit import Unit, writing
from shoutu.services.context import ServiceContext
from shoutu.store.repositories import tasks as repo

#: the protocol's ``timeliness`` value (hours) each kind of task is due within
DUE_HOURS: dict[TaskKind, str] = {
    TaskKind.REPORT: "report_hours",
    TaskKind.INVESTIGATION: "investigation_hours",
    TaskKind.CONTACT_CONTROL: "contact_control_hours",
    TaskKind.RESAMPLE: "pool_recall_hours",
    TaskKind.PCR_CONFIRMATION: "pool_recall_hours",
    TaskKind.SIGNAL_RESPONSE: "signal_response_hours",
}


@dataclass(frozen=True)
class Responsible:
    """The four responsible parties; any may be unknown."""

    region: str | None = None
    department: str | None = None
    unit: str | None = None
    person: str | None = None

    def columns(self) -> dict[str, str | None]:
        return {
            "resp_region": self.region,
            "resp_department": self.department,
            "resp_unit": self.unit,
            "resp_person": self.person,
        }


@dataclass(frozen=True)
class NewTask:
    kind: TaskKind
    subject_type: str  # the subject's table
    subject_id: str | int
    title: str
    since: dt.datetime  # the event the deadline counts from
    responsible: Responsible = Responsible()
    # a deadline the protocol sets otherwise (a quarantine test: the end of its test day)
    due: dt.datetime | None = None


def due_time(protocol: Protocol, kind: TaskKind, since: dt.datetime) -> dt.datetime | None:
    """When a task of ``kind`` for an event at ``since`` is due, by the protocol."""
    name = DUE_HOURS.get(kind)
    if name is None:
        return None
    return since + dt.timedelta(hours=float(getattr(protocol.timeliness, name)))


def open_tasks(unit: Unit, protocol: Protocol, tasks: Sequence[NewTask]) -> list[int]:
    """Open the tasks (ids from the database), audited; returns their ids in order."""
    rows = [
        {
            "kind": t.kind,
            "status": TaskStatus.OPEN,
            "subject_type": t.subject_type,
            "subject_id": str(t.subject_id),
            "title": t.title,
            "open_time": t.since,
            "due_time": t.due if t.due is not None else due_time(protocol, t.kind, t.since),
            **t.responsible.columns(),
            **unit.stamp,
        }
        for t in tasks
    ]
    ids = repo.add(unit.conn, rows=rows)
    unit.created("tasks", ids, rows)
    return ids


def open_by_subject(
    unit: Unit, *, kind: TaskKind, subject_type: str, subject_ids: Sequence[str | int]
) -> dict[str, dict[str, Any]]:
    """The earliest open task of ``kind`` per subject id (as text)."""
    return repo.open_by_subject(
        unit.conn,
        kind=kind.value,
        subject_type=subject_type,
        subject_ids=[str(s) for s in subject_ids],
    )


def finish_tasks(unit: Unit, task_ids: Sequence[int], *, done_time: dt.datetime) -> None:
    """Mark tasks done at ``done_time``, audited."""
    if not task_ids:
        return
    repo.finish(unit.conn, task_ids=task_ids, done_time=done_time, values=unit.touch)
    for task_id in task_ids:
        unit.updated("tasks", task_id, {"status": "open"}, {"status": "done"})


def cancel_tasks(
    unit: Unit, task_ids: Sequence[int], *, at: dt.datetime, why: str | None = None
) -> None:
    """Cancel open tasks that no longer apply (``why``: the reason), audited."""
    if not task_ids:
        return
    repo.cancel(unit.conn, task_ids=task_ids, at=at, values=unit.touch)
    for task_id in task_ids:
        unit.updated("tasks", task_id, {"status": "open"}, {"status": "cancelled"}, detail=why)


def cancel_open_tasks(
    unit: Unit,
    *,
    kind: TaskKind,
    subject_type: str,
    subject_ids: Sequence[str | int],
    at: dt.datetime,
    why: str,
) -> int:
    """Cancel the open tasks of ``kind`` of these subjects (they no longer apply), audited;
    how many."""
    found = repo.open_of_subjects(
        unit.conn,
        kind=kind.value,
        subject_type=subject_type,
        subject_ids=[str(s) for s in subject_ids],
    )
    ids = [int(t["task_id"]) for tasks in found.values() for t in tasks]
    cancel_tasks(unit, ids, at=at, why=why)
    return len(ids)


def complete_task(
    ctx: ServiceContext, task_id: int, *, at: dt.datetime | None = None
) -> dict[str, Any]:
    """A person marks an open task done (at ``at``, default now), audited; the task."""
    when = not_in_future(at)
    with writing(ctx, detail="task done") as unit:
        found = repo.get(unit.conn, task_id=task_id)
        if found is None:
            raise NotFound(f"no task {task_id}")
        if found["status"] != TaskStatus.OPEN:
            raise InvalidTransition(f"task {task_id} is {found['status']}: only open tasks end")
        if when < found["open_time"]:
            raise BadRequest("{at}: before the task was opened")
        finish_tasks(unit, [task_id], done_time=when)
    with ctx.connect() as conn:
        done = repo.get(conn, task_id=task_id)
    assert done is not None
    return done


def get_task(ctx: ServiceContext, task_id: int) -> dict[str, Any]:
    """One task; the read is audited."""
    with ctx.connect() as conn:
        found = repo.get(conn, task_id=task_id)
    if found is None:
        raise NotFound(f"no task {task_id}")
    with writing(ctx) as unit:
        unit.read("tasks", [task_id], pii=False, purpose="task record")
    return found


def list_tasks(
    ctx: ServiceContext,
    *,
    status: TaskStatus | None = None,
    kind: TaskKind | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    limit: int | None = 200,
) -> list[dict[str, Any]]:
    """Tasks, oldest first, filtered (``limit`` None: all); the read is audited."""
    with ctx.connect() as conn:
        rows = repo.listing(
            conn,
            status=status.value if status else None,
            kind=kind.value if kind else None,
            subject_type=subject_type,
            subject_id=subject_id,
            limit=limit,
        )
    with writing(ctx) as unit:
        unit.read("tasks", [r["task_id"] for r in rows], pii=False, purpose="task list")
    return rows


__all__ = [
    "DUE_HOURS",
    "NewTask",
    "Responsible",
    "cancel_open_tasks",
    "cancel_tasks",
    "complete_task",
    "due_time",
    "finish_tasks",
    "get_task",
    "list_tasks",
    "open_by_subject",
    "open_tasks",
]
