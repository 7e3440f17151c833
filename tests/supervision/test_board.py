"""Four-party tasks and the board (command issue), with a fixed clock: responsible parties by
the rules kept as data with the fallback up the region tree and reassignment when a person
moves; task states; the daily cap and its summary task; the board's ranks and trend."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from paths import DATA
from shoutu.cli.app import app
from shoutu.domain.access import Jurisdiction, Principal
from shoutu.domain.regions import parse_region_code
from shoutu.domain.vocabulary import Right, TaskKind, TaskStatus
from shoutu.errors import InputError, InvalidTransition
from shoutu.services.audit import writing
from shoutu.services.context import ServiceContext, open_context
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.registry.responsibilities import import_responsibilities
from shoutu.services.supervision.board import board
from shoutu.services.supervision.responsible import reassign
from shoutu.services.supervision.task_list import get_task, list_tasks
from shoutu.services.supervision.tasks import (
    NewTask,
    Responsible,
    complete_task,
    open_tasks,
    update_task,
)
from shoutu.store.repositories import tasks as tasks_repo

T0 = dt.datetime(2022, 3, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
DISTRICT, TOWN, COMMUNITY = "310101000000", "310101002000", "310101002001"
B1, B2 = "3101010020010001", "3101010020010002"
RULES = (
    "kind,region_code,department,unit,person\n"
    f"investigation,{DISTRICT},疾控,黄浦区疾控中心,王医生\n"
    f"*,{COMMUNITY},社区,贵州路居委会,李书记\n"
    f"quarantine_test,{B1},社区,贵州路居委会,楼长甲\n"
    "*,310000000000,市卫健委,市指挥部,\n"
)


@pytest.fixture
def city(ctx: ServiceContext, tmp_path: Path) -> ServiceContext:
    import_file(ctx, "regions", DATA / "regions.csv")
    import_file(ctx, "places", DATA / "places.csv")
    import_file(ctx, "people", DATA / "people.csv")
    (tmp_path / "rules.csv").write_text(RULES)
    import_responsibilities(ctx, tmp_path / "rules.csv")
    return ctx


def _open(ctx: ServiceContext, *tasks: NewTask) -> list[int]:
    protocol, _ = ctx.protocol("cn-9th-2022")
    with writing(ctx) as unit:
        return open_tasks(unit, protocol, list(tasks))


def _task(kind: TaskKind, region: str | None, subject: int = 1001, **extra: object) -> NewTask:
    return NewTask(
        kind=kind,
        subject_type="people",
        subject_id=subject,
        title=f"{kind.value} {subject}",
        since=T0,
        responsible=Responsible(region=region),
        **extra,  # type: ignore[arg-type]
    )


def test_parties_come_from_the_rules_with_the_fallback_up_the_tree(city: ServiceContext) -> None:
    ids = _open(
        city,
        _task(TaskKind.QUARANTINE_TEST, B1),  # the building's own rule for its kind
        _task(TaskKind.QUARANTINE_TEST, B2),  # none at B2: the community's "*"
        _task(TaskKind.INVESTIGATION, B1),  # the community's "*" is nearer than the district
        _task(TaskKind.INVESTIGATION, "310101000000"),  # the district CDC
        _task(TaskKind.RESAMPLE, "310101000000"),  # nobody at the district: the city's "*"
        _task(TaskKind.RESAMPLE, None),  # no region: nothing to go on
        NewTask(
            kind=TaskKind.RESPONSE_PLAN,
            subject_type="places",
            subject_id=1,
            title="step",
            since=T0,
            responsible=Responsible(region=B2, department="教育局"),  # the opener's own
        ),
    )
    got = [get_task(city, i) for i in ids]
    parties = [(t["resp_region"], t["resp_unit"], t["resp_person"]) for t in got]
    assert parties == [
        (B1, "贵州路居委会", "楼长甲"),
        (COMMUNITY, "贵州路居委会", "李书记"),
        (COMMUNITY, "贵州路居委会", "李书记"),
        (DISTRICT, "黄浦区疾控中心", "王医生"),
        ("310000000000", "市指挥部", None),
        (None, None, None),
        (COMMUNITY, "贵州路居委会", "李书记"),
    ]
    assert got[-1]["resp_department"] == "教育局"


def test_a_bad_rule_file_records_nothing(city: ServiceContext, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(f"kind,region_code,unit\nrecall,{B1},x\ninvestigation,999999999999,y\n")
    with pytest.raises(InputError) as raised:
        import_responsibilities(city, bad)
    problems = raised.value.report.problems
    assert {(p.row, p.field) for p in problems} == {(1, "kind"), (2, "region_code")}
    assert all(p.file.endswith("bad.csv") for p in problems)
    assert any("unknown task kind 'recall'" in p.reason for p in problems)
    (task_id,) = _open(city, _task(TaskKind.RESAMPLE, B1))
    assert get_task(city, task_id)["resp_unit"] == "贵州路居委会"  # the old rules hold


def test_a_person_who_moves_has_their_tasks_reassigned(
    city: ServiceContext, tmp_path: Path
) -> None:
    (task_id,) = _open(city, _task(TaskKind.QUARANTINE_TEST, B1, subject=1001))
    assert get_task(city, task_id)["resp_person"] == "楼长甲"
    own = NewTask(
        kind=TaskKind.SYMPTOM_TEST,
        subject_type="people",
        subject_id=1003,
        title="symptoms",
        since=T0,
        responsible=Responsible(region=B2, department="社区卫生", unit="贵州路站", person="王护士"),
    )
    (kept,) = _open(city, own)
    assert reassign(city)["changed"] == []  # nothing moved: every party stays as given
    assert get_task(city, kept)["resp_person"] == "王护士"
    (tmp_path / "moved.csv").write_text(f"person_id,home_region_code\n1001,{B2}\n")
    import_file(city, "people", tmp_path / "moved.csv")
    found = reassign(city)
    assert found["changed"] == [task_id]
    moved = get_task(city, task_id)
    assert (moved["resp_region"], moved["resp_person"]) == (COMMUNITY, "李书记")


def test_task_states_reply_and_priority(city: ServiceContext) -> None:
    (task_id,) = _open(city, _task(TaskKind.INVESTIGATION, B1, priority=2))
    assert get_task(city, task_id)["priority"] == 2
    working = update_task(city, task_id, status=TaskStatus.IN_PROGRESS, reply="已联系")
    assert (working["status"], working["reply"], working["done_time"]) == (
        "in_progress",
        "已联系",
        None,
    )
    closed = update_task(city, task_id, status=TaskStatus.NOT_EXECUTABLE, at=T0 + dt.timedelta(1))
    assert closed["status"] == "not_executable" and closed["done_time"] == T0 + dt.timedelta(1)
    with pytest.raises(InvalidTransition):
        update_task(city, task_id, status=TaskStatus.IN_PROGRESS)


def test_the_daily_cap_puts_the_rest_in_one_summary_task(
    city: ServiceContext, request: pytest.FixtureRequest
) -> None:
    capped = open_context(city.settings.model_copy(update={"task_daily_cap": 3}))
    request.addfinalizer(capped.close)
    first = _open(capped, *(_task(TaskKind.RESAMPLE, B1, subject=s) for s in range(1, 3)))
    more = _open(capped, *(_task(TaskKind.RESAMPLE, B1, subject=s) for s in range(3, 8)))
    tests = _open(capped, *(_task(TaskKind.QUARANTINE_TEST, B1, subject=s) for s in range(9)))
    assert len(set(first)) == 2 and len(set(more)) == 2 and len(set(tests)) == 9  # not capped
    resamples = list_tasks(city, kind=TaskKind.RESAMPLE)
    assert len(resamples) == 4  # three and the summary
    (summary,) = [t for t in resamples if t["subject_type"] == "task_summary"]
    assert summary["subject_id"] == "resample:2022-03-20"
    assert [i["subject_id"] for i in summary["items"]] == ["4", "5", "6", "7"]
    assert summary["title"].startswith("4 more resample tasks")
    # the next day has its own cap
    next_day = NewTask(
        kind=TaskKind.RESAMPLE,
        subject_type="people",
        subject_id=99,
        title="next",
        since=T0 + dt.timedelta(days=1),
    )
    assert get_task(city, _open(capped, next_day)[0])["subject_type"] == "people"


def test_the_board_ranks_parties_and_keeps_the_trend(city: ServiceContext) -> None:
    day0 = T0 - dt.timedelta(days=3)
    late_cdc = [
        NewTask(
            kind=TaskKind.INVESTIGATION,
            subject_type="people",
            subject_id=s,
            title="investigate",
            since=day0,
            responsible=Responsible(region=DISTRICT),
        )
        for s in (1, 2)
    ]
    ids = _open(city, *late_cdc, _task(TaskKind.QUARANTINE_TEST, B1, due=T0 + dt.timedelta(1)))
    # the building's test task: open, not due yet; one CDC task done late, one still overdue
    update_task(city, ids[0], status=TaskStatus.DONE, at=T0 - dt.timedelta(hours=1))
    day = dt.date(2022, 3, 20)
    found = board(city, day, level="person")
    top, second = found["parties"][:2]
    assert (top["party"], top["overdue"], top["failed"], top["open"]) == ("王医生", 1, 1, 1)
    assert (second["party"], second["overdue"], second["open"]) == ("楼长甲", 0, 1)
    assert top["by_kind"]["task:investigation"] == {"open": 1, "overdue": 1, "failed": 1}
    # investigations are due 24 h after day0 (02:00 UTC on the 17th = 10:00 local): overdue
    # from the end of the 18th; two of them until the first was done on the 20th
    assert top["overdue_trend"] == [0, 0, 0, 0, 2, 2, 1]
    assert found["trend_days"][-1] == "2022-03-20"
    by_district = board(city, day, level="district")["parties"]
    assert [p["party"] for p in by_district] == [DISTRICT]
    assert by_district[0]["open"] == 2
    # a user of the district sees its parties; of another district, none (the reads filter)
    for prefix, parties in ((parse_region_code(DISTRICT).prefix, 2), ("310104", 0)):
        user = Principal("user", frozenset(Right), view=Jurisdiction.of([prefix]))
        assert len(board(city.acting_as(user), day, level="person")["parties"]) == parties
        with city.connect() as conn:
            read = tasks_repo.in_window(conn, start=day0, end=T0, within=user.view)
        assert len(read) == (3 if parties else 0)


def test_cli_board_and_task_update(city: ServiceContext, cli_env: dict[str, str]) -> None:
    (task_id,) = _open(city, _task(TaskKind.INVESTIGATION, DISTRICT))
    runner = CliRunner()
    moved = runner.invoke(
        app, ["tasks", "update", str(task_id), "--status", "in_progress", "--json"], env=cli_env
    )
    assert moved.exit_code == 0, moved.output
    shown = runner.invoke(app, ["supervision", "board", "--date", "2022-03-22"], env=cli_env)
    assert shown.exit_code == 0 and "310101000000" in shown.stdout, shown.output
    wrong = runner.invoke(
        app, ["supervision", "board", "--date", "2022-03-22", "--level", "street"], env=cli_env
    )
    assert wrong.exit_code == 2 and "level" in wrong.stderr


def test_the_accountability_report_lists_failures_with_their_trail(
    city: ServiceContext, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    from shoutu.services.supervision.report import report

    day0 = T0 - dt.timedelta(days=3)
    ids = _open(
        city,
        *(
            NewTask(
                kind=TaskKind.INVESTIGATION,
                subject_type="people",
                subject_id=s,
                title="investigate",
                since=day0,
                responsible=Responsible(region=DISTRICT),
            )
            for s in (1, 2, 3)
        ),
    )
    update_task(city, ids[0], status=TaskStatus.DONE, at=T0 - dt.timedelta(hours=1))  # late
    update_task(city, ids[1], status=TaskStatus.DONE, at=day0 + dt.timedelta(hours=2))  # in time
    outside = _open(city, _task(TaskKind.INVESTIGATION, "310000000000"))  # above the region
    first, last = dt.date(2022, 3, 17), dt.date(2022, 3, 20)
    found, content = report(city, first, last, region=DISTRICT, fmt="md")
    failed = {t["task_id"]: t["why"] for t in found["failed_tasks"]}
    assert failed == {ids[0]: "done_late", ids[2]: "overdue"} and outside[0] not in failed
    assert {e["task_id"] for e in found["audit_trail"]} == {ids[0], ids[2]}
    assert all(e["actor"] == "tester" for e in found["audit_trail"])
    text = content.decode()
    assert "督查问责报告" in text and "done_late" in text and "王医生" in text
    pdf = tmp_path / "report.pdf"
    report(city, first, last, region=DISTRICT, fmt="pdf", output=pdf)
    assert "督查问责报告" in "".join(p.extract_text() for p in PdfReader(pdf).pages)
    with city.connect() as conn:
        from shoutu.store.repositories import audit as audit_repo

        reads = audit_repo.recent(conn, entity="audit_events", limit=1000)
    assert reads and all(r["detail"] == "supervision report" for r in reads)


def test_a_task_not_executable_is_not_done_in_time(city: ServiceContext) -> None:
    from shoutu.domain.vocabulary import RegionLevel
    from shoutu.services.supervision.clocks import task_clocks

    (task_id,) = _open(city, _task(TaskKind.INVESTIGATION, B1))
    update_task(city, task_id, status=TaskStatus.NOT_EXECUTABLE, at=T0 + dt.timedelta(hours=1))
    day = T0.astimezone(ZoneInfo(city.settings.timezone)).date()
    (row,) = task_clocks(city, day, day, level=RegionLevel.DISTRICT)
    assert (row["n"], row["done"], row["done_in_time"], row["median_hours"]) == (1, 0, None, None)
    assert row["not_executable"] == 1 and row["open_overdue"] == 0


def test_the_report_counts_only_its_regions_cases(city: ServiceContext, tmp_path: Path) -> None:
    from shoutu.services.supervision.report import accountability

    (tmp_path / "case.csv").write_text(
        "case_id,person_id,classification,origin,channel,found_in_control,region_code,"
        "report_time,protocol\n"
        "7,1001,confirmed,local,fever_clinic,false,310101002001,2022-03-18T10:00:00+08:00,"
        "cn-9th-2022\n"
    )
    import_file(city, "cases", tmp_path / "case.csv")
    first, last = dt.date(2022, 3, 17), dt.date(2022, 3, 20)
    assert accountability(city, first, last, region=DISTRICT)["tracing"]["cases"] == 1
    elsewhere = accountability(city, first, last, region="310104000000")
    assert elsewhere["tracing"]["cases"] == 0 and elsewhere["four_early"] == []


def test_followed_every_day_is_judged_as_of_the_period(
    city: ServiceContext, tmp_path: Path
) -> None:
    """A contact checked on every whole day of the period counts as followed, whatever the
    wall clock says, and a day still under way is not yet missed."""
    from shoutu.services.control.checks import record_check
    from shoutu.services.control.contacts import import_contacts
    from shoutu.services.supervision.clocks import clocks

    shanghai = ZoneInfo("Asia/Shanghai")

    (tmp_path / "case.csv").write_text(
        "case_id,person_id,classification,origin,channel,found_in_control,region_code,"
        "report_time,protocol\n"
        "7,1001,confirmed,local,fever_clinic,false,310101002001,2022-03-17T10:00:00+08:00,"
        "cn-9th-2022\n"
    )
    import_file(city, "cases", tmp_path / "case.csv")
    (tmp_path / "contacts.csv").write_text(
        "index_case_id,person_id,kind,setting,last_exposure_time,identified_time\n"
        "7,1003,close,household,2022-03-17T08:00:00+08:00,2022-03-17T12:00:00+08:00\n"
    )
    import_contacts(city, tmp_path / "contacts.csv", allow_dates=True)
    for day in (17, 18, 19):
        record_check(
            city, 1003, temperature=36.6, at=dt.datetime(2022, 3, day, 19, tzinfo=shanghai)
        )
    three = clocks(city, dt.date(2022, 3, 17), dt.date(2022, 3, 19))["tracing"]
    assert three["contact_episodes"] == 1 and three["followed_every_day"] == 1.0
    four = clocks(city, dt.date(2022, 3, 17), dt.date(2022, 3, 20))["tracing"]
    assert four["followed_every_day"] == 0.0  # the 20th passed without a check


def test_finishing_an_in_progress_task_audits_its_real_status(city: ServiceContext) -> None:
    from shoutu.services.audit import recent

    (task_id,) = _open(city, _task(TaskKind.INVESTIGATION, B1))
    update_task(city, task_id, status=TaskStatus.IN_PROGRESS)
    complete_task(city, task_id, at=T0 + dt.timedelta(hours=2))
    done = [
        e
        for e in recent(city, entity="tasks", entity_id=str(task_id))
        if e["detail"] == "task done"
    ]
    assert done and done[0]["before"] == {"status": "in_progress"}


def test_items_beyond_the_cap_are_found_and_settled_like_tasks(
    city: ServiceContext, request: pytest.FixtureRequest
) -> None:
    """A subject in a summary task is found by its subject (no second item when the same
    recall comes again) and settled by the result that ends it; the summary ends with its
    last item."""
    from shoutu.services.audit import writing
    from shoutu.services.supervision.tasks import open_by_subject, settle

    capped = open_context(city.settings.model_copy(update={"task_daily_cap": 1}))
    request.addfinalizer(capped.close)

    def recall(people: list[int]) -> dict[str, dict[str, object]]:
        with writing(capped) as unit:
            found = open_by_subject(
                unit, kind=TaskKind.RESAMPLE, subject_type="people", subject_ids=people
            )
            fresh = [p for p in people if str(p) not in found]
            open_tasks(
                unit,
                capped.protocol()[0],
                [_task(TaskKind.RESAMPLE, B1, subject=p) for p in fresh],
            )
            return found

    assert recall([1001, 1002, 1003]) == {}
    again = recall([1001, 1002, 1003])  # the same positives again: nothing new
    assert sorted(again) == ["1001", "1002", "1003"]
    assert [t.get("summary_item") is not None for t in again.values()] == [False, True, True]
    (summary,) = [
        t for t in list_tasks(city, kind=TaskKind.RESAMPLE) if t["subject_type"] == "task_summary"
    ]
    assert [i["subject_id"] for i in summary["items"]] == ["1002", "1003"]
    with writing(capped) as unit:
        assert settle(unit, [again["1002"]], done_time=T0 + dt.timedelta(hours=3)) == 1
    left = get_task(city, summary["task_id"])
    assert [i["subject_id"] for i in left["items"]] == ["1003"] and left["status"] == "open"
    with writing(capped) as unit:
        settle(unit, [again["1003"], again["1001"]], done_time=T0 + dt.timedelta(hours=4))
    assert get_task(city, summary["task_id"])["status"] == "done"
    assert get_task(city, int(again["1001"]["task_id"]))["status"] == "done"
