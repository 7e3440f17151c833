"""Closed-loop staff (emergency-response issue, 闭环管理): each worker's status on a day — in
the loop, left and under the protocol's measure after leaving, off — and, in the loop, PCR
tests against the interval of their key population (else the protocol's); leaving recorded
later opens the measure; the same file again changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.errors import InputError
from shoutu.events.store import write_events
from shoutu.services.context import ServiceContext
from shoutu.services.control.closed_loop import import_loop, loop_day
from shoutu.services.registry.imports.specs import import_file
from shoutu.store.tables import ControlMeasure, table

TZ = dt.timezone(dt.timedelta(hours=8))
COMMUNITY = "310115005001"
REGIONS = (
    "code,name_zh,name_en\n310000000000,上海市,Shanghai\n310100000000,市辖区,Districts\n"
    "310115000000,浦东新区,Pudong\n310115005000,某街道,Some street\n"
    f"{COMMUNITY},某社区,Some community\n"
)
STAYS = (
    "person_id,place_id,start_time,left_time\n"
    "1,31,2022-07-01T08:00+08:00,\n"  # port worker, daily tests
    "2,31,2022-07-01T08:00+08:00,\n"  # port worker with no test on the day
    "3,32,2022-07-01T08:00+08:00,2022-07-03T18:00+08:00\n"  # left: 7 days of monitoring
    "4,32,2022-06-01T08:00+08:00,2022-06-10T18:00+08:00\n"  # left in June: off
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def port(ctx: ServiceContext, tmp_path: Path) -> ServiceContext:
    import_file(ctx, "regions", _write(tmp_path, "regions.csv", REGIONS))
    places = (
        "place_id,name,type,region_code\n"
        f"31,外高桥港,port,{COMMUNITY}\n32,某隔离酒店,quarantine_hotel,{COMMUNITY}\n"
    )
    import_file(ctx, "places", _write(tmp_path, "places.csv", places))
    people = (
        "person_id,name,sex,home_region_code,key_population\n"
        f"1,W1,male,{COMMUNITY},port_worker\n2,W2,male,{COMMUNITY},port_worker\n"
        f"3,W3,female,{COMMUNITY},\n4,W4,female,{COMMUNITY},\n"
    )
    import_file(ctx, "people", _write(tmp_path, "people.csv", people))
    tests = pa.table(
        {
            "sample_id": ["S1", "S2"],
            "person_id": pa.array([1, 2], pa.int64()),
            "sample_time": pa.array(
                [dt.datetime(2022, 7, 4, 9, tzinfo=TZ), dt.datetime(2022, 7, 2, 9, tzinfo=TZ)],
                pa.timestamp("us", tz="UTC"),
            ),
            "method": ["pcr", "pcr"],
            "result": ["negative", "negative"],
        }
    )
    write_events(ctx.settings.event_dir, "tests", tests, ctx.settings.timezone, batch="loop")
    return ctx


def test_status_and_tests_on_a_day(port: ServiceContext, tmp_path: Path) -> None:
    result = import_loop(port, _write(tmp_path, "loop.csv", STAYS))
    assert (result.recorded, result.episodes_opened) == (4, 2)
    day = loop_day(port, dt.date(2022, 7, 4))
    by_person = {w["person_id"]: w for w in day["workers"]}
    assert by_person[1]["status"] == "in_loop" and not by_person[1]["test_overdue"]
    assert by_person[2]["status"] == "in_loop" and by_person[2]["test_overdue"]
    assert by_person[2]["last_sample"] == "2022-07-02" and by_person[2]["interval_days"] == 1
    assert by_person[3]["status"] == "leaving"  # 7 days of monitoring from 07-03 18:00
    assert by_person[4]["status"] == "off"
    assert day["counts"] == {"in_loop": 2, "leaving": 1, "off": 1} and day["tests_overdue"] == 1
    later = loop_day(port, dt.date(2022, 7, 11))
    assert {w["person_id"]: w["status"] for w in later["workers"]}[3] == "off"
    with port.connect() as conn:
        episodes = conn.execute(select(table(ControlMeasure))).mappings().all()
    reasons = sorted(e["reason"] for e in episodes)
    assert reasons[0].startswith("left the closed loop at place 32 (stay ")
    assert {str(e["kind"]) for e in episodes} == {"health_monitoring"}


def test_leaving_recorded_later_opens_the_measure(port: ServiceContext, tmp_path: Path) -> None:
    path = _write(tmp_path, "loop.csv", STAYS)
    import_loop(port, path)
    again = import_loop(port, path)
    assert (again.recorded, again.updated, again.unchanged, again.episodes_opened) == (0, 0, 4, 0)
    left = STAYS.replace(
        "1,31,2022-07-01T08:00+08:00,\n", "1,31,2022-07-01T08:00+08:00,2022-07-05T08:00+08:00\n"
    )
    result = import_loop(port, _write(tmp_path, "left.csv", left))
    assert (result.updated, result.episodes_opened) == (1, 1)
    statuses = {w["person_id"]: w["status"] for w in loop_day(port, dt.date(2022, 7, 6))["workers"]}
    assert statuses[1] == "leaving"
    back = _write(
        tmp_path, "back.csv", "person_id,place_id,start_time\n1,31,2022-07-20T08:00+08:00\n"
    )
    import_loop(port, back)
    day = loop_day(port, dt.date(2022, 7, 21))
    assert [w["person_id"] for w in day["workers"]].count(1) == 1  # one row per worker
    assert {w["person_id"]: w["status"] for w in day["workers"]}[1] == "in_loop"


def test_bad_rows_and_the_cli(
    port: ServiceContext, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    bad = _write(
        tmp_path,
        "bad.csv",
        "person_id,place_id,start_time,left_time\n"
        "9,31,2022-07-01T08:00+08:00,\n"
        "1,31,2022-07-05T08:00+08:00,2022-07-04T08:00+08:00\n",
    )
    with pytest.raises(InputError) as refused:
        import_loop(port, bad)
    lines = "\n".join(refused.value.report.lines())
    assert "row 1 (line 2), field person_id" in lines
    assert "row 2 (line 3), field left_time: is before start_time" in lines
    ran = CliRunner().invoke(app, ["import", "closed-loop", str(_write(tmp_path, "l.csv", STAYS))])
    assert ran.exit_code == 0 and "4 new" in ran.output, ran.output
    ran = CliRunner().invoke(app, ["control", "loop", "--date", "2022-07-04", "--json"])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["tests_overdue"] == 1
