"""Control measures: those in force, new ones (ids from the database), ending, counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Text, and_, cast, func, or_, select, update

from shoutu.domain.access import Jurisdiction
from shoutu.domain.vocabulary import ControlStatus
from shoutu.store.repositories.entities import chunks, insert_generated, records, rows_in
from shoutu.store.repositories.jurisdiction import inside
from shoutu.store.tables import ControlMeasure, Person, table

TABLE = table(ControlMeasure)
PEOPLE = table(Person)
#: an episode's region, for jurisdiction: its person's home
REGION = (
    select(PEOPLE.c.home_region_code)
    .where(PEOPLE.c.person_id == TABLE.c.person_id)
    .scalar_subquery()
)
#: an episode's responsible region: its own, else (quarantine episodes opened before every
#: episode took its person's home) its person's home
RESPONSIBLE = func.coalesce(TABLE.c.resp_region, REGION)


def in_force_between(
    conn: Connection, *, person_ids: Sequence[int], start: dt.datetime, end: dt.datetime
) -> dict[int, list[dict[str, Any]]]:
    """Measures of these people in force at some time in [start, end], by person: one query
    for a whole batch (callers pick the ones in force at each moment)."""

    def statement(chunk: Sequence[Any]) -> Any:
        return select(TABLE).where(
            TABLE.c.person_id.in_(chunk),
            TABLE.c.start_time <= end,
            or_(TABLE.c.end_time.is_(None), TABLE.c.end_time > start),
        )

    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows_in(conn, statement, person_ids):
        found.setdefault(int(row["person_id"]), []).append(dict(row))
    return found


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    """New measures; their ids come from the database."""
    return insert_generated(conn, table=TABLE, key="measure_id", rows=rows)


def end(
    conn: Connection, *, measure_ids: Sequence[int], end_time: dt.datetime, values: dict[str, Any]
) -> None:
    for chunk in chunks(list(measure_ids)):
        conn.execute(
            update(TABLE).where(TABLE.c.measure_id.in_(chunk)).values(end_time=end_time, **values)
        )


def open_episodes(
    conn: Connection, *, person_ids: Sequence[int], kinds: Sequence[str], statuses: Sequence[str]
) -> dict[int, list[dict[str, Any]]]:
    """Episodes of these people of ``kinds`` in ``statuses`` and not ended, by person, oldest
    first."""

    def statement(chunk: Sequence[Any]) -> Any:
        return (
            select(TABLE)
            .where(
                TABLE.c.person_id.in_(chunk),
                TABLE.c.kind.in_(list(kinds)),
                TABLE.c.status.in_(list(statuses)),
                TABLE.c.end_time.is_(None),
            )
            .order_by(TABLE.c.measure_id)
        )

    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows_in(conn, statement, person_ids):
        found.setdefault(int(row["person_id"]), []).append(dict(row))
    return found


def open_of_area(conn: Connection, *, area_id: int) -> list[int]:
    """The episodes of a risk area's residents not ended, by id."""
    statement = (
        select(TABLE.c.measure_id)
        .where(TABLE.c.area_id == area_id, TABLE.c.end_time.is_(None))
        .order_by(TABLE.c.measure_id)
    )
    return [int(i) for i in conn.execute(statement).scalars()]


def change(conn: Connection, *, measure_id: int, values: dict[str, Any]) -> None:
    """Set ``values`` on one measure."""
    conn.execute(update(TABLE).where(TABLE.c.measure_id == measure_id).values(**values))


def listing(
    conn: Connection,
    *,
    within: Jurisdiction,
    status: str | None = None,
    kind: str | None = None,
    person_id: int | None = None,
    limit: int | None = None,
    after: int | None = None,
) -> list[dict[str, Any]]:
    """Measures of people whose home lies in ``within``, oldest first, filtered (``limit``
    rows after the measure ``after``)."""
    statement = select(TABLE).where(inside(REGION, within))
    if after is not None:
        statement = statement.where(TABLE.c.measure_id > after)
    for column, value in (
        (TABLE.c.status, status),
        (TABLE.c.kind, kind),
        (TABLE.c.person_id, person_id),
    ):
        if value is not None:
            statement = statement.where(column == value)
    statement = statement.order_by(TABLE.c.measure_id).limit(limit)
    return [dict(r) for r in conn.execute(statement).mappings()]


