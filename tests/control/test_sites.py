"""Quarantine and isolation sites (issue 14, "Sites"): rooms assigned to episodes by hand and
automatically (own district first, then the other, then the shortage listed), a full site
refused, occupancy by day and the forecast of rooms needed against hand counts, the shortage
date, and rooms freed by a converted or released episode.

The registry: two districts, Huangpu (310101) and Xuhui (310104); a quarantine hotel in each,
of 3 and 2 rooms; a makeshift hospital of 1 bed in Xuhui; no designated hospital. Case 7's six
close contacts (four living in Huangpu, two in Xuhui) were exposed on 1 July at 10:00 and found
on 2 July from 09:01 to 09:06: by cn-9th each is centralised from then to 8 July 10:00, so each
holds a room at 24:00 of 2 to 7 July (6 days).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.errors import BadRequest, Conflict, InvalidTransition, NotFound
from shoutu.services.audit import recent
from shoutu.services.context import ServiceContext
from shoutu.services.control.contacts import import_contacts
from shoutu.services.control.episode_list import list_episodes
from shoutu.services.control.site_report import site_report
from shoutu.services.control.sites import assign, assign_auto
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.screening.lab_results import import_results

HUANGPU, XUHUI = "310101000000", "310104000000"
REGIONS = (
    "code,name_zh,name_en,population,lat,lon\n"
    "310000000000,上海市,Shanghai,24870895,,\n"
    "310100000000,市辖区,Municipal districts,,,\n"
    "310101000000,黄浦区,Huangpu District,662030,31.2317,121.4846\n"
    "310101002000,南京东路街道,Nanjing East Road Subdistrict,,,\n"
    "310104000000,徐汇区,Xuhui District,1113078,31.1885,121.4365\n"
    "310104003000,天平路街道,Tianping Road Subdistrict,,,\n"
)
PLACES = (
    "place_id,name,type,region_code,lat,lon,venue_code,capacity\n"
    # Xuhui's hotel is nearer Huangpu's centre than Huangpu's own: the district comes first
    "11,黄浦隔离酒店,quarantine_hotel,310101002000,31.20,121.50,,3\n"
    "12,徐汇隔离酒店,quarantine_hotel,310104003000,31.215,121.465,,2\n"
    "13,黄浦区第一小学,school,310101002000,,,,\n"
    "14,徐汇方舱医院,makeshift_hospital,310104000000,,,,1\n"
)
PEOPLE = "person_id,sex,home_region_code\n" + "".join(
    f"{p},unknown,{home}\n"
    for p, home in [
        (1001, "310101002000"),
        *((p, "310101002000") for p in (2001, 2002, 2003, 2004)),
        *((p, "310104003000") for p in (2005, 2006, 3001, 3002)),
    ]
)
CASES = (
    "case_id,person_id,classification,origin,channel,found_in_control,report_time,protocol\n"
    "7,1001,confirmed,local,fever_clinic,false,2022-07-02T08:00,cn-9th-2022\n"
)
CONTACTS = "index_case_id,person_id,kind,setting,last_exposure_time,identified_time\n" + "".join(
    f"7,{2000 + k},close,household,2022-07-01T10:00,2022-07-02T09:0{k}\n" for k in range(1, 7)
)
JULY = [dt.date(2022, 7, d) for d in range(1, 32)]


def day(d: int) -> dt.date:
    return dt.date(2022, 7, d)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def registry(ctx: ServiceContext, tmp_path: Path) -> dict[int, int]:
    """The registry and the six contacts' episodes: {person: episode}."""
    for kind, text in (
        ("regions", REGIONS),
        ("places", PLACES),
        ("people", PEOPLE),
        ("cases", CASES),
    ):
        import_file(ctx, kind, _write(tmp_path, f"{kind}.csv", text))
    done = import_contacts(ctx, _write(tmp_path, "contacts.csv", CONTACTS), protocol="cn-9th-2022")
    assert done.opened == 6
    return {e["person_id"]: e["episode_id"] for e in list_episodes(ctx)}


