"""A case's investigation record (command issue): begun, its source set, finished once — the
moment the four-early clocks count from; finishing finishes the case's investigation tasks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shoutu.domain.vocabulary import RegionLevel, TaskKind, TaskStatus
from shoutu.errors import Conflict, NotFound
from shoutu.services.audit import recent, writing
from shoutu.services.context import ServiceContext
from shoutu.services.investigation.record import investigate
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.supervision.clocks import clocks
from shoutu.services.supervision.task_list import list_tasks
from shoutu.services.supervision.tasks import NewTask, open_tasks

TZ = dt.timezone(dt.timedelta(hours=8))
COMMUNITY = "310101002001"


@pytest.fixture
def case(ctx: ServiceContext, tmp_path: Path) -> ServiceContext:
    (tmp_path / "r.csv").write_text(
        "code,name_zh\n310000000000,上海市\n310100000000,市辖区\n310101000000,黄浦区\n"
        f"310101002000,街道\n{COMMUNITY},社区\n"
    )
    import_file(ctx, "regions", tmp_path / "r.csv")
    (tmp_path / "p.csv").write_text(f"person_id,name,sex,home_region_code\n1,P,male,{COMMUNITY}\n")
    import_file(ctx, "people", tmp_path / "p.csv")
    (tmp_path / "c.csv").write_text(
        "case_id,person_id,classification,origin,channel,found_in_control,region_code,"
        "report_time,protocol\n"
        f"7,1,confirmed,local,fever_clinic,false,{COMMUNITY},2022-07-01T08:00+08:00,cn-9th-2022\n"
    )
    import_file(ctx, "cases", tmp_path / "c.csv")
    with writing(ctx) as unit:
        open_tasks(
            unit,
            ctx.protocol()[0],
            [
                NewTask(
                    TaskKind.INVESTIGATION,
                    "cases",
                    7,
                    "investigate case 7",
                    since=dt.datetime(2022, 7, 1, 8, tzinfo=TZ),
                )
            ],
        )
    return ctx


def test_begin_source_finish(case: ServiceContext) -> None:
    begun = investigate(case, 7, at=dt.datetime(2022, 7, 1, 9, tzinfo=TZ))
    assert begun["finished"] is None and begun["contacts"] == 0
    noted = investigate(
        case, 7, source="household of case 3", at=dt.datetime(2022, 7, 1, 12, tzinfo=TZ)
    )
    assert noted["source_hypothesis"] == "household of case 3"
    done = investigate(case, 7, finish=True, at=dt.datetime(2022, 7, 2, 10, tzinfo=TZ))
    assert done["finished"] == "2022-07-02T10:00:00+08:00"
    (task,) = list_tasks(case, kind=TaskKind.INVESTIGATION)
    assert task["status"] == TaskStatus.DONE.value
    with pytest.raises(Conflict):
        investigate(case, 7, finish=True, at=dt.datetime(2022, 7, 2, 11, tzinfo=TZ))
    with pytest.raises(NotFound):
        investigate(case, 99)
    events = [e for e in recent(case, entity="investigations") if e["action"] == "update"]
    assert len(events) == 2
    found = clocks(case, dt.date(2022, 7, 1), dt.date(2022, 7, 1), level=RegionLevel.CITY)
    (step,) = [r for r in found["clocks"] if r["step"] == "report_to_investigation"]
    assert step["median_hours"] == 26.0 and step["limit_hours"] == 24
    assert step["late"] == [{"case_id": 7, "hours": 26.0, "responsible": COMMUNITY}]
    (task_row,) = found["tasks"]  # the investigation task: done 26 h after the report, late
    assert (task_row["kind"], task_row["n"], task_row["done"]) == ("investigation", 1, 1)
    assert task_row["median_hours"] == 26.0 and task_row["done_in_time"] == 0.0


def test_an_unfinished_task_is_open_past_its_due_time(case: ServiceContext) -> None:
    found = clocks(case, dt.date(2022, 7, 1), dt.date(2022, 7, 3), level=RegionLevel.CITY)
    (task_row,) = found["tasks"]
    assert (task_row["done"], task_row["open_overdue"], task_row["median_hours"]) == (0, 1, None)
