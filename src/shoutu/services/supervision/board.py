"""The supervision board (督查): who is behind, on a day. For each responsible party — the
district (or any level) of a task's territory, the unit, or the person — as of 24:00 of the
day: items open, overdue and failed, by what they are (tasks by kind: quarantine test days,
recalls, investigations, signal responses…; episodes held past their planned end; help
requests past their deadline), ranked by overdue then failed then open, with the overdue
count at the end of each of the last 7 days (the trend).

- a task is open at a moment when it was opened by then and not closed by then; overdue when
  open past its due time; failed on a day when it was declared not executable that day, or
  done that day after its due time;
- an episode is past its end when in force (not ended by then) after its planned end;
- a help request is past its deadline when its due time has passed and its state had not met
  it by then.

Counts only: no person appears (parties are regions, units and the names of the officers
the rules name).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from shoutu.domain.regions import level_code
from shoutu.domain.timeutil import end_of_day
from shoutu.domain.vocabulary import ControlKind, ControlStatus, RegionLevel, TaskStatus
from shoutu.errors import BadRequest
from shoutu.io.provenance import build_provenance
from shoutu.services.context import ServiceContext
from shoutu.services.guard import may_list
from shoutu.store.repositories import help_requests as help_repo
from shoutu.store.repositories import measures as measures_repo
from shoutu.store.repositories import tasks as tasks_repo

LEVELS = ("province", "city", "district", "town", "community", "unit", "person")
TREND_DAYS = 7
UNASSIGNED = "unassigned"
AREA_KINDS = (ControlKind.AREA_SEALED.value, ControlKind.AREA_CONTROLLED.value)


def _party(level: str) -> Callable[[dict[str, Any]], str]:
    if level == "unit":
        return lambda row: row.get("resp_unit") or UNASSIGNED
    if level == "person":
        return lambda row: row.get("resp_person") or UNASSIGNED
    region_level = RegionLevel(level)
    # a party above the level (a request escalated to the city) stands as itself
    return lambda row: (
        level_code(row.get("resp_region"), region_level) or row.get("resp_region") or UNASSIGNED
    )


def _state(item: dict[str, Any], at: dt.datetime, day_start: dt.datetime) -> tuple[int, int, int]:
    """(open, overdue, failed that day) of one item at ``at``."""
    if item["start"] > at:
        return 0, 0, 0
    closed = item["closed"]
    if closed is not None and closed <= at:
        failed = closed >= day_start and item["failed"]
        return 0, 0, int(failed)
    due = item["due"]
    return 1, int(due is not None and due < at), 0


def _items(ctx: ServiceContext, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """What the board counts in the window, each with its parties' columns: of the parties
    in the caller's jurisdiction (a web user sees their own)."""
    view = ctx.principal.view
    with ctx.connect() as conn:
        tasks = tasks_repo.in_window(conn, start=start, end=end, within=view)
        episodes = measures_repo.past_planned_end(
            conn, start=start, end=end, kinds=AREA_KINDS, within=view
        )
        requests = help_repo.due_by(conn, start=start, end=end, within=view)
    items: list[dict[str, Any]] = []
    for t in tasks:
        status = str(t["status"])
        if status == TaskStatus.CANCELLED.value:
            continue
        late = t["due_time"] is not None and t["done_time"] is not None
        items.append(
            {
                **{c: t[c] for c in ("resp_region", "resp_unit", "resp_person")},
                "what": f"task:{t['kind']}",
                "start": t["open_time"],
                "due": t["due_time"],
                "closed": t["done_time"],
                "failed": status == TaskStatus.NOT_EXECUTABLE.value
                or (late and t["done_time"] > t["due_time"]),
            }
        )
    for e in episodes:
        items.append(
            {
                **{c: e[c] for c in ("resp_region", "resp_unit", "resp_person")},
                "what": "episode_past_end"
                if str(e["status"]) != ControlStatus.HELD.value
                else "episode_held",
                "start": e["planned_end_time"],
                "due": e["planned_end_time"] - dt.timedelta(microseconds=1),
                "closed": e["end_time"],
                "failed": False,
            }
        )
    for r in requests:
        items.append(
            {
                "resp_region": r["resp_region"] or r["region_code"],
                **{c: r[c] for c in ("resp_unit", "resp_person")},
                "what": "help_request",
                "start": r["received_time"],
                "due": r["due_time"],
                "closed": r["met_time"],
                "failed": r["met_time"] is not None and r["met_time"] > r["due_time"],
            }
        )
    return items


def board(ctx: ServiceContext, day: dt.date, *, level: str = "district") -> dict[str, Any]:
    """The board of ``day`` at ``level`` (see the module), worst first, over the parties in
    the caller's jurisdiction."""
    may_list(ctx, "tasks")
    if level not in LEVELS:
        raise BadRequest(f"{{level}}: {level!r} is not one of {', '.join(LEVELS)}")
    tz = ctx.settings.timezone
    days = [day - dt.timedelta(days=d) for d in range(TREND_DAYS - 1, -1, -1)]
    ends = [end_of_day(d, tz) for d in days]
    starts = [end_of_day(d - dt.timedelta(days=1), tz) + dt.timedelta(microseconds=1) for d in days]
    party = _party(level)
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"open": 0, "overdue": 0, "failed": 0, "by_kind": defaultdict(lambda: [0, 0, 0])}
    )
    trend: dict[str, list[int]] = defaultdict(lambda: [0] * TREND_DAYS)
    for item in _items(ctx, starts[0], ends[-1]):
        key = party(item)
        for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
            is_open, overdue, failed = _state(item, end, start)
            if i == TREND_DAYS - 1 and (is_open or failed):
                row = rows[key]
                row["open"] += is_open
                row["overdue"] += overdue
                row["failed"] += failed
                cell = row["by_kind"][item["what"]]
                cell[0] += is_open
                cell[1] += overdue
                cell[2] += failed
            trend[key][i] += overdue
    ranked = sorted(
        rows.items(), key=lambda kv: (-kv[1]["overdue"], -kv[1]["failed"], -kv[1]["open"], kv[0])
    )
    parties = [
        {
            "party": key,
            "rank": rank,
            "open": row["open"],
            "overdue": row["overdue"],
            "failed": row["failed"],
            "by_kind": {
                what: {"open": c[0], "overdue": c[1], "failed": c[2]}
                for what, c in sorted(row["by_kind"].items())
            },
            "overdue_trend": trend[key],
        }
        for rank, (key, row) in enumerate(ranked, start=1)
    ]
    return {
        "date": day.isoformat(),
        "level": level,
        "trend_days": [d.isoformat() for d in days],
        "parties": parties,
        "provenance": build_provenance(
            command="supervision board",
            parameters={"date": day.isoformat(), "level": level},
            protocol=(ctx.protocol()[0].name, ctx.protocol()[1]),
        ),
    }


__all__ = ["LEVELS", "board"]
