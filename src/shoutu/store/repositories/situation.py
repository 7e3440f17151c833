"""Aggregate reads for the situation summary."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, func, select

from shoutu.domain.vocabulary import ControlStatus, TaskStatus
from shoutu.store.tables import Case, ControlMeasure, RiskArea, Task, table


def case_counts(conn: Connection) -> dict[str, Any]:
    cases = table(Case)
    rows = conn.execute(
        select(cases.c.origin, cases.c.found_in_control, func.count()).group_by(
            cases.c.origin, cases.c.found_in_control
        )
    ).all()
    last_community = conn.execute(
        select(func.max(cases.c.report_time)).where(cases.c.found_in_control.is_(False))
    ).scalar_one()
    return {
        "groups": [(str(o), bool(f), int(n)) for o, f, n in rows],
        "last_community": last_community,
    }


def active_measures(conn: Connection) -> dict[str, int]:
    measures = table(ControlMeasure)
    result = conn.execute(
        select(measures.c.kind, func.count())
        .where(measures.c.status == ControlStatus.ACTIVE.value)
        .group_by(measures.c.kind)
    )
    return {str(kind): int(n) for kind, n in result}


def active_risk_areas(conn: Connection) -> dict[str, int]:
    areas = table(RiskArea)
    result = conn.execute(
        select(areas.c.level, func.count())
        .where(areas.c.end_time.is_(None))
        .group_by(areas.c.level)
    )
    return {str(level): int(n) for level, n in result}


def open_tasks(conn: Connection, *, now: dt.datetime) -> tuple[int, int]:
    """(open tasks, of which overdue)."""
    tasks = table(Task)
    is_open = tasks.c.status == TaskStatus.OPEN.value
    total = conn.execute(select(func.count()).where(is_open)).scalar_one()
    overdue = conn.execute(select(func.count()).where(is_open, tasks.c.due_time < now)).scalar_one()
    return int(total), int(overdue)
