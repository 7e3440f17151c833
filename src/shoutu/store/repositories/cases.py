"""Cases: one case, who has one, new cases (ids from the database), counts and times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select, update

from shoutu.domain.access import Jurisdiction
from shoutu.store.repositories.entities import insert_generated, rows_in
from shoutu.store.repositories.jurisdiction import before, inside
from shoutu.store.tables import Case, Person, table

TABLE = table(Case)
PEOPLE = table(Person)

#: a case's person's home
HOME = (
    select(PEOPLE.c.home_region_code)
    .where(PEOPLE.c.person_id == TABLE.c.person_id)
    .scalar_subquery()
)
#: a case's region: its own, else its person's home (what jurisdiction and filters match)
REGION = func.coalesce(TABLE.c.region_code, HOME)


def _by_region(matches: Callable[[ColumnElement[Any]], ColumnElement[bool]]) -> ColumnElement[bool]:
    """``matches(REGION)`` written so the planner sees the columns: the case's region, else
    (no region) its person's home — a list then reads the report-time index backwards
    instead of sorting every case when most of them match."""
    return or_(
        matches(TABLE.c.region_code),
        and_(TABLE.c.region_code.is_(None), matches(HOME)),
    )


def get(conn: Connection, *, case_id: int, within: Jurisdiction) -> dict[str, Any] | None:
    """The case, if it lies in ``within``."""
    statement = select(TABLE).where(TABLE.c.case_id == case_id, inside(REGION, within))
    row = conn.execute(statement).mappings().first()
    return dict(row) if row else None


def listing(
    conn: Connection,
    *,
    within: Jurisdiction,
    status: str | None = None,
    region: str | None = None,
    limit: int | None = 200,
    after: tuple[dt.datetime, int] | None = None,
) -> list[dict[str, Any]]:
    """Cases in ``within``, latest report first (then the higher id); ``region`` a code
    prefix, matched by the case's region, else its person's home region; ``after`` the
    (report time, id) of the last row of the previous page."""
    statement = select(TABLE).where(_by_region(lambda code: inside(code, within)))
    if status is not None:
        statement = statement.where(TABLE.c.status == status)
    if region is not None:
        statement = statement.where(
            _by_region(lambda code: code.startswith(region, autoescape=True))
        )
    if after is not None:
        statement = statement.where(before(TABLE.c.report_time, TABLE.c.case_id, after))
    statement = statement.order_by(TABLE.c.report_time.desc(), TABLE.c.case_id.desc())
    return [dict(r) for r in conn.execute(statement.limit(limit)).mappings()]


def people_with_cases(
    conn: Connection, *, person_ids: Sequence[int], reported_by: dt.datetime | None = None
) -> set[int]:
    """Which of the people have a case (``reported_by``: reported by then)."""

    def statement(chunk: Sequence[int]) -> Any:
        chosen = select(TABLE.c.person_id).where(TABLE.c.person_id.in_(chunk))
        if reported_by is not None:
            chosen = chosen.where(TABLE.c.report_time <= reported_by)
        return chosen

    return {int(r["person_id"]) for r in rows_in(conn, statement, person_ids)}


def of_people(
    conn: Connection, *, person_ids: Sequence[int], within: Jurisdiction
) -> list[dict[str, Any]]:
    """The cases in ``within`` of these people, by report time."""
    statement = lambda chunk: (  # noqa: E731
        select(TABLE)
        .where(TABLE.c.person_id.in_(chunk), inside(REGION, within))
        .order_by(TABLE.c.report_time, TABLE.c.case_id)
    )
    return sorted(
        (dict(r) for r in rows_in(conn, statement, person_ids)),
        key=lambda r: (r["report_time"], r["case_id"]),
    )


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    """New cases; their ids come from the database."""
    return insert_generated(conn, table=TABLE, key="case_id", rows=rows)


def counts(
    conn: Connection, *, within: Jurisdiction, until: dt.datetime | None = None
) -> dict[str, Any]:
    """Cases in ``within`` (reported by ``until``, if given) by origin and whether found in
    control, and the last community case's report."""
    reported: ColumnElement[bool] = and_(TABLE.c.report_time.is_not(None), inside(REGION, within))
    if until is not None:
        reported = and_(TABLE.c.report_time <= until, inside(REGION, within))
    rows = conn.execute(
        select(TABLE.c.origin, TABLE.c.found_in_control, func.count())
        .where(reported)
        .group_by(TABLE.c.origin, TABLE.c.found_in_control)
    ).all()
    last_community = conn.execute(
        select(func.max(TABLE.c.report_time)).where(TABLE.c.found_in_control.is_(False), reported)
    ).scalar_one()
    return {
        "groups": [(str(o), bool(f), int(n)) for o, f, n in rows],
        "last_community": last_community,
    }


