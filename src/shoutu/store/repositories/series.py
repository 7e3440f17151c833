"""Reads that count series are built from."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, select

from shoutu.store.tables import Case, Person, Place, Region, table


def case_times(conn: Connection) -> list[tuple[dt.datetime, dt.datetime | None, str, str | None]]:
    """(report time, onset time, channel, region code) of every case."""
    cases = table(Case)
    rows = conn.execute(
        select(cases.c.report_time, cases.c.onset_time, cases.c.channel, cases.c.region_code)
    )
    return [(r, o, str(c), g) for r, o, c, g in rows]


def place_regions(conn: Connection) -> dict[int, str]:
    places = table(Place)
    return dict(conn.execute(select(places.c.place_id, places.c.region_code)).tuples().all())


def person_regions(conn: Connection) -> dict[int, str | None]:
    people = table(Person)
    return dict(conn.execute(select(people.c.person_id, people.c.home_region_code)).tuples().all())


def populations(conn: Connection) -> dict[str, Any]:
    regions = table(Region)
    return dict(conn.execute(select(regions.c.code, regions.c.population)).tuples().all())
