"""Vaccination doses, known by (person, dose number)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, select, update

from shoutu.store.repositories.entities import insert_generated, rows_in
from shoutu.store.tables import Person, VaccinationDose, table

TABLE = table(VaccinationDose)
PEOPLE = table(Person)


def of_people(
    conn: Connection, *, person_ids: Sequence[int]
) -> dict[tuple[int, int], dict[str, Any]]:
    """These people's doses, by (person, dose number)."""
    statement = lambda chunk: select(TABLE).where(TABLE.c.person_id.in_(chunk))  # noqa: E731
    return {
        (int(r["person_id"]), int(r["dose_number"])): dict(r)
        for r in rows_in(conn, statement, person_ids)
    }


def doses_by_person(conn: Connection, *, until: dt.date) -> dict[int, list[tuple[dt.date, str]]]:
    """Every person's doses given by ``until`` (date, product), by dose number."""
    statement = (
        select(TABLE.c.person_id, TABLE.c.dose_date, TABLE.c.product)
        .where(TABLE.c.dose_date <= until)
        .order_by(TABLE.c.person_id, TABLE.c.dose_number)
    )
    found: dict[int, list[tuple[dt.date, str]]] = {}
    for person, day, product in conn.execute(statement):
        found.setdefault(int(person), []).append((day, product))
    return found


def people_facts(conn: Connection, *, size: int = 200_000) -> Iterator[list[dict[str, Any]]]:
    """Every person's id, home region, birth date and stated doses, in chunks."""
    columns = (
        PEOPLE.c.person_id,
        PEOPLE.c.home_region_code,
        PEOPLE.c.birth_date,
        PEOPLE.c.vaccination_doses,
        PEOPLE.c.last_vaccination_date,
    )
    last = None
    while True:
        statement = select(*columns).order_by(PEOPLE.c.person_id).limit(size)
        if last is not None:
            statement = statement.where(PEOPLE.c.person_id > last)
        rows = [dict(r) for r in conn.execute(statement).mappings()]
        if not rows:
            return
        yield rows
        last = rows[-1]["person_id"]


def add(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    return insert_generated(conn, table=TABLE, key="dose_id", rows=rows)


def change(conn: Connection, *, dose_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(TABLE).where(TABLE.c.dose_id == dose_id).values(**values))


__all__ = ["add", "change", "doses_by_person", "of_people", "people_facts"]