def times(conn: Connection) -> list[tuple[dt.datetime, dt.datetime | None, str, str | None]]:
    """(report time, onset time, channel, region code) of every case."""
    rows = conn.execute(
        select(TABLE.c.report_time, TABLE.c.onset_time, TABLE.c.channel, TABLE.c.region_code)
    )
    return [(r, o, str(c), g) for r, o, c, g in rows]


def found_by_region(
    conn: Connection, *, until: dt.datetime, within: Jurisdiction
) -> list[tuple[dt.datetime, bool, str | None]]:
    """(report time, found in control, region code) of every case in ``within`` reported by
    ``until``; the region is the case's own, else its person's home region (None when neither
    is known)."""
    region = func.coalesce(TABLE.c.region_code, PEOPLE.c.home_region_code)
    rows = conn.execute(
        select(TABLE.c.report_time, TABLE.c.found_in_control, region)
        .select_from(TABLE.outerjoin(PEOPLE, PEOPLE.c.person_id == TABLE.c.person_id))
        .where(TABLE.c.report_time <= until, inside(region, within))
    )
    return [(r, bool(f), g) for r, f, g in rows]


def by_ids(
    conn: Connection, *, case_ids: Sequence[int], within: Jurisdiction
) -> dict[int, dict[str, Any]]:
    """These cases by id, those in ``within``."""
    place = _by_region(lambda code: inside(code, within))
    statement = lambda chunk: select(TABLE).where(TABLE.c.case_id.in_(chunk), place)  # noqa: E731
    return {int(r["case_id"]): dict(r) for r in rows_in(conn, statement, case_ids)}


def reported_between(
    conn: Connection,
    *,
    start: dt.datetime,
    end: dt.datetime,
    within: Jurisdiction,
    by_home: bool = False,
) -> list[dict[str, Any]]:
    """Cases reported in [start, end) in ``within`` (by their region, as every read of
    cases; ``by_home``: by their person's home), by id."""
    place = inside(HOME, within) if by_home else _by_region(lambda code: inside(code, within))
    statement = (
        select(TABLE)
        .where(TABLE.c.report_time >= start, TABLE.c.report_time < end, place)
        .order_by(TABLE.c.case_id)
    )
    return [dict(r) for r in conn.execute(statement).mappings()]


def written_at(conn: Connection, *, at: dt.datetime) -> list[dict[str, Any]]:
    """The cases a unit of work stamped at ``at`` (created or changed by it), by id."""
    statement = select(TABLE).where(TABLE.c.updated_at == at).order_by(TABLE.c.case_id)
    return [dict(r) for r in conn.execute(statement).mappings()]


def with_origins(conn: Connection, *, origins: Sequence[str] | None) -> list[dict[str, Any]]:
    """Cases whose origin is one of ``origins`` (None: every case), by id."""
    statement = select(TABLE).order_by(TABLE.c.case_id)
    if origins is not None:
        statement = statement.where(TABLE.c.origin.in_(origins))
    return [dict(r) for r in conn.execute(statement).mappings()]


def change(conn: Connection, *, case_id: int, values: dict[str, Any]) -> None:
    """Set ``values`` on one case."""
    conn.execute(update(TABLE).where(TABLE.c.case_id == case_id).values(**values))


def classifications(
    conn: Connection, *, person_ids: Sequence[int]
) -> dict[int, list[tuple[int, str, dt.datetime]]]:
    """{person: [(case, classification, report time)], latest report last} of these people."""
    found: dict[int, list[tuple[int, str, dt.datetime]]] = {}
    rows = rows_in(
        conn,
        lambda chunk: (
            select(TABLE.c.person_id, TABLE.c.case_id, TABLE.c.classification, TABLE.c.report_time)
            .where(TABLE.c.person_id.in_(chunk))
            .order_by(TABLE.c.report_time, TABLE.c.case_id)
        ),
        person_ids,
    )
    for row in rows:
        kind = getattr(row["classification"], "value", str(row["classification"]))
        found.setdefault(int(row["person_id"]), []).append(
            (int(row["case_id"]), kind, row["report_time"])
        )
    return found


__all__ = [
    "add",
    "by_ids",
    "change",
    "classifications",
    "counts",
    "found_by_region",
    "get",
    "listing",
    "people_with_cases",
    "reported_between",
    "times",
    "with_origins",
    "written_at",
]
