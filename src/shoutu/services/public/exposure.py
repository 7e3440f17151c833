"""The public self-check (自查): given a person's own visits (place, time in, time out), the
published case windows (``shoutu trajectories``) they overlapped and by how many minutes — run
anywhere on the published file alone, so no one's movements have to leave their phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoutu.errors import BadRequest, InputError, options_checked
from shoutu.io.provenance import build_provenance, file_hash

US_PER_MINUTE = 60_000_000
SELF_CHECK_COLUMNS = (
    "place_id",
    "name",
    "visit_start",
    "visit_end",
    "window_start",
    "window_end",
    "overlap_minutes",
)


@dataclass(frozen=True)
class SelfCheckResult:
    exposures: pa.Table  # SELF_CHECK_COLUMNS
    visits: int
    provenance: dict[str, Any]


def self_check(trajectories: pa.Table, visits: pa.Table) -> pa.Table:
    """Every (visit, published window) pair at the same place with overlapping times
    (``SELF_CHECK_COLUMNS``), by visit start."""
    utc = pa.timestamp("us", tz="UTC")
    w_place = np.asarray(trajectories["place_id"].cast(pa.int64()).to_numpy(zero_copy_only=False))
    w_start = _micros(trajectories["window_start"].cast(utc))
    w_end = _micros(trajectories["window_end"].cast(utc))
    v_place = np.asarray(visits["place_id"].cast(pa.int64()).to_numpy(zero_copy_only=False))
    v_start = _micros(visits["t_in"].cast(utc))
    v_end = _micros(visits["t_out"].cast(utc))
    order = np.argsort(w_place, kind="stable")
    lo = np.searchsorted(w_place[order], v_place, "left")
    hi = np.searchsorted(w_place[order], v_place, "right")
    pairs = [(v, int(order[k])) for v in range(len(v_place)) for k in range(lo[v], hi[v])]
    vi = np.asarray([p[0] for p in pairs], int)
    wi = np.asarray([p[1] for p in pairs], int)
    s = np.maximum(v_start[vi], w_start[wi]) if len(pairs) else np.zeros(0, np.int64)
    e = np.minimum(v_end[vi], w_end[wi]) if len(pairs) else np.zeros(0, np.int64)
    keep = e > s
    vi, wi, s, e = vi[keep], wi[keep], s[keep], e[keep]
    sort = np.lexsort((wi, v_start[vi]))
    vi, wi, s, e = vi[sort], wi[sort], s[sort], e[sort]
    names = (
        pc.take(trajectories["name"], pa.array(wi, pa.int64()))
        if "name" in trajectories.column_names
        else pa.nulls(len(wi), pa.string())
    )
    return pa.table(
        {
            "place_id": pa.array(v_place[vi], pa.int64()),
            "name": names,
            "visit_start": pa.array(v_start[vi], pa.int64()).cast(utc),
            "visit_end": pa.array(v_end[vi], pa.int64()).cast(utc),
            "window_start": pa.array(w_start[wi], pa.int64()).cast(utc),
            "window_end": pa.array(w_end[wi], pa.int64()).cast(utc),
            "overlap_minutes": pa.array((e - s) / US_PER_MINUTE, pa.float64()),
        }
    )


VISIT_SCHEMA = pa.schema(
    [
        ("place_id", pa.int64()),
        ("t_in", pa.timestamp("us", tz="UTC")),
        ("t_out", pa.timestamp("us", tz="UTC")),
    ]
)


def read_visits(
    path: Path | None,
    place: int | None,
    time_in: str | None,
    time_out: str | None,
    timezone: str,
) -> pa.Table:
    """A person's visits from a file (``place_id, t_in, t_out``; bad values by row and field)
    or one visit given as place and times; naive times are local."""
    from shoutu.domain.timeutil import parse_timestamp
    from shoutu.io.columnar import read_columns

    if path is not None:
        if place is not None:
            raise BadRequest("give {visits} or {place} with {time_in}/{time_out}, not both")
        table, check = read_columns(path, VISIT_SCHEMA, ("place_id", "t_in", "t_out"), timezone)
        bad = pc.less_equal(table["t_out"], table["t_in"]).to_numpy(zero_copy_only=False)
        check.rows(np.asarray(bad, bool), "t_out", "is not after t_in", unless=("t_in",))
        if not check.report.ok:
            raise InputError(check.report)
        return table
    if place is None or time_in is None or time_out is None:
        raise BadRequest("give {visits}, or {place} with {time_in} and {time_out}")
    with options_checked():
        start = parse_timestamp(time_in, timezone)
        end = parse_timestamp(time_out, timezone)
    if end <= start:
        raise BadRequest("{time_out} must be after {time_in}")
    return pa.table({"place_id": [place], "t_in": [start], "t_out": [end]}, schema=VISIT_SCHEMA)


def self_check_file(trajectories: Path, visits: pa.Table) -> SelfCheckResult:
    """The self-check of ``visits`` against a published trajectories file."""
    from shoutu.io.columnar import read_arrow

    published = read_arrow(trajectories)
    missing = [
        c for c in ("place_id", "window_start", "window_end") if c not in published.column_names
    ]
    if missing:
        raise InputError.single(str(trajectories), f"needs the columns {', '.join(missing)}")
    provenance = build_provenance(
        command="self-check",
        parameters={"visits": visits.num_rows},
        input_hashes=[file_hash(trajectories)],
    )
    return SelfCheckResult(self_check(published, visits), visits.num_rows, provenance)


def _micros(times: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(times.cast(pa.int64()).to_numpy(zero_copy_only=False), np.int64)


__all__ = [
    "SELF_CHECK_COLUMNS",
    "SelfCheckResult",
    "read_visits",
    "self_check",
    "self_check_file",
]
