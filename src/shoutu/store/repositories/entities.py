"""Generic reads and writes of entity tables keyed by one column, and the helpers every
repository shares: chunked ``IN`` lists, inserts that take their ids from the database, and
moving a table's id sequence past ids an import brought."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Connection,
    Result,
    Select,
    Table,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.types import JSON

from shoutu.store.types import Encoded, UTCDateTime, Vocab

#: values per ``IN (...)`` list (SQLite allows 32,766 parameters a statement)
CHUNK = 5000


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """``values`` in slices of ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def rows_in(
    conn: Connection,
    statement: Callable[[Sequence[Any]], Select[Any]],
    values: Iterable[Any],
) -> Iterator[dict[str, Any]]:
    """Rows of ``statement(chunk)`` as dicts for the values in chunks of ``CHUNK`` (the
    statement filters with ``column.in_(chunk)``): any number of keys, in few round trips."""
    for chunk in chunks(list(values)):
        yield from records(conn.execute(statement(chunk)))


def records(result: Result[Any]) -> list[dict[str, Any]]:
    """A result's rows as dicts, the column names read once (``dict(row)`` of each mapping
    builds its key view anew: a tenth of a 100,000-episode read)."""
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]


def insert_generated(
    conn: Connection, *, table: Table, key: str, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert rows whose ``key`` the database generates (identity or sequence on PostgreSQL,
    the rowid on SQLite); returns the new ids in the rows' order. Safe for concurrent
    writers: nothing is computed from the largest id in use."""
    if not rows:
        return []
    if conn.dialect.name == "sqlite":
        # the bulk path: a writer holds SQLite's write lock from its first write to its
        # commit, so the rowids its inserts get are consecutive, ending with the last one
        insert_rows(conn, table=table, rows=_with_defaults(table, rows))
        last = int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
        return list(range(last - len(rows) + 1, last + 1))
    statement = insert(table).returning(table.c[key], sort_by_parameter_order=True)
    return [int(v) for v in conn.execute(statement, list(rows)).scalars()]


def _with_defaults(table: Table, rows: Sequence[dict[str, Any]]) -> Sequence[dict[str, Any]]:
    """The rows with the columns' Python-side defaults they leave out (the bulk path does not
    apply them, as an SQLAlchemy insert does)."""
    given = rows[0]
    missing = {}
    for column in table.columns:
        default = column.default
        if column.name in given or default is None:
            continue
        if not getattr(default, "is_scalar", False):
            raise ValueError(f"{table.name}.{column.name}: only scalar defaults in bulk inserts")
        missing[column.name] = getattr(default, "arg", None)
    return [{**missing, **row} for row in rows] if missing else rows


def advance_sequence(conn: Connection, *, table: Table, key: str) -> None:
    """After rows with given ids: move the id sequence past the largest (PostgreSQL; SQLite's
    rowid always follows the largest id), in the same transaction."""
    if conn.dialect.name != "postgresql":
        return
    sequence = conn.execute(
        text("SELECT pg_get_serial_sequence(:table, :key)"), {"table": table.name, "key": key}
    ).scalar_one()
    conn.execute(
        text(
            f"SELECT setval('{sequence}', GREATEST((SELECT COALESCE(MAX({key}), 0) FROM "
            f"{table.name}), (SELECT last_value FROM {sequence})), true)"
        )
    )


def fetch_by_keys(
    conn: Connection, *, table: Table, key: str, keys: Sequence[Any]
) -> dict[Any, dict[str, Any]]:
    """Rows whose ``key`` is in ``keys``, as {key: row mapping}."""
    column = table.c[key]
    rows = rows_in(conn, lambda chunk: select(table).where(column.in_(chunk)), keys)
    return {row[key]: dict(row) for row in rows}


def existing_keys(conn: Connection, *, table: Table, key: str, keys: Sequence[Any]) -> set[Any]:
    column = table.c[key]
    found: set[Any] = set()
    for chunk in chunks(list(keys)):
        found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def owners(
    conn: Connection, *, table: Table, column: str, key: str, values: Sequence[Any]
) -> dict[Any, Any]:
    """{value of ``column``: key of the row holding it} for values already stored."""
    found: dict[Any, Any] = {}
    col = table.c[column]
    for chunk in chunks(list(values)):
        for value, owner in conn.execute(select(col, table.c[key]).where(col.in_(chunk))):
            found[value] = owner
    return found


def insert_rows(conn: Connection, *, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert; every row must carry the same columns.

    The bulk path of the store: each column's type processor is resolved once, then rows go
    to the driver directly, with PostgreSQL's COPY or SQLite's executemany. (SQLAlchemy's
    generic executemany builds a parameter dict per row: about 4x slower at 100,000 rows.)
    """
    if not rows:
        return
    dialect = conn.dialect
    columns = list(rows[0])
    processors = [_processor(table.c[c], dialect) for c in columns]
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    target = quote(table.name)

    pick = itemgetter(*columns)
    processed = [(i, p) for i, p in enumerate(processors) if p is not None]

    def values(row: dict[str, Any]) -> Sequence[Any]:
        picked: Sequence[Any] = pick(row)
        if len(columns) == 1:
            picked = (picked,)
        if not processed:
            return picked
        out = list(picked)
        for i, process in processed:
            value = out[i]
            if value is not None:
                out[i] = process(value)
        return out

    if dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(values(row))
        return
    statement = f"INSERT INTO {target} ({names}) VALUES ({', '.join('?' * len(columns))})"
    raw = conn.connection.driver_connection  # in the connection's transaction
    assert raw is not None
    raw.executemany(statement, map(values, rows))


def _processor(column: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """A column's bind processor for bulk rows; a timestamp's remembers what it gave (a
    batch's rows share their stamps and days: 725,000 rows of an import of contacts hold a
    few dozen distinct times), and so does a vocabulary's; a JSON column's takes
    :class:`Encoded` text as it is."""
    process: Callable[[Any], Any] | None = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return None
    if isinstance(column.type, JSON):
        encode = process

        def text(value: Any) -> Any:
            return str.__str__(value) if type(value) is Encoded else encode(value)

        return text
    if not isinstance(column.type, UTCDateTime | Vocab):
        return process
    # aware datetimes: equal ones are the same instant; a vocabulary's member and its text
    # are stored alike
    seen: dict[Any, Any] = {}

    def remembered(value: Any) -> Any:
        found = seen.get(value, seen)
        if found is seen:
            found = process(value)
            if len(seen) < 100_000:
                seen[value] = found
        return found

    return remembered


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
    for chunk in chunks(params):
        conn.execute(statement, list(chunk))


def count_by(conn: Connection, *, table: Table, column: str) -> dict[Any, int]:
    """Row counts per value of ``column``."""
    col = table.c[column]
    result = conn.execute(select(col, func.count()).group_by(col))
    return {value: int(count) for value, count in result}
