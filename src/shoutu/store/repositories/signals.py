"""Signals: the alarms that need a response."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, String, cast, func, insert, select, update

from shoutu.domain.access import Jurisdiction
from shoutu.domain.vocabulary import SignalStatus, TaskKind
from shoutu.store.repositories import locks
from shoutu.store.repositories.entities import rows_in
from shoutu.store.repositories.jurisdiction import before, inside
from shoutu.store.tables import Signal, Task, table

OPEN = (SignalStatus.NEW.value, SignalStatus.VERIFYING.value, SignalStatus.INVESTIGATING.value)


def ending_on(
    conn: Connection, *, channel: str, regions: Sequence[str], method: str, date_end: dt.date
) -> dict[str, dict[str, Any]]:
    """The open signals of these series (one channel and method, many regions) whose last day
    is ``date_end``, by region (the earliest per region)."""
    signals = table(Signal)

    def statement(chunk: Sequence[Any]) -> Any:
        return (
            select(signals)
            .where(
                signals.c.channel == channel,
                signals.c.region.in_(chunk),
                signals.c.method == method,
                signals.c.date_end == date_end,
                signals.c.status.in_(OPEN),
            )
            .order_by(signals.c.signal_id)
        )

    found: dict[str, dict[str, Any]] = {}
    for row in rows_in(conn, statement, regions):
        found.setdefault(row["region"], dict(row))
    return found


def covering(
    conn: Connection, *, channel: str, regions: Sequence[str], method: str, day: dt.date
) -> set[str]:
    """The regions among ``regions`` with a signal of this channel and method (any status)
    whose days include ``day``: their alarm on that day is recorded already."""
    signals = table(Signal)

    def statement(chunk: Sequence[Any]) -> Any:
        return select(signals.c.region).where(
            signals.c.channel == channel,
            signals.c.region.in_(chunk),
            signals.c.method == method,
            signals.c.date_start <= day,
            signals.c.date_end >= day,
        )

    return {str(row["region"]) for row in rows_in(conn, statement, regions)}


def lock_series(conn: Connection) -> None:
    """Serialise the writers that record alarms, so that two runs of a day cannot both find
    a series unrecorded (SQLite writers hold the database's write lock already)."""
    locks.serialise(conn, name="shoutu.signals.record")


def status_counts(conn: Connection, *, at: dt.datetime, within: Jurisdiction) -> dict[str, int]:
    """Signals in ``within`` raised by ``at`` (their response task's open time: the moment
    the alarm was raised, a weekly one on its Sunday), by their status now (the workflow
    keeps no history of its steps but in the audit trail)."""
    signals, tasks = table(Signal), table(Task)
    raised = (
        select(tasks.c.task_id)
        .where(
            tasks.c.kind == TaskKind.SIGNAL_RESPONSE.value,
            tasks.c.subject_type == "signals",
            tasks.c.subject_id == cast(signals.c.signal_id, String),
            tasks.c.open_time <= at,
        )
        .exists()
    )
    rows = conn.execute(
        select(signals.c.status, func.count())
        .where(raised, inside(signals.c.region, within))
        .group_by(signals.c.status)
    )
    return {str(status): int(n) for status, n in rows}


def add(conn: Connection, *, values: dict[str, Any]) -> int:
    signals = table(Signal)
    result = conn.execute(insert(signals).values(**values).returning(signals.c.signal_id))
    return int(result.scalar_one())


def change(conn: Connection, *, signal_id: int, values: dict[str, Any]) -> None:
    signals = table(Signal)
    conn.execute(update(signals).where(signals.c.signal_id == signal_id).values(**values))


def get(conn: Connection, *, signal_id: int, within: Jurisdiction) -> dict[str, Any] | None:
    """The signal, if its region lies in ``within`` (a signal over an analytics label lies
    only in the whole tree)."""
    signals = table(Signal)
    statement = select(signals).where(
        signals.c.signal_id == signal_id, inside(signals.c.region, within)
    )
    row = conn.execute(statement).mappings().first()
    return dict(row) if row else None


def listing(
    conn: Connection,
    *,
    within: Jurisdiction,
    status: str | None = None,
    open_only: bool = False,
    limit: int | None = 200,
    after: tuple[dt.date, int] | None = None,
) -> list[dict[str, Any]]:
    """Signals in ``within``, latest end date first (then the higher id); ``after`` the
    (end date, id) of the last row of the previous page."""
    signals = table(Signal)
    statement = select(signals).where(inside(signals.c.region, within))
    if after is not None:
        statement = statement.where(before(signals.c.date_end, signals.c.signal_id, after))
    if status is not None:
        statement = statement.where(signals.c.status == status)
    if open_only:
        statement = statement.where(signals.c.status.in_(OPEN))
    statement = statement.order_by(signals.c.date_end.desc(), signals.c.signal_id.desc())
    statement = statement.limit(limit)
    return [dict(r) for r in conn.execute(statement).mappings()]