def room_episodes(
    conn: Connection, *, kinds: Sequence[str], ended_after: dt.datetime
) -> list[dict[str, Any]]:
    """Measures of ``kinds`` not cancelled and not ended by ``ended_after`` (the rooms of
    quarantine and isolation sites), oldest first."""
    statement = (
        select(TABLE)
        .where(
            TABLE.c.kind.in_(list(kinds)),
            TABLE.c.status != ControlStatus.CANCELLED.value,
            or_(TABLE.c.end_time.is_(None), TABLE.c.end_time > ended_after),
        )
        .order_by(TABLE.c.start_time, TABLE.c.measure_id)
    )
    return [dict(r) for r in conn.execute(statement).mappings()]


def earliest_open_start(
    conn: Connection, *, kinds: Sequence[str], statuses: Sequence[str]
) -> dt.datetime | None:
    """The earliest start of the measures of ``kinds`` in ``statuses`` and not ended."""
    found: dt.datetime | None = conn.execute(
        select(TABLE.c.start_time)
        .where(
            TABLE.c.kind.in_(list(kinds)),
            TABLE.c.status.in_(list(statuses)),
            TABLE.c.end_time.is_(None),
        )
        .order_by(TABLE.c.start_time)
        .limit(1)
    ).scalar_one_or_none()
    return found


