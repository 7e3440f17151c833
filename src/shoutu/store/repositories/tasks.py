"""Tasks: open ones by subject, new ones (ids from the database), finishing, counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from shoutu.domain.access import Jurisdiction
from shoutu.domain.vocabulary import TaskStatus
from shoutu.store.repositories.entities import chunks, insert_generated, rows_in
from shoutu.store.repositories.jurisdiction import inside
from shoutu.store.tables import Task, table

TABLE = table(Task)
OPEN = TaskStatus.OPEN.value
CANCELLED = TaskStatus.CANCELLED.value
#: the statuses of a task still to be done
PENDING = (OPEN, TaskStatus.IN_PROGRESS.value)


def open_by_subject(
    conn: Connection, *, kind: str, subject_type: str, subject_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Open tasks of ``kind`` by subject id (the earliest per subject)."""
    every = open_of_subjects(conn, kind=kind, subject_type=subject_type, subject_ids=subject_ids)
    return {subject: tasks[0] for subject, tasks in every.items()}


def open_summaries(conn: Connection, *, kind: str, summary_type: str) -> list[dict[str, Any]]:
    """The open summary tasks of ``kind`` (those beyond a daily cap), oldest first."""
    statement = (
        select(TABLE)
        .where(
            TABLE.c.kind == kind,
            TABLE.c.subject_type == summary_type,
            TABLE.c.status.in_(PENDING),
        )
        .order_by(TABLE.c.task_id)
    )
    return [dict(r) for r in conn.execute(statement).mappings()]


