"""The one task module: due times from the protocol's timeliness values, the four
responsible parties, ids from the database, every step audited."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from paths import DATA
from shoutu.domain.vocabulary import TaskKind, TaskStatus
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.supervision.task_list import list_tasks
from shoutu.services.supervision.tasks import (
    DUE_HOURS,
    NewTask,
    Responsible,
    due_time,
    finish_tasks,
    open_by_subject,
    open_tasks,
)
from shoutu.store.tables import AuditEvent, table

T0 = dt.datetime(2022, 3, 20, 2, 0, tzinfo=dt.UTC)


def test_due_times_come_from_the_protocol(ctx: ServiceContext) -> None:
    protocol, _ = ctx.protocol("cn-9th-2022")
    hours = protocol.timeliness
    assert due_time(protocol, TaskKind.REPORT, T0) == T0 + dt.timedelta(hours=hours.report_hours)
    assert due_time(protocol, TaskKind.CONTACT_CONTROL, T0) == T0 + dt.timedelta(
        hours=hours.contact_control_hours
    )
    assert due_time(protocol, TaskKind.OTHER, T0) is None
    for kind, name in DUE_HOURS.items():
        assert due_time(protocol, kind, T0) == T0 + dt.timedelta(hours=getattr(hours, name))


def test_open_finish_and_list(ctx: ServiceContext) -> None:
    import_file(ctx, "regions", DATA / "regions.csv")
    protocol, _ = ctx.protocol()
    who = Responsible(region="310101000000", department="CDC", unit="Huangpu CDC", person="wang")
    with writing(ctx, detail="test") as unit:
        ids = open_tasks(
            unit,
            protocol,
            [
                NewTask(TaskKind.REPORT, "cases", 7, "report case 7", since=T0, responsible=who),
                NewTask(TaskKind.SIGNAL_RESPONSE, "signals", 3, "respond", since=T0),
            ],
        )
    assert len(set(ids)) == 2
    tasks = {t["task_id"]: t for t in list_tasks(ctx)}
    first = tasks[ids[0]]
    assert first["status"] == TaskStatus.OPEN and first["subject_id"] == "7"
    assert (first["resp_region"], first["resp_unit"], first["resp_person"]) == (
        "310101000000",
        "Huangpu CDC",
        "wang",
    )
    assert first["due_time"] == T0 + dt.timedelta(hours=protocol.timeliness.report_hours)
    assert first["open_time"] == T0  # the event's time, which the deadline counts from
    with writing(ctx) as unit:
        found = open_by_subject(unit, kind=TaskKind.REPORT, subject_type="cases", subject_ids=[7])
        assert list(found) == ["7"]
        finish_tasks(unit, [ids[0]], done_time=T0 + dt.timedelta(hours=1))
    assert list_tasks(ctx, status=TaskStatus.DONE)[0]["task_id"] == ids[0]
    assert [t["task_id"] for t in list_tasks(ctx, status=TaskStatus.OPEN)] == [ids[1]]
    events = table(AuditEvent)
    with ctx.connect() as conn:
        rows = conn.execute(
            select(events.c.action, events.c.entity_id, events.c.detail).where(
                events.c.entity == "tasks"
            )
        ).all()
    reads = {(e, d) for a, e, d in rows if a == "read"}  # who looked at which task
    assert reads == {(str(i), "task list") for i in ids}
    actions = sorted((str(a), e) for a, e, _ in rows if a != "read")
    assert actions == sorted(
        [("create", str(ids[0])), ("create", str(ids[1])), ("update", str(ids[0]))]
    )