def by_ids(conn: Connection, *, measure_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """These measures, by id."""
    rows = rows_in(
        conn, lambda chunk: select(TABLE).where(TABLE.c.measure_id.in_(chunk)), measure_ids
    )
    return {int(r["measure_id"]): dict(r) for r in rows}


def ended_spans(
    conn: Connection, *, kind: str, status: str
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) of the measures of ``kind`` that ended in ``status``."""
    statement = select(TABLE.c.start_time, TABLE.c.end_time).where(
        TABLE.c.kind == kind, TABLE.c.status == status, TABLE.c.end_time.is_not(None)
    )
    return [(s, e) for s, e in conn.execute(statement)]


def active_counts(conn: Connection, *, at: dt.datetime, within: Jurisdiction) -> dict[str, int]:
    """Measures of people in ``within`` in force at ``at`` by kind: started by then, not
    ended by then, not cancelled. An episode with stages counts under the kind of the stage
    it is in then (a contact past centralised quarantine is in health monitoring; past its
    last stage and not released, under the last)."""
    in_force = and_(
        inside(REGION, within),
        TABLE.c.status != ControlStatus.CANCELLED.value,
        TABLE.c.start_time <= at,
        or_(TABLE.c.end_time.is_(None), TABLE.c.end_time > at),
    )
    result = conn.execute(
        select(TABLE.c.kind, func.count())
        .where(in_force, TABLE.c.stages.is_(None))
        .group_by(TABLE.c.kind)
    )
    counts = {str(kind): int(n) for kind, n in result}
    staged = conn.execute(
        select(TABLE.c.kind, TABLE.c.stages).where(in_force, TABLE.c.stages.is_not(None))
    )
    moment = at.astimezone(dt.UTC)
    for kind, stages in staged:
        now = str(kind)
        for stage in stages or ():
            now = stage["kind"]
            if moment < dt.datetime.fromisoformat(stage["planned_end"]):
                break
        counts[now] = counts.get(now, 0) + 1
    return counts


def of_cases(conn: Connection, *, case_ids: Sequence[int], kind: str) -> dict[int, dict[str, Any]]:
    """The latest episode of ``kind`` of each of these cases, by case id."""

    def statement(chunk: Sequence[Any]) -> Any:
        return (
            select(TABLE)
            .where(TABLE.c.case_id.in_(chunk), TABLE.c.kind == kind)
            .order_by(TABLE.c.measure_id)
        )

    return {int(r["case_id"]): dict(r) for r in rows_in(conn, statement, case_ids)}


STAGES_TEXT = cast(TABLE.c.stages, Text).label("stages_text")


def in_force_during(
    conn: Connection,
    *,
    start: dt.datetime,
    end: dt.datetime,
    within: Jurisdiction,
    kinds: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Measures (of ``kinds``, default all) of people whose home lies in ``within``, in force
    for some part of [start, end): started before ``end``, not ended by ``start``, not
    cancelled; oldest first (``columns``: only these, default all; ``stages_text``: the
    stages as their stored JSON text, for a caller that reads few of 100,000)."""
    chosen = (
        [STAGES_TEXT if c == "stages_text" else TABLE.c[c] for c in columns]
        if columns is not None
        else list(TABLE.c)
    )
    statement = (
        select(*chosen)
        .where(
            inside(REGION, within),
            TABLE.c.status != ControlStatus.CANCELLED.value,
            TABLE.c.start_time < end,
            or_(TABLE.c.end_time.is_(None), TABLE.c.end_time > start),
        )
        .order_by(TABLE.c.measure_id)
    )
    if kinds is not None:
        statement = statement.where(TABLE.c.kind.in_(list(kinds)))
    return records(conn.execute(statement))


def spans_of_people(
    conn: Connection, *, person_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """The kind, start and end of every episode of these people but the cancelled, by
    person, oldest first (no stages: many people at once)."""
    columns = (TABLE.c.person_id, TABLE.c.kind, TABLE.c.start_time, TABLE.c.end_time)

    def statement(chunk: Sequence[Any]) -> Any:
        return (
            select(*columns)
            .where(TABLE.c.person_id.in_(chunk), TABLE.c.status != ControlStatus.CANCELLED.value)
            .order_by(TABLE.c.measure_id)
        )

    found: dict[int, list[dict[str, Any]]] = {}
    for chunk in chunks(list(person_ids)):
        for person, kind, start, end in conn.execute(statement(chunk)):
            row = {"person_id": person, "kind": kind, "start_time": start, "end_time": end}
            found.setdefault(int(person), []).append(row)
    return found


def unended(
    conn: Connection, *, kinds: Sequence[str], statuses: Sequence[str], started_by: dt.datetime
) -> list[dict[str, Any]]:
    """Episodes of ``kinds`` in ``statuses``, not ended, started by ``started_by``, oldest
    first."""
    statement = (
        select(TABLE)
        .where(
            TABLE.c.kind.in_(list(kinds)),
            TABLE.c.status.in_(list(statuses)),
            TABLE.c.end_time.is_(None),
            TABLE.c.start_time <= started_by,
        )
        .order_by(TABLE.c.measure_id)
    )
    return [dict(r) for r in conn.execute(statement).mappings()]


def of_arrivals(conn: Connection, *, arrival_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Measures opened by these arrivals, oldest first."""

    def statement(chunk: Sequence[Any]) -> Any:
        return select(TABLE).where(TABLE.c.arrival_id.in_(chunk)).order_by(TABLE.c.measure_id)

    return [dict(row) for row in rows_in(conn, statement, arrival_ids)]


def past_planned_end(
    conn: Connection,
    *,
    start: dt.datetime,
    end: dt.datetime,
    kinds: Sequence[str],
    within: Jurisdiction,
) -> list[dict[str, Any]]:
    """Episodes (not of ``kinds``, not cancelled) whose planned end came before ``end`` and
    that had not ended before ``start``: in force past their end at some time in between;
    those whose responsible region (``RESPONSIBLE``, as ``resp_region``) lies in ``within``."""
    columns = [c for c in TABLE.c if c.name != "resp_region"]
    statement = (
        select(*columns, RESPONSIBLE.label("resp_region"))
        .where(
            inside(RESPONSIBLE, within),
            TABLE.c.kind.not_in(list(kinds)),
            TABLE.c.status != ControlStatus.CANCELLED.value,
            TABLE.c.planned_end_time.is_not(None),
            TABLE.c.planned_end_time < end,
            or_(TABLE.c.end_time.is_(None), TABLE.c.end_time > TABLE.c.planned_end_time),
            or_(TABLE.c.end_time.is_(None), TABLE.c.end_time >= start),
        )
        .order_by(TABLE.c.measure_id)
    )
    return [dict(r) for r in conn.execute(statement).mappings()]


def ended_between(
    conn: Connection,
    *,
    kinds: Sequence[str],
    status: str,
    start: dt.datetime,
    end: dt.datetime,
) -> list[dict[str, Any]]:
    """Episodes of ``kinds`` in ``status`` that ended in [start, end], oldest first."""
    statement = (
        select(TABLE)
        .where(
            TABLE.c.kind.in_(list(kinds)),
            TABLE.c.status == status,
            TABLE.c.end_time >= start,
            TABLE.c.end_time <= end,
        )
        .order_by(TABLE.c.measure_id)
    )
    return [dict(r) for r in conn.execute(statement).mappings()]


__all__ = [
    "active_counts",
    "add",
    "by_ids",
    "change",
    "earliest_open_start",
    "end",
    "ended_between",
    "ended_spans",
    "in_force_between",
    "in_force_during",
    "listing",
    "of_arrivals",
    "of_cases",
    "open_episodes",
    "open_of_area",
    "past_planned_end",
    "room_episodes",
    "spans_of_people",
    "unended",
]
