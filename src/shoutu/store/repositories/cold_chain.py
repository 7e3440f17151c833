"""Ports, the cold chain and key places: environment and goods samples (known by their
reference), goods movements (a batch at a place, known by batch, place and arrival), staff
shifts (known by person, place and start) and key places' daily reports (by place and day)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, select, update

from shoutu.store.repositories.entities import insert_generated, rows_in
from shoutu.store.tables import (
    EnvironmentSample,
    GoodsMovement,
    Place,
    PlaceReport,
    Shift,
    table,
)

SAMPLES = table(EnvironmentSample)
MOVEMENTS = table(GoodsMovement)
SHIFTS = table(Shift)


def _known(conn: Connection, source: Table, key: str, values: Sequence[Any]) -> dict[Any, Any]:
    statement = lambda chunk: select(source).where(source.c[key].in_(chunk))  # noqa: E731
    return {row[key]: dict(row) for row in rows_in(conn, statement, values)}


def samples_by_ref(conn: Connection, *, refs: Sequence[str]) -> dict[str, dict[str, Any]]:
    return _known(conn, SAMPLES, "sample_ref", refs)


def add(conn: Connection, source: Table, *, key: str, rows: Sequence[dict[str, Any]]) -> list[int]:
    """New rows of one of these tables (samples, movements, shifts); ids from the database."""
    return insert_generated(conn, table=source, key=key, rows=rows)


def change(
    conn: Connection, source: Table, *, key: str, row_id: int, values: dict[str, Any]
) -> None:
    """Set ``values`` on one row of one of these tables."""
    conn.execute(update(source).where(source.c[key] == row_id).values(**values))


def positive_samples(conn: Connection) -> list[dict[str, Any]]:
    """Every positive environment sample, oldest first."""
    statement = (
        select(SAMPLES)
        .where(SAMPLES.c.result == "positive")
        .order_by(SAMPLES.c.sample_time, SAMPLES.c.sample_id)
    )
    return [dict(r) for r in conn.execute(statement).mappings()]


def movements_of(conn: Connection, *, batches: Sequence[str]) -> list[dict[str, Any]]:
    """The movements of these batches, by batch and arrival."""
    statement = lambda chunk: select(MOVEMENTS).where(MOVEMENTS.c.batch_no.in_(chunk))  # noqa: E731
    found = [dict(r) for r in rows_in(conn, statement, batches)]
    return sorted(found, key=lambda m: (m["batch_no"], m["arrived_time"], m["place_id"]))


def shifts_at(conn: Connection, *, place_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The shifts at these places, by place and start."""
    statement = lambda chunk: select(SHIFTS).where(SHIFTS.c.place_id.in_(chunk))  # noqa: E731
    found = [dict(r) for r in rows_in(conn, statement, place_ids)]
    return sorted(found, key=lambda s: (s["place_id"], s["start_time"], s["person_id"]))


REPORTS = table(PlaceReport)


def reports_of(
    conn: Connection, *, place_ids: Sequence[int], days: Sequence[dt.date]
) -> dict[tuple[int, dt.date], dict[str, Any]]:
    """Key places' daily reports for these places and days, by (place, day)."""
    statement = lambda chunk: select(REPORTS).where(  # noqa: E731
        REPORTS.c.place_id.in_(chunk), REPORTS.c.report_date.in_(list(days))
    )
    return {
        (int(r["place_id"]), r["report_date"]): dict(r) for r in rows_in(conn, statement, place_ids)
    }


def add_reports(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    return insert_generated(conn, table=REPORTS, key="report_id", rows=rows)


def change_report(conn: Connection, *, report_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(REPORTS).where(REPORTS.c.report_id == report_id).values(**values))


def report_counts(conn: Connection) -> list[tuple[dt.date, str, str, int, int]]:
    """Every report's day, place region, place type, absences for illness and symptomatic."""
    places = table(Place)
    statement = select(
        REPORTS.c.report_date,
        places.c.region_code,
        places.c.type,
        REPORTS.c.absent_ill,
        REPORTS.c.symptomatic,
    ).select_from(REPORTS.join(places, places.c.place_id == REPORTS.c.place_id))
    return [
        (d, str(code), getattr(kind, "value", str(kind)), int(ill or 0), int(sick or 0))
        for d, code, kind, ill, sick in conn.execute(statement)
    ]


__all__ = [
    "add",
    "add_reports",
    "change",
    "change_report",
    "movements_of",
    "positive_samples",
    "report_counts",
    "reports_of",
    "samples_by_ref",
    "shifts_at",
]
