"""A columnar snapshot of the registry's people, for validating millions of rows at once.

``{event_dir}/roster/people.parquet`` holds every person id (sorted); ``stamp.txt`` the
registry's person count and last change it was made from. ``roster_ids`` rebuilds the snapshot
when the registry changed since, then answers membership with a binary search.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from shoutu.services.context import ServiceContext
from shoutu.store.repositories import lab as repo


def roster_ids(ctx: ServiceContext) -> np.ndarray:
    """Sorted person ids of the registry (int64), from the snapshot when it is current."""
    folder = ctx.settings.event_dir / "roster"
    data, stamp_file = folder / "people.parquet", folder / "stamp.txt"
    with ctx.engine.connect() as conn:
        count, latest = repo.roster_stamp(conn)
        stamp = f"{count} {latest}"
        if data.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
            return np.asarray(pq.read_table(data).column("person_id").to_numpy(), np.int64)
        chunks = [np.asarray(ids, np.int64) for ids in repo.person_ids(conn)]
    ids = np.sort(np.concatenate(chunks)) if chunks else np.zeros(0, np.int64)
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"person_id": ids}), data)
    stamp_file.write_text(stamp)
    return ids


def known(roster: np.ndarray, person_ids: np.ndarray) -> np.ndarray:
    """Which of ``person_ids`` are in the (sorted) roster."""
    if len(roster) == 0:
        return np.zeros(len(person_ids), bool)
    at = np.minimum(np.searchsorted(roster, person_ids), len(roster) - 1)
    return np.asarray(roster[at] == person_ids)


__all__ = ["known", "roster_ids"]
