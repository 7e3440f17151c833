"""Generic reads and writes of entity tables keyed by one natural-key column."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, select, update

CHUNK = 5000


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def fetch_by_keys(
    conn: Connection, *, table: Table, key: str, keys: Sequence[Any]
) -> dict[Any, dict[str, Any]]:
    """Rows whose ``key`` is in ``keys``, as {key: row mapping}."""
    column = table.c[key]
    found: dict[Any, dict[str, Any]] = {}
    for chunk in _chunks(list(keys)):
        for row in conn.execute(select(table).where(column.in_(chunk))).mappings():
            found[row[key]] = dict(row)
    return found


def existing_keys(conn: Connection, *, table: Table, key: str, keys: Sequence[Any]) -> set[Any]:
    column = table.c[key]
    found: set[Any] = set()
    for chunk in _chunks(list(keys)):
        found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def owners(
    conn: Connection, *, table: Table, column: str, key: str, values: Sequence[Any]
) -> dict[Any, Any]:
    """{value of ``column``: key of the row holding it} for values already stored."""
    found: dict[Any, Any] = {}
    col = table.c[column]
    for chunk in _chunks(list(values)):
        for value, owner in conn.execute(select(col, table.c[key]).where(col.in_(chunk))):
            found[value] = owner
    return found


def insert_rows(conn: Connection, *, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        conn.execute(table.insert(), list(chunk))


def update_rows(
    conn: Connection, *, table: Table, key: str, rows: Sequence[dict[str, Any]]
) -> None:
    """Update each row by its key; every row must carry the same columns."""
    if not rows:
        return
    columns = [c for c in rows[0] if c != key]
    statement = (
        update(table)
        .where(table.c[key] == bindparam("_key"))
        .values({c: bindparam(c) for c in columns})
    )
    params = [{**{c: row[c] for c in columns}, "_key": row[key]} for row in rows]
    for chunk in _chunks(params):
        conn.execute(statement, list(chunk))


def count_by(conn: Connection, *, table: Table, column: str) -> dict[Any, int]:
    """Row counts per value of ``column``."""
    col = table.c[column]
    result = conn.execute(select(col, func.count()).group_by(col))
    return {value: int(count) for value, count in result}


def count_rows(conn: Connection, *, table: Table, where: Any = None) -> int:
    statement = select(func.count()).select_from(table)
    if where is not None:
        statement = statement.where(where)
    return int(conn.execute(statement).scalar_one())
