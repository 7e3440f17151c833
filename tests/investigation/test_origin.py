"""Imported or local with the reason (emergency-response issue): an inbound traveller's case
within the protocol's window is imported, one after it local; staff who handled a batch with a
positive environment sample are local by goods (物传人); each protocol's window applies; every
change is audited and running again changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.services.audit import recent
from shoutu.services.context import ServiceContext
from shoutu.services.control.arrivals import import_arrivals
from shoutu.services.control.cold_chain import (
    import_environment_samples,
    import_goods,
    import_shifts,
)
from shoutu.services.investigation.origin import classify_cases
from shoutu.services.registry.imports.specs import import_file

COMMUNITY = "310115005001"
REGIONS = (
    "code,name_zh,name_en\n310000000000,上海市,Shanghai\n310100000000,市辖区,Districts\n"
    "310115000000,浦东新区,Pudong\n310115005000,某街道,Some street\n"
    f"{COMMUNITY},某社区,Some community\n"
)
CASES = (
    "case_id,person_id,classification,origin,channel,found_in_control,onset_time,sample_time,"
    "report_time,protocol\n"
    # arrived 07-01 10:00; onset 5 days later: imported under cn-9th (10 days)
    "1,1,confirmed,unknown,quarantine_testing,true,2022-07-06T10:00+08:00,,"
    "2022-07-06T20:00+08:00,cn-9th-2022\n"
    # arrived 07-01; sampled 16 days later (asymptomatic): local under cn-9th, not under cn-8th
    "2,2,asymptomatic,unknown,mass_screening,false,,2022-07-17T10:00+08:00,"
    "2022-07-17T20:00+08:00,cn-9th-2022\n"
    "3,3,confirmed,unknown,port_screening,false,2022-07-05T09:00+08:00,,"
    "2022-07-05T20:00+08:00,cn-9th-2022\n"  # port staff who handled the positive batch
    "4,4,confirmed,local,fever_clinic,false,2022-07-05T09:00+08:00,,"
    "2022-07-05T20:00+08:00,cn-9th-2022\n"  # origin given by the file: left alone
    # fell ill in transit: onset 07-09 12:00, landed 07-10 00:00
    "5,5,confirmed,unknown,port_screening,false,2022-07-09T12:00+08:00,,"
    "2022-07-10T08:00+08:00,cn-9th-2022\n"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def city(ctx: ServiceContext, tmp_path: Path) -> ServiceContext:
    import_file(ctx, "regions", _write(tmp_path, "regions.csv", REGIONS))
    places = f"place_id,name,type,region_code\n31,外高桥港,port,{COMMUNITY}\n"
    import_file(ctx, "places", _write(tmp_path, "places.csv", places))
    people = "person_id,name,sex,home_region_code\n" + "".join(
        f"{i},P{i},female,{COMMUNITY}\n" for i in range(1, 6)
    )
    import_file(ctx, "people", _write(tmp_path, "people.csv", people))
    arrivals = (
        "person_id,arrival_time,port_place_id,origin_country\n"
        "1,2022-07-01T10:00+08:00,31,KR\n2,2022-07-01T10:00+08:00,31,\n"
        "5,2022-07-10T00:00+08:00,31,SG\n"
    )
    import_arrivals(ctx, _write(tmp_path, "arrivals.csv", arrivals))
    goods = "batch_no,place_id,arrived_time\nB1,31,2022-07-01T06:00+08:00\n"
    import_goods(ctx, _write(tmp_path, "goods.csv", goods))
    shifts = (
        "person_id,place_id,start_time,end_time\n"
        "3,31,2022-07-01T08:00+08:00,2022-07-01T16:00+08:00\n"
    )
    import_shifts(ctx, _write(tmp_path, "shifts.csv", shifts))
    samples = (
        "sample_ref,site_id,object,batch_no,sample_time,result\n"
        "E1,31,container_surface,B1,2022-07-02T09:00+08:00,positive\n"
    )
    import_environment_samples(ctx, _write(tmp_path, "env.csv", samples))
    import_file(ctx, "cases", _write(tmp_path, "cases.csv", CASES))
    return ctx


def test_cases_are_classified_with_the_reason(city: ServiceContext) -> None:
    result = classify_cases(city)
    by_case = {c["case_id"]: c for c in result["changed"]}
    assert sorted(by_case) == [1, 2, 3, 5] and result["cases"] == 4
    assert by_case[1]["origin"] == "imported"
    assert by_case[1]["reason"] == "arrival 1 from KR, 5.0 days before onset (within 10)"
    assert by_case[2]["origin"] == "local"
    assert by_case[2]["reason"] == "no inbound arrival in the 10 days before sampling"
    # onset 07-05, three days after handling the batch (07-01), before the sample (07-02)
    assert by_case[3]["origin"] == "local" and "物传人" in by_case[3]["reason"]
    assert by_case[5]["origin"] == "imported"
    assert (
        by_case[5]["reason"] == "arrival 3 from SG, onset 0.5 days before it (abroad or in transit)"
    )
    events = [e for e in recent(city, entity="cases") if e["action"] == "update"]
    assert sorted(e["entity_id"] for e in events) == ["1", "2", "3", "5"]
    again = classify_cases(city)
    assert again["cases"] == 0  # none of unknown origin is left
    # --all gives the file's local case its reason; then every reason stands
    assert [c["case_id"] for c in classify_cases(city, every=True)["changed"]] == [4]
    assert classify_cases(city, every=True)["changed"] == []


def test_the_protocol_window_changes_the_result(city: ServiceContext) -> None:
    result = classify_cases(city, protocol="cn-8th-2021")  # 14 + 7 days
    by_case = {c["case_id"]: c for c in result["changed"]}
    assert by_case[2]["origin"] == "imported"
    assert by_case[2]["reason"] == "arrival 2, 16.0 days before sampling (within 21)"


def test_the_cli_classifies(city: ServiceContext, cli_env: dict[str, str]) -> None:
    ran = CliRunner().invoke(app, ["cases", "classify", "--json"])
    assert ran.exit_code == 0, ran.output
    assert len(json.loads(ran.output)["changed"]) == 4
