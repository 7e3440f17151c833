"""Risk areas from the registry (emergency-response issue): `areas propose` from a hand-made
city's cases matches the rule, only approved areas take effect, extents are edited, the daily
run steps down and holds day by day (a case on day 5 resets; an incomplete day-7 round holds),
the county's low level lifts, and the public list shows no person."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.domain.access import EVERYWHERE
from shoutu.errors import BadRequest, Conflict
from shoutu.services.audit import recent
from shoutu.services.context import ServiceContext
from shoutu.services.control.area_run import run_areas
from shoutu.services.control.areas import (
    approve_areas,
    edit_area,
    list_areas,
    propose_areas,
    reject_areas,
)
from shoutu.services.control.coverage import coverage
from shoutu.services.control.episode_list import list_episodes
from shoutu.services.investigation.checkins import import_checkins
from shoutu.services.public.areas import public_areas
from shoutu.services.public.bulletin import public_map
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.screening.lab_results import import_results
from shoutu.store.repositories import measures as measures_repo
from shoutu.store.repositories import people as people_repo

COUNTY, OTHER_COUNTY = "310101000000", "310104000000"
A1, A2, B1 = "3101010020010001", "3101010020010002", "3101010020020001"
OFFICE_BUILDING = "3101040010010001"
REGIONS = (  # one community located (lat, lon): the map puts its buildings' areas there
    "code,name_zh,name_en,lat,lon\n"
    "310000000000,上海市,Shanghai,,\n310100000000,市辖区,Districts,,\n"
    f"{COUNTY},黄浦区,Huangpu,,\n310101002000,南京东路街道,Nanjing East Road,,\n"
    "310101002001,贵州路社区,Guizhou Road,31.238,121.479\n"
    "310101002002,北京东路社区,Beijing East Road,,\n"
    f"{A1},1号楼,Building 1,,\n{A2},2号楼,Building 2,,\n{B1},3号楼,Building 3,,\n"
    f"{OTHER_COUNTY},徐汇区,Xuhui,,\n310104001000,某街道,Town,,\n310104001001,某社区,Community,,\n"
    f"{OFFICE_BUILDING},办公楼,Office building,,\n"
)
PLACES = (
    "place_id,name,type,region_code\n"
    f"11,某公司,workplace,{OFFICE_BUILDING}\n"
    "12,某商场,mall,310101002002\n"
    "13,某餐馆,restaurant,310101002002\n"
)
# 1-4 live in building A1, 5-7 in A2, 8-10 in B1; 1 works at the office (place 11)
PEOPLE = "person_id,name,sex,home_region_code,workplace_id\n" + "".join(
    f"{p},Person {p},male,{home},{11 if p == 1 else ''}\n"
    for p, home in [(p, A1) for p in range(1, 5)]
    + [(p, A2) for p in range(5, 8)]
    + [(p, B1) for p in range(8, 11)]
)
CASES = "case_id,person_id,classification,origin,channel,found_in_control,report_time,protocol\n"


def _city(ctx: ServiceContext, tmp_path: Path, cases: str) -> None:
    for kind, text in (("regions", REGIONS), ("places", PLACES), ("people", PEOPLE)):
        (tmp_path / f"{kind}.csv").write_text(text)
        import_file(ctx, kind, tmp_path / f"{kind}.csv")
    (tmp_path / "cases.csv").write_text(CASES + cases)
    import_file(ctx, "cases", tmp_path / "cases.csv")


def _case(case_id: int, person: int, report: str, in_control: bool = False) -> str:
    return (
        f"{case_id},{person},confirmed,local,fever_clinic,{str(in_control).lower()},{report},"
        "cn-9th-2022\n"
    )


def _round(ctx: ServiceContext, tmp_path: Path, day: str, people: list[int], tag: str) -> None:
    """An all-negative PCR round of ``people`` on ``day`` (results the same evening)."""
    path = tmp_path / f"round-{tag}.csv"
    path.write_text(
        "sample_id,tube_id,pool_size,person_id,sample_time,result_time,method,result\n"
        + "".join(
            f"{tag}{p},{tag}T{p},1,{p},{day}T09:00,{day}T20:00,pcr,negative\n" for p in people
        )
    )
    import_results(ctx, path)


def test_proposal_from_cases_matches_the_rule(ctx: ServiceContext, tmp_path: Path) -> None:
    _city(ctx, tmp_path, _case(1, 1, "2022-07-02T08:00"))
    visits = tmp_path / "checkins.csv"  # 90 minutes at the mall, 20 at the restaurant
    visits.write_text(
        "person_id,place_id,t_in,t_out\n"
        "1,12,2022-06-30T10:00,2022-06-30T11:30\n"
        "1,13,2022-06-30T12:00,2022-06-30T12:20\n"
    )
    import_checkins(ctx, visits)
    found = propose_areas(ctx, dt.date(2022, 7, 2))
    got = {a["region_code"]: (a["level"], a["status"], a["population"]) for a in found["proposed"]}
    assert got == {
        A1: ("high", "proposed", 4),  # the residence: 4 residents
        OFFICE_BUILDING: ("medium", "proposed", 0),  # the workplace
        "310101002002": ("medium", "proposed", 3),  # 90 minutes at the mall (its community)
    }
    assert found["counties_low"] == [COUNTY, OTHER_COUNTY]
    home = next(a for a in found["proposed"] if a["region_code"] == A1)
    assert home["reason"] == f"case 1: residence {A1}" and home["cases"] == [1]
    # proposing the day again adds nothing; nothing is in force before approval
    assert propose_areas(ctx, dt.date(2022, 7, 2))["proposed"] == []
    assert public_areas(ctx, dt.date(2022, 7, 2)).areas == []
    # a protocol without area rules says so
    with pytest.raises(BadRequest, match="no risk_areas"):
        propose_areas(ctx, dt.date(2022, 7, 2), protocol="cn-8th-2021")


def test_approve_edit_reject_and_the_audit_trail(ctx: ServiceContext, tmp_path: Path) -> None:
    _city(ctx, tmp_path, _case(1, 1, "2022-07-02T08:00"))
    found = propose_areas(ctx, dt.date(2022, 7, 2))
    by_code = {a["region_code"]: a["area_id"] for a in found["proposed"]}
    edited = edit_area(ctx, by_code[A1], add=[A2], measure=None)
    assert edited["extent"] == [A1, A2] and edited["population"] == 7
    with pytest.raises(BadRequest, match="has no part"):
        edit_area(ctx, by_code[A1], remove=[B1])
    assert reject_areas(ctx, [by_code[OFFICE_BUILDING]], "the office was closed all week") == 1
    [approved] = approve_areas(ctx, [by_code[A1]])
    assert (approved["status"], approved["since"], approved["clock"]) == (
        "approved",
        "2022-07-02",
        "2022-07-02",
    )
    with pytest.raises(Conflict, match="not proposed"):
        approve_areas(ctx, [by_code[A1]])
    statuses = {a["region_code"]: a["status"] for a in list_areas(ctx)}
    assert statuses == {A1: "approved", OFFICE_BUILDING: "rejected"}
    trail = [e for e in recent(ctx, limit=50) if e["entity"] == "risk_areas"]
    assert {e["action"] for e in trail} >= {"create", "update"}
    rejected = [e for e in trail if e["after"] and e["after"].get("status") == "rejected"]
    assert rejected and "closed all week" in rejected[0]["detail"]


def _approved_home_area(ctx: ServiceContext) -> int:
    found = propose_areas(ctx, dt.date(2022, 7, 2))
    area = next(a for a in found["proposed"] if a["region_code"] == A1)
    approve_areas(ctx, [area["area_id"]])
    others = [a["area_id"] for a in found["proposed"] if a["region_code"] != A1]
    reject_areas(ctx, others, "not needed here")
    return int(area["area_id"])


def test_timers_day_by_day_with_the_day_7_round(ctx: ServiceContext, tmp_path: Path) -> None:
    """Case reported 2 July: quiet days 3-9 July; the day-7 round (9 July) all negative: medium
    from 10 July, then 3 more days: lifted from 13 July, and the county back to routine."""
    _city(ctx, tmp_path, _case(1, 1, "2022-07-02T08:00"))
    area = _approved_home_area(ctx)
    _round(ctx, tmp_path, "2022-07-09", [2, 3, 4], "R")
    seen = {}
    for offset in range(1, 12):
        day = dt.date(2022, 7, 2) + dt.timedelta(days=offset)
        seen[day.isoformat()] = run_areas(ctx, day)
    first = seen["2022-07-05"]["areas"][0]
    assert (first["level"], first["quiet_day"], first["earliest_downgrade"]) == (
        "high",
        3,
        "2022-07-10",
    )
    assert seen["2022-07-09"]["areas"][0]["changes"] == [
        {
            "date": "2022-07-10",
            "from": "high",
            "to": "medium",
            "reason": "7 days without a new infection inside and an all-negative round from "
            "quiet day 7",
        }
    ]
    assert seen["2022-07-12"]["areas"][0]["level"] is None  # lifted from the 13th
    assert seen["2022-07-12"]["counties_lifted"] == [COUNTY]
    public = {d: public_areas(ctx, dt.date.fromisoformat(d)) for d in ("2022-07-05", "2022-07-11")}
    assert public["2022-07-05"].areas == [
        {
            "region_code": A1,
            "level": "high",
            "measure": "stay_home",
            "since": "2022-07-02",
            "earliest_downgrade": "2022-07-10",
        },
        {
            "region_code": COUNTY,
            "level": "low",
            "measure": "no_gathering",
            "since": "2022-07-02",
            "earliest_downgrade": None,
        },
    ]
    drawn = public_map(ctx, dt.date(2022, 7, 5))  # the area on the district map, located
    (point,) = drawn["areas"]  # the county's low entry is the district itself: not a point
    assert (point["region_code"], point["level"]) == (A1, "high")
    assert (point["lat"], point["lon"]) == (31.238, 121.479)  # its community's centre
    assert public["2022-07-11"].areas[0]["level"] == "medium"
    assert public["2022-07-11"].areas[0]["earliest_downgrade"] == "2022-07-13"
    assert public_areas(ctx, dt.date(2022, 7, 13)).areas == []
    history = public_areas(ctx, dt.date(2022, 7, 13)).history
    assert [(h["date"], h["from"], h["to"]) for h in history] == [
        ("2022-07-02", None, "high"),
        ("2022-07-10", "high", "medium"),
        ("2022-07-13", "medium", None),
    ]
    text = json.dumps(public_areas(ctx, dt.date(2022, 7, 5)).as_json(), ensure_ascii=False)
    assert "Person" not in text and '"person' not in text
    # the residents (not the case, isolated elsewhere) were sealed in, then controlled, then free
    for person in (2, 3, 4):
        episodes = list_episodes(ctx, person_id=person)
        assert [(e["kind"], e["status"], e["start"][:10], e["end"][:10]) for e in episodes] == [
            ("area_sealed", "released", "2022-07-02", "2022-07-10"),
            ("area_controlled", "released", "2022-07-10", "2022-07-13"),
        ]
    assert list_episodes(ctx, person_id=1) == [] and list_episodes(ctx, person_id=5) == []
    with ctx.connect() as conn:  # each resident's home is responsible for their episodes
        stored = measures_repo.listing(conn, within=EVERYWHERE)
        homes = people_repo.home_regions(conn, person_ids=[2, 3, 4])
    assert len(stored) == 6 and all(e["resp_region"] == homes[e["person_id"]] for e in stored)
    managed = coverage(ctx, date=dt.date(2022, 7, 11), level="district").as_json()["totals"]
    assert managed["manage"]["due"] == 3  # the three residents under a controlled area
    assert area  # the area judged is the approved one


def test_a_case_on_day_5_resets_and_a_missing_round_holds(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    _city(ctx, tmp_path, _case(1, 1, "2022-07-02T08:00") + _case(2, 2, "2022-07-07T10:00"))
    _approved_home_area(ctx)
    run = run_areas(ctx, dt.date(2022, 7, 7))
    [area] = run["areas"]
    assert area["changes"][0]["reason"] == "case 2 inside: the quiet period starts again"
    assert area["earliest_downgrade"] == "2022-07-15"
    # a round on the 14th (day 7 of the new period) with one resident missing: held
    _round(ctx, tmp_path, "2022-07-14", [3], "S")
    run = run_areas(ctx, dt.date(2022, 7, 14))
    [area] = run["areas"]
    assert area["level"] == "high" and "quiet day 7" in area["held"]
    again = run_areas(ctx, dt.date(2022, 7, 14))  # the same day again changes nothing
    assert again["areas"][0]["changes"] == [] and again["areas"][0]["level"] == "high"
    with pytest.raises(Conflict, match="run through 2022-07-14"):
        run_areas(ctx, dt.date(2022, 7, 13))
    _round(ctx, tmp_path, "2022-07-15", [1, 2, 3, 4], "T")  # everyone (cases too: negative now)
    [area] = run_areas(ctx, dt.date(2022, 7, 15))["areas"]
    assert area["level"] == "medium" and area["changes"][0]["date"] == "2022-07-16"


def test_the_cli_proposes_approves_runs_and_publishes(
    ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    _city(ctx, tmp_path, _case(1, 1, "2022-07-02T08:00"))
    runner = CliRunner()

    def call(*args: str) -> dict:
        result = runner.invoke(app, [*args, "--json"], env=cli_env)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    proposed = call("areas", "propose", "--date", "2022-07-02")["proposed"]
    assert {a["level"] for a in proposed} == {"high", "medium"}
    call("areas", "approve", "--all")
    run = call("areas", "run", "--date", "2022-07-03")
    assert {a["level"] for a in run["areas"]} == {"high", "medium"}
    public = call("areas", "public", "--date", "2022-07-03")
    assert set(public) == {"date", "areas", "history", "labels"}
    assert all(
        set(a) == {"region_code", "level", "measure", "since", "earliest_downgrade"}
        for a in public["areas"]
    )
    assert public["labels"]["levels"]["high"] == {"zh": "高风险区", "en": "High risk"}
    out = tmp_path / "areas.csv"
    result = runner.invoke(
        app, ["areas", "public", "--date", "2022-07-03", "--output", str(out)], env=cli_env
    )
    assert result.exit_code == 0, result.output
    assert "level_zh" in out.read_text(encoding="utf-8").splitlines()[0]
    bad = runner.invoke(app, ["areas", "run", "--date", "07/03/2022", "--json"], env=cli_env)
    assert bad.exit_code != 0 and "date" in bad.output


def test_mass_screening_follows_approved_areas(ctx: ServiceContext, tmp_path: Path) -> None:
    """A high area starts its own campaign with one tube per household; a medium one joins a
    medium campaign running over a region that contains it, or starts its own (10 in 1)."""
    from shoutu.services.screening.campaigns import create_campaign
    from shoutu.store.repositories import campaigns as campaigns_repo

    _city(ctx, tmp_path, _case(1, 1, "2022-07-02T08:00"))
    visits = tmp_path / "checkins.csv"
    visits.write_text("person_id,place_id,t_in,t_out\n1,12,2022-06-30T10:00,2022-06-30T11:30\n")
    import_checkins(ctx, visits)
    sweep = create_campaign(
        ctx, "district-sweep", region_code=COUNTY, start_time="2022-07-01T08:00"
    )
    propose_areas(ctx, dt.date(2022, 7, 2))
    approved = {a["region_code"]: a for a in approve_areas(ctx, every=True)}
    with ctx.connect() as conn:
        campaigns = {c["campaign_id"]: c for c in campaigns_repo.listed(conn)}
    home = campaigns[approved[A1]["campaign_id"]]
    assert (home["region_code"], home["risk_level"], home["pool_ratio"]) == (A1, "high", 1)
    assert approved["310101002002"]["campaign_id"] == sweep["campaign_id"]  # joined
    office = campaigns[approved[OFFICE_BUILDING]["campaign_id"]]
    assert (office["region_code"], office["pool_ratio"], office["name"]) == (
        OFFICE_BUILDING,
        10,
        f"risk-area-{approved[OFFICE_BUILDING]['area_id']}",
    )
    assert len(campaigns) == 3