def _convert(ctx: ServiceContext, tmp_path: Path, person: int) -> None:
    """A positive result on 3 July at 15:00 converts the person's episode."""
    results = _write(
        tmp_path,
        "results.csv",
        "sample_id,tube_id,pool_size,person_id,sample_time,result_time,method,result,ct_n,"
        "ct_orf1ab\n"
        f"S{person},T{person},1,{person},2022-07-03T09:30,2022-07-03T15:00,pcr,positive,28,29\n",
    )
    assert import_results(ctx, results).workflow["converted"] == 1


def _by(rows: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {r[key]: r for r in rows}


def _group(report: dict[str, Any], kind: str, region: str | None) -> dict[str, Any]:
    [found] = [g for g in report["by_type"] if g["type"] == kind and g["region"] == region]
    return found


def test_auto_fills_the_own_district_then_the_other_then_lists_the_shortage(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    episodes = registry(ctx, tmp_path)
    done = assign_auto(ctx, day(2), protocol="cn-9th-2022").as_json()
    placed = {(a["person_id"], a["site_id"], a["own_district"]) for a in done["assigned"]}
    # oldest stay first: 2001-2003 fill Huangpu's 3 rooms; 2004 (Huangpu) takes one of
    # Xuhui's; 2005 the other, in its own district; 2006 finds both full
    assert placed == {
        (2001, 11, True),
        (2002, 11, True),
        (2003, 11, True),
        (2004, 12, False),
        (2005, 12, True),
    }
    held = {e["person_id"]: e["site_id"] for e in list_episodes(ctx)}
    assert held == {2001: 11, 2002: 11, 2003: 11, 2004: 12, 2005: 12, 2006: None}
    [short] = done["without_room"]
    assert short["person_id"] == 2006 and short["episode_id"] == episodes[2006]
    assert (short["reason"], short["needs"], short["region"]) == ("full", "quarantine_hotel", XUHUI)
    assert (short["first_day"], short["last_day"]) == ("2022-07-02", "2022-07-07")
    assert done["counts"] == {"assigned": 5, "unchanged": 0, "without_room": 1}
    # every assignment is an audited update of the episode's site; the shortage list a read
    trail = recent(ctx, entity="control_measures", limit=500)
    updates = [e for e in trail if (e["detail"] or "").startswith("site assigned (auto)")]
    assert sorted(int(e["entity_id"]) for e in updates) == sorted(
        episodes[p] for p in (2001, 2002, 2003, 2004, 2005)
    )
    assert all(e["before"] == {"site_id": None, "site_since": None} for e in updates)
    assert {e["after"]["site_id"] for e in updates} == {11, 12}
    reads = [e for e in trail if e["action"] == "read" and "site" in (e["detail"] or "")]
    assert [e["entity_id"] for e in reads] == [str(episodes[2006])]
    # again: nobody new, 2006 still short
    again = assign_auto(ctx, day(2), protocol="cn-9th-2022").as_json()
    assert again["assigned"] == [] and len(again["without_room"]) == 1


def test_by_hand_a_full_site_or_a_place_that_is_no_site_is_refused(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    episodes = registry(ctx, tmp_path)
    done = assign(ctx, [episodes[2001], episodes[2002]], 12, protocol="cn-9th-2022").as_json()
    assert [a["site_id"] for a in done["assigned"]] == [12, 12]
    assert [a["own_district"] for a in done["assigned"]] == [False, False]
    with pytest.raises(Conflict, match=r"no free room .* on 2022-07-02: 2 of its 2 rooms"):
        assign(ctx, [episodes[2005]], 12)
    with pytest.raises(Conflict, match="school, not a quarantine or isolation site"):
        assign(ctx, [episodes[2005]], 13)
    with pytest.raises(NotFound, match="no place 99"):
        assign(ctx, [episodes[2005]], 99)
    with pytest.raises(NotFound, match="no episode 424242"):
        assign(ctx, [424242], 11)
    # all or none: four into Huangpu's 3 rooms is refused as a whole
    four = [episodes[p] for p in (2003, 2004, 2005, 2006)]
    with pytest.raises(Conflict, match="no free room"):
        assign(ctx, four, 11)
    sites = _by(site_report(ctx, day(2)).as_json()["sites"], "site_id")
    assert (sites[11]["occupied"], sites[11]["free"]) == (0, 3)
    assert (sites[12]["occupied"], sites[12]["free"]) == (2, 0)
    # by hand on a day: from that day on (Huangpu's hotel is empty); after the stay, nothing
    late = assign(ctx, [episodes[2005]], 11, day=day(4)).as_json()
    assert [a["first_day"] for a in late["assigned"]] == ["2022-07-04"]
    with pytest.raises(Conflict, match="holds no room after 2022-07-07"):
        assign(ctx, [episodes[2006]], 11, day=day(9))
    # a secondary contact's 7 days at home need no room
    secondary = "index_case_id,person_id,kind,setting,last_exposure_time,identified_time\n"
    secondary += "7,3001,secondary,household,2022-07-01T10:00,2022-07-02T10:00\n"
    import_contacts(ctx, _write(tmp_path, "secondary.csv", secondary), protocol="cn-9th-2022")
    [home] = list_episodes(ctx, person_id=3001)
    with pytest.raises(Conflict, match=r"needs no room \(its stages: home\)"):
        assign(ctx, [home["episode_id"]], 11)
    # the same episode again changes nothing
    same = assign(ctx, [episodes[2001]], 12).as_json()
    assert same["assigned"] == [] and same["unchanged"] == [episodes[2001]]
    # a closed episode is not given a site
    _convert(ctx, tmp_path, 2003)
    with pytest.raises(InvalidTransition, match="converted_to_case"):
        assign(ctx, [episodes[2003]], 11)


def test_a_converted_episode_frees_its_room_and_a_late_assignment_waited(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    registry(ctx, tmp_path)
    assign_auto(ctx, day(2), protocol="cn-9th-2022")
    before = site_report(ctx, day(3), protocol="cn-9th-2022").as_json()
    assert _by(before["sites"], "site_id")[11]["occupied"] == 3
    assert _group(before, "quarantine_hotel", XUHUI)["waiting"] == 1  # 2006
    # 2002 turns positive on 3 July at 15:00: in a room at 24:00 on 2 July, not on 3 July
    _convert(ctx, tmp_path, 2002)
    after = site_report(ctx, day(3), protocol="cn-9th-2022").as_json()
    freed = _by(after["sites"], "site_id")[11]
    assert (freed["occupied"], freed["free"]) == (2, 1)
    # 2006's own district is still full, so Huangpu's freed room, from 3 July on
    done = assign_auto(ctx, day(3), protocol="cn-9th-2022").as_json()
    # 2002's isolation as a case takes the makeshift hospital's bed (cn-9th: an asymptomatic
    # infection is isolated there)
    placed, isolated = done["assigned"]
    assert (isolated["person_id"], isolated["kind"], isolated["site_id"]) == (2002, "isolation", 14)
    assert (placed["person_id"], placed["site_id"], placed["own_district"]) == (2006, 11, False)
    assert placed["first_day"] == "2022-07-03" and done["without_room"] == []
    report = site_report(ctx, day(4), protocol="cn-9th-2022").as_json()
    huangpu = _group(report, "quarantine_hotel", HUANGPU)
    # at 24:00 of 28 June .. 4 July: 2001-2003 on 2 July; 2001, 2003 and 2006 (moved in on
    # 3 July; it waited on 2 July) after
    assert [o["rooms"] for o in huangpu["occupied"]] == [0, 0, 0, 0, 3, 3, 3]
    assert huangpu["occupied"][0]["date"] == "2022-06-28"
    assert huangpu["waiting"] == 0 and _group(report, "quarantine_hotel", XUHUI)["waiting"] == 0


def test_occupancy_and_forecast_equal_hand_counts(ctx: ServiceContext, tmp_path: Path) -> None:
    episodes = registry(ctx, tmp_path)
    assign_auto(ctx, day(2), protocol="cn-9th-2022")
    _convert(ctx, tmp_path, 2002)
    assign_auto(ctx, day(3), protocol="cn-9th-2022")  # 2006 into Huangpu's freed room
    report = site_report(ctx, day(4), days=7, protocol="cn-9th-2022").as_json()
    assert report["date"] == "2022-07-04" and report["assumptions"]["centralised_days"] == 7
    sites = _by(report["sites"], "site_id")
    assert set(sites) == {11, 12, 14}  # the school is no site
    assert {k: sites[11][k] for k in ("rooms", "occupied", "free")} == {
        "rooms": 3,
        "occupied": 3,
        "free": 0,
    }
    assert (sites[12]["occupied"], sites[12]["free"], sites[12]["district"]) == (2, 0, XUHUI)
    # 2002's isolation since 3 July (a case from its positive test) holds the makeshift bed
    assert (sites[14]["occupied"], sites[14]["free"]) == (1, 0)
    huangpu = _group(report, "quarantine_hotel", HUANGPU)
    xuhui = _group(report, "quarantine_hotel", XUHUI)
    city = _group(report, "quarantine_hotel", None)
    assert [o["rooms"] for o in xuhui["occupied"]] == [0, 0, 0, 0, 2, 2, 2]
    assert [o["rooms"] for o in city["occupied"]] == [0, 0, 0, 0, 5, 5, 5]
    assert (huangpu["rooms"], xuhui["rooms"], city["rooms"]) == (3, 2, 5)
    # new stays over 28 June .. 4 July: Huangpu's hotel holds (or held) 2001, 2002, 2003 and
    # 2006, all begun on 2 July: 4/7 a day; Xuhui's 2/7; the city 6/7
    assert huangpu["arrival_rate"] == round(4 / 7, 4) and city["arrival_rate"] == round(6 / 7, 4)
    # 5 .. 11 July: those in stay to 7 July (3 in Huangpu: days 1-3), plus 4/7 a day staying
    # 7 days (cn-9th's centralised stage): 4k/7 on day k
    assert [f["current"] for f in huangpu["forecast"]] == [3, 3, 3, 0, 0, 0, 0]
    expected = [round(4 * k / 7, 2) for k in range(1, 8)]
    assert [f["expected"] for f in huangpu["forecast"]] == expected
    assert [f["needed"] for f in huangpu["forecast"]] == [
        round(3 + 4 * k / 7, 2) if k <= 3 else round(4 * k / 7, 2) for k in range(1, 8)
    ]
    # short on 5 July already (3.57 > 3); again from 10 July (4 x 6 / 7 = 3.43 > 3)
    assert [f["shortage"] for f in huangpu["forecast"]] == [
        True,
        True,
        True,
        False,
        False,
        True,
        True,
    ]
    assert huangpu["shortage_date"] == "2022-07-05"
    assert huangpu["shortage_gap"] == round(4 / 7, 2)
    # the city: 5 in stay to 7 July, 6/7 a day; 5 + 6/7 > 5 from 5 July
    assert [f["needed"] for f in city["forecast"]][:4] == [
        round(5 + 6 / 7, 2),
        round(5 + 12 / 7, 2),
        round(5 + 18 / 7, 2),
        round(24 / 7, 2),
    ]
    assert city["shortage_date"] == "2022-07-05"
    assert episodes  # six episodes behind these numbers


def test_the_shortage_date_is_the_first_day_demand_exceeds_the_rooms(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    registry(ctx, tmp_path)
    assign_auto(ctx, day(2), protocol="cn-9th-2022")
    _convert(ctx, tmp_path, 2002)
    assign_auto(ctx, day(3), protocol="cn-9th-2022")
    # on 8 July everyone has left (their last night was 7 July); the rate of the week 2-8
    # July goes on: Huangpu 4/7 a day for 7 days needs 4k/7 rooms on day k, more than its 3
    # first on day 6 (24/7 = 3.43); Xuhui's 2k/7 never exceeds 2 within 7 days; the city's
    # 6k/7 exceeds 5 on day 6 (36/7 = 5.14)
    report = site_report(ctx, day(8), protocol="cn-9th-2022").as_json()
    huangpu = _group(report, "quarantine_hotel", HUANGPU)
    xuhui = _group(report, "quarantine_hotel", XUHUI)
    city = _group(report, "quarantine_hotel", None)
    assert [o["rooms"] for o in huangpu["occupied"]] == [3, 3, 3, 3, 3, 3, 0]
    assert [f["current"] for f in city["forecast"]] == [0] * 7
    assert huangpu["shortage_date"] == "2022-07-14"
    assert huangpu["shortage_gap"] == round(24 / 7 - 3, 2)
    assert [f["shortage"] for f in huangpu["forecast"]] == [False] * 5 + [True] * 2
    assert xuhui["shortage_date"] is None and xuhui["shortage_gap"] is None
    assert xuhui["forecast"][-1]["needed"] == 2  # 2 x 7 / 7: not more than the rooms
    assert city["shortage_date"] == "2022-07-14"
    assert city["shortage_gap"] == round(36 / 7 - 5, 2)
    # a longer forecast: Xuhui's need stays at 2/7 x 7 = 2, never short
    longer = site_report(ctx, day(8), days=14, protocol="cn-9th-2022").as_json()
    assert _group(longer, "quarantine_hotel", XUHUI)["shortage_date"] is None
    assert len(_group(longer, "quarantine_hotel", XUHUI)["forecast"]) == 14


def test_a_released_episode_frees_its_room(ctx: ServiceContext, tmp_path: Path) -> None:
    episodes = registry(ctx, tmp_path)
    assign_auto(ctx, day(2), protocol="cn-9th-2022")
    # 2003 released early, on 5 July at noon (an older system's export says so)
    row = episodes[2003]
    measures = _write(
        tmp_path,
        "measures.csv",
        "measure_id,person_id,kind,status,reason,start_time,planned_end_time,end_time,protocol\n"
        f"{row},2003,centralised,released,contact of case 7,2022-07-02T09:03,"
        "2022-07-08T10:00,2022-07-05T12:00,cn-9th-2022\n",
    )
    import_file(ctx, "control_measures", measures, allow_dates=True)
    report = site_report(ctx, day(5), protocol="cn-9th-2022").as_json()
    assert _by(report["sites"], "site_id")[11]["occupied"] == 2
    huangpu = _group(report, "quarantine_hotel", HUANGPU)
    assert [o["rooms"] for o in huangpu["occupied"]][-4:] == [3, 3, 3, 2]
    # the freed room goes to 2006 from 5 July
    done = assign_auto(ctx, day(5), protocol="cn-9th-2022").as_json()
    assert [(a["person_id"], a["site_id"]) for a in done["assigned"]] == [(2006, 11)]


def test_isolations_go_where_the_protocol_sends_the_case(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    registry(ctx, tmp_path)
    cases = _write(
        tmp_path,
        "more_cases.csv",
        "case_id,person_id,classification,origin,channel,found_in_control,report_time,protocol\n"
        "8,3001,asymptomatic,local,mass_screening,false,2022-07-03T08:00,cn-9th-2022\n"
        "9,3002,confirmed,local,fever_clinic,false,2022-07-03T08:00,cn-9th-2022\n",
    )
    import_file(ctx, "cases", cases)
    isolations = _write(
        tmp_path,
        "isolations.csv",
        "measure_id,person_id,kind,status,reason,start_time,planned_end_time,end_time,protocol\n"
        "901,3001,isolation,active,case 8,2022-07-03T12:00,,,cn-9th-2022\n"
        "902,3002,isolation,active,case 9,2022-07-03T12:00,,,cn-9th-2022\n"
        # two released isolations, of 10 and 12 days: their median is the assumed stay
        "903,2001,isolation,released,case 1,2022-06-01T00:00,,2022-06-11T00:00,cn-9th-2022\n"
        "904,2002,isolation,released,case 2,2022-06-01T00:00,,2022-06-13T00:00,cn-9th-2022\n",
    )
    import_file(ctx, "control_measures", isolations, allow_dates=True)
    done = assign_auto(ctx, day(3), protocol="cn-9th-2022").as_json()
    # cn-9th: an asymptomatic infection to a makeshift hospital, a confirmed case to a
    # designated hospital (none registered)
    by_person = {a["person_id"]: a for a in done["assigned"]}
    assert (by_person[3001]["site_id"], by_person[3001]["type"]) == (14, "makeshift_hospital")
    [none] = [u for u in done["without_room"] if u["person_id"] == 3002]
    assert (none["reason"], none["needs"]) == ("no_site", "designated_hospital")
    assert done["isolation_days"]["days"] == 11
    # 3001 holds the bed from 3 July for 11 days (to 14 July 12:00: last night 13 July)
    assert by_person[3001]["last_day"] == "2022-07-13"
    report = site_report(ctx, day(3), protocol="cn-9th-2022").as_json()
    assert report["assumptions"]["isolation_days"] == 11
    assert "median of 2 released isolation episodes" in report["assumptions"]["isolation_days_from"]
    makeshift = _group(report, "makeshift_hospital", XUHUI)
    assert makeshift["stay_days"] == 11 and makeshift["rooms"] == 1
    assert [f["current"] for f in makeshift["forecast"]] == [1] * 7
    # the rate: one new isolation in the week to 3 July, staying 11 days: 1 + k/7 on day k
    assert makeshift["shortage_date"] == "2022-07-04"
    designated = _group(report, "designated_hospital", XUHUI)
    assert (designated["rooms"], designated["waiting"], designated["sites"]) == (0, 1, 0)
    # a given assumption wins
    shorter = site_report(ctx, day(3), protocol="cn-9th-2022", isolation_days=2).as_json()
    assert _group(shorter, "makeshift_hospital", XUHUI)["forecast"][0]["current"] == 1
    assert _group(shorter, "makeshift_hospital", XUHUI)["forecast"][1]["current"] == 0
    # an open isolation past its assumed end is still there: it holds its bed on the day
    late = site_report(ctx, day(6), protocol="cn-9th-2022", isolation_days=2).as_json()
    assert _by(late["sites"], "site_id")[14]["occupied"] == 1
    assert [o["rooms"] for o in _group(late, "makeshift_hospital", XUHUI)["occupied"]][-4:] == [
        1,
        1,
        1,
        1,
    ]
    assert _group(late, "makeshift_hospital", XUHUI)["forecast"][0]["current"] == 0
    with pytest.raises(BadRequest):
        site_report(ctx, day(3), isolation_days=0)


def test_the_commands_json_and_tables(
    ctx: ServiceContext, cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    episodes = registry(ctx, tmp_path)
    runner = CliRunner()
    monkeypatch.setenv("SHOUTU_LANG", "en")
    auto = runner.invoke(
        app, ["control", "assign", "--auto", "--date", "2022-07-02", "--protocol", "cn-9th-2022"]
    )
    assert auto.exit_code == 0, auto.output
    assert "2006" in auto.stdout and "Quarantine hotel" in auto.stdout  # labels, not codes
    full = runner.invoke(app, ["control", "assign", str(episodes[2006]), "--site", "12", "--json"])
    assert full.exit_code == 5 and json.loads(full.stdout)["code"] == "conflict"
    assert full.stderr.strip().splitlines()[-1].startswith("error: site 12 ")
    both = runner.invoke(app, ["control", "assign", "1", "--auto"])
    assert both.exit_code == 2 and "--auto" in both.stderr
    neither = runner.invoke(app, ["control", "assign", "1"])
    assert neither.exit_code == 2 and "--site" in neither.stderr
    done = runner.invoke(
        app, ["control", "sites", "--date", "2022-07-04", "--protocol", "cn-9th-2022", "--json"]
    )
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert {"date", "sites", "by_type"} <= set(data) and data["date"] == "2022-07-04"
    assert set(data["sites"][0]) >= {"site_id", "name", "type", "region", "rooms", "occupied"}
    group = data["by_type"][0]
    assert set(group) >= {"type", "region", "rooms", "occupied", "forecast", "shortage_date"}
    assert set(group["occupied"][0]) == {"date", "rooms"}
    assert set(group["forecast"][0]) >= {"date", "needed", "rooms", "shortage"}
    assert group["forecast"][0]["date"] == "2022-07-05"
    monkeypatch.setenv("SHOUTU_LANG", "zh")
    table = runner.invoke(app, ["control", "sites", "--date", "2022-07-04"])
    assert table.exit_code == 0, table.output
    assert "黄浦隔离酒店" in table.stdout and "集中隔离点" in table.stdout
    assert "短缺" in table.stdout and "2022-07-05" in table.stdout
    monkeypatch.setenv("SHOUTU_LANG", "en")
    table = runner.invoke(app, ["control", "sites", "--date", "2022-07-04"])
    assert "Quarantine hotel" in table.stdout and "rooms short" in table.stdout
