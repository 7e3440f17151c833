"""Tasks: the only code that opens, works and finishes them (``task_list.py`` reads them).

A task has a kind, a subject (a table name and its key), a title, a due time and the four
responsible parties (四方责任: territory, department, unit, person). Its due time counts from
the event behind it (a result, a report, a signal), by the protocol's timeliness value for the
kind (``DUE_HOURS``); a kind without one has no deadline. Every task opened or finished is
audited in the caller's write unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from shoutu.domain.access import EVERYWHERE
from shoutu.domain.timeutil import local_date, not_in_future, start_of_day
from shoutu.domain.vocabulary import Right, TaskKind, TaskStatus
from shoutu.errors import BadRequest, InvalidTransition, NotFound, PreconditionFailed
from shoutu.protocols.schema import Protocol
from shoutu.services.audit import Unit, writing
from shoutu.services.context import ServiceContext
from shoutu.services.guard import refusals, require, writable
from shoutu.services.supervision.responsible import Rules
from shoutu.store.repositories import tasks as repo

PENDING = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
#: where a person may move a task: from a status to the statuses it may take
MOVES: dict[TaskStatus, tuple[TaskStatus, ...]] = {
    TaskStatus.OPEN: (
        TaskStatus.IN_PROGRESS,
        TaskStatus.DONE,
        TaskStatus.NOT_EXECUTABLE,
        TaskStatus.CANCELLED,
    ),
    TaskStatus.IN_PROGRESS: (TaskStatus.DONE, TaskStatus.NOT_EXECUTABLE, TaskStatus.CANCELLED),
}

#: the protocol's ``timeliness`` value (hours) each kind of task is due within
DUE_HOURS: dict[TaskKind, str] = {
    TaskKind.REPORT: "report_hours",
    TaskKind.INVESTIGATION: "investigation_hours",
    TaskKind.CONTACT_CONTROL: "contact_control_hours",
    TaskKind.RESAMPLE: "pool_recall_hours",
    TaskKind.PCR_CONFIRMATION: "pool_recall_hours",
    TaskKind.SIGNAL_RESPONSE: "signal_response_hours",
}


class Responsible(NamedTuple):  # a key of the parties a batch shares: hashed per task
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


class NewTask(NamedTuple):  # a batch opens hundreds of thousands: a tuple is made fastest
    kind: TaskKind
    subject_type: str  # the subject's table
    subject_id: str | int
    title: str
    since: dt.datetime  # the event the deadline counts from
    responsible: Responsible = Responsible()
    # a deadline the protocol sets otherwise (a quarantine test: the end of its test day)
    due: dt.datetime | None = None
    priority: int | None = None  # 1 urgent, 2 high, 3 normal, 4 low


def due_time(protocol: Protocol, kind: TaskKind, since: dt.datetime) -> dt.datetime | None:
    """When a task of ``kind`` for an event at ``since`` is due, by the protocol."""
    name = DUE_HOURS.get(kind)
    if name is None:
        return None
    return since + dt.timedelta(hours=float(getattr(protocol.timeliness, name)))


def open_tasks(unit: Unit, protocol: Protocol, tasks: Sequence[NewTask]) -> list[int]:
    """Open the tasks (ids from the database), their parties by the responsibility rules,
    audited; returns their ids in order (an item beyond its kind's daily cap: the id of the
    summary task it joined)."""
    if not tasks:
        return []
    rules, stamp = Rules.load(unit.conn), unit.stamp
    parties: dict[tuple[TaskKind, Responsible], dict[str, Any]] = {}  # a batch shares a few

    def assigned(t: NewTask) -> dict[str, Any]:
        key = (t.kind, t.responsible)
        found = parties.get(key)
        if found is None:
            found = parties[key] = rules.assign(t.kind.value, t.responsible.columns())
        return found

    rows = [
        {
            "kind": t.kind,
            "status": TaskStatus.OPEN,
            "subject_type": t.subject_type,
            "subject_id": str(t.subject_id),
            "title": t.title,
            "open_time": t.since,
            "due_time": t.due if t.due is not None else due_time(protocol, t.kind, t.since),
            "priority": t.priority,
            **assigned(t),
            **stamp,
        }
        for t in tasks
    ]
    kept, over = _capped(unit, rows)
    ids: list[int | None] = [None] * len(rows)
    if kept:
        chosen = rows if len(kept) == len(rows) else [rows[i] for i in kept]
        new = repo.add(unit.conn, rows=chosen)
        unit.created("tasks", new, chosen)
        for i, task_id in zip(kept, new, strict=True):
            ids[i] = task_id
    for key, positions in over.items():
        summary = _summarise(unit, key, [rows[i] for i in positions])
        for i in positions:
            ids[i] = summary
    return [int(i) for i in ids if i is not None]


#: the automatic kinds a daily cap applies to (scheduled tests and people's own tasks are not)
CAPPED = frozenset(
    {
        TaskKind.REPORT,
        TaskKind.INVESTIGATION,
        TaskKind.CONTACT_CONTROL,
        TaskKind.RESAMPLE,
        TaskKind.PCR_CONFIRMATION,
        TaskKind.SIGNAL_RESPONSE,
        TaskKind.SYMPTOM_TEST,
    }
)
SUMMARY = "task_summary"  # the subject type of a summary task; its id is KIND:DAY


def _capped(
    unit: Unit, rows: list[dict[str, Any]]
) -> tuple[list[int], dict[tuple[TaskKind, dt.date], list[int]]]:
    """(positions kept, {(kind, local day): positions beyond the day's cap})."""
    cap = unit.ctx.settings.task_daily_cap
    if cap is None:
        return list(range(len(rows))), {}
    tz = unit.ctx.settings.timezone
    used: dict[tuple[TaskKind, dt.date], int] = {}
    kept: list[int] = []
    over: dict[tuple[TaskKind, dt.date], list[int]] = {}
    for i, row in enumerate(rows):
        if row["kind"] not in CAPPED:
            kept.append(i)
            continue
        key = (row["kind"], local_date(row["open_time"], tz))
        if key not in used:
            used[key] = repo.count_opened(
                unit.conn,
                kind=key[0].value,
                start=start_of_day(key[1], tz),
                end=start_of_day(key[1] + dt.timedelta(days=1), tz),
                summary_type=SUMMARY,
            )
        if used[key] < cap:
            used[key] += 1
            kept.append(i)
        else:
            over.setdefault(key, []).append(i)
    return kept, over


def _summarise(unit: Unit, key: tuple[TaskKind, dt.date], rows: list[dict[str, Any]]) -> int:
    """Add the items to the summary task of ``key`` (opened when it is the first), audited."""
    kind, day = key
    subject = f"{kind.value}:{day.isoformat()}"
    items = [
        {"subject_type": r["subject_type"], "subject_id": r["subject_id"], "title": r["title"]}
        for r in rows
    ]
    found = repo.open_by_subject(
        unit.conn, kind=kind.value, subject_type=SUMMARY, subject_ids=[subject]
    ).get(subject)
    if found is None:
        items_now = items
        row = {
            **rows[0],
            "subject_type": SUMMARY,
            "subject_id": subject,
            "title": f"{len(items_now)} more {kind.value} tasks of {day} beyond the daily cap",
            "items": items_now,
            "open_time": min(r["open_time"] for r in rows),
            "due_time": min((r["due_time"] for r in rows if r["due_time"]), default=None),
        }
        (task_id,) = repo.add(unit.conn, rows=[row])
        unit.created("tasks", [task_id], [{k: v for k, v in row.items() if k != "items"}])
        return task_id
    task_id = int(found["task_id"])
    items_now = [*(found["items"] or []), *items]
    title = f"{len(items_now)} more {kind.value} tasks of {day} beyond the daily cap"
    repo.change(
        unit.conn, task_id=task_id, values={"items": items_now, "title": title, **unit.touch}
    )
    unit.updated("tasks", task_id, {"items": len(found["items"] or [])}, {"items": len(items_now)})
    return task_id


def open_by_subject(
    unit: Unit, *, kind: TaskKind, subject_type: str, subject_ids: Sequence[str | int]
) -> dict[str, dict[str, Any]]:
    """The earliest open task of ``kind`` per subject id (as text); a subject beyond a daily
    cap has no task of its own but an item in an open summary task: the summary's row then,
    with ``summary_item`` naming the item (settle it with :func:`settle`)."""
    wanted = [str(s) for s in subject_ids]
    found = repo.open_by_subject(
        unit.conn, kind=kind.value, subject_type=subject_type, subject_ids=wanted
    )
    missing = set(wanted) - set(found)
    if missing and unit.ctx.settings.task_daily_cap is not None:
        for summary in repo.open_summaries(unit.conn, kind=kind.value, summary_type=SUMMARY):
            for item in summary["items"] or []:
                subject = str(item["subject_id"])
                if item["subject_type"] == subject_type and subject in missing:
                    found[subject] = {**summary, "summary_item": item}
                    missing.discard(subject)
    return found


def settle(unit: Unit, found: Sequence[dict[str, Any]], *, done_time: dt.datetime) -> int:
    """Finish these tasks (rows of :func:`open_by_subject`): a task of its own is done; an item
    of a summary leaves it, and the summary is done when none is left. Audited; how many."""
    own = [int(t["task_id"]) for t in found if "summary_item" not in t]
    finish_tasks(unit, own, done_time=done_time)
    by_summary: dict[int, list[dict[str, Any]]] = {}
    for t in found:
        if "summary_item" in t:
            by_summary.setdefault(int(t["task_id"]), []).append(t["summary_item"])
    for task_id, items in by_summary.items():
        stored = repo.get(unit.conn, task_id=task_id, within=EVERYWHERE)
        if stored is None:
            continue
        done = {(i["subject_type"], str(i["subject_id"])) for i in items}
        left = [
            i
            for i in stored["items"] or []
            if (i["subject_type"], str(i["subject_id"])) not in done
        ]
        kind, day = str(stored["subject_id"]).split(":", 1)
        title = f"{len(left)} more {kind} tasks of {day} beyond the daily cap"
        repo.change(
            unit.conn, task_id=task_id, values={"items": left, "title": title, **unit.touch}
        )
        unit.updated(
            "tasks",
            task_id,
            {"items": len(stored["items"] or [])},
            {"items": len(left)},
            detail="items settled",
        )
        if not left:
            finish_tasks(unit, [task_id], done_time=done_time)
    return len(found)


def finish_tasks(unit: Unit, task_ids: Sequence[int], *, done_time: dt.datetime) -> None:
    """Mark tasks done at ``done_time``, audited (with the status each had: open or in
    progress)."""
    _close(unit, task_ids, TaskStatus.DONE, done_time, None)


def cancel_tasks(
    unit: Unit, task_ids: Sequence[int], *, at: dt.datetime, why: str | None = None
) -> None:
    """Cancel open tasks that no longer apply (``why``: the reason), audited."""
    _close(unit, task_ids, TaskStatus.CANCELLED, at, why)


def _close(
    unit: Unit, task_ids: Sequence[int], to: TaskStatus, at: dt.datetime, why: str | None
) -> None:
    if not task_ids:
        return
    was = repo.statuses(unit.conn, task_ids=task_ids)
    repo.close(unit.conn, task_ids=task_ids, status=to.value, at=at, values=unit.touch)
    for task_id in task_ids:
        before = str(was.get(task_id, TaskStatus.OPEN.value))
        unit.updated("tasks", task_id, {"status": before}, {"status": to.value}, detail=why)


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
    with refusals(ctx, "tasks", task_id), writing(ctx, detail="task done") as unit:
        found = _writable(unit, task_id)
        if found["status"] not in PENDING:
            raise InvalidTransition(f"task {task_id} is {found['status']}: only open tasks end")
        if when < found["open_time"]:
            raise BadRequest("{at}: before the task was opened")
        finish_tasks(unit, [task_id], done_time=when)
    with ctx.connect() as conn:
        done = repo.get(conn, task_id=task_id, within=ctx.principal.view)
    assert done is not None
    return done


def _writable(unit: Unit, task_id: int) -> dict[str, Any]:
    """The task a person works: in their view (else NotFound) and capture jurisdiction, with
    the right to work tasks (else Forbidden)."""
    require(unit.ctx, Right.EDIT_CASES, Right.ASSIGN_TASKS)
    found = repo.get(unit.conn, task_id=task_id, within=unit.ctx.principal.view)
    if found is None:
        raise NotFound(f"no task {task_id}")
    writable(unit.ctx, found["resp_region"], f"task {task_id}")
    return found


def update_task(
    ctx: ServiceContext,
    task_id: int,
    *,
    status: TaskStatus | None = None,
    reply: str | None = None,
    priority: int | None = None,
    at: dt.datetime | None = None,
    version: dt.datetime | None = None,
) -> dict[str, Any]:
    """A person works a task: moves it (open → in_progress → done | not_executable |
    cancelled; a closing status is stamped at ``at``, default now), replies, or sets its
    priority (1 urgent … 4 low); audited. ``version``: the ``updated_at`` the caller saw (a
    task changed since is PreconditionFailed). The task."""
    when = not_in_future(at)
    if priority is not None and not 1 <= priority <= 4:
        raise BadRequest("{priority}: 1 (urgent) to 4 (low)")
    if status is None and reply is None and priority is None:
        raise BadRequest("nothing to change: give a status, a reply or a priority")
    with refusals(ctx, "tasks", task_id), writing(ctx, detail="task updated") as unit:
        found = _writable(unit, task_id)
        if version is not None and found["updated_at"] != version:
            raise PreconditionFailed(f"task {task_id} has changed since: read it again")
        was = TaskStatus(found["status"])
        values: dict[str, Any] = {}
        if status is not None and status != was:
            if status not in MOVES.get(was, ()):
                raise InvalidTransition(f"task {task_id} is {was.value}: not to {status.value}")
            values["status"] = status
            if status not in PENDING:
                if when < found["open_time"]:
                    raise BadRequest("{at}: before the task was opened")
                values["done_time"] = when
        if reply is not None:
            values["reply"] = reply
        if priority is not None:
            values["priority"] = priority
        if values:
            if not repo.change(
                unit.conn, task_id=task_id, values={**values, **unit.touch}, expected=version
            ):  # another writer changed it since it was read
                raise PreconditionFailed(f"task {task_id} has changed since: read it again")
            unit.updated(
                "tasks",
                task_id,
                {k: found[k] for k in values if k != "reply"},
                {k: v for k, v in values.items() if k != "reply"},
                detail="reply" if reply is not None else None,
            )
    with ctx.connect() as conn:
        changed = repo.get(conn, task_id=task_id, within=ctx.principal.view)
    assert changed is not None
    return changed


__all__ = [
    "DUE_HOURS",
    "NewTask",
    "Responsible",
    "cancel_open_tasks",
    "cancel_tasks",
    "complete_task",
    "due_time",
    "finish_tasks",
    "open_by_subject",
    "open_tasks",
    "settle",
    "update_task",
]
