"""What the lab-results workflow reads and writes in the registry: the people roster, tasks
(re-sampling, PCR confirmation), control measures in force, and cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from shoutu.domain.vocabulary import TaskStatus
from shoutu.store.repositories import entities
from shoutu.store.tables import Campaign, Case, ControlMeasure, Person, Place, Task, table

CHUNK = 5_000


def roster_stamp(conn: Connection) -> tuple[int, str]:
    """How many people the registry holds and when the last one changed."""
    people = table(Person)
    count, latest = conn.execute(
        select(func.count(), func.max(people.c.updated_at)).select_from(people)
    ).one()
    return int(count), str(latest)


def roster_rows(conn: Connection, *, size: int = 200_000) -> Iterator[dict[str, list[Any]]]:
    """Every person's id, home region, workplace and key population, as columns, in ascending
    chunks of ``size`` people."""
    people = table(Person)
    columns = (
        people.c.person_id,
        people.c.home_region_code,
        people.c.workplace_id,
        people.c.key_population,
    )
    last = None
    while True:
        statement = select(*columns).order_by(people.c.person_id).limit(size)
        if last is not None:
            statement = statement.where(people.c.person_id > last)
        rows = conn.execute(statement).all()
        if not rows:
            return
        ids, homes, works, keys = (list(column) for column in zip(*rows, strict=True))
        yield {
            "person_id": ids,
            "home_region_code": homes,
            "workplace_id": works,
            "key_population": [None if k is None else getattr(k, "value", str(k)) for k in keys],
        }
        last = ids[-1]


def open_tasks(
    conn: Connection, *, kind: str, subject_type: str, subject_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Open tasks of ``kind`` by subject id (the earliest per subject)."""
    tasks = table(Task)
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(subject_ids), CHUNK):
        rows = conn.execute(
            select(tasks)
            .where(
                tasks.c.kind == kind,
                tasks.c.subject_type == subject_type,
                tasks.c.subject_id.in_(subject_ids[start : start + CHUNK]),
                tasks.c.status == TaskStatus.OPEN.value,
            )
            .order_by(tasks.c.task_id)
        ).mappings()
        for row in rows:
            found.setdefault(row["subject_id"], dict(row))
    return found


def add_tasks(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    return entities.insert_numbered(conn, entity=Task, key="task_id", rows=rows)


def finish_tasks(
    conn: Connection, *, task_ids: Sequence[int], done_time: dt.datetime, values: dict[str, Any]
) -> None:
    tasks = table(Task)
    for start in range(0, len(task_ids), CHUNK):
        conn.execute(
            update(tasks)
            .where(tasks.c.task_id.in_(task_ids[start : start + CHUNK]))
            .values(status=TaskStatus.DONE.value, done_time=done_time, **values)
        )


def measures_in_force(
    conn: Connection, *, person_ids: Sequence[int], at: dt.datetime
) -> dict[int, list[dict[str, Any]]]:
    """Control measures of these people in force at ``at``."""
    measures = table(ControlMeasure)
    found: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(person_ids), CHUNK):
        rows = conn.execute(
            select(measures).where(
                measures.c.person_id.in_(person_ids[start : start + CHUNK]),
                measures.c.start_time <= at,
                or_(measures.c.end_time.is_(None), measures.c.end_time > at),
            )
        ).mappings()
        for row in rows:
            found.setdefault(int(row["person_id"]), []).append(dict(row))
    return found


def add_measures(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    return entities.insert_numbered(conn, entity=ControlMeasure, key="measure_id", rows=rows)


def end_measures(
    conn: Connection, *, measure_ids: Sequence[int], end_time: dt.datetime, values: dict[str, Any]
) -> None:
    measures = table(ControlMeasure)
    for start in range(0, len(measure_ids), CHUNK):
        conn.execute(
            update(measures)
            .where(measures.c.measure_id.in_(measure_ids[start : start + CHUNK]))
            .values(end_time=end_time, **values)
        )


def people_with_cases(conn: Connection, *, person_ids: Sequence[int]) -> set[int]:
    cases = table(Case)
    found: set[int] = set()
    for start in range(0, len(person_ids), CHUNK):
        found.update(
            int(v)
            for v in conn.execute(
                select(cases.c.person_id).where(
                    cases.c.person_id.in_(person_ids[start : start + CHUNK])
                )
            ).scalars()
        )
    return found


def home_regions(conn: Connection, *, person_ids: Sequence[int]) -> dict[int, str | None]:
    people = table(Person)
    found: dict[int, str | None] = {}
    for start in range(0, len(person_ids), CHUNK):
        rows = conn.execute(
            select(people.c.person_id, people.c.home_region_code).where(
                people.c.person_id.in_(person_ids[start : start + CHUNK])
            )
        )
        found.update({int(p): r for p, r in rows})
    return found


def next_case_id(conn: Connection) -> int:
    cases = table(Case)
    latest = conn.execute(select(func.max(cases.c.case_id))).scalar_one()
    return int(latest or 0) + 1


def add_cases(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(table(Case)), list(rows))


def add_campaign(conn: Connection, *, values: dict[str, Any]) -> int:
    return entities.insert_numbered(conn, entity=Campaign, key="campaign_id", rows=[values])[0]


def campaign_by_name(conn: Connection, *, name: str) -> dict[str, Any] | None:
    campaigns = table(Campaign)
    row = conn.execute(select(campaigns).where(campaigns.c.name == name)).mappings().first()
    return dict(row) if row else None


def campaign_names(conn: Connection) -> list[str]:
    campaigns = table(Campaign)
    return [str(v) for v in conn.execute(select(campaigns.c.name).order_by(campaigns.c.name))]


def place_types(conn: Connection) -> dict[int, str]:
    """Every place's type (its vocabulary value)."""
    places = table(Place)
    return {
        int(p): getattr(kind, "value", str(kind))
        for p, kind in conn.execute(select(places.c.place_id, places.c.type))
    }


__all__ = [
    "add_campaign",
    "add_cases",
    "add_measures",
    "add_tasks",
    "campaign_by_name",
    "campaign_names",
    "end_measures",
    "finish_tasks",
    "home_regions",
    "measures_in_force",
    "next_case_id",
    "open_tasks",
    "people_with_cases",
    "place_types",
    "roster_rows",
    "roster_stamp",
]
