"""What tracing in store mode reads and writes: the index case, its workplace colleagues, and
the contacts it records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from shoutu.store.repositories import entities
from shoutu.store.tables import Case, Contact, Person, table


def case(conn: Connection, *, case_id: int) -> dict[str, Any] | None:
    cases = table(Case)
    row = conn.execute(select(cases).where(cases.c.case_id == case_id)).mappings().first()
    return dict(row) if row else None


def workplace_members(conn: Connection, *, person_id: int) -> list[tuple[int, int]]:
    """(person, workplace) of everyone who works where ``person_id`` works (them included)."""
    people = table(Person)
    work = conn.execute(
        select(people.c.workplace_id).where(people.c.person_id == person_id)
    ).scalar_one_or_none()
    if work is None:
        return []
    rows = conn.execute(
        select(people.c.person_id, people.c.workplace_id).where(people.c.workplace_id == work)
    )
    return [(int(p), int(w)) for p, w in rows]


def recorded_contacts(conn: Connection, *, index_case_id: int) -> set[tuple[Any, ...]]:
    contacts = table(Contact)
    rows = conn.execute(
        select(
            contacts.c.person_id, contacts.c.kind, contacts.c.setting, contacts.c.place_id
        ).where(contacts.c.index_case_id == index_case_id)
    )
    return {
        (int(p), str(getattr(k, "value", k)), str(getattr(s, "value", s)), pl)
        for p, k, s, pl in rows
    }


def add_contacts(conn: Connection, *, rows: Sequence[dict[str, Any]]) -> list[int]:
    return entities.insert_numbered(conn, entity=Contact, key="contact_id", rows=rows)


__all__ = ["add_contacts", "case", "recorded_contacts", "workplace_members"]
