"""Key places' daily monitoring reports (emergency-response issue): one report per place and
day from places of the protocol's reporting types; a missing report is overdue after the
protocol's hour of the next day; a correction is audited; the detectors' channels count the
reports (school absence for illness is one)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.domain.vocabulary import RegionLevel
from shoutu.errors import InputError
from shoutu.services.audit import recent
from shoutu.services.context import ServiceContext
from shoutu.services.control.place_reports import import_place_reports, reports_day
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.surveillance.channels import channel_matrix

TZ = dt.timezone(dt.timedelta(hours=8))
COMMUNITY = "310101002001"
REGIONS = (
    "code,name_zh,name_en\n310000000000,上海市,Shanghai\n310100000000,市辖区,Districts\n"
    "310101000000,黄浦区,Huangpu\n310101002000,南京东路街道,Nanjing East Road\n"
    f"{COMMUNITY},贵州路社区,Guizhou Road\n"
)
PLACES = (
    "place_id,name,type,region_code\n"
    f"21,某小学,school,{COMMUNITY}\n22,某养老院,nursing_home,{COMMUNITY}\n"
    f"23,某餐馆,restaurant,{COMMUNITY}\n24,某幼儿园,kindergarten,{COMMUNITY}\n"
)
REPORTS = (
    "place_id,report_date,expected,present,absent,absent_ill,symptomatic,disinfected,"
    "absence_reasons,received_time\n"
    "21,2022-07-01,400,388,12,5,2,true,fever 3; cough 2; family 7,2022-07-01T17:00+08:00\n"
    "22,2022-07-01,80,80,0,0,1,yes,,2022-07-02T11:30+08:00\n"  # after 10:00 the next day
    "21,2022-07-02,400,390,10,4,0,true,,2022-07-02T17:00+08:00\n"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def places(ctx: ServiceContext, tmp_path: Path) -> ServiceContext:
    import_file(ctx, "regions", _write(tmp_path, "regions.csv", REGIONS))
    import_file(ctx, "places", _write(tmp_path, "places.csv", PLACES))
    return ctx


def test_reports_received_late_and_overdue(places: ServiceContext, tmp_path: Path) -> None:
    result = import_place_reports(places, _write(tmp_path, "reports.csv", REPORTS))
    assert (result.recorded, result.unchanged) == (3, 0)
    before_due = reports_day(places, dt.date(2022, 7, 1), at=dt.datetime(2022, 7, 2, 9, tzinfo=TZ))
    by_place = {p["place_id"]: p for p in before_due["places"]}
    assert set(by_place) == {21, 22, 24}  # the restaurant sends no daily report
    assert by_place[21]["status"] == "received" and by_place[21]["absent_ill_share"] == 0.0125
    assert by_place[22]["status"] == "late"
    assert by_place[24]["status"] == "due"
    after = reports_day(places, dt.date(2022, 7, 1), at=dt.datetime(2022, 7, 2, 10, 1, tzinfo=TZ))
    assert {p["place_id"]: p["status"] for p in after["places"]}[24] == "overdue"
    assert after["counts"] == {"received": 1, "late": 1, "due": 0, "overdue": 1}
    # the channels the detectors read: school absence for illness, symptomatic people
    school = channel_matrix(places, "school_absence_ill", level=RegionLevel.DISTRICT)
    assert school.values.sum() == 9 and school.values.max() == 5
    symptomatic = channel_matrix(places, "key_place_symptomatic", level=RegionLevel.DISTRICT)
    assert symptomatic.values.sum() == 3


def test_a_correction_is_audited_and_the_same_file_changes_nothing(
    places: ServiceContext, tmp_path: Path
) -> None:
    path = _write(tmp_path, "reports.csv", REPORTS)
    import_place_reports(places, path)
    again = import_place_reports(places, path)
    assert (again.recorded, again.updated, again.unchanged) == (0, 0, 3)
    corrected = REPORTS.replace("400,388,12,5,2,true", "400,386,14,7,2,true")
    fixed = import_place_reports(places, _write(tmp_path, "fixed.csv", corrected))
    assert (fixed.recorded, fixed.updated, fixed.unchanged) == (0, 1, 2)
    event = next(e for e in recent(places, entity="place_reports") if e["action"] == "update")
    assert event["before"]["absent_ill"] == 5 and event["after"]["absent_ill"] == 7


def test_bad_rows_are_named(places: ServiceContext, tmp_path: Path) -> None:
    text = (
        "place_id,report_date,absent,absent_ill,symptomatic,disinfected\n"
        "23,2022-07-01,0,0,0,true\n"
        "21,2022-07-01,3,5,0,true\n"
        "21,2022-07-01,3,1,0,maybe\n"
    )
    path = _write(tmp_path, "bad.csv", text)
    with pytest.raises(InputError) as refused:
        import_place_reports(places, path)
    lines = "\n".join(refused.value.report.lines())
    assert "row 1 (line 2), field place_id: place 23 is a restaurant" in lines
    assert "row 2 (line 3), field absent_ill: is more than absent (3)" in lines
    assert "row 3 (line 4), field disinfected" in lines
    assert reports_day(places, dt.date(2022, 7, 1))["counts"]["received"] == 0


def test_the_cli_imports_and_lists(
    places: ServiceContext, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    path = _write(tmp_path, "reports.csv", REPORTS)
    ran = CliRunner().invoke(app, ["import", "place-reports", str(path)])
    assert ran.exit_code == 0 and "3 new" in ran.output, ran.output
    ran = CliRunner().invoke(
        app, ["places", "reports", "--date", "2022-07-01", "--at", "2022-07-03T00:00", "--json"]
    )
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["counts"]["overdue"] == 1
