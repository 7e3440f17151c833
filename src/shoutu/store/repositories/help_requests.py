"""Help requests and the history of their steps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, or_, select, update

from shoutu.domain.access import Jurisdiction
from shoutu.store.repositories.entities import insert_generated, rows_in
from shoutu.store.repositories.jurisdiction import inside
from shoutu.store.tables import HelpRequest, HelpRequestStep, table

TABLE = table(HelpRequest)
STEPS = table(HelpRequestStep)


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    """New requests; their ids come from the database."""
    return insert_generated(conn, table=TABLE, key="request_id", rows=rows)


def get(
    conn: Connection, *, request_ids: Sequence[int], within: Jurisdiction
) -> dict[int, dict[str, Any]]:
    """These requests, those whose region lies in ``within``."""
    statement = lambda chunk: select(TABLE).where(  # noqa: E731
        TABLE.c.request_id.in_(chunk), inside(TABLE.c.region_code, within)
    )
    return {int(r["request_id"]): dict(r) for r in rows_in(conn, statement, request_ids)}


def by_source_refs(conn: Connection, *, refs: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Requests already stored under these log ids."""
    statement = lambda chunk: select(TABLE).where(TABLE.c.source_ref.in_(chunk))  # noqa: E731
    return {str(r["source_ref"]): dict(r) for r in rows_in(conn, statement, refs)}


def listed(
    conn: Connection,
    *,
    within: Jurisdiction,
    statuses: Sequence[str] | None = None,
    region_prefix: str | None = None,
    received_before: dt.datetime | None = None,
    excluded: Sequence[str] = (),
    limit: int | None = None,
    after: int | None = None,
) -> list[dict[str, Any]]:
    """Requests in ``within`` (of these statuses and not the ``excluded`` ones, in a region
    subtree, received by a time), by id (``limit`` after the request ``after``)."""
    query = select(TABLE).where(inside(TABLE.c.region_code, within)).order_by(TABLE.c.request_id)
    query = query.limit(limit)
    if after is not None:
        query = query.where(TABLE.c.request_id > after)
    if excluded:
        query = query.where(TABLE.c.status.not_in(list(excluded)))
    if statuses is not None:
        query = query.where(TABLE.c.status.in_(list(statuses)))
    if region_prefix:
        query = query.where(TABLE.c.region_code.startswith(region_prefix))
    if received_before is not None:
        query = query.where(TABLE.c.received_time <= received_before)
    return [dict(r) for r in conn.execute(query).mappings()]


def due_by(
    conn: Connection, *, start: dt.datetime, end: dt.datetime, within: Jurisdiction
) -> list[dict[str, Any]]:
    """Requests received by ``end``, due by then, whose deadline was not met before
    ``start`` (resp columns, region, times), whose responsible region (else their own) lies
    in ``within``."""
    statement = (
        select(
            TABLE.c.request_id,
            TABLE.c.region_code,
            TABLE.c.resp_region,
            TABLE.c.resp_unit,
            TABLE.c.resp_person,
            TABLE.c.received_time,
            TABLE.c.due_time,
            TABLE.c.met_time,
        )
        .where(
            TABLE.c.received_time <= end,
            TABLE.c.due_time <= end,
            or_(TABLE.c.met_time.is_(None), TABLE.c.met_time >= start),
            inside(func.coalesce(TABLE.c.resp_region, TABLE.c.region_code), within),
        )
        .order_by(TABLE.c.request_id)
    )
    return [dict(r) for r in conn.execute(statement).mappings()]


def change(conn: Connection, *, request_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(TABLE).where(TABLE.c.request_id == request_id).values(**values))


def add_steps(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    return insert_generated(conn, table=STEPS, key="step_id", rows=rows)


def steps(conn: Connection, *, request_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The steps of these requests, in order, by request."""
    found: dict[int, list[dict[str, Any]]] = {}

    def statement(chunk: Sequence[Any]) -> Any:
        return (
            select(STEPS)
            .where(STEPS.c.request_id.in_(chunk))
            .order_by(STEPS.c.time, STEPS.c.step_id)
        )

    for r in rows_in(conn, statement, request_ids):
        found.setdefault(int(r["request_id"]), []).append(dict(r))
    for steps_of in found.values():  # chunks each come in order; the whole in order too
        steps_of.sort(key=lambda s: (s["time"], s["step_id"]))
    return found


__all__ = ["add", "add_steps", "by_source_refs", "change", "due_by", "get", "listed", "steps"]
