"""A case's investigation record (流调报告): ``cases investigate CASE`` begins it (at ``at``),
sets the source the investigators hold most likely, and with ``finish`` closes it — which is
what "investigation finished" means for the four-early clocks; finishing also finishes the
case's open investigation tasks. Every change is audited; a finished investigation is not
finished again. The record shows the contacts found (the contacts table's, by kind).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shoutu.domain.timeutil import not_in_future, zone
from shoutu.domain.vocabulary import TaskKind
from shoutu.errors import Conflict, NotFound
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.supervision.tasks import finish_tasks
from shoutu.store.repositories import cases as cases_repo
from shoutu.store.repositories import contacts as contacts_repo
from shoutu.store.repositories import investigations as repo
from shoutu.store.repositories import tasks as tasks_repo


def investigate(
    ctx: ServiceContext,
    case_id: int,
    *,
    source: str | None = None,
    finish: bool = False,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Begin, update or finish a case's investigation (see the module); the record."""
    when = not_in_future(at)
    with writing(ctx, detail=f"cases investigate {case_id}") as unit:
        if cases_repo.get(unit.conn, case_id=case_id, within=ctx.principal.view) is None:
            raise NotFound(f"no case {case_id}")
        record = repo.of_case(unit.conn, case_id=case_id)
        if record is not None and finish and record["finished_time"] is not None:
            raise Conflict(
                f"the investigation of case {case_id} finished at "
                f"{record['finished_time'].isoformat()}"
            )
        if record is None:
            record = {
                "case_id": case_id,
                "source_hypothesis": source,
                "started_time": when,
                "finished_time": when if finish else None,
            }
            (new_id,) = repo.add(unit.conn, rows=[{**record, **unit.stamp}])
            unit.created("investigations", [new_id], [record])
        else:
            changed: dict[str, Any] = {}
            if source is not None and source != record["source_hypothesis"]:
                changed["source_hypothesis"] = source
            if finish:
                if when < record["started_time"]:
                    raise Conflict(
                        f"it began at {record['started_time'].isoformat()}: finish it later"
                    )
                changed["finished_time"] = when
            if changed:
                record_id = int(record["investigation_id"])
                repo.change(unit.conn, investigation_id=record_id, values=changed | unit.touch)
                unit.updated("investigations", record_id, {k: record[k] for k in changed}, changed)
                record = {**record, **changed}
        if finish:
            open_ = tasks_repo.open_of_subjects(
                unit.conn,
                kind=TaskKind.INVESTIGATION.value,
                subject_type="cases",
                subject_ids=[str(case_id)],
            ).get(str(case_id), [])
            finish_tasks(unit, [int(t["task_id"]) for t in open_], done_time=when)
        contacts = contacts_repo.control_of_cases(unit.conn, case_ids=[case_id]).get(case_id, [])
    local = zone(ctx.settings.timezone)
    finished = record["finished_time"]
    return {
        "case_id": case_id,
        "source_hypothesis": record["source_hypothesis"],
        "started": record["started_time"].astimezone(local).isoformat(),
        "finished": finished.astimezone(local).isoformat() if finished else None,
        "contacts": len(contacts),
        "contacts_under_control": sum(1 for _, t in contacts if t is not None),
    }


__all__ = ["investigate"]
