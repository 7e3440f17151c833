"""Public case trajectories (病例活动轨迹).

``publish_trajectories``: the places cases visited while they may have been infectious (the
protocol's contact window: lookback before onset or sampling — or the last negative sample —
until isolation), de-identified for publication: no person, no case, no count; each visit
widened to whole ``round_minutes`` slots and overlapping windows at one place merged, so a
window cannot be traced back to one visitor's exact times. The same query as the contact
trace (``contact_query``), on DuckDB or Spark.

"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from shoutu.errors import BadRequest, InputError
from shoutu.io.engines import EngineOptions, Source, query_session
from shoutu.io.provenance import build_provenance, file_hashes_later
from shoutu.protocols.schema import Protocol
from shoutu.services.context import ServiceContext
from shoutu.services.investigation.contact_query import (
    INPUTS,
    index_views,
    index_visits,
    load_inputs,
)
from shoutu.services.investigation.tracing import engine_options, input_paths
from shoutu.services.investigation.venue_query import US_PER_MINUTE

PLACE_COLUMNS = ("name", "type", "region_code", "lat", "lon")
TRAJECTORY_COLUMNS = ("place_id", *PLACE_COLUMNS, "window_start", "window_end", "local_window")


@dataclass(frozen=True)
class TrajectoryInputs:
    checkins: Source
    cases: Source
    tests: Source | None = None


@dataclass(frozen=True)
class TrajectoryResult:
    windows: pa.Table  # TRAJECTORY_COLUMNS
    provenance: dict[str, Any]


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
    ctx: ServiceContext,
    inputs: TrajectoryInputs,
    *,
    places: Path | pa.Table | None = None,
    round_minutes: int = 60,
    protocol: str | None = None,
    engine: str = "duckdb",
) -> TrajectoryResult:
    """One row per place and merged window (``TRAJECTORY_COLUMNS``), by place then time;
    place name, type, region and position from the places file or table when given. Inputs
    are tables in memory or files (read by the engine)."""
    chosen, digest = ctx.protocol(protocol)
    paths = [*input_paths(inputs), *([places] if isinstance(places, Path) else [])]
    hashes = file_hashes_later([p for p in paths if p.exists()])
    windows = trajectory_windows(
        inputs,
        chosen,
        ctx.settings.timezone,
        places=places,
        round_minutes=round_minutes,
        engine=engine,
        options=engine_options(ctx),
    )
    provenance = build_provenance(
        command="trajectories",
        parameters={"protocol": chosen.name, "round_minutes": round_minutes, "engine": engine},
        input_hashes=hashes(),
        protocol=(chosen.name, digest),
    )
    return TrajectoryResult(windows, provenance)


def trajectory_windows(
    inputs: TrajectoryInputs,
    protocol: Protocol,
    timezone: str,
    *,
    places: Path | pa.Table | None = None,
    round_minutes: int = 60,
    engine: str = "duckdb",
    options: EngineOptions | None = None,
) -> pa.Table:
    """The published windows (``TRAJECTORY_COLUMNS``) by the protocol's contact window."""
    if round_minutes < 1:
        raise BadRequest("{round_minutes} is at least 1")
    with query_session(engine, inputs, INPUTS, timezone, options) as (runner, checked):
        loaded = load_inputs(runner, checked)
        index_views(runner, loaded, protocol.contacts)
        index_visits(runner, checked.checkins)
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


def _places(source: Path | pa.Table, place_ids: pa.ChunkedArray) -> dict[str, pa.Array]:
    from shoutu.io.columnar import read_arrow

    places = source if isinstance(source, pa.Table) else read_arrow(source)
    if "place_id" not in places.column_names:
        raise InputError.single(
            str(source) if isinstance(source, Path) else "places", "needs a column place_id"
        )
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


__all__ = [
    "TRAJECTORY_COLUMNS",
    "TrajectoryInputs",
    "TrajectoryResult",
    "publish_trajectories",
    "trajectory_windows",
]
