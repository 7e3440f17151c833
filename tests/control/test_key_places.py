"""Key places' response plans (emergency-response issue): a plan triggered by a case opens one
task per step with the step's parties and due time; a drill marks its tasks and reports the
steps done in time; plan files are data, checked by their schema."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.errors import BadRequest, InvalidTransition, NotFound, ProtocolError
from shoutu.protocols.plans import load_plans
from shoutu.services.context import ServiceContext
from shoutu.services.control.key_places import Trigger, plan_report, run_plan
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.supervision.task_list import list_tasks
from shoutu.services.supervision.tasks import complete_task

TZ = dt.timezone(dt.timedelta(hours=8))
DISTRICT, TOWN, COMMUNITY = "310101000000", "310101002000", "310101002001"
REGIONS = (
    "code,name_zh,name_en\n310000000000,上海市,Shanghai\n310100000000,市辖区,Districts\n"
    f"{DISTRICT},黄浦区,Huangpu\n{TOWN},南京东路街道,Nanjing East Road\n"
    f"{COMMUNITY},贵州路社区,Guizhou Road\n"
)
PLACES = (
    "place_id,name,type,region_code\n"
    f"21,某小学,school,{COMMUNITY}\n22,某冷库,cold_chain_warehouse,{COMMUNITY}\n"
    f"23,某餐馆,restaurant,{COMMUNITY}\n"
)


@pytest.fixture
def town(ctx: ServiceContext, tmp_path: Path) -> ServiceContext:
    (tmp_path / "regions.csv").write_text(REGIONS)
    import_file(ctx, "regions", tmp_path / "regions.csv")
    (tmp_path / "places.csv").write_text(PLACES)
    import_file(ctx, "places", tmp_path / "places.csv")
    (tmp_path / "people.csv").write_text(
        f"person_id,name,sex,home_region_code\n1,P,male,{COMMUNITY}\n"
    )
    import_file(ctx, "people", tmp_path / "people.csv")
    (tmp_path / "cases.csv").write_text(
        "case_id,person_id,classification,origin,channel,found_in_control,report_time,protocol\n"
        "7,1,confirmed,local,fever_clinic,false,2022-07-01T08:00,cn-9th-2022\n"
    )
    import_file(ctx, "cases", tmp_path / "cases.csv")
    return ctx


def test_a_case_triggers_the_school_plan(town: ServiceContext) -> None:
    at = dt.datetime(2022, 7, 1, 10, tzinfo=TZ)
    report = run_plan(town, 21, trigger=Trigger(case_id=7), at=at)
    plan = load_plans()["school"]
    assert report["plan"] == "school" and report["reason"] == "case 7" and not report["drill"]
    assert [s["step"] for s in report["steps"]] == [s.key for s in plan.steps]
    by_step = {s["step"]: s for s in report["steps"]}
    assert by_step["report"]["due_time"] == at + dt.timedelta(hours=2)
    assert (by_step["report"]["resp_region"], by_step["report"]["resp_unit"]) == (
        COMMUNITY,
        "某小学",
    )
    assert (by_step["investigate"]["party"], by_step["investigate"]["resp_region"]) == (
        "district_cdc",
        DISTRICT,
    )
    assert by_step["reopen"]["due_time"] == at + dt.timedelta(days=7)
    tasks = list_tasks(town, kind=None, subject_type="plan_runs")
    assert len(tasks) == len(plan.steps) and not any("drill" in t["title"] for t in tasks)


def test_a_drill_reports_the_steps_done_in_time(town: ServiceContext) -> None:
    at = dt.datetime(2022, 7, 1, 9, tzinfo=TZ)
    drill = run_plan(town, 22, at=at, drill=True)  # the cold-chain plan by the place's type
    assert drill["plan"] == "cold-chain" and drill["drill"] and drill["done_in_time"] == 0
    steps = {s["step"]: s for s in drill["steps"]}
    complete_task(town, steps["report"]["task_id"], at=at + dt.timedelta(hours=1))  # in time
    complete_task(town, steps["seal_goods"]["task_id"], at=at + dt.timedelta(hours=5))  # late
    with pytest.raises(InvalidTransition):
        complete_task(town, steps["report"]["task_id"])
    later = plan_report(town, drill["run_id"], at=at + dt.timedelta(hours=7))
    states = {s["step"]: s["state"] for s in later["steps"]}
    assert states == {
        "report": "in_time",
        "seal_goods": "late",
        "staff": "overdue",  # due after 6 h
        "trace": "open",
        "sample": "open",
        "disinfect": "open",
    }
    assert later["done_in_time"] == 1 and later["total"] == 6
    tasks = list_tasks(town, subject_type="plan_runs")
    assert all(t["title"].startswith("[演练 drill]") for t in tasks)


def test_bad_triggers_and_plan_files(town: ServiceContext, tmp_path: Path) -> None:
    with pytest.raises(BadRequest, match="no response plan for places of type restaurant"):
        run_plan(town, 23, trigger=Trigger(reason="a cluster"))
    with pytest.raises(BadRequest, match="triggered by"):
        run_plan(town, 21)
    with pytest.raises(NotFound, match="no case 99"):
        run_plan(town, 21, trigger=Trigger(case_id=99))
    with pytest.raises(NotFound, match="no response plan 'airport'"):
        run_plan(town, 21, plan="airport", trigger=Trigger(reason="x"))
    city = tmp_path / "city" / "plans"
    city.mkdir(parents=True)
    (city / "school.toml").write_text('name = "school"\ntitle_zh = "x"\n')
    with pytest.raises(ProtocolError, match=r"school\.toml: field title_en"):
        load_plans(tmp_path / "city")


def test_cli_places(town: ServiceContext, cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["places", "plans", "--json"])
    assert set(json.loads(listed.stdout)["plans"]) == {"school", "nursing-home", "cold-chain"}
    drill = runner.invoke(app, ["places", "drill", "21", "--at", "2022-07-01T09:00", "--json"])
    assert drill.exit_code == 0, drill.output
    run = json.loads(drill.stdout)
    first = run["steps"][0]["task_id"]
    done = runner.invoke(app, ["tasks", "done", str(first), "--at", "2022-07-01T10:00"])
    assert done.exit_code == 0, done.output
    shown = runner.invoke(app, ["places", "report", str(run["run_id"]), "--json"])
    assert json.loads(shown.stdout)["done_in_time"] == 1
    missing = runner.invoke(app, ["places", "trigger", "424242", "--reason", "x"])
    assert missing.exit_code == 4 and "Traceback" not in missing.output


def test_the_days_cases_trigger_the_plans_of_the_places_they_touched(
    town: ServiceContext, tmp_path: Path
) -> None:
    import pyarrow as pa

    from shoutu.events.store import write_events
    from shoutu.services.control.key_place_cases import trigger_for_cases

    (tmp_path / "more.csv").write_text(
        "person_id,name,sex,home_region_code,school_id,workplace_id\n"
        f"2,Q,female,{COMMUNITY},21,\n3,R,male,{COMMUNITY},,23\n"
    )
    import_file(town, "people", tmp_path / "more.csv")
    (tmp_path / "more-cases.csv").write_text(
        "case_id,person_id,classification,origin,channel,found_in_control,report_time,protocol\n"
        "8,2,confirmed,local,fever_clinic,false,2022-07-01T09:00,cn-9th-2022\n"
        "9,3,confirmed,local,fever_clinic,false,2022-07-01T09:30,cn-9th-2022\n"
    )
    import_file(town, "cases", tmp_path / "more-cases.csv")
    visits = pa.table(
        {
            "person_id": pa.array([1], pa.int64()),
            "place_id": pa.array([22], pa.int64()),
            "t_in": pa.array([dt.datetime(2022, 6, 30, 10, tzinfo=TZ)], pa.timestamp("us", "UTC")),
            "t_out": pa.array([dt.datetime(2022, 6, 30, 11, tzinfo=TZ)], pa.timestamp("us", "UTC")),
        }
    )
    write_events(town.settings.event_dir, "checkins", visits, town.settings.timezone, batch="v")
    at = dt.datetime(2022, 7, 1, 12, tzinfo=TZ)
    result = trigger_for_cases(town, dt.date(2022, 7, 1), at=at)
    by_place = {p["place_id"]: p for p in result["places"]}
    assert sorted(by_place) == [21, 22]  # the restaurant (23) has no plan
    assert by_place[21]["cases"] == [{"case_id": 8, "how": "school"}] and by_place[21]["triggered"]
    assert by_place[22]["cases"] == [{"case_id": 7, "how": "check-in"}]
    runs = {p["run_id"] for p in result["places"]}
    again = trigger_for_cases(town, dt.date(2022, 7, 1), at=at)
    assert not any(p["triggered"] for p in again["places"])  # already responding
    assert {p["run_id"] for p in again["places"]} == runs
    plan = load_plans()["school"]
    assert len(list_tasks(town, kind=None, subject_type="plan_runs")) == len(plan.steps) + len(
        load_plans()["cold-chain"].steps
    )
