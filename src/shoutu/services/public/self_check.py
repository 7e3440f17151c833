"""The public self-check over the store (自查, for the public pages): the published trajectory
windows of the cases reported in the last days — from the event store's check-ins and the
registry's cases and places, by the protocol's contact window, de-identified as
``trajectories`` publishes them — and the visits a person names checked against them. No
person, case or count leaves: only places and widened time windows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from shoutu.domain.access import EVERYWHERE
from shoutu.domain.timeutil import end_of_day, start_of_day
from shoutu.errors import BadRequest
from shoutu.events.store import day_files
from shoutu.services.context import ServiceContext
from shoutu.services.investigation.tracing import engine_options
from shoutu.services.public.exposure import self_check
from shoutu.services.public.trajectories import (
    TRAJECTORY_COLUMNS,
    TrajectoryInputs,
    trajectory_windows,
)
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import places as places_repo

UTC = pa.timestamp("us", tz="UTC")
#: how far back the published windows reach (the cases reported in these days)
DAYS = 14
MOST_VISITS = 50


def published_windows(ctx: ServiceContext, day: dt.date, *, days: int = DAYS) -> pa.Table:
    """The trajectory windows (``TRAJECTORY_COLUMNS``) of the cases reported in the ``days``
    local days ending with ``day``."""
    tz = ctx.settings.timezone
    protocol, _ = ctx.protocol()
    first = day - dt.timedelta(days=days - 1)
    with ctx.connect() as conn:
        cases = cases_repo.reported_between(  # the public's check: against every case
            conn, start=start_of_day(first, tz), end=end_of_day(day, tz), within=EVERYWHERE
        )
    if not cases:
        return _empty()
    lookback = protocol.contacts.lookback_days
    starts = [c["onset_time"] or c["sample_time"] or c["report_time"] for c in cases]
    ends = [c["isolation_time"] or c["report_time"] for c in cases]
    stored = day_files(
        ctx.settings.event_dir / "checkins",
        (min(starts) - dt.timedelta(days=lookback + 1)).date(),
        (max(ends) + dt.timedelta(days=1)).date(),
    )
    if not stored:
        return _empty()
    inputs = TrajectoryInputs(
        checkins=stored,
        cases=pa.table(
            {
                "person_id": pa.array([int(c["person_id"]) for c in cases], pa.int64()),
                "onset_time": pa.array([c["onset_time"] for c in cases], UTC),
                "sample_time": pa.array(starts, UTC),
                "isolation_time": pa.array(ends, UTC),
            }
        ),
    )
    windows = trajectory_windows(inputs, protocol, tz, options=engine_options(ctx))
    ids = windows["place_id"].to_pylist()
    with ctx.connect() as conn:
        described = {
            int(p["place_id"]): p for p in places_repo.described(conn, place_ids=sorted(set(ids)))
        }
    for name in ("name", "type", "region_code"):  # the registry's names of the places
        values = [
            getattr(described[i][name], "value", described[i][name]) if i in described else None
            for i in ids
        ]
        windows = windows.set_column(
            windows.column_names.index(name), name, pa.array(values, pa.string())
        )
    return windows


#: the trajectory columns that are not text (as ``trajectory_windows`` types them)
TYPES = {"place_id": pa.int64(), "window_start": UTC, "window_end": UTC}


def _empty() -> pa.Table:
    return pa.table({n: pa.array([], TYPES.get(n, pa.string())) for n in TRAJECTORY_COLUMNS})


def windows_json(table: pa.Table) -> list[dict[str, Any]]:
    return [
        {
            "place_id": r["place_id"],
            "name": r["name"],
            "type": r["type"],
            "region_code": r["region_code"],
            "window_start": r["window_start"].isoformat(),
            "window_end": r["window_end"].isoformat(),
            "local_window": r["local_window"],
        }
        for r in table.to_pylist()
    ]


def check_visits(
    ctx: ServiceContext, day: dt.date, visits: list[tuple[int, dt.datetime, dt.datetime]]
) -> list[dict[str, Any]]:
    """The published windows the ``visits`` (place, time in, time out; aware) overlapped,
    with the minutes of overlap (nothing is stored: the visits stay the person's)."""
    if not visits or len(visits) > MOST_VISITS:
        raise BadRequest(f"give 1 to {MOST_VISITS} {{visits}}")
    for place, t_in, t_out in visits:
        if t_in.tzinfo is None or t_out.tzinfo is None:
            raise BadRequest("each of the {visits} needs times with their offset")
        if t_out <= t_in:
            raise BadRequest(f"a visit to place {place} ends before it begins ({{visits}})")
    table = pa.table(
        {
            "place_id": pa.array([v[0] for v in visits], pa.int64()),
            "t_in": pa.array([v[1] for v in visits], UTC),
            "t_out": pa.array([v[2] for v in visits], UTC),
        }
    )
    found = self_check(published_windows(ctx, day), table)
    return [
        {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in row.items()}
        for row in found.to_pylist()
    ]


__all__ = ["check_visits", "published_windows", "windows_json"]
