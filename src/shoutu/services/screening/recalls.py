"""A lab's recall list (阳性混管召回): each positive pool's single-tube re-sampling, from the
tasks the pooled workflow opened — when the pool's result came, when its members are due, how
many were re-sampled, how many are still open and how many of those are late. No person is
named: a lab sees tubes and counts, in its own jurisdiction (the tasks' responsible region)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shoutu.domain.timeutil import utcnow
from shoutu.domain.vocabulary import Right, TaskKind, TaskStatus
from shoutu.services.audit import reading
from shoutu.services.context import ServiceContext
from shoutu.services.guard import refusals, require
from shoutu.services.screening.pooled_workflow import tube_of
from shoutu.store.repositories import tasks as tasks_repo


def recall_list(
    ctx: ServiceContext, *, limit: int = 100, now: dt.datetime | None = None, days: int = 14
) -> list[dict[str, Any]]:
    """The latest ``limit`` positive pools whose re-sampling tasks in the caller's
    jurisdiction were opened in the ``days`` to ``now``, latest first: tube, opened, due,
    members, re-sampled, open, late at
    ``now``, cancelled or not executable (needs the right to upload results or to view
    cases; audited as a list)."""
    with refusals(ctx, "tasks"):
        require(ctx, Right.UPLOAD_RESULTS, Right.VIEW_CASES)
    at = now or utcnow()
    with ctx.connect() as conn:
        tasks = tasks_repo.listing(
            conn,
            within=ctx.principal.view,
            kind=TaskKind.RESAMPLE.value,
            limit=None,
            opened_since=at - dt.timedelta(days=days),
        )
    pools: dict[str, dict[str, Any]] = {}
    for task in tasks:
        tube = tube_of(task["title"])
        if tube is None:
            continue
        pool = pools.setdefault(
            tube,
            {"tube_id": tube, "opened": task["open_time"], "due": task["due_time"],
             "members": 0, "resampled": 0, "open": 0, "late": 0, "not_done": 0, "_ids": []},
        )  # fmt: skip
        pool["opened"] = min(pool["opened"], task["open_time"])
        pool["members"] += 1
        pool["_ids"].append(task["task_id"])
        status = TaskStatus(task["status"])
        if status == TaskStatus.DONE:
            pool["resampled"] += 1
        elif status in (TaskStatus.CANCELLED, TaskStatus.NOT_EXECUTABLE):
            pool["not_done"] += 1
        else:
            pool["open"] += 1
            pool["late"] += task["due_time"] is not None and task["due_time"] < at
    shown = sorted(pools.values(), key=lambda p: (p["opened"], p["tube_id"]), reverse=True)
    shown = shown[:limit]
    with reading(ctx) as unit:
        unit.listed("tasks", [i for p in shown for i in p["_ids"]], purpose="recall list")
    return [{k: v for k, v in p.items() if k != "_ids"} for p in shown]


__all__ = ["recall_list"]
