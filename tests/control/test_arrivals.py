"""Inbound travellers' quarantine (issue 14): per protocol edition, each arrival opens the
person's episode by the protocol's ``quarantine.inbound_traveller`` rules, counted from the
arrival (stages, planned ends, dated test tasks); a protocol without the rule records the
arrival only; a second arrival, or an arrival of a person already quarantined as a contact,
extends the open episode (the planned end before kept, the audit naming the arrival); the
same file again changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from test_episodes import CONTACTS, SHANGHAI, expected, registry

from shoutu.services.audit import recent
from shoutu.services.context import ServiceContext
from shoutu.services.control.arrivals import import_arrivals
from shoutu.services.control.contacts import import_contacts
from shoutu.services.control.episode_list import list_episodes
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.supervision.task_list import list_tasks

PORTS = (
    "place_id,name,type,region_code,lat,lon,venue_code\n"
    "900,浦东国际机场,airport,310101000000,31.1443,121.8083,SH-P-0900\n"
    "901,吴淞口岸,port,310101000000,31.3940,121.5030,SH-P-0901\n"
)
#: 1003 lands at 10:00 through the airport; 1004 crosses at local midnight, no port given
ARRIVALS = (
    "person_id,arrival_time,port_place_id,origin_country\n"
    "1003,2022-07-01T10:00,900,KR\n"
    "1004,2022-07-01T00:00,,Japan\n"
)
LANDED = dt.datetime(2022, 7, 1, 10, tzinfo=SHANGHAI)
MIDNIGHT = dt.datetime(2022, 7, 1, 0, tzinfo=SHANGHAI)


def ports(ctx: ServiceContext, tmp_path: Path) -> None:
    """The registry of ``test_episodes`` (regions, places, people, cases 7 and 8), an airport
    (900) and a sea port (901)."""
    registry(ctx, tmp_path)
    (tmp_path / "ports.csv").write_text(PORTS)
    import_file(ctx, "places", tmp_path / "ports.csv")


def _file(tmp_path: Path, text: str, name: str = "arrivals.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _tasks(ctx: ServiceContext, episode: dict[str, Any]) -> list[dict[str, Any]]:
    return list_tasks(
        ctx, subject_type="control_measures", subject_id=str(episode["episode_id"]), limit=None
    )


def _task_days(ctx: ServiceContext, episode: dict[str, Any]) -> list[str]:
    return [t["due_time"].astimezone(SHANGHAI).date().isoformat() for t in _tasks(ctx, episode)]


@pytest.mark.parametrize("edition", ["cn-8th-2021", "cn-9th-2022", "us-cdc-2021"])
def test_arrivals_get_their_protocols_inbound_stages(
    ctx: ServiceContext, tmp_path: Path, edition: str
) -> None:
    ports(ctx, tmp_path)
    done = import_arrivals(ctx, _file(tmp_path, ARRIVALS), protocol=edition)
    rules = ctx.protocol(edition)[0].quarantine.inbound_traveller
    assert rules is not None and rules.counted_from == "arrival"
    days = {
        a: [d for s in expected(rules, a, a)["stages"] for d in s["test_days"]]
        for a in (LANDED, MIDNIGHT)
    }
    assert (done.recorded, done.unchanged, done.without_rule) == (2, 0, 0)
    assert (done.opened, done.extended) == (2, 0)
    assert done.tasks == len(days[LANDED]) + len(days[MIDNIGHT])
    by_person = {e["person_id"]: e for e in list_episodes(ctx)}
    landed, crossed = by_person[1003], by_person[1004]
    for episode, anchor in ((landed, LANDED), (crossed, MIDNIGHT)):
        want = expected(rules, anchor, anchor)
        assert episode["stages"] == want["stages"]
        assert episode["start"] == anchor.isoformat()
        assert episode["planned_end"] == want["stages"][-1]["planned_end"]
        assert episode["status"] == "active" and episode["previous_planned_end"] is None
        tasks = _tasks(ctx, episode)
        assert [t["kind"] for t in tasks] == ["quarantine_test"] * len(days[anchor])
        assert _task_days(ctx, episode) == days[anchor]
        assert all(t["due_time"].astimezone(SHANGHAI).time() > dt.time(23, 59) for t in tasks)
    assert landed["reason"].startswith("arrival ") and landed["reason"].endswith(
        " at port 900 from KR"
    )
    assert crossed["reason"].endswith(" from Japan") and "port" not in crossed["reason"]
    # by hand, from 1 July 10:00 (day 1 is 2 July) and from 1 July 00:00 (day 1 is 1 July)
    if edition == "cn-9th-2022":  # 7 centralised + 3 monitoring; tests 1, 2, 3, 5, 7 and 3
        assert [s["kind"] for s in landed["stages"]] == ["centralised", "health_monitoring"]
        assert landed["kind"] == "centralised"
        assert landed["stages"][0]["planned_end"] == "2022-07-08T10:00:00+08:00"
        assert landed["planned_end"] == "2022-07-11T10:00:00+08:00"
        assert _task_days(ctx, landed) == [
            "2022-07-02",
            "2022-07-03",
            "2022-07-04",
            "2022-07-06",
            "2022-07-08",
            "2022-07-11",
        ]
        assert crossed["planned_end"] == "2022-07-11T00:00:00+08:00"
        assert _task_days(ctx, crossed) == [
            "2022-07-01",
            "2022-07-02",
            "2022-07-03",
            "2022-07-05",
            "2022-07-07",
            "2022-07-10",
        ]
    elif edition == "cn-8th-2021":  # 14 centralised + 7 monitoring; tests 1, 4, 7, 14 and 2, 7
        assert [s["kind"] for s in landed["stages"]] == ["centralised", "health_monitoring"]
        assert landed["stages"][0]["planned_end"] == "2022-07-15T10:00:00+08:00"
        assert landed["planned_end"] == "2022-07-22T10:00:00+08:00"
        assert _task_days(ctx, landed) == [
            "2022-07-02",
            "2022-07-05",
            "2022-07-08",
            "2022-07-15",
            "2022-07-17",
            "2022-07-22",
        ]
        assert crossed["planned_end"] == "2022-07-22T00:00:00+08:00"
        assert _task_days(ctx, crossed)[0] == "2022-07-01"
    else:  # us-cdc: 5 days at home, a test on day 3
        assert [s["kind"] for s in landed["stages"]] == ["home"] and landed["kind"] == "home"
        assert landed["planned_end"] == "2022-07-06T10:00:00+08:00"
        assert _task_days(ctx, landed) == ["2022-07-04"]
        assert crossed["planned_end"] == "2022-07-06T00:00:00+08:00"
        assert _task_days(ctx, crossed) == ["2022-07-03"]


def test_a_protocol_without_an_inbound_rule_records_the_arrival_only(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    ports(ctx, tmp_path)
    assert ctx.protocol("who-2021")[0].quarantine.inbound_traveller is None
    done = import_arrivals(ctx, _file(tmp_path, ARRIVALS), protocol="who-2021")
    assert (done.recorded, done.without_rule, done.opened, done.tasks) == (2, 2, 0, 0)
    assert list_episodes(ctx) == []
    assert list_tasks(ctx, subject_type="control_measures", limit=None) == []
    created = [e for e in recent(ctx, entity="arrivals") if e["action"] == "create"]
    assert len(created) == 2
    # recorded: the same file under a protocol that has the rule finds them known
    again = import_arrivals(ctx, _file(tmp_path, ARRIVALS), protocol="cn-9th-2022")
    assert (again.recorded, again.unchanged, again.opened) == (0, 2, 0)


def test_the_same_file_twice_changes_nothing(ctx: ServiceContext, tmp_path: Path) -> None:
    ports(ctx, tmp_path)
    import_arrivals(ctx, _file(tmp_path, ARRIVALS), protocol="cn-9th-2022")
    before = list_episodes(ctx)
    tasks = list_tasks(ctx, subject_type="control_measures", limit=None)
    path = _file(tmp_path, ARRIVALS)
    again = import_arrivals(ctx, path, protocol="cn-9th-2022")
    assert again.as_json() == {
        "entity": "arrivals",
        "file": str(path),
        "rows": 2,
        "protocol": "cn-9th-2022",
        "recorded": 0,
        "updated": 0,
        "unchanged": 2,
        "without_rule": 0,
        "episodes_opened": 0,
        "episodes_extended": 0,
        "test_tasks": 0,
    }
    assert list_episodes(ctx) == before
    assert list_tasks(ctx, subject_type="control_measures", limit=None) == tasks


def test_a_second_arrival_extends_and_the_trail_names_it(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    ports(ctx, tmp_path)
    import_arrivals(ctx, _file(tmp_path, ARRIVALS), protocol="cn-9th-2022")
    [before] = list_episodes(ctx, person_id=1003)
    first_tests = _task_days(ctx, before)
    # out and in again on 5 July, by sea, while in centralised quarantine
    later = "person_id,arrival_time,port_place_id,origin_country\n1003,2022-07-05T20:00,901,HK\n"
    done = import_arrivals(ctx, _file(tmp_path, later, "later.csv"), protocol="cn-9th-2022")
    assert (done.recorded, done.opened, done.extended) == (1, 0, 1)
    [after] = list_episodes(ctx, person_id=1003)
    assert after["episode_id"] == before["episode_id"] and after["reason"] == before["reason"]
    assert after["previous_planned_end"] == before["planned_end"] == "2022-07-11T10:00:00+08:00"
    assert after["planned_end"] == "2022-07-15T20:00:00+08:00"
    rules = ctx.protocol("cn-9th-2022")[0].quarantine.inbound_traveller
    assert rules is not None
    anchor = dt.datetime(2022, 7, 5, 20, tzinfo=SHANGHAI)
    new = expected(rules, anchor, anchor)
    assert after["stages"] == new["stages"]
    tested = _task_days(ctx, after)
    assert set(tested) >= {d for s in new["stages"] for d in s["test_days"]}
    assert len(set(tested)) == len(tested)  # one task a day
    assert set(tested) >= set(first_tests) and done.tasks == len(tested) - len(first_tests)
    [extension] = [
        e
        for e in recent(ctx, entity="control_measures", limit=500)
        if (e["detail"] or "").startswith("extended")
    ]
    assert extension["entity_id"] == str(after["episode_id"])
    assert extension["detail"].startswith("extended: a new arrival (arrival ")
    assert extension["detail"].endswith(" at port 901 from HK)")
    assert extension["before"]["planned_end_time"].startswith("2022-07-11T02:00:00")
    assert extension["after"]["planned_end_time"].startswith("2022-07-15T12:00:00")
    # an earlier arrival found later ends sooner: recorded, the episode left as it is
    early = "person_id,arrival_time\n1003,2022-07-03T08:00\n"
    done = import_arrivals(ctx, _file(tmp_path, early, "early.csv"), protocol="cn-9th-2022")
    assert (done.recorded, done.opened, done.extended, done.tasks) == (1, 0, 0, 0)
    assert list_episodes(ctx, person_id=1003) == [after]


def test_two_arrivals_in_one_file_open_one_episode_extended(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    ports(ctx, tmp_path)
    both = (
        "person_id,arrival_time,port_place_id\n"
        "1003,2022-07-05T20:00,901\n"
        "1003,2022-07-01T10:00,900\n"
    )
    done = import_arrivals(ctx, _file(tmp_path, both), protocol="cn-9th-2022")
    assert (done.recorded, done.opened, done.extended) == (2, 1, 1)
    [episode] = list_episodes(ctx, person_id=1003)
    assert episode["reason"].endswith(" at port 900")  # opened by the first arrival
    assert episode["previous_planned_end"] == "2022-07-11T10:00:00+08:00"
    assert episode["planned_end"] == "2022-07-15T20:00:00+08:00"
    days = [d for s in episode["stages"] for d in s["test_days"]]
    assert _task_days(ctx, episode) == days and done.tasks == len(days)


def test_a_contact_who_then_arrives_keeps_one_episode_extended(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    ports(ctx, tmp_path)
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(CONTACTS)
    import_contacts(ctx, contacts, protocol="cn-9th-2022")
    [contact] = list_episodes(ctx, person_id=1004)  # a secondary contact: 7 days at home
    assert contact["kind"] == "home" and contact["planned_end"] == "2022-07-09T09:00:00+08:00"
    arriving = "person_id,arrival_time,port_place_id\n1004,2022-07-04T18:30,900\n"
    done = import_arrivals(ctx, _file(tmp_path, arriving), protocol="cn-9th-2022")
    assert (done.recorded, done.opened, done.extended) == (1, 0, 1)
    [episode] = list_episodes(ctx, person_id=1004)
    assert episode["episode_id"] == contact["episode_id"]
    assert episode["reason"] == contact["reason"]  # what opened it
    assert episode["kind"] == "centralised"  # the inbound rule: centralised from arrival
    assert episode["previous_planned_end"] == contact["planned_end"]
    assert episode["planned_end"] == "2022-07-14T18:30:00+08:00"
    [extension] = [
        e
        for e in recent(ctx, entity="control_measures", limit=500)
        if (e["detail"] or "").startswith("extended")
    ]
    assert extension["detail"].startswith("extended: a new arrival (arrival ")
    assert extension["before"]["kind"] == "home" and extension["after"]["kind"] == "centralised"


def test_a_corrected_port_corrects_the_arrival_and_its_episode(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    ports(ctx, tmp_path)
    import_arrivals(ctx, _file(tmp_path, ARRIVALS), protocol="cn-9th-2022")
    [before] = list_episodes(ctx, person_id=1003)
    fixed = (
        "person_id,arrival_time,port_place_id,origin_country\n"
        "1003,2022-07-01T10:00,901,KR\n"
        "1004,2022-07-01T00:00,,\n"  # empty: the stored origin stays
    )
    done = import_arrivals(ctx, _file(tmp_path, fixed, "fixed.csv"), protocol="cn-9th-2022")
    assert (done.recorded, done.updated, done.unchanged, done.opened) == (0, 1, 1, 0)
    [after] = list_episodes(ctx, person_id=1003)
    assert after["reason"] == before["reason"].replace("port 900", "port 901")
    assert {k: v for k, v in after.items() if k != "reason"} == {
        k: v for k, v in before.items() if k != "reason"
    }
    [crossed] = list_episodes(ctx, person_id=1004)
    assert crossed["reason"].endswith(" from Japan")
    [corrected] = [e for e in recent(ctx, entity="arrivals") if e["action"] == "update"]
    assert corrected["before"] == {"port_place_id": 900}
    assert corrected["after"] == {"port_place_id": 901}


def test_a_parquet_file_is_the_same_arrivals(ctx: ServiceContext, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ports(ctx, tmp_path)
    path = tmp_path / "arrivals.parquet"
    utc = pa.timestamp("us", tz="UTC")
    pq.write_table(
        pa.table(
            {
                "person_id": pa.array([1003, 1004], pa.int64()),
                "arrival_time": pa.array([LANDED, MIDNIGHT], utc),
                "port_place_id": pa.array([900, None], pa.int64()),
                "origin_country": pa.array(["KR", "Japan"]),
            }
        ),
        path,
    )
    done = import_arrivals(ctx, path, protocol="cn-9th-2022")
    assert (done.recorded, done.opened) == (2, 2)
    # the CSV of the same arrivals (local times) finds them known
    again = import_arrivals(ctx, _file(tmp_path, ARRIVALS), protocol="cn-9th-2022")
    assert (again.recorded, again.updated, again.unchanged, again.opened) == (0, 0, 2, 0)
