"""Tasks as their parties read them: one task, and the list, in the caller's jurisdiction,
each read audited (``tasks.py`` opens, works and finishes them)."""

from __future__ import annotations

from typing import Any

from shoutu.domain.vocabulary import Right, TaskKind, TaskStatus
from shoutu.errors import NotFound
from shoutu.services.audit import reading
from shoutu.services.context import ServiceContext
from shoutu.services.guard import may_list, refusals, require
from shoutu.store.repositories import tasks as repo


def get_task(ctx: ServiceContext, task_id: int) -> dict[str, Any]:
    """One task in the caller's jurisdiction; the read is audited."""
    with refusals(ctx, "tasks", task_id):
        require(ctx, Right.VIEW_CASES)
        with ctx.connect() as conn:
            found = repo.get(conn, task_id=task_id, within=ctx.principal.view)
        if found is None:
            raise NotFound(f"no task {task_id}")
    with reading(ctx) as unit:
        unit.read("tasks", [task_id], pii=False, purpose="task record")
    return found


def list_tasks(
    ctx: ServiceContext,
    *,
    status: TaskStatus | None = None,
    kind: TaskKind | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    limit: int | None = 200,
    after: int | None = None,
) -> list[dict[str, Any]]:
    """Tasks in the caller's jurisdiction, oldest first, filtered (``limit`` None: all;
    ``after``: the last id of the previous page); the read is audited."""
    may_list(ctx, "tasks")
    with ctx.connect() as conn:
        rows = repo.listing(
            conn,
            within=ctx.principal.view,
            status=status.value if status else None,
            kind=kind.value if kind else None,
            subject_type=subject_type,
            subject_id=subject_id,
            limit=limit,
            after=after,
        )
    with reading(ctx) as unit:
        unit.listed("tasks", [r["task_id"] for r in rows], purpose="task list")
    return rows


__all__ = ["get_task", "list_tasks"]
