"""Ports and the cold chain (emergency-response issue, 人物环境同防): a positive cold-chain
sample puts the staff who handled its batch under control, names the places the batch
reached and opens an investigation task; the same file again changes nothing; bad rows are
refused by row and field with nothing written."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.domain.vocabulary import TaskKind
from shoutu.errors import InputError
from shoutu.services.context import ServiceContext
from shoutu.services.control.cold_chain import (
    import_environment_samples,
    import_goods,
    import_shifts,
)
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.supervision.task_list import list_tasks
from shoutu.store.tables import ControlMeasure, EnvironmentSample, table

TZ = dt.timezone(dt.timedelta(hours=8))
COMMUNITY = "310115005001"
REGIONS = (
    "code,name_zh,name_en\n310000000000,上海市,Shanghai\n310100000000,市辖区,Districts\n"
    "310115000000,浦东新区,Pudong\n310115005000,某街道,Some street\n"
    f"{COMMUNITY},某社区,Some community\n"
)
PLACES = (
    "place_id,name,type,region_code\n"
    f"31,外高桥港,port,{COMMUNITY}\n32,某冷库,cold_chain_warehouse,{COMMUNITY}\n"
    f"33,某市场,farmers_market,{COMMUNITY}\n34,另一冷库,cold_chain_warehouse,{COMMUNITY}\n"
)
BATCH = "MSKU1234567"
GOODS = (
    "batch_no,place_id,arrived_time,left_time\n"
    f"{BATCH},31,2022-07-01T06:00+08:00,2022-07-01T18:00+08:00\n"
    f"{BATCH},32,2022-07-01T20:00+08:00,2022-07-03T08:00+08:00\n"
    f"{BATCH},33,2022-07-03T10:00+08:00,\n"
    "OTHER001,34,2022-07-02T10:00+08:00,\n"
)
SHIFTS = (
    "person_id,place_id,start_time,end_time\n"
    "1,31,2022-07-01T08:00+08:00,2022-07-01T16:00+08:00\n"  # handled it at the port
    "2,31,2022-06-30T08:00+08:00,2022-06-30T16:00+08:00\n"  # before it arrived
    "3,32,2022-07-02T08:00+08:00,2022-07-02T20:00+08:00\n"  # in the warehouse
    "4,33,2022-07-03T15:00+08:00,2022-07-03T23:00+08:00\n"  # after the sample: sealed
    "5,34,2022-07-03T08:00+08:00,2022-07-03T18:00+08:00\n"  # a place it never reached
    "6,33,2022-07-03T09:00+08:00,2022-07-03T17:00+08:00\n"  # at the market until the sample
)
SAMPLES = (
    "sample_ref,site_id,object,batch_no,origin_country,sample_time,result,ct\n"
    f"E-001,32,cold_chain_package,{BATCH},BR,2022-07-03T14:00+08:00,positive,31.5\n"
    "E-002,34,warehouse,,,2022-07-03T14:00+08:00,negative,\n"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def port(ctx: ServiceContext, tmp_path: Path) -> ServiceContext:
    import_file(ctx, "regions", _write(tmp_path, "regions.csv", REGIONS))
    import_file(ctx, "places", _write(tmp_path, "places.csv", PLACES))
    people = "person_id,name,sex,home_region_code\n" + "".join(
        f"{i},W{i},male,{COMMUNITY}\n" for i in range(1, 8)
    )
    import_file(ctx, "people", _write(tmp_path, "people.csv", people))
    import_goods(ctx, _write(tmp_path, "goods.csv", GOODS))
    import_shifts(ctx, _write(tmp_path, "shifts.csv", SHIFTS))
    return ctx


def _episodes(ctx: ServiceContext) -> list[dict[str, object]]:
    with ctx.connect() as conn:
        rows = conn.execute(select(table(ControlMeasure)).order_by("person_id")).mappings()
        return [dict(r) for r in rows]


def test_a_positive_cold_chain_sample_controls_the_staff_and_traces_the_batch(
    port: ServiceContext, tmp_path: Path
) -> None:
    at = dt.datetime(2022, 7, 3, 14, tzinfo=TZ)
    result = import_environment_samples(port, _write(tmp_path, "env.csv", SAMPLES))
    assert (result.recorded, result.unchanged, len(result.positives)) == (2, 0, 1)
    positive = result.positives[0]
    assert [p["place_id"] for p in positive["places_reached"]] == [31, 32, 33]
    assert positive["staff"] == [1, 3, 6]
    episodes = _episodes(port)
    assert [e["person_id"] for e in episodes] == [1, 3, 6]
    with port.connect() as conn:
        sample_id = conn.execute(
            select(table(EnvironmentSample).c.sample_id).where(
                table(EnvironmentSample).c.sample_ref == "E-001"
            )
        ).scalar_one()
    last = {
        1: dt.datetime(2022, 7, 1, 16, tzinfo=TZ),
        3: dt.datetime(2022, 7, 2, 20, tzinfo=TZ),
        6: at,  # the market's batch is sealed at the sample
    }
    for e in episodes:
        assert e["environment_sample_id"] == sample_id
        assert str(e["kind"]) == "centralised"  # cn-9th: 7 days centralised + 3 monitoring
        assert e["start_time"] == max(last[int(e["person_id"])], at)  # type: ignore[call-overload]
        # counted from the last overlap: 7 days centralised and 3 of health monitoring
        assert e["planned_end_time"] == last[int(e["person_id"])] + dt.timedelta(days=10)  # type: ignore[call-overload]
        place = {1: 31, 3: 32, 6: 33}[int(e["person_id"])]  # type: ignore[call-overload]
        assert e["reason"] == (
            f"handled batch {BATCH} at place {place}: positive environment sample {sample_id}"
        )
    tasks = list_tasks(port, kind=TaskKind.INVESTIGATION, subject_type="environment_samples")
    assert len(tasks) == 1
    assert tasks[0]["due_time"] == at + dt.timedelta(hours=24)
    # the same file again: nothing new
    again = import_environment_samples(port, tmp_path / "env.csv")
    assert (again.recorded, again.unchanged, again.positives) == (0, 2, [])
    assert len(_episodes(port)) == 3
    assert len(list_tasks(port, kind=TaskKind.INVESTIGATION)) == 1


def test_a_positive_site_sample_without_a_batch_controls_that_days_staff(
    port: ServiceContext, tmp_path: Path
) -> None:
    text = (
        "sample_ref,site_id,object,sample_time,result\n"
        "E-010,34,warehouse,2022-07-03T12:00+08:00,positive\n"
    )
    result = import_environment_samples(port, _write(tmp_path, "site.csv", text))
    assert result.positives[0]["staff"] == [5]  # on shift there that morning
    assert result.positives[0]["places_reached"][0]["place_id"] == 34


def test_a_protocol_without_rules_opens_no_episode_but_the_investigation(
    port: ServiceContext, tmp_path: Path
) -> None:
    result = import_environment_samples(
        port, _write(tmp_path, "env.csv", SAMPLES), protocol="who-2021"
    )
    assert result.positives[0]["without_rule"] and result.positives[0]["staff"] == [1, 3, 6]
    assert _episodes(port) == []
    assert len(list_tasks(port, kind=TaskKind.INVESTIGATION)) == 1


def test_bad_rows_are_named_and_nothing_is_written(port: ServiceContext, tmp_path: Path) -> None:
    text = (
        "sample_ref,site_id,object,sample_time,result\n"
        "E-100,32,package,2022-07-03T12:00+08:00,positive\n"
        "E-101,99,warehouse,2022-07-03T12:00+08:00,positive\n"
        "E-100,32,warehouse,2022-07-03T12:00+08:00,negative\n"
    )
    path = _write(tmp_path, "bad.csv", text)
    with pytest.raises(InputError) as refused:
        import_environment_samples(port, path)
    lines = "\n".join(refused.value.report.lines())
    assert f"{path}, row 1 (line 2), field object: 'package' is not" in lines
    assert f"{path}, row 2 (line 3), field site_id: unknown place id 99" in lines
    assert f"{path}, row 3 (line 4), field sample_ref: the same sample as row 1" in lines
    with port.connect() as conn:
        assert conn.execute(select(table(EnvironmentSample))).first() is None
    shifts = _write(
        tmp_path,
        "shifts-bad.csv",
        "person_id,place_id,start_time,end_time\n"
        "1,31,2022-07-05T08:00+08:00,2022-07-05T07:00+08:00\n",
    )
    with pytest.raises(InputError) as refused:
        import_shifts(port, shifts)
    assert "field end_time: is before start_time" in "\n".join(refused.value.report.lines())


def test_the_cli_imports_and_reports_the_positive(
    port: ServiceContext, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    path = _write(tmp_path, "env.csv", SAMPLES)
    ran = CliRunner().invoke(app, ["import", "samples-environment", str(path), "--json"])
    assert ran.exit_code == 0, ran.output
    shown = json.loads(ran.output)["result"]
    assert shown["positives"][0]["staff"] == [1, 3, 6]
    ran = CliRunner().invoke(app, ["import", "samples-environment", str(path)])
    assert ran.exit_code == 0 and "0 new, 2 unchanged" in ran.output


def test_a_sample_corrected_to_positive_is_followed_up(
    port: ServiceContext, tmp_path: Path
) -> None:
    import_environment_samples(port, _write(tmp_path, "env.csv", SAMPLES))
    corrected = SAMPLES.replace(
        "2022-07-03T14:00+08:00,negative,", "2022-07-03T14:00+08:00,positive,33"
    )
    result = import_environment_samples(port, _write(tmp_path, "fixed.csv", corrected))
    assert (result.recorded, result.updated, result.unchanged) == (0, 1, 1)
    assert [p["sample_ref"] for p in result.positives] == ["E-002"]
    assert result.positives[0]["staff"] == [5]  # the site's staff that day
    assert len(list_tasks(port, kind=TaskKind.INVESTIGATION)) == 2


def test_a_batch_correction_is_stored_and_old_exposures_are_listed_only(
    port: ServiceContext, tmp_path: Path
) -> None:
    # the batch left the market on 07-03 11:00: person 6's overlap ends then
    moved = GOODS.replace(
        f"{BATCH},33,2022-07-03T10:00+08:00,\n",
        f"{BATCH},33,2022-07-03T10:00+08:00,2022-07-03T11:00+08:00\n",
    )
    fixed = import_goods(port, _write(tmp_path, "moved.csv", moved))
    assert (fixed.updated, fixed.unchanged) == (1, 3)
    late = (
        "sample_ref,site_id,object,batch_no,sample_time,result\n"
        f"E-050,32,cold_chain_package,{BATCH},2022-07-12T14:00+08:00,positive\n"
    )
    result = import_environment_samples(port, _write(tmp_path, "late.csv", late))
    positive = result.positives[0]
    assert positive["staff"] == [1, 3, 6]
    # 10 days from the last handling: over by 07-12 14:00 for person 1 (07-01 16:00), not
    # for 3 (07-02 20:00) nor 6 (07-03 11:00, when the corrected batch left the market)
    assert positive["staff_exposure_over"] == [1]
    assert [e["person_id"] for e in _episodes(port)] == [3, 6]
    assert _episodes(port)[1]["planned_end_time"] == dt.datetime(2022, 7, 13, 11, tzinfo=TZ)