def open_of_subjects(
    conn: Connection, *, kind: str, subject_type: str, subject_ids: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Every open task of ``kind`` by subject id, oldest first."""
    return of_subjects(
        conn, kind=kind, subject_type=subject_type, subject_ids=subject_ids, open_only=True
    )


def of_subjects(
    conn: Connection,
    *,
    kind: str,
    subject_type: str,
    subject_ids: Sequence[str],
    open_only: bool = False,
) -> dict[str, list[dict[str, Any]]]:
    """Every task of ``kind`` (any status, or only the open) by subject id, oldest first."""

    def statement(chunk: Sequence[Any]) -> Any:
        found = select(TABLE).where(
            TABLE.c.kind == kind,
            TABLE.c.subject_type == subject_type,
            TABLE.c.subject_id.in_(chunk),
        )
        if open_only:
            found = found.where(TABLE.c.status.in_(PENDING))
        return found.order_by(TABLE.c.task_id)

    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows_in(conn, statement, subject_ids):
        found.setdefault(row["subject_id"], []).append(dict(row))
    return found


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    """New tasks; their ids come from the database."""
    return insert_generated(conn, table=TABLE, key="task_id", rows=rows)


def close(
    conn: Connection,
    *,
    task_ids: Sequence[int],
    status: str,
    at: dt.datetime,
    values: dict[str, Any],
) -> None:
    """End these tasks with ``status`` (done, cancelled) at ``at``."""
    for chunk in chunks(list(task_ids)):
        conn.execute(
            update(TABLE)
            .where(TABLE.c.task_id.in_(chunk))
            .values(status=status, done_time=at, **values)
        )


def statuses(conn: Connection, *, task_ids: Sequence[int]) -> dict[int, str]:
    """The present status of each of these tasks."""
    statement = lambda chunk: select(TABLE.c.task_id, TABLE.c.status).where(  # noqa: E731
        TABLE.c.task_id.in_(chunk)
    )
    return {
        int(r["task_id"]): str(getattr(r["status"], "value", r["status"]))
        for r in rows_in(conn, statement, task_ids)
    }


def change(
    conn: Connection,
    *,
    task_id: int,
    values: dict[str, Any],
    expected: dt.datetime | None = None,
) -> bool:
    """Change a task (``expected``: only if its ``updated_at`` is still this — an update of
    the version the caller saw); whether it changed."""
    statement = update(TABLE).where(TABLE.c.task_id == task_id)
    if expected is not None:
        statement = statement.where(TABLE.c.updated_at == expected)
    return bool(conn.execute(statement.values(**values)).rowcount)


def pending(conn: Connection, *, kinds: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Tasks still to be done (of ``kinds``), by id."""
    statement = select(TABLE).where(TABLE.c.status.in_(PENDING)).order_by(TABLE.c.task_id)
    if kinds is not None:
        statement = statement.where(TABLE.c.kind.in_(list(kinds)))
    return [dict(r) for r in conn.execute(statement).mappings()]


def count_opened(
    conn: Connection, *, kind: str, start: dt.datetime, end: dt.datetime, summary_type: str
) -> int:
    """Tasks of ``kind`` opened in [start, end), summary tasks apart."""
    statement = select(func.count()).where(
        TABLE.c.kind == kind,
        TABLE.c.open_time >= start,
        TABLE.c.open_time < end,
        TABLE.c.subject_type != summary_type,
    )
    return int(conn.execute(statement).scalar_one())


def in_window(
    conn: Connection, *, start: dt.datetime, end: dt.datetime, within: Jurisdiction
) -> list[dict[str, Any]]:
    """Tasks opened by ``end`` and not closed before ``start`` (the board's window) whose
    responsible region lies in ``within``."""
    statement = (
        select(TABLE)
        .where(
            TABLE.c.open_time <= end,
            or_(TABLE.c.done_time.is_(None), TABLE.c.done_time >= start),
            inside(TABLE.c.resp_region, within),
        )
        .order_by(TABLE.c.task_id)
    )
    return [dict(r) for r in conn.execute(statement).mappings()]


def get(conn: Connection, *, task_id: int, within: Jurisdiction) -> dict[str, Any] | None:
    """The task, if its responsible region lies in ``within``."""
    statement = select(TABLE).where(TABLE.c.task_id == task_id, inside(TABLE.c.resp_region, within))
    row = conn.execute(statement).mappings().first()
    return dict(row) if row else None


def listing(
    conn: Connection,
    *,
    within: Jurisdiction,
    status: str | None = None,
    kind: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    limit: int | None = 200,
    after: int | None = None,
    opened_since: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Tasks whose responsible region lies in ``within``, by id (``after``: the last id of
    the previous page; ``opened_since``: opened then or later)."""
    statement = select(TABLE).where(inside(TABLE.c.resp_region, within))
    if opened_since is not None:
        statement = statement.where(TABLE.c.open_time >= opened_since)
    if after is not None:
        statement = statement.where(TABLE.c.task_id > after)
    for column, value in (
        (TABLE.c.status, status),
        (TABLE.c.kind, kind),
        (TABLE.c.subject_type, subject_type),
        (TABLE.c.subject_id, subject_id),
    ):
        if value is not None:
            statement = statement.where(column == value)
    statement = statement.order_by(TABLE.c.task_id).limit(limit)
    return [dict(r) for r in conn.execute(statement).mappings()]


def open_counts(conn: Connection, *, now: dt.datetime, within: Jurisdiction) -> tuple[int, int]:
    """(tasks of ``within`` open at ``now``, of which overdue then): opened by then, not done
    by then, not cancelled."""
    is_open = and_(
        inside(TABLE.c.resp_region, within),
        TABLE.c.status != CANCELLED,
        TABLE.c.open_time <= now,
        or_(TABLE.c.done_time.is_(None), TABLE.c.done_time > now),
    )
    total = conn.execute(select(func.count()).where(is_open)).scalar_one()
    overdue = conn.execute(select(func.count()).where(is_open, TABLE.c.due_time < now)).scalar_one()
    return int(total), int(overdue)


def opened_between(
    conn: Connection, *, kinds: Sequence[str], start: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    """Tasks of these kinds whose event (open time) falls in [start, end), by id."""
    statement = (
        select(TABLE)
        .where(TABLE.c.kind.in_(list(kinds)), TABLE.c.open_time >= start, TABLE.c.open_time < end)
        .order_by(TABLE.c.task_id)
    )
    return [dict(r) for r in conn.execute(statement).mappings()]


__all__ = [
    "PENDING",
    "add",
    "change",
    "close",
    "count_opened",
    "get",
    "in_window",
    "listing",
    "of_subjects",
    "open_by_subject",
    "open_counts",
    "open_of_subjects",
    "open_summaries",
    "opened_between",
    "pending",
    "statuses",
]
