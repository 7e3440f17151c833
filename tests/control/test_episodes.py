"""Episodes of control opened from contacts (issue 14): per protocol edition, close and
secondary contacts get the stages, planned ends and dated test days (as test tasks) their
protocol's quarantine rules say; a re-exposure extends the episode and the audit trail keeps
the planned end before; the same file again changes nothing."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest

from paths import DATA
from shoutu.domain.timeutil import zone
from shoutu.protocols.schema import Quarantine
from shoutu.services.audit import recent
from shoutu.services.context import ServiceContext
from shoutu.services.control.contacts import import_contacts
from shoutu.services.control.episode_list import list_episodes
from shoutu.services.registry.cases import list_cases
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.screening.lab_results import import_results
from shoutu.services.supervision.task_list import list_tasks

SHANGHAI = zone("Asia/Shanghai")
CASES = (
    "case_id,person_id,classification,origin,channel,found_in_control,report_time,protocol\n"
    "7,1001,confirmed,local,fever_clinic,false,2022-07-02T08:00,cn-9th-2022\n"
    "8,1002,confirmed,local,fever_clinic,false,2022-07-05T08:00,cn-9th-2022\n"
)
CONTACTS = (
    "index_case_id,person_id,kind,setting,last_exposure_time,identified_time\n"
    "7,1003,close,household,2022-07-01T10:00,2022-07-02T09:00\n"
    "7,1004,secondary,household,2022-07-01T10:00,2022-07-02T09:00\n"
)
LAST = dt.datetime(2022, 7, 1, 10, tzinfo=SHANGHAI)
FOUND = dt.datetime(2022, 7, 2, 9, tzinfo=SHANGHAI)


def registry(ctx: ServiceContext, tmp_path: Path) -> None:
    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    (tmp_path / "cases.csv").write_text(CASES)
    import_file(ctx, "cases", tmp_path / "cases.csv")


def expected(rules: Quarantine, anchor: dt.datetime, start: dt.datetime) -> dict[str, Any]:
    """Stages by the protocol file's values, computed here: stage ``s`` of ``d`` days follows
    the ones before; its test day ``k`` is the local date of the first midnight at or after
    anchor + (days before it + k - 1) days."""
    stages, before = [], 0
    for kind, days, tests in (
        ("centralised", rules.centralised_days, rules.test_days_centralised),
        ("home", rules.home_days, rules.test_days_home),
        ("health_monitoring", rules.health_monitoring_days, rules.test_days_monitoring),
    ):
        if not days:
            continue
        low = anchor + dt.timedelta(days=before)
        test_days = []
        for k in tests:
            moment = anchor + dt.timedelta(days=before + k - 1)
            hours = moment.hour + moment.minute / 60
            test_days.append(moment.date() + dt.timedelta(days=math.ceil(hours / 24)))
        stages.append(
            {
                "kind": kind,
                "start": max(low, start).isoformat(),
                "planned_end": (anchor + dt.timedelta(days=before + days)).isoformat(),
                "test_days": [d.isoformat() for d in test_days],
            }
        )
        before += days
    return {"start": max(anchor, start).isoformat(), "stages": stages}


def _contacts(tmp_path: Path, text: str, name: str = "contacts.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("edition", ["cn-8th-2021", "cn-9th-2022"])
def test_close_and_secondary_contacts_get_their_protocols_stages(
    ctx: ServiceContext, tmp_path: Path, edition: str
) -> None:
    registry(ctx, tmp_path)
    done = import_contacts(ctx, _contacts(tmp_path, CONTACTS), protocol=edition)
    assert (done.recorded, done.opened, done.extended) == (2, 2, 0)
    rules = ctx.protocol(edition)[0].quarantine
    assert rules.secondary_contact is not None
    assert rules.close_contact.counted_from == "last_exposure"
    assert rules.secondary_contact.counted_from == "identification"
    by_person = {e["person_id"]: e for e in list_episodes(ctx)}
    close, secondary = by_person[1003], by_person[1004]
    for episode, want in (
        (close, expected(rules.close_contact, LAST, FOUND)),
        (secondary, expected(rules.secondary_contact, FOUND, FOUND)),
    ):
        assert episode["stages"] == want["stages"]
        assert episode["start"] == want["start"]
        assert episode["planned_end"] == want["stages"][-1]["planned_end"]
        assert episode["status"] == "active" and episode["reason"].startswith("contact ")
        tasks = list_tasks(
            ctx, subject_type="control_measures", subject_id=str(episode["episode_id"]), limit=None
        )
        days = [d for s in want["stages"] for d in s["test_days"]]
        assert [t["kind"] for t in tasks] == ["quarantine_test"] * len(days)
        assert [t["due_time"].astimezone(SHANGHAI).date().isoformat() for t in tasks] == days
        assert all(t["due_time"].astimezone(SHANGHAI).time() > dt.time(23, 59) for t in tasks)
    # by hand: the 9th edition's 7 centralised + 3 monitoring days from 1 July 10:00 (tests on
    # centralised days 1, 2, 3, 5, 7 and monitoring day 3); the 8th's 14 + 7
    if edition == "cn-9th-2022":
        assert [s["kind"] for s in close["stages"]] == ["centralised", "health_monitoring"]
        assert close["planned_end"] == "2022-07-11T10:00:00+08:00"
        assert close["stages"][0]["test_days"] == [
            "2022-07-02",
            "2022-07-03",
            "2022-07-04",
            "2022-07-06",
            "2022-07-08",
        ]
        assert close["stages"][1]["test_days"] == ["2022-07-11"]
        assert secondary["stages"][0]["kind"] == "home"
        assert secondary["planned_end"] == "2022-07-09T09:00:00+08:00"
    else:
        assert close["planned_end"] == "2022-07-22T10:00:00+08:00"
        assert close["stages"][0]["planned_end"] == "2022-07-15T10:00:00+08:00"
        assert close["stages"][1]["test_days"] == ["2022-07-17", "2022-07-22"]
        assert secondary["planned_end"] == "2022-07-16T09:00:00+08:00"


def test_re_exposure_extends_and_the_trail_keeps_the_planned_end_before(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    registry(ctx, tmp_path)
    import_contacts(ctx, _contacts(tmp_path, CONTACTS), protocol="cn-9th-2022")
    [before] = list_episodes(ctx, person_id=1003)
    again = import_contacts(ctx, _contacts(tmp_path, CONTACTS), protocol="cn-9th-2022")
    assert (again.recorded, again.updated, again.unchanged) == (0, 0, 2)
    assert (again.opened, again.extended, again.tasks) == (0, 0, 0)
    assert list_episodes(ctx, person_id=1003) == [before]
    # exposed again on 4 July, to case 8, while in centralised quarantine
    later = (
        "index_case_id,person_id,kind,setting,last_exposure_time\n"
        "8,1003,close,venue,2022-07-04T18:30\n"
    )
    done = import_contacts(ctx, _contacts(tmp_path, later, "later.csv"), protocol="cn-9th-2022")
    assert (done.recorded, done.opened, done.extended) == (1, 0, 1)
    [after] = list_episodes(ctx, person_id=1003)
    assert after["episode_id"] == before["episode_id"]
    assert after["planned_end"] == "2022-07-14T18:30:00+08:00"
    assert after["previous_planned_end"] == before["planned_end"]
    rules = ctx.protocol("cn-9th-2022")[0].quarantine.close_contact
    new = expected(rules, dt.datetime(2022, 7, 4, 18, 30, tzinfo=SHANGHAI), FOUND)
    assert after["stages"] == new["stages"]
    tasks = list_tasks(
        ctx, subject_type="control_measures", subject_id=str(after["episode_id"]), limit=None
    )
    tested = {t["due_time"].astimezone(SHANGHAI).date().isoformat() for t in tasks}
    assert tested >= {d for s in new["stages"] for d in s["test_days"]}
    assert len(tested) == len(tasks)  # one task a day
    [extension] = [
        e
        for e in recent(ctx, entity="control_measures", limit=500)
        if e["entity"] == "control_measures" and (e["detail"] or "").startswith("extended")
    ]
    assert extension["before"]["planned_end_time"].startswith("2022-07-11T02:00:00")
    assert extension["after"]["planned_end_time"].startswith("2022-07-14T10:30:00")
    # a secondary contact (7 days at home) found a close contact: centralised from then on
    close = (
        "index_case_id,person_id,kind,setting,last_exposure_time\n"
        "8,1004,close,household,2022-07-03T12:00\n"
    )
    import_contacts(ctx, _contacts(tmp_path, close, "close.csv"), protocol="cn-9th-2022")
    [upgraded] = list_episodes(ctx, person_id=1004)
    assert upgraded["kind"] == "centralised"
    assert upgraded["previous_planned_end"] == "2022-07-09T09:00:00+08:00"
    assert upgraded["planned_end"] == "2022-07-13T12:00:00+08:00"


def test_a_positive_quarantine_test_converts_the_episode(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    registry(ctx, tmp_path)
    import_contacts(ctx, _contacts(tmp_path, CONTACTS), protocol="cn-9th-2022")
    [episode] = list_episodes(ctx, person_id=1003)
    results = tmp_path / "results.csv"
    results.write_text(
        "sample_id,tube_id,pool_size,person_id,sample_time,result_time,method,result,ct_n,"
        "ct_orf1ab\n"
        "Q1,QT1,1,1003,2022-07-02T09:30,2022-07-02T15:00,pcr,negative,,\n"  # day 1's test
        "Q2,QT2,1,1003,2022-07-03T09:30,2022-07-03T15:00,pcr,positive,28.0,29.5\n"  # day 2's
    )
    batch = import_results(ctx, results)
    assert batch.workflow["converted"] == 1 and batch.workflow["quarantine_tests_done"] == 2
    [after, isolation] = list_episodes(ctx, person_id=1003)
    assert after["status"] == "converted_to_case"
    assert after["end"] == "2022-07-03T15:00:00+08:00"
    # the new case is isolated from its report, where cn-9th puts an asymptomatic infection
    assert (isolation["kind"], isolation["status"]) == ("isolation", "active")
    assert (isolation["start"], isolation["site"]) == (after["end"], "makeshift_hospital")
    tasks = list_tasks(
        ctx, subject_type="control_measures", subject_id=str(episode["episode_id"]), limit=None
    )
    assert [t["status"] for t in tasks] == ["done", "done"] + ["cancelled"] * (len(tasks) - 2)
    [case] = [c for c in list_cases(ctx) if c["person_id"] == 1003]
    assert case["found_in_control"] and case["channel"] == "quarantine_testing"  # 管控内
    # the secondary contact's episode is untouched
    [other] = list_episodes(ctx, person_id=1004)
    assert other["status"] == "active"


def test_two_exposures_in_one_file_open_one_episode_extended(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    registry(ctx, tmp_path)
    both = (
        "index_case_id,person_id,kind,setting,last_exposure_time\n"
        "8,1003,close,venue,2022-07-04T18:30\n"
        "7,1003,close,household,2022-07-01T10:00\n"
    )
    done = import_contacts(ctx, _contacts(tmp_path, both), protocol="cn-9th-2022")
    assert (done.recorded, done.opened, done.extended) == (2, 1, 1)
    [episode] = list_episodes(ctx, person_id=1003)
    assert episode["previous_planned_end"] == "2022-07-11T10:00:00+08:00"
    assert episode["planned_end"] == "2022-07-14T18:30:00+08:00"
    tasks = list_tasks(
        ctx, subject_type="control_measures", subject_id=str(episode["episode_id"]), limit=None
    )
    days = [d for s in episode["stages"] for d in s["test_days"]]
    assert [t["due_time"].astimezone(SHANGHAI).date().isoformat() for t in tasks] == days


def test_a_protocol_without_a_secondary_rule_records_the_contact_only(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    registry(ctx, tmp_path)
    done = import_contacts(ctx, _contacts(tmp_path, CONTACTS), protocol="who-2021")
    assert (done.recorded, done.opened, done.without_rule, done.tasks) == (2, 1, 1, 0)
    rules = ctx.protocol("who-2021")[0].quarantine
    assert rules.secondary_contact is None and not rules.close_contact.test_days_home
    [episode] = list_episodes(ctx)
    assert episode["person_id"] == 1003 and episode["kind"] == "home"
    assert episode["stages"] == expected(rules.close_contact, LAST, FOUND)["stages"]
    assert episode["planned_end"] == "2022-07-15T10:00:00+08:00"  # 14 days at home, by hand


def test_the_situation_counts_each_episode_under_the_stage_it_is_in(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    from shoutu.services.registry.situation import situation

    registry(ctx, tmp_path)
    import_contacts(ctx, _contacts(tmp_path, CONTACTS), protocol="cn-9th-2022")
    early = situation(ctx, now=dt.datetime(2022, 7, 5, 12, tzinfo=SHANGHAI))
    assert early["under_control"] == {"centralised": 1, "home": 1}
    # 1003's 7 centralised days end on 8 July 10:00; 1004's 7 home days on 9 July 09:00
    late = situation(ctx, now=dt.datetime(2022, 7, 8, 12, tzinfo=SHANGHAI))
    assert late["under_control"] == {"home": 1, "health_monitoring": 1}


def test_a_companion_is_monitored_and_tested_without_quarantine(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    """Under the city variant a companion (时空伴随者) gets 3 days of health monitoring from
    identification with tests on days 1 and 3; the edition has no rule for companions."""
    registry(ctx, tmp_path)
    text = (
        "index_case_id,person_id,kind,setting,last_exposure_time,identified_time\n"
        "7,1005,companion,venue,2022-07-01T10:00,2022-07-02T09:00\n"
    )
    plain = import_contacts(ctx, _contacts(tmp_path, text), protocol="cn-9th-2022")
    assert (plain.recorded, plain.without_rule, plain.opened) == (1, 1, 0)
    assert list_episodes(ctx, person_id=1005) == []
    variant = "cn-9th-2022-city-companions"
    other = text.replace("7,1005", "8,1005")
    done = import_contacts(ctx, _contacts(tmp_path, other, "again.csv"), protocol=variant)
    assert (done.recorded, done.opened, done.tasks) == (1, 1, 2)
    [episode] = list_episodes(ctx, person_id=1005)
    rules = ctx.protocol(variant)[0].quarantine.companion
    assert rules is not None
    assert episode["kind"] == "health_monitoring"
    assert episode["stages"] == expected(rules, FOUND, FOUND)["stages"]
    assert episode["stages"][0]["test_days"] == ["2022-07-03", "2022-07-05"]  # by hand
    assert episode["planned_end"] == "2022-07-05T09:00:00+08:00"
