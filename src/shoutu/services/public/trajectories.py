"""Public case trajectories (病例活动轨迹) and the public self-check (自查).

``publish_trajectories``: the places cases visited while they may have been infectious (the
protocol's contact window: lookback before onset or sampling — or the last negative sample —
until isolation), de-identified for publication: no person, no case, no count; each visit
widened to whole ``round_minutes`` slots and overlapping windows at one place merged, so a
window cannot be traced back to one visitor's exact times. The same query as the contact
trace (``contact_query``), on DuckDB or Spark.

``self_check``: given a person's own visits (place, time in, time out), the published windows
they overlapped and by how many minutes — run anywhere on the published file alone, so no one's
movements have to leave their phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shoutu.io.engines import EngineOptions
from shoutu.protocols.schema import Protocol
from shoutu.services.investigation.contact_query import (
    INPUTS,
    US_PER_MINUTE,
    index_views,
    index_visits,
    load_inputs,
)

PLACE_COLUMNS = ("name", "type", "region_code", "lat", "lon")
TRAJECTORY_COLUMNS = ("place_id", *PLACE_COLUMNS, "window_start", "window_end", "local_window")
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
class TrajectoryFiles:
    checkins: Path | tuple[Path, ...]
    cases: Path
    tests: Path | None = None


def _windows_sql(slot: int) -> str:
    """Case visits inside their windows, widened to whole slots, merged per place (islands)."""
    return f"""
    SELECT place_id, MIN(s) AS window_start, MAX(e) AS window_end
    FROM (
        SELECT place_id, s, e,
               SUM(CASE WHEN prev_end IS NULL OR s > prev_end THEN 1 ELSE 0 END)
                   OVER (PARTITION BY place_id ORDER BY s, e
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS island
        FROM (
            SELECT place_id, s, e,
                   MAX(e) OVER (PARTITION BY place_id ORDER BY s, e
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
            FROM (
                SELECT k.place_id,
                       GREATEST(k.t_in, i.win_start)
                           - (GREATEST(k.t_in, i.win_start) % {slot}) AS s,
                       LEAST(k.t_out, i.win_end)
                           + ({slot} - LEAST(k.t_out, i.win_end) % {slot}) % {slot} AS e
                FROM idx i
                JOIN index_visits k ON k.person_id = i.index_id
                 AND k.t_out > i.win_start AND k.t_in < i.win_end
            ) visits
        ) ordered
    ) islands
    GROUP BY place_id, island"""


def publish_trajectories(
    files: TrajectoryFiles,
    protocol: Protocol,
    timezone: str,
    *,
    places: Path | None = None,
    round_minutes: int = 60,
    engine: str = "duckdb",
    options: EngineOptions | None = None,
) -> pa.Table:
    """One row per place and merged window (``TRAJECTORY_COLUMNS``), by place then time;
    place name, type, region and position from the places file when given."""
    from shoutu.io.engines import query_session

    if round_minutes < 1:
        raise ValueError("--round-minutes is at least 1")
    with query_session(engine, files, INPUTS, timezone, options) as (runner, inputs):
        loaded = load_inputs(runner, inputs)
        index_views(runner, loaded, protocol.contacts)
        index_visits(runner)
        raw = runner.fetch(_windows_sql(round_minutes * US_PER_MINUTE))
    utc = pa.timestamp("us", tz="UTC")
    table = pa.table(
        {
            "place_id": raw["place_id"].cast(pa.int64()),
            "window_start": raw["window_start"].cast(pa.int64()).cast(utc),
            "window_end": raw["window_end"].cast(pa.int64()).cast(utc),
        }
    ).sort_by([("place_id", "ascending"), ("window_start", "ascending")])
    columns: dict[str, pa.ChunkedArray | pa.Array] = {"place_id": table["place_id"]}
    info = _places(places, table["place_id"]) if places is not None else {}
    for name in PLACE_COLUMNS:
        columns[name] = info.get(name, pa.nulls(table.num_rows, pa.string()))
    columns["window_start"] = table["window_start"]
    columns["window_end"] = table["window_end"]
    columns["local_window"] = _local_window(table["window_start"], table["window_end"], timezone)
    return pa.table(columns)


def _places(path: Path, place_ids: pa.ChunkedArray) -> dict[str, pa.Array]:
    from shoutu.io.columnar import read_arrow

    places = read_arrow(path)
    if "place_id" not in places.column_names:
        raise ValueError(f"{path}: needs a column place_id")
    where = pc.index_in(place_ids, value_set=places["place_id"].cast(pa.int64()))
    return {
        name: pc.take(places[name], where) for name in PLACE_COLUMNS if name in places.column_names
    }


def _local_window(start: pa.ChunkedArray, end: pa.ChunkedArray, timezone: str) -> pa.Array:
    """'2022-03-05 14:00–16:00' (local), with the end date when it is another day."""
    start_local = pc.strftime(_to_zone(start, timezone), format="%Y-%m-%d %H:%M")
    end_day = pc.strftime(_to_zone(end, timezone), format="%Y-%m-%d")
    end_time = pc.strftime(_to_zone(end, timezone), format="%H:%M")
    same = pc.equal(pc.utf8_slice_codeunits(start_local, 0, 10), end_day)
    tail = pc.if_else(same, end_time, pc.binary_join_element_wise(end_day, end_time, " "))
    return pc.binary_join_element_wise(start_local, tail, "–")


def _to_zone(times: pa.ChunkedArray, timezone: str) -> pa.ChunkedArray:
    return times.cast(pa.timestamp("us", tz=timezone))


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
    or one visit from the command line; naive times are local."""
    from shoutu.domain.timeutil import parse_timestamp
    from shoutu.io.columnar import read_columns
    from shoutu.io.report import InputError

    if path is not None:
        if place is not None:
            raise ValueError("give --visits or --place with --time-in/--time-out, not both")
        table, check = read_columns(path, VISIT_SCHEMA, ("place_id", "t_in", "t_out"), timezone)
        bad = pc.less_equal(table["t_out"], table["t_in"]).to_numpy(zero_copy_only=False)
        check.rows(np.asarray(bad, bool), "t_out", "is not after t_in")
        if not check.report.ok:
            raise InputError(check.report)
        return table
    if place is None or time_in is None or time_out is None:
        raise ValueError("give --visits FILE, or --place with --time-in and --time-out")
    start = parse_timestamp(time_in, timezone)
    end = parse_timestamp(time_out, timezone)
    if end <= start:
        raise ValueError("--time-out must be after --time-in")
    return pa.table({"place_id": [place], "t_in": [start], "t_out": [end]}, schema=VISIT_SCHEMA)


def self_check_files(trajectories: Path, visits: pa.Table) -> pa.Table:
    from shoutu.io.columnar import read_arrow

    published = read_arrow(trajectories)
    missing = [
        c for c in ("place_id", "window_start", "window_end") if c not in published.column_names
    ]
    if missing:
        raise ValueError(f"{trajectories}: needs the columns {', '.join(missing)}")
    return self_check(published, visits)


def _micros(times: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(times.cast(pa.int64()).to_numpy(zero_copy_only=False), np.int64)


__all__ = [
    "SELF_CHECK_COLUMNS",
    "TRAJECTORY_COLUMNS",
    "TrajectoryFiles",
    "publish_trajectories",
    "read_visits",
    "self_check",
    "self_check_files",
]
