"""Contacts of index cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select, tuple_, update

from shoutu.domain.access import Jurisdiction
from shoutu.store.repositories.entities import insert_generated, records, rows_in
from shoutu.store.repositories.jurisdiction import inside
from shoutu.store.tables import Case, Contact, ControlMeasure, table

TABLE = table(Contact)
CASES = table(Case)
MEASURES = table(ControlMeasure)
#: aliases made once (each made anew per call rebuilt its column collection: a third of the
#: case page's CPU)
LATER_EPISODE = MEASURES.alias("later_episode")
INDEX_CASE = CASES.alias("index_case")  # apart from the candidate cases


def recorded(conn: Connection, *, index_case_id: int) -> set[tuple[Any, ...]]:
    """(person, kind, setting, place) of the contacts recorded for a case."""
    rows = conn.execute(
        select(TABLE.c.person_id, TABLE.c.kind, TABLE.c.setting, TABLE.c.place_id).where(
            TABLE.c.index_case_id == index_case_id
        )
    )
    return {
        (int(p), str(getattr(k, "value", k)), str(getattr(s, "value", s)), pl)
        for p, k, s, pl in rows
    }


def of_case(
    conn: Connection,
    *,
    index_case_id: int,
    within: Jurisdiction,
    limit: int,
    after: int | None = None,
) -> list[dict[str, Any]]:
    """A page of a case's contacts by id (``after``: the previous page's last id), each once
    with the latest episode it opened (kind, status, start, planned end: only when the
    contact's person lives in ``within``) and the case it became: its person's first case
    reported after the index case's report, when that case lies in ``within``."""
    from shoutu.store.repositories.cases import REGION
    from shoutu.store.repositories.people import TABLE as PEOPLE

    measures, other, index = MEASURES, LATER_EPISODE, INDEX_CASE
    latest = (  # a re-exposure after release opens another episode for the same contact
        select(func.max(other.c.measure_id))
        .where(other.c.contact_id == TABLE.c.contact_id)
        .scalar_subquery()
    )
    reported = select(index.c.report_time).where(index.c.case_id == index_case_id)
    became = (
        select(CASES.c.case_id)
        .where(
            CASES.c.person_id == TABLE.c.person_id,
            CASES.c.report_time > reported.scalar_subquery(),
        )
        .order_by(CASES.c.report_time, CASES.c.case_id)
        .limit(1)
        .scalar_subquery()
    )
    statement = (
        select(
            TABLE.c.contact_id,
            TABLE.c.person_id,
            TABLE.c.kind,
            TABLE.c.setting,
            TABLE.c.place_id,
            TABLE.c.last_exposure_date,
            TABLE.c.identified_time,
            measures.c.kind.label("measure_kind"),
            measures.c.status.label("measure_status"),
            measures.c.start_time.label("measure_start"),
            measures.c.planned_end_time.label("measure_planned_end"),
            became.label("became_case_id"),
        )
        .select_from(TABLE.outerjoin(measures, measures.c.measure_id == latest))
        .where(TABLE.c.index_case_id == index_case_id)
        .order_by(TABLE.c.contact_id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(TABLE.c.contact_id > after)
    rows = [dict(r) for r in conn.execute(statement).mappings()]
    named = {r["became_case_id"] for r in rows if r["became_case_id"] is not None}
    seen = set(
        conn.execute(
            select(CASES.c.case_id).where(CASES.c.case_id.in_(named), inside(REGION, within))
        ).scalars()
    )
    people = {r["person_id"] for r in rows}
    local = set(
        conn.execute(
            select(PEOPLE.c.person_id).where(
                PEOPLE.c.person_id.in_(people), inside(PEOPLE.c.home_region_code, within)
            )
        ).scalars()
    )
    for row in rows:
        if row["became_case_id"] not in seen:
            row["became_case_id"] = None
        if row["person_id"] not in local:  # another jurisdiction's episode: not theirs to see
            for key in ("measure_kind", "measure_status", "measure_start", "measure_planned_end"):
                row[key] = None
    return rows


def by_index_and_person(
    conn: Connection, *, keys: Sequence[tuple[int, int, str]]
) -> dict[tuple[int, int, str], dict[str, Any]]:
    """The contacts recorded for these (index case, person, kind), the first of each."""

    def statement(chunk: Sequence[Any]) -> Any:
        return (
            select(TABLE)
            .where(tuple_(TABLE.c.index_case_id, TABLE.c.person_id, TABLE.c.kind).in_(chunk))
            .order_by(TABLE.c.contact_id)
        )

    found: dict[tuple[int, int, str], dict[str, Any]] = {}
    for row in rows_in(conn, statement, list(keys)):
        kind = str(getattr(row["kind"], "value", row["kind"]))
        found.setdefault((int(row["index_case_id"]), int(row["person_id"]), kind), dict(row))
    return found


def links(
    conn: Connection, *, index_case_ids: Sequence[int] = (), person_ids: Sequence[int] = ()
) -> list[dict[str, Any]]:
    """The contacts recorded of these index cases, and those naming these people: index case,
    person, setting, last exposure."""
    columns = (
        TABLE.c.index_case_id,
        TABLE.c.person_id,
        TABLE.c.setting,
        TABLE.c.last_exposure_date,
    )
    found: list[dict[str, Any]] = []
    for column, keys in ((TABLE.c.index_case_id, index_case_ids), (TABLE.c.person_id, person_ids)):
        statement = lambda chunk, c=column: select(*columns).where(c.in_(chunk))  # noqa: E731
        found += [dict(r) for r in rows_in(conn, statement, keys)]
    return found


def traced_source(conn: Connection, *, case_id: int, within: Jurisdiction) -> int | None:
    """The case tracing names as this case's source: of the index cases in ``within`` (by
    their region, else their person's home) that listed its person as a contact and were
    reported before it, the latest reported (then the highest id); None for none."""
    from shoutu.store.repositories.people import TABLE as PEOPLE

    index, case = INDEX_CASE, CASES.alias("traced_case")
    home = (
        select(PEOPLE.c.home_region_code)
        .where(PEOPLE.c.person_id == index.c.person_id)
        .scalar_subquery()
    )
    statement = (
        select(index.c.case_id)
        .select_from(
            TABLE.join(index, index.c.case_id == TABLE.c.index_case_id).join(
                case, case.c.person_id == TABLE.c.person_id
            )
        )
        .where(
            case.c.case_id == case_id,
            index.c.report_time < case.c.report_time,
            index.c.person_id != case.c.person_id,
            inside(func.coalesce(index.c.region_code, home), within),
        )
        .order_by(index.c.report_time.desc(), index.c.case_id.desc())
        .limit(1)
    )
    found = conn.execute(statement).scalar_one_or_none()
    return None if found is None else int(found)


def change(conn: Connection, *, contact_id: int, values: dict[str, Any]) -> None:
    """Set ``values`` on one contact."""
    conn.execute(update(TABLE).where(TABLE.c.contact_id == contact_id).values(**values))


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    """New contacts; their ids come from the database."""
    return insert_generated(conn, table=TABLE, key="contact_id", rows=rows)


def identified_between(
    conn: Connection, *, start: dt.datetime, end: dt.datetime, within: Jurisdiction
) -> list[dict[str, Any]]:
    """Contacts identified in [start, end) (``identified_time``, else when they were
    recorded) whose person lives in ``within``: id, index case, person, kind, those times,
    and the index case's ``report_time`` as ``index_report_time``."""
    from shoutu.store.repositories.people import TABLE as PEOPLE

    found = func.coalesce(TABLE.c.identified_time, TABLE.c.created_at)
    home = (
        select(PEOPLE.c.home_region_code)
        .where(PEOPLE.c.person_id == TABLE.c.person_id)
        .scalar_subquery()
    )
    statement = (
        select(
            TABLE.c.contact_id,
            TABLE.c.index_case_id,
            TABLE.c.person_id,
            TABLE.c.kind,
            TABLE.c.identified_time,
            TABLE.c.created_at,
            CASES.c.report_time.label("index_report_time"),
        )
        .join(CASES, CASES.c.case_id == TABLE.c.index_case_id)
        .where(found >= start, found < end, inside(home, within))
        .order_by(TABLE.c.contact_id)
    )
    return records(conn.execute(statement))


def control_of_cases(
    conn: Connection, *, case_ids: Sequence[int]
) -> dict[int, list[tuple[dt.datetime | None, dt.datetime | None]]]:
    """Each case's contacts: (identified, the start of the episode the contact opened)."""
    measures = table(ControlMeasure)

    def statement(chunk: Sequence[Any]) -> Any:
        return (
            select(TABLE.c.index_case_id, TABLE.c.identified_time, measures.c.start_time)
            .select_from(TABLE.outerjoin(measures, measures.c.contact_id == TABLE.c.contact_id))
            .where(TABLE.c.index_case_id.in_(chunk))
        )

    found: dict[int, list[tuple[dt.datetime | None, dt.datetime | None]]] = {}
    for row in rows_in(conn, statement, case_ids):
        found.setdefault(int(row["index_case_id"]), []).append(
            (row["identified_time"], row["start_time"])
        )
    return found


def listed_before(conn: Connection, *, person_ids: Sequence[int]) -> dict[int, dt.datetime | None]:
    """For these people listed as someone's contact: the earliest time they were identified
    (None: listed, the time not known)."""
    statement = lambda chunk: select(TABLE.c.person_id, TABLE.c.identified_time).where(  # noqa: E731
        TABLE.c.person_id.in_(chunk)
    )
    found: dict[int, dt.datetime | None] = {}
    for row in rows_in(conn, statement, person_ids):
        person, when = int(row["person_id"]), row["identified_time"]
        before = found.get(person)
        if person not in found or (when is not None and (before is None or when < before)):
            found[person] = when
    return found


def contact_episodes(conn: Connection, *, case_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Every episode opened for these cases' contacts: person, status (as text), start,
    planned end and end."""
    measures = table(ControlMeasure)
    statement = lambda chunk: (  # noqa: E731
        select(
            measures.c.person_id,
            measures.c.status,
            measures.c.start_time,
            measures.c.planned_end_time,
            measures.c.end_time,
        )
        .select_from(TABLE.join(measures, measures.c.contact_id == TABLE.c.contact_id))
        .where(TABLE.c.index_case_id.in_(chunk))
    )
    return [
        {**r, "status": getattr(r["status"], "value", str(r["status"]))}
        for r in rows_in(conn, statement, case_ids)
    ]


__all__ = [
    "add",
    "by_index_and_person",
    "change",
    "contact_episodes",
    "control_of_cases",
    "identified_between",
    "listed_before",
    "of_case",
    "recorded",
]
