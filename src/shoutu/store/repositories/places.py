"""Places: their types and regions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from shoutu.domain.access import Jurisdiction
from shoutu.store.repositories.entities import chunks, rows_in
from shoutu.store.repositories.jurisdiction import inside
from shoutu.store.tables import Place, table

TABLE = table(Place)


def types(conn: Connection) -> dict[int, str]:
    """Every place's type (its vocabulary value)."""
    return {
        int(p): getattr(kind, "value", str(kind))
        for p, kind in conn.execute(select(TABLE.c.place_id, TABLE.c.type))
    }


def regions(conn: Connection) -> dict[int, str]:
    """Every place's region code."""
    return dict(conn.execute(select(TABLE.c.place_id, TABLE.c.region_code)).tuples().all())


def count_by_type(conn: Connection, *, within: Jurisdiction) -> dict[str, int]:
    """How many places of each type lie in ``within`` (by their region)."""
    rows = conn.execute(
        select(TABLE.c.type, func.count())
        .where(inside(TABLE.c.region_code, within))
        .group_by(TABLE.c.type)
    )
    return {kind: int(n) for kind, n in rows}


def types_of(conn: Connection, *, place_ids: Sequence[int]) -> dict[int, str]:
    """The type (its vocabulary value) of each of these places that exists."""
    found: dict[int, str] = {}
    for chunk in chunks(list(place_ids)):
        statement: Any = select(TABLE.c.place_id, TABLE.c.type).where(TABLE.c.place_id.in_(chunk))
        for p, kind in conn.execute(statement):
            found[int(p)] = getattr(kind, "value", str(kind))
    return found


def of_types(conn: Connection, *, types: Sequence[str]) -> list[dict[str, Any]]:
    """The places of these types, by id."""
    statement = select(TABLE).where(TABLE.c.type.in_(list(types))).order_by(TABLE.c.place_id)
    return [dict(r) for r in conn.execute(statement).mappings()]


def described(conn: Connection, *, place_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The id, name, type, region and position of these places."""
    columns = (
        TABLE.c.place_id,
        TABLE.c.name,
        TABLE.c.type,
        TABLE.c.region_code,
        TABLE.c.lat,
        TABLE.c.lon,
    )
    statement = lambda chunk: select(*columns).where(TABLE.c.place_id.in_(chunk))  # noqa: E731
    return [dict(r) for r in rows_in(conn, statement, place_ids)]


def get(conn: Connection, *, place_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(TABLE).where(TABLE.c.place_id == place_id)).mappings().first()
    return dict(row) if row else None


__all__ = ["count_by_type", "described", "get", "of_types", "regions", "types", "types_of"]
