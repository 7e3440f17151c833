"""People: identifier lookups, the columnar roster's source, home regions and workplaces."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from shoutu.domain.access import Jurisdiction
from shoutu.store.repositories.entities import rows_in
from shoutu.store.repositories.jurisdiction import inside
from shoutu.store.tables import Person, table

TABLE = table(Person)


def get(conn: Connection, *, person_id: int, within: Jurisdiction) -> dict[str, Any] | None:
    """The person, if their home region lies in ``within``."""
    statement = select(TABLE).where(
        TABLE.c.person_id == person_id, inside(TABLE.c.home_region_code, within)
    )
    row = conn.execute(statement).mappings().first()
    return dict(row) if row else None


def by_id_hash(conn: Connection, *, id_type: str, id_hash: str) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(TABLE).where(TABLE.c.id_type == id_type, TABLE.c.id_number_hash == id_hash)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def a_ciphertext(conn: Connection) -> bytes | None:
    """One encrypted ID number of the registry (to check a key against), if any."""
    found = conn.execute(
        select(TABLE.c.id_number_enc).where(TABLE.c.id_number_enc.is_not(None)).limit(1)
    ).scalar_one_or_none()
    return None if found is None else bytes(found)


def roster_stamp(conn: Connection) -> tuple[int, str]:
    """The registry's largest person id and when a person last changed (people are never
    removed: a new or changed person changes one or the other). Two index lookups: a count
    reads the whole table (8 s of 10 million people)."""
    largest = select(func.max(TABLE.c.person_id)).scalar_subquery()
    latest = select(func.max(TABLE.c.updated_at)).scalar_subquery()
    found, last = conn.execute(select(largest, latest)).one()
    return int(found or 0), str(last)


def roster_rows(conn: Connection, *, size: int = 200_000) -> Iterator[dict[str, list[Any]]]:
    """Every person's id, home region, workplace and key population, as columns, in ascending
    chunks of ``size`` people."""
    columns = (
        TABLE.c.person_id,
        TABLE.c.home_region_code,
        TABLE.c.workplace_id,
        TABLE.c.key_population,
    )
    last = None
    while True:
        statement = select(*columns).order_by(TABLE.c.person_id).limit(size)
        if last is not None:
            statement = statement.where(TABLE.c.person_id > last)
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


def home_regions(conn: Connection, *, person_ids: Sequence[int]) -> dict[int, str | None]:
    """{person: home region code} of these people."""
    statement = lambda chunk: select(TABLE.c.person_id, TABLE.c.home_region_code).where(  # noqa: E731
        TABLE.c.person_id.in_(chunk)
    )
    return {
        int(r["person_id"]): r["home_region_code"] for r in rows_in(conn, statement, person_ids)
    }


def key_populations(conn: Connection, *, person_ids: Sequence[int]) -> dict[int, str | None]:
    """Each of these people's key population (its vocabulary value; None: none)."""
    statement = lambda chunk: select(TABLE.c.person_id, TABLE.c.key_population).where(  # noqa: E731
        TABLE.c.person_id.in_(chunk)
    )
    return {
        int(r["person_id"]): getattr(r["key_population"], "value", r["key_population"])
        for r in rows_in(conn, statement, person_ids)
    }


def homes_and_workplaces(
    conn: Connection, *, person_ids: Sequence[int]
) -> dict[int, tuple[str | None, int | None]]:
    """{person: (home region code, workplace place id)} of these people."""
    columns = (TABLE.c.person_id, TABLE.c.home_region_code, TABLE.c.workplace_id)
    statement = lambda chunk: select(*columns).where(TABLE.c.person_id.in_(chunk))  # noqa: E731
    return {
        int(r["person_id"]): (r["home_region_code"], r["workplace_id"])
        for r in rows_in(conn, statement, person_ids)
    }


def schools(conn: Connection, *, person_ids: Sequence[int]) -> dict[int, int]:
    """{person: school place id} of these people who have one."""
    columns = (TABLE.c.person_id, TABLE.c.school_id)
    statement = lambda chunk: select(*columns).where(  # noqa: E731
        TABLE.c.person_id.in_(chunk), TABLE.c.school_id.is_not(None)
    )
    return {int(r["person_id"]): int(r["school_id"]) for r in rows_in(conn, statement, person_ids)}


def all_home_regions(conn: Connection) -> dict[int, str | None]:
    """{person: home region code} of everyone."""
    return dict(conn.execute(select(TABLE.c.person_id, TABLE.c.home_region_code)).tuples().all())


def count_by(conn: Connection, *, column: str, within: Jurisdiction) -> dict[Any, int]:
    """How many people whose home lies in ``within`` (no home: only in the whole tree) have
    each value of ``column`` (``home_region_code``: the residents of each home region)."""
    col = TABLE.c[column]
    home = TABLE.c.home_region_code
    rows = conn.execute(select(col, func.count()).where(inside(home, within)).group_by(col))
    return {value: int(n) for value, n in rows}


def workplace_members(conn: Connection, *, person_id: int) -> list[tuple[int, int]]:
    """(person, workplace) of everyone who works where ``person_id`` works (them included)."""
    work = conn.execute(
        select(TABLE.c.workplace_id).where(TABLE.c.person_id == person_id)
    ).scalar_one_or_none()
    if work is None:
        return []
    rows = conn.execute(
        select(TABLE.c.person_id, TABLE.c.workplace_id).where(TABLE.c.workplace_id == work)
    )
    return [(int(p), int(w)) for p, w in rows]


__all__ = [
    "a_ciphertext",
    "all_home_regions",
    "by_id_hash",
    "count_by",
    "get",
    "home_regions",
    "key_populations",
    "roster_rows",
    "roster_stamp",
    "schools",
    "workplace_members",
]
