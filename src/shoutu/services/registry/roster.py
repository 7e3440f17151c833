"""A columnar snapshot of the registry's people, for validating and counting millions of rows
at once.

``{event_dir}/roster/people.parquet`` holds every person id (sorted) with their home region,
workplace and key-population category; ``stamp.txt`` the registry's person count and last
change it was made from. ``roster`` rebuilds the snapshot when the registry changed since.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from shoutu.events.store import write_atomically
from shoutu.services.context import ServiceContext
from shoutu.store.repositories import people as repo

SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("home_region_code", pa.string()),
        ("workplace_id", pa.int64()),
        ("key_population", pa.string()),
    ]
)


def roster(ctx: ServiceContext) -> pa.Table:
    """The snapshot (sorted by person id), rebuilt when the registry changed."""
    folder = ctx.settings.event_dir / "roster"
    data, stamp_file = folder / "people.parquet", folder / "stamp.txt"
    with ctx.connect() as conn:
        count, latest = repo.roster_stamp(conn)
        stamp = f"{count} {latest}"
        if data.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
            return pq.read_table(data)
        parts = [pa.Table.from_pydict(columns, SCHEMA) for columns in repo.roster_rows(conn)]
    table = pa.concat_tables(parts) if parts else SCHEMA.empty_table()
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(table, data)
    stamp_file.write_text(stamp)
    return table


def roster_ids(ctx: ServiceContext) -> np.ndarray:
    """Sorted person ids of the registry (int64)."""
    return np.asarray(roster(ctx).column("person_id").to_numpy(), np.int64)


def known(ids: np.ndarray, person_ids: np.ndarray) -> np.ndarray:
    """Which of ``person_ids`` are in ``ids`` (sorted)."""
    if len(ids) == 0:
        return np.zeros(len(person_ids), bool)
    order = np.argsort(person_ids, kind="stable")  # sorted queries search with locality
    at = np.minimum(np.searchsorted(ids, person_ids[order]), len(ids) - 1)
    found = np.empty(len(person_ids), bool)
    found[order] = ids[at] == person_ids[order]
    return found


__all__ = ["known", "roster", "roster_ids"]
