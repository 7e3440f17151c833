"""Check-ins in: ``shoutu import checkins FILE`` (CSV or Parquet: person_id, place_id, t_in,
t_out) into the event store, day-partitioned and sorted by place, so that a trace reads only
the days and places it needs.

Read and checked column by column (``io.columnar``): unknown person (against the roster
snapshot), unknown place, a time that does not parse, t_out before t_in; every problem named by
row and field, and one problem means nothing is written. A missing t_out gets the place type's
typical dwell: the middle of the visit lengths the simulator's parameter file gives for that
venue type, else ``DEFAULT_DWELL_MINUTES``. Visits already stored (same person, place and
t_in) are skipped, so re-sending a batch changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoutu.errors import InputError
from shoutu.events.store import read_around, write_events
from shoutu.io.columnar import read_columns
from shoutu.io.provenance import build_provenance, file_hash
from shoutu.services.context import ServiceContext
from shoutu.services.registry.roster import known, roster_ids
from shoutu.store.repositories import places as places_repo

SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("place_id", pa.int64()),
        ("t_in", pa.timestamp("us", tz="UTC")),
        ("t_out", pa.timestamp("us", tz="UTC")),
    ]
)
REQUIRED = ("person_id", "place_id", "t_in")
DEFAULT_DWELL_MINUTES = 60.0  # places the parameter file gives no visit length for


@dataclass
class CheckinBatch:
    file: str
    rows: int
    new: int
    already_stored: int
    dwell_filled: int
    provenance: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "provenance"}


def typical_dwell_minutes() -> dict[str, float]:
    """Venue type -> the middle of its visit length range (simulator parameters)."""
    from shoutu.sim.params import load_population_params

    venues = load_population_params().venues
    return {str(kind.value): (v.visit[4] + v.visit[5]) / 2 for kind, v in venues.items()}


MAX_VISIT = 24 * 3600 * 1_000_000  # microseconds: a check-in longer than a day is not a visit


def import_checkins(
    ctx: ServiceContext, path: Path, *, allow_dates: bool = False, encoding: str | None = None
) -> CheckinBatch:
    """Validate and store a check-ins file (see the module's text); times outside the
    plausible dates are refused unless ``allow_dates``."""
    table, check = read_columns(path, SCHEMA, REQUIRED, ctx.settings.timezone, encoding=encoding)
    if not allow_dates:
        check.plausible(table, ("t_in", "t_out"), ctx.plausible_window(), ctx.settings.timezone)
    people = np.asarray(table["person_id"].fill_null(-1).to_numpy(), np.int64)
    check.rows(~known(roster_ids(ctx), people) & (people >= 0), "person_id", "unknown person")
    with ctx.connect() as conn:
        types = places_repo.types(conn)
    place_ids = np.fromiter(types, np.int64, len(types))
    places = np.asarray(table["place_id"].fill_null(-1).to_numpy(), np.int64)
    check.rows(~known(np.sort(place_ids), places) & (places >= 0), "place_id", "unknown place")
    early = pc.less(table["t_out"], table["t_in"]).fill_null(False)
    early_rows = np.asarray(early.to_numpy(zero_copy_only=False), bool)
    check.rows(early_rows, "t_out", "is before t_in", unless=("t_in",))
    span = pc.subtract(pc.cast(table["t_out"], pa.int64()), pc.cast(table["t_in"], pa.int64()))
    long = np.asarray(pc.greater(span, MAX_VISIT).fill_null(False).to_numpy(zero_copy_only=False))
    check.rows(long, "t_out", "is more than 24 hours after t_in: not one visit", unless=("t_in",))
    if not check.report.ok:
        raise InputError(check.report)
    # fill missing t_out with the place type's typical dwell
    missing = np.asarray(table["t_out"].is_null().to_numpy(zero_copy_only=False), bool)
    if missing.any():
        dwell = typical_dwell_minutes()
        minutes = np.array(
            [dwell.get(types.get(int(p), ""), DEFAULT_DWELL_MINUTES) for p in places[missing]]
        )
        t_in = pc.cast(table["t_in"], pa.int64()).to_numpy(zero_copy_only=False)
        t_out = pc.cast(table["t_out"], pa.int64()).to_numpy(zero_copy_only=False).copy()
        t_out[missing] = t_in[missing] + (minutes * 60e6).astype(np.int64)
        filled = pa.array(t_out, pa.int64()).cast(pa.timestamp("us", tz="UTC"))
        table = table.set_column(3, "t_out", filled)
    keys = _keys(table)
    first = np.zeros(table.num_rows, bool)
    codes = pc.dictionary_encode(keys).combine_chunks()
    _, index = np.unique(codes.indices.to_numpy(zero_copy_only=False), return_index=True)
    first[index] = True
    stored = _stored(ctx, table)
    seen = (
        np.asarray(pc.is_in(keys, _keys(stored)).to_numpy(zero_copy_only=False), bool)
        if stored.num_rows
        else np.zeros(table.num_rows, bool)
    )
    fresh = table.filter(pa.array(first & ~seen))
    digest = file_hash(path)
    batch = CheckinBatch(
        path.name,
        table.num_rows,
        fresh.num_rows,
        int(seen.sum()),
        int(missing.sum()),
        build_provenance(command="import checkins", parameters={}, input_hashes=[digest]),
    )
    if fresh.num_rows:
        tag = hashlib.sha256(f"checkins:{digest}".encode()).hexdigest()[:16]
        write_events(ctx.settings.event_dir, "checkins", fresh, ctx.settings.timezone, tag)
    return batch


def _keys(table: pa.Table) -> pa.Array:
    """person, place and entry time in one string, to compare visits with is_in."""
    parts = [pc.cast(table[c], pa.string()) for c in ("person_id", "place_id")]
    parts.append(pc.cast(pc.cast(table["t_in"], pa.int64()), pa.string()))
    return pc.binary_join_element_wise(*parts, "|")


def _stored(ctx: ServiceContext, table: pa.Table) -> pa.Table:
    """Stored visits of the batch's entry days, one day either side."""
    columns = ["person_id", "place_id", "t_in"]
    return read_around(ctx.settings.event_dir, "checkins", table["t_in"], columns)


__all__ = ["CheckinBatch", "import_checkins", "typical_dwell_minutes"]
