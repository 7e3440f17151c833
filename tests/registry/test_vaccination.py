"""Vaccination doses as records (command issue): imported all or nothing, corrected when a
dose differs, and coverage per region and age band with the boosters due by the rules in
force on the day."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.errors import InputError
from shoutu.services.audit import recent
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.registry.vaccination import coverage, import_vaccinations, outreach

COMMUNITY = "310101002001"
REGIONS = (
    "code,name_zh,name_en\n310000000000,上海市,Shanghai\n310100000000,市辖区,Districts\n"
    "310101000000,黄浦区,Huangpu\n310101002000,南京东路街道,Nanjing East Road\n"
    f"{COMMUNITY},贵州路社区,Guizhou Road\n"
)
DOSES = (
    "person_id,date,product,dose_number,manufacturer,batch\n"
    "1,2021-05-01,sinovac-coronavac,1,Sinovac,B1\n1,2021-06-01,sinovac-coronavac,2,Sinovac,B2\n"
    "2,2022-08-01,sinopharm-bibp,1,,\n2,2022-09-01,sinopharm-bibp,2,,\n"
    "3,2021-05-01,sinopharm-bibp,1,,\n3,2021-06-01,sinopharm-bibp,2,,\n"
    "3,2022-03-01,sinopharm-bibp,3,,\n"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def city(ctx: ServiceContext, tmp_path: Path) -> ServiceContext:
    import_file(ctx, "regions", _write(tmp_path, "regions.csv", REGIONS))
    people = (
        "person_id,name,sex,birth_date,home_region_code,vaccination_doses,last_vaccination_date\n"
        f"1,A,male,1990-01-01,{COMMUNITY},0,\n2,B,female,1955-01-01,{COMMUNITY},0,\n"
        f"3,C,female,1950-01-01,{COMMUNITY},0,\n4,D,male,2012-01-01,{COMMUNITY},0,\n"
        f"5,E,male,1980-01-01,{COMMUNITY},2,2021-07-01\n"  # stated doses, no records
    )
    import_file(ctx, "people", _write(tmp_path, "people.csv", people))
    return ctx


def test_coverage_by_age_with_the_boosters_due(city: ServiceContext, tmp_path: Path) -> None:
    result = import_vaccinations(city, _write(tmp_path, "doses.csv", DOSES))
    assert (result.recorded, result.unchanged) == (7, 0)
    before = coverage(city, dt.date(2022, 11, 28), by_age=True)
    bands = {r["age_band"]: r for r in before["regions"]}
    assert bands["18-59"]["primary"] == 2 and bands["18-59"]["due_booster"] == 2  # A and E
    assert bands["60-79"]["primary"] == 1 and bands["60-79"]["boosted"] == 1
    assert bands["60-79"]["due_booster"] == 0  # B: 6 months not over; C: no second booster yet
    assert bands["0-17"]["none"] == 1
    after = coverage(city, dt.date(2022, 12, 14), by_age=True)
    bands = {r["age_band"]: r for r in after["regions"]}
    assert bands["60-79"]["due_booster"] == 2  # B after 3 months (11-29), C's second (12-14)
    (whole,) = coverage(city, dt.date(2022, 12, 14))["regions"]
    assert whole["region_code"] == "310101000000" and whole["people"] == 5
    assert whole["boosted_share_adults"] == 0.25


def test_corrections_and_bad_rows(city: ServiceContext, tmp_path: Path) -> None:
    path = _write(tmp_path, "doses.csv", DOSES)
    import_vaccinations(city, path)
    assert import_vaccinations(city, path).unchanged == 7
    fixed = DOSES.replace("2022-03-01,sinopharm-bibp,3", "2022-03-02,sinopharm-bibp,3")
    result = import_vaccinations(city, _write(tmp_path, "fixed.csv", fixed))
    assert (result.updated, result.unchanged) == (1, 6)
    event = next(e for e in recent(city, entity="vaccinations") if e["action"] == "update")
    assert event["before"]["dose_date"] == "2022-03-01"
    bad = _write(
        tmp_path,
        "bad.csv",
        "person_id,date,product,dose_number\n9,2022-01-01,sinovac-coronavac,1\n"
        "1,2022-01-01,sputnik,3\n1,2022-01-02,sinovac-coronavac,3\n",
    )
    with pytest.raises(InputError) as refused:
        import_vaccinations(city, bad)
    lines = "\n".join(refused.value.report.lines())
    assert "row 1 (line 2), field person_id" in lines
    assert "row 2 (line 3), field product: unknown product 'sputnik'" in lines
    assert "row 3 (line 4), field dose_number: the same person and dose as row 2" in lines


def test_the_cli(city: ServiceContext, tmp_path: Path, cli_env: dict[str, str]) -> None:
    ran = CliRunner().invoke(app, ["import", "vaccinations", str(_write(tmp_path, "d.csv", DOSES))])
    assert ran.exit_code == 0 and "7 new" in ran.output, ran.output
    ran = CliRunner().invoke(app, ["vaccination", "coverage", "--date", "2022-12-14", "--json"])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["regions"][0]["due_booster"] == 4  # A, E, B and C


def test_outreach_lists_who_is_due_masked_and_audited(city: ServiceContext, tmp_path: Path) -> None:
    import_vaccinations(city, _write(tmp_path, "doses.csv", DOSES))
    found = outreach(city, dt.date(2022, 12, 14))
    assert [p["person_id"] for p in found["people"]] == [3, 2]  # 60+ due, oldest first
    assert found["people"][0]["booster"] == 2 and found["people"][1]["due_since"] == "2022-12-01"
    assert found["people"][0]["name"] != "C" and "*" in found["people"][0]["name"]
    assert found["by_community"] == {COMMUNITY: 2}
    reads = [e for e in recent(city, entity="people") if e["action"] == "read"]
    assert reads and "vaccination outreach" in json.dumps(reads[0])
    assert outreach(city, dt.date(2022, 11, 28))["people"] == []  # B's 3 months not yet a rule
