"""What users reached for (trust issue, item 22): `import cases` and `import control-measures`
load line lists and episodes; `cases list|show` and `tasks list|show` show what the registry
holds and who must act (trace's contact-control tasks among them)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from paths import DATA
from shoutu.cli.app import app
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.specs import import_file

CASES = (
    "case_id,person_id,classification,origin,channel,found_in_control,region_code,onset_time,"
    "sample_time,report_time,protocol\n"
    "7,1001,confirmed,local,fever_clinic,false,310101002001,2022-03-18T09:00,2022-03-19T10:00,"
    "2022-03-19T20:00,cn-9th-2022\n"
    "8,1002,asymptomatic,imported,port_screening,true,,,2022-03-20T10:00,2022-03-20T18:00,"
    "cn-9th-2022\n"
)
MEASURES = (  # ids past those of the isolations the cases opened
    "measure_id,person_id,kind,status,reason,start_time,planned_end_time,protocol\n"
    "101,1003,centralised,active,close contact of case 7,2022-03-20T08:00,2022-03-27T08:00,"
    "cn-9th-2022\n"
)


def test_import_and_read_cases_measures_and_tasks(
    ctx: ServiceContext, cli_env: dict[str, str], tmp_path: Path
) -> None:
    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    (tmp_path / "cases.csv").write_text(CASES)
    (tmp_path / "measures.csv").write_text(MEASURES)
    runner = CliRunner()
    cases = runner.invoke(app, ["import", "cases", str(tmp_path / "cases.csv"), "--json"])
    assert cases.exit_code == 0, cases.output
    assert json.loads(cases.stdout)["result"]["inserted"] == 2
    again = runner.invoke(app, ["import", "cases", str(tmp_path / "cases.csv"), "--json"])
    assert json.loads(again.stdout)["result"]["unchanged"] == 2
    measures = runner.invoke(
        app, ["import", "control-measures", str(tmp_path / "measures.csv"), "--json"]
    )
    assert measures.exit_code == 0, measures.output
    listed = json.loads(runner.invoke(app, ["cases", "list", "--json"]).stdout)["cases"]
    assert [c["case_id"] for c in listed] == [8, 7]  # latest report first
    assert listed[1]["report_time"] == "2022-03-19T12:00:00+00:00"

    def in_region(code: str) -> list[int]:
        shown = runner.invoke(app, ["cases", "list", "--region", code, "--json"])
        return [c["case_id"] for c in json.loads(shown.stdout)["cases"]]

    # case 7 by its own region, case 8 (none given) by its person's home; a whole code is
    # its subtree
    assert in_region("310101") == in_region("310101000000") == [8, 7]
    assert in_region("310101002001") == [8, 7] and in_region("310104000000") == []
    assert in_region("3101010020010002") == []  # another building
    # store mode trace records contacts and contact-control tasks the case shows
    traced = runner.invoke(app, ["trace", "--case", "7", "--json"])
    assert traced.exit_code == 0, traced.output
    shown = json.loads(runner.invoke(app, ["cases", "show", "7", "--json"]).stdout)
    assert shown["case"]["channel"] == "fever_clinic" and shown["case"]["origin"] == "local"
    tasks = json.loads(runner.invoke(app, ["tasks", "list", "--json"]).stdout)["tasks"]
    control = [t for t in tasks if t["kind"] == "contact_control"]
    assert len(control) == json.loads(traced.stdout)["tasks"]
    # a task of case 7's, shown by itself, by its subject and with its case
    import datetime as dt

    from shoutu.domain.vocabulary import TaskKind
    from shoutu.services.audit import writing
    from shoutu.services.supervision.tasks import NewTask, open_tasks

    since = dt.datetime(2022, 3, 19, 12, tzinfo=dt.UTC)
    with writing(ctx) as unit:
        (task_id,) = open_tasks(
            unit,
            ctx.protocol()[0],
            [NewTask(TaskKind.INVESTIGATION, "cases", 7, "inv", since=since)],
        )
    one = runner.invoke(app, ["tasks", "show", str(task_id), "--json"])
    assert json.loads(one.stdout)["task"]["status"] == "open"
    mine = runner.invoke(app, ["tasks", "list", "--subject", "cases:7", "--json"])
    assert [t["task_id"] for t in json.loads(mine.stdout)["tasks"]] == [task_id]
    with_case = json.loads(runner.invoke(app, ["cases", "show", "7", "--json"]).stdout)
    assert [t["task_id"] for t in with_case["tasks"]] == [task_id]
    human = runner.invoke(app, ["cases", "show", "8"])
    assert human.exit_code == 0 and "口岸筛查" in human.stdout  # port_screening, as people read it


def test_a_line_list_cannot_take_over_a_case_the_platform_made(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    """Imported ids keep theirs; a file naming an id the store gave another person's case is
    refused, not an update (another system's numbering)."""
    import pytest

    from shoutu.errors import InputError

    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    (tmp_path / "cases.csv").write_text(CASES)
    import_file(ctx, "cases", tmp_path / "cases.csv")
    clash = tmp_path / "clash.csv"
    clash.write_text(CASES.replace("\n7,1001,", "\n7,1003,", 1))
    with pytest.raises(InputError) as refused:
        import_file(ctx, "cases", clash)
    assert (
        "field person_id: cases 7 is person_id 1001's: a file cannot give it to 1003"
        in (refused.value.report.lines()[0])
    )


def test_a_planned_end_in_the_future_is_plausible(ctx: ServiceContext, tmp_path: Path) -> None:
    import datetime as dt

    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    today = dt.date.today()
    path = tmp_path / "measures.csv"
    path.write_text(
        "measure_id,person_id,kind,status,reason,start_time,planned_end_time,protocol\n"
        f"5,1003,centralised,active,close contact,{today}T08:00,"
        f"{today + dt.timedelta(days=14)}T08:00,cn-9th-2022\n"
    )
    assert import_file(ctx, "control_measures", path).inserted == 1
