"""A columnar snapshot of the registry's people, for validating and counting millions of rows
at once.

``{event_dir}/roster/people.parquet`` holds every person id (sorted) with their home region,
workplace and key-population category; ``stamp.txt`` the registry's largest person id and
last change it was made from. ``roster`` rebuilds the snapshot when the registry changed since.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shoutu.domain.access import EVERYWHERE, Jurisdiction
from shoutu.domain.regions import parse_region_code
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
        largest, latest = repo.roster_stamp(conn)
        stamp = f"{largest} {latest}"
        if data.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
            return pq.read_table(data)
        parts = [pa.Table.from_pydict(columns, SCHEMA) for columns in repo.roster_rows(conn)]
    table = pa.concat_tables(parts) if parts else SCHEMA.empty_table()
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(table, data)
    stamp_file.write_text(stamp)
    return table


def roster_within(ctx: ServiceContext, within: Jurisdiction) -> pa.Table:
    """The snapshot's people whose home lies in ``within`` (a person without a home only in
    the whole tree)."""
    people = roster(ctx)
    if within.prefixes is None:
        return people
    return people.filter(pa.array(homes_within(people["home_region_code"], within)))


def roster_ids(ctx: ServiceContext, within: Jurisdiction = EVERYWHERE) -> np.ndarray:
    """Sorted person ids of the registry (int64), of the people whose home lies in
    ``within`` (:func:`roster_within`)."""
    return np.asarray(roster_within(ctx, within).column("person_id").to_numpy(), np.int64)


def homes_within(homes: Any, within: Jurisdiction) -> np.ndarray:
    """Which home region codes (a string array) lie in ``within`` (no home: only in the
    whole tree)."""
    if within.prefixes is None:
        return np.ones(len(homes), bool)
    inside = np.zeros(len(homes), bool)
    for prefix in within.prefixes:
        starts = pc.starts_with(homes, prefix).fill_null(False)
        inside |= np.asarray(starts.to_numpy(zero_copy_only=False), bool)
    return inside


def known(ids: np.ndarray, person_ids: np.ndarray) -> np.ndarray:
    """Which of ``person_ids`` are in ``ids`` (sorted)."""
    if len(ids) == 0:
        return np.zeros(len(person_ids), bool)
    order = np.argsort(person_ids, kind="stable")  # sorted queries search with locality
    at = np.minimum(np.searchsorted(ids, person_ids[order]), len(ids) - 1)
    found = np.empty(len(person_ids), bool)
    found[order] = ids[at] == person_ids[order]
    return found


def region_targets(
    people: pa.Table, places: dict[int, str], region_code: str, level: str
) -> tuple[np.ndarray, np.ndarray]:
    """Area code (community or building) and id of each target person, ids ascending:
    residents of the area where they live, workers from outside where they work."""
    homes, home_in, workplace, chosen = _targets(people, places, region_code)
    ids = np.asarray(people["person_id"].filter(chosen).to_numpy(), np.int64)
    where = pc.if_else(home_in, homes, workplace).filter(chosen)
    if level == "building":
        area = pc.if_else(
            pc.equal(pc.utf8_length(where), 16), where, pc.utf8_slice_codeunits(where, 0, 12)
        )
    else:
        area = pc.utf8_slice_codeunits(where, 0, 12)
    return np.asarray(area.to_numpy(zero_copy_only=False), object), ids


def target_ids(people: pa.Table, places: dict[int, str], region_code: str) -> np.ndarray:
    """The ids of :func:`region_targets`' people, ascending, without their areas."""
    chosen = _targets(people, places, region_code)[3]
    return np.asarray(people["person_id"].filter(chosen).to_numpy(), np.int64)


def _targets(people: pa.Table, places: dict[int, str], region_code: str) -> tuple[Any, ...]:
    """Each person's home, whether it lies in the region, their workplace's region, and
    whether they are a target (living there, or working there from outside)."""
    prefix = parse_region_code(region_code).prefix
    homes = people["home_region_code"]
    home_in = pc.starts_with(homes, prefix).fill_null(False)
    # workplace -> region, through a lookup table over the place ids
    work = np.asarray(people["workplace_id"].fill_null(-1).to_numpy(), np.int64)
    if places:
        place_ids = np.fromiter(places.keys(), np.int64, len(places))
        order = np.argsort(place_ids)
        at = np.minimum(np.searchsorted(place_ids[order], work), len(order) - 1)
        regions = pa.array(list(places.values()), pa.string()).take(pa.array(order[at]))
        found = pa.array(place_ids[order][at] == work)
        workplace = pc.if_else(found, regions, pa.scalar(None, pa.string()))
    else:
        workplace = pa.nulls(len(work), pa.string())
    work_in = pc.and_(pc.invert(home_in), pc.starts_with(workplace, prefix).fill_null(False))
    return homes, home_in, workplace, pc.or_(home_in, work_in)


__all__ = [
    "homes_within",
    "known",
    "region_targets",
    "roster",
    "roster_ids",
    "roster_within",
    "target_ids",
]
