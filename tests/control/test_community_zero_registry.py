"""Community zero from the registry: cases by their report's local day, in control or in the
community by ``found_in_control``, in the region at ``--level`` that holds the case's region
(else its person's home); populations from the regions file, else the people registered at
the same level."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from paths import DATA
from shoutu.cli.app import app
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.specs import import_file

HUANGPU, XUHUI = "310101000000", "310104000000"
GUIZHOU, XUJIAHUI = "310101002001", "310104003001"
BUILDING_1, BUILDING_2 = "3101010020010001", "3101010020010002"

REGIONS = (
    "code,name_zh,name_en,population,lat,lon\n"
    "310104000000,徐汇区,Xuhui District,1113078,,\n"
    "310104003000,徐家汇街道,Xujiahui Subdistrict,,,\n"
    "310104003001,徐家汇社区,Xujiahui Community,,,\n"
)
PEOPLE = (
    "person_id,name,sex,home_region_code\n"
    "2001,赵一,male,310104003001\n"
    "2002,钱二,female,310104003001\n"
    "2003,孙三,female,310104003001\n"
)
# report times are local (Asia/Shanghai): case 1 is 2022-03-20 locally, 2022-03-19 in UTC
CASES = (
    "case_id,person_id,classification,origin,channel,found_in_control,region_code,report_time,"
    "protocol\n"
    "1,1001,asymptomatic,local,mass_screening,false,,2022-03-20T00:30,cn-9th-2022\n"
    "2,1003,confirmed,local,quarantine_testing,true,,2022-03-21T10:00,cn-9th-2022\n"
    "3,2001,confirmed,local,fever_clinic,false,310104003001,2022-03-15T09:00,cn-9th-2022\n"
    "4,2002,asymptomatic,local,quarantine_testing,true,,2022-03-22T08:00,cn-9th-2022\n"
)
runner = CliRunner()


@pytest.fixture
def registry(ctx: ServiceContext, cli_env: dict[str, str], tmp_path: Path) -> None:
    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    for kind, text in (("regions", REGIONS), ("people", PEOPLE), ("cases", CASES)):
        (tmp_path / f"{kind}.csv").write_text(text, encoding="utf-8")
        import_file(ctx, kind, tmp_path / f"{kind}.csv")


def _judged(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["control", "community-zero", "--json", *args])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _by_region(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["region"]: r for r in data["regions"]}


@pytest.mark.usefixtures("registry")
def test_districts_by_local_report_day() -> None:
    on_22 = _judged("--date", "2022-03-22")
    districts = _by_region(on_22)
    assert set(districts) == {HUANGPU, XUHUI}
    # case 1 was reported on 03-20 local time (03-19 UTC): inside the 3 days to 03-22
    assert districts[HUANGPU] == {  # one community case in 662,030 people: below 1 in 100,000
        "region": HUANGPU,
        "status": "basic_zero",
        "days_since_last_community_case": 2,
        "zero_since": None,
        "community": 0,
        "in_control": 0,
        "population": 662030,  # the regions file's figure (5 registered residents)
    }
    assert districts[XUHUI]["status"] == "zero"
    assert districts[XUHUI]["days_since_last_community_case"] == 7
    assert districts[XUHUI]["zero_since"] == "2022-03-16"
    assert districts[XUHUI]["in_control"] == 1  # case 4: in control, no matter
    assert districts[XUHUI]["population"] == 1113078  # the regions file's figure, as channels use
    assert on_22["all_zero"] is False
    assert on_22["provenance"]["parameters"] == {"date": "2022-03-22", "level": "district"}
    on_23 = _judged("--date", "2022-03-23")
    assert on_23["all_zero"] is True
    assert _by_region(on_23)[HUANGPU]["zero_since"] == "2022-03-21"
    # as of 03-19, case 1 (03-20 local) was not reported yet; nobody had a community case
    # in Huangpu: at zero since the first day the registry's cases cover
    early = _by_region(_judged("--date", "2022-03-19"))
    assert early[HUANGPU]["status"] == "zero"
    assert early[HUANGPU]["days_since_last_community_case"] is None
    assert early[HUANGPU]["zero_since"] == "2022-03-15"
    assert early[XUHUI]["zero_since"] == "2022-03-16"
    # one community case in Xuhui's 1,113,078 people: below 1 in 100,000, basically zero
    assert _by_region(_judged("--date", "2022-03-17"))[XUHUI]["status"] == "basic_zero"


@pytest.mark.usefixtures("registry")
def test_levels() -> None:
    communities = _by_region(_judged("--date", "2022-03-22", "--level", "community"))
    assert set(communities) == {GUIZHOU, XUJIAHUI}
    assert communities[GUIZHOU]["status"] == "not_zero"
    assert communities[XUJIAHUI]["status"] == "zero"
    buildings = _judged("--date", "2022-03-22", "--level", "building")
    found = _by_region(buildings)
    # case 1 is in building 1 (its person's home); building 2 had only a case in control
    assert set(found) == {BUILDING_1, BUILDING_2}
    assert found[BUILDING_1]["status"] == "not_zero"
    assert found[BUILDING_2]["status"] == "zero" and found[BUILDING_2]["community"] == 0
    # case 3's region is a community, above the building level: said, not hidden
    assert buildings["warnings"] == [
        "1 community cases have no region at the building level and are not counted"
    ]
    city = _judged("--date", "2022-03-22", "--level", "city")
    assert [r["region"] for r in city["regions"]] == ["310100000000"]
    assert city["regions"][0]["population"] == 8


@pytest.mark.usefixtures("registry")
def test_the_human_table_and_bad_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOUTU_LANG", "en")
    shown = runner.invoke(app, ["control", "community-zero", "--date", "2022-03-22"])
    assert shown.exit_code == 0, shown.output
    assert "Community zero" in shown.stdout and "Basically zero" in shown.stdout
    assert "all at zero: no (1/2)" in shown.stdout
    bad = runner.invoke(app, ["control", "community-zero", "--level", "planet"])
    assert bad.exit_code == 2
    who = runner.invoke(app, ["control", "community-zero", "--protocol", "who-2021", "--json"])
    assert who.exit_code == 2
    assert json.loads(who.stdout)["code"] == "bad_request"
    assert "sets no community_zero rule" in json.loads(who.stdout)["error"]


def test_an_empty_registry(ctx: ServiceContext, cli_env: dict[str, str]) -> None:
    data = _judged("--date", "2022-03-22")
    assert data["regions"] == [] and data["all_zero"] is False
    assert data["warnings"] == ["no regions to judge: all_zero is false"]


@pytest.mark.usefixtures("registry")
def test_the_default_day_is_today() -> None:
    from shoutu.domain.timeutil import local_date, utcnow

    before = local_date(utcnow(), "Asia/Shanghai").isoformat()
    data = _judged()
    after = local_date(utcnow(), "Asia/Shanghai").isoformat()
    assert data["date"] in (before, after)
    assert data["all_zero"] is True  # 2022's cases are long past


@pytest.mark.usefixtures("registry")
def test_the_reads_take_the_jurisdiction(ctx: ServiceContext, tmp_path: Path) -> None:
    """The repositories behind community zero and the four lists read only the caller's
    jurisdiction: cases by their region (else their person's home), or by the home alone;
    residents by their home. Case 5 was found in Huangpu of a person living in Xuhui."""
    import datetime as dt

    from shoutu.domain.access import EVERYWHERE, Jurisdiction
    from shoutu.store.repositories import cases as cases_repo
    from shoutu.store.repositories import people as people_repo

    (tmp_path / "more.csv").write_text(
        CASES.splitlines()[0]
        + "\n5,2003,confirmed,local,fever_clinic,false,310101002001,2022-03-21T09:00,"
        "cn-9th-2022\n",
        encoding="utf-8",
    )
    import_file(ctx, "cases", tmp_path / "more.csv")
    xuhui = Jurisdiction.of(["310104"])
    until = dt.datetime(2022, 3, 23, tzinfo=dt.UTC)
    start = dt.datetime(2022, 3, 1, tzinfo=dt.UTC)
    with ctx.connect() as conn:
        found = cases_repo.found_by_region(conn, until=until, within=xuhui)
        everywhere = cases_repo.found_by_region(conn, until=until, within=EVERYWHERE)
        by_region = cases_repo.reported_between(conn, start=start, end=until, within=xuhui)
        by_home = cases_repo.reported_between(
            conn, start=start, end=until, within=xuhui, by_home=True
        )
        residents = people_repo.count_by(conn, column="home_region_code", within=xuhui)
        nowhere = people_repo.count_by(conn, column="sex", within=Jurisdiction.of([]))
    assert len(everywhere) == 5 and len(found) == 2  # cases 3 and 4
    assert {code for _, _, code in found} == {XUJIAHUI}
    assert [c["case_id"] for c in by_region] == [3, 4]
    assert [c["case_id"] for c in by_home] == [3, 4, 5]
    assert residents == {XUJIAHUI: 3} and nowhere == {}


@pytest.mark.usefixtures("registry")
def test_a_partial_view_counts_the_residents_it_sees(ctx: ServiceContext) -> None:
    """A community's user asking for the district level: the district's row holds the
    community's cases and its registered residents, not the regions file's population of the
    whole district (1,113,078 for Xuhui); the district's own user gets that figure."""
    import datetime as dt

    from shoutu.domain.access import Jurisdiction, Principal
    from shoutu.domain.vocabulary import Right
    from shoutu.services.control.community_zero import from_registry

    def rows(prefix: str) -> dict[str, Any]:
        user = Principal("user", frozenset(Right), view=Jurisdiction.of([prefix]))
        found = from_registry(ctx.acting_as(user), day=dt.date(2022, 3, 22), level="district")
        return {r["region"]: r for r in found.as_json()["regions"]}

    assert rows(XUJIAHUI)[XUHUI]["population"] == 3
    assert rows("310104")[XUHUI]["population"] == 1113078
