"""Daily health checks (issue 14, 居家健康监测): a report links to the episode in force at its
time; fever by the protocol's temperature, or one of its test symptoms, opens a symptom test
due the protocol's hours later (one open per episode); a sample taken afterwards finishes it;
missed reports are counted per local day; a person not under control is refused."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from test_episodes import registry
from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.domain.timeutil import zone
from shoutu.domain.vocabulary import CheckChannel, Symptom, TaskKind
from shoutu.errors import BadRequest, Conflict, NotFound, ProtocolError
from shoutu.protocols.loader import BUILTIN_DIR
from shoutu.services.audit import recent
from shoutu.services.context import ServiceContext, open_context
from shoutu.services.control.check_days import check_day
from shoutu.services.control.checks import record_check
from shoutu.services.control.contacts import import_contacts
from shoutu.services.control.episode_list import list_episodes
from shoutu.services.screening.lab_results import import_results
from shoutu.services.supervision.task_list import list_tasks
from shoutu.settings import Settings

SHANGHAI = zone("Asia/Shanghai")
# three close contacts of case 7 and one secondary, identified 2 July 09:00 (cn-9th: 7 days
# centralised, then 3 of health monitoring; the secondary 7 at home)
CONTACTS = (
    "index_case_id,person_id,kind,setting,last_exposure_time,identified_time\n"
    "7,1003,close,household,2022-07-01T10:00,2022-07-02T09:00\n"
    "7,1004,secondary,household,2022-07-01T10:00,2022-07-02T09:00\n"
    "7,1005,close,household,2022-07-01T10:00,2022-07-02T09:00\n"
)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2022, 7, day, hour, minute, tzinfo=SHANGHAI)


def controlled(ctx: ServiceContext, tmp_path: Path, edition: str) -> dict[int, int]:
    """The registry with the contacts' episodes opened by ``edition``: person -> episode."""
    registry(ctx, tmp_path)
    (tmp_path / "contacts.csv").write_text(CONTACTS)
    import_contacts(ctx, tmp_path / "contacts.csv", protocol=edition)
    return {e["person_id"]: e["episode_id"] for e in list_episodes(ctx)}


def _tests(ctx: ServiceContext, episode: int) -> list[dict[str, Any]]:
    """The episode's symptom tests, oldest first."""
    return list_tasks(
        ctx,
        kind=TaskKind.SYMPTOM_TEST,
        subject_type="control_measures",
        subject_id=str(episode),
        limit=None,
    )


@pytest.mark.parametrize(
    ("edition", "temperature", "opens"),
    [
        ("cn-9th-2022", 37.2, False),
        ("cn-9th-2022", 37.3, True),  # 发热: >= 37.3 °C
        ("who-2021", 37.5, False),  # WHO's fever is 38.0 °C
        ("who-2021", 38.0, True),
    ],
)
def test_fever_by_the_protocols_temperature_opens_a_symptom_test(
    ctx: ServiceContext, tmp_path: Path, edition: str, temperature: float, opens: bool
) -> None:
    episodes = controlled(ctx, tmp_path, edition)
    done = record_check(ctx, 1003, temperature=temperature, at=at(3, 8), protocol=edition)
    result = done.as_json()
    assert result["episode_id"] == episodes[1003] and result["recorded"]
    assert result["fever"] is opens
    assert result["check_time"] == "2022-07-03T08:00:00+08:00"
    tests = _tests(ctx, episodes[1003])
    if not opens:
        assert tests == [] and result["symptom_test"] is None
        return
    [task] = tests
    rules = ctx.protocol(edition)[0].health_checks
    assert rules is not None
    assert task["open_time"] == at(3, 8) and task["status"] == "open"
    assert task["resp_region"] == "3101010020010002"  # the person's home: its community sees it
    assert task["due_time"] == at(3, 8) + dt.timedelta(hours=rules.test_within_hours)
    assert result["symptom_test"] == {
        "task_id": task["task_id"],
        "opened": True,
        "due": task["due_time"].astimezone(SHANGHAI).isoformat(),
    }
    if edition == "cn-9th-2022":  # by hand: the file says 2 hours
        assert result["symptom_test"]["due"] == "2022-07-03T10:00:00+08:00"


def test_a_symptom_alone_opens_a_test_and_labels_are_understood(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    episodes = controlled(ctx, tmp_path, "cn-9th-2022")
    other = record_check(
        ctx, 1004, temperature=36.6, symptoms=[Symptom.OTHER], at=at(3, 8), protocol="cn-9th-2022"
    )
    assert other.as_json()["symptom_test"] is None  # not one of the protocol's test symptoms
    assert _tests(ctx, episodes[1004]) == []
    cough = record_check(
        ctx, 1004, temperature=36.6, symptoms=[Symptom.COUGH], at=at(3, 20), protocol="cn-9th-2022"
    ).as_json()
    assert cough["fever"] is False and cough["test_reasons"] == ["cough"]
    both = record_check(
        ctx, 1005, temperature=38.5, symptoms=[Symptom.FEVER, Symptom.COUGH], at=at(3, 20)
    ).as_json()
    assert both["test_reasons"] == ["fever 38.5 °C", "cough"]
    assert cough["symptom_test"]["opened"] and len(_tests(ctx, episodes[1004])) == 1
    # the command line takes symptoms by value or label, comma- or semicolon-separated
    from shoutu.services.control.checks import parse_symptoms

    assert parse_symptoms("咳嗽；Fever, cough") == (Symptom.FEVER, Symptom.COUGH)
    assert parse_symptoms(" ") == () and parse_symptoms("none") == ()
    with pytest.raises(ValueError, match="sneezing"):
        parse_symptoms("cough;sneezing")


def test_a_second_fever_while_one_is_open_opens_none_and_a_sample_finishes_it(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    episodes = controlled(ctx, tmp_path, "cn-9th-2022")
    first = record_check(ctx, 1003, temperature=37.8, at=at(3, 8), protocol="cn-9th-2022")
    [task] = _tests(ctx, episodes[1003])
    assert first.as_json()["symptom_test"]["task_id"] == task["task_id"]
    second = record_check(
        ctx, 1003, temperature=38.1, symptoms=[Symptom.COUGH], at=at(3, 20)
    ).as_json()
    assert second["symptom_test"] == {
        "task_id": task["task_id"],
        "opened": False,
        "due": "2022-07-03T10:00:00+08:00",
    }
    assert "already open" in second["note"]
    assert len(_tests(ctx, episodes[1003])) == 1
    header = (
        "sample_id,tube_id,pool_size,person_id,sample_time,result_time,method,result,ct_n,"
        "ct_orf1ab\n"
    )
    # a sample taken before the fever does not do the test; one after it does
    before = tmp_path / "before.csv"
    before.write_text(header + "Q1,QT1,1,1003,2022-07-03T07:30,2022-07-03T12:00,pcr,negative,,\n")
    assert import_results(ctx, before).workflow["symptom_tests_done"] == 0
    assert [t["status"] for t in _tests(ctx, episodes[1003])] == ["open"]
    after = tmp_path / "after.csv"
    after.write_text(header + "Q2,QT2,1,1003,2022-07-03T21:00,2022-07-04T03:00,pcr,negative,,\n")
    assert import_results(ctx, after).workflow["symptom_tests_done"] == 1
    [done] = _tests(ctx, episodes[1003])
    assert done["status"] == "done" and done["done_time"] == at(3, 21)  # the sample's time
    # with none open, the next fever opens a new test
    third = record_check(ctx, 1003, temperature=37.5, at=at(4, 8)).as_json()
    assert third["symptom_test"]["opened"] and len(_tests(ctx, episodes[1003])) == 2


def test_missed_reports_are_counted_per_local_day(
    ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    episodes = controlled(ctx, tmp_path, "cn-9th-2022")
    for person, moment, temperature, symptoms in (
        (1003, at(3, 7, 30), 36.5, []),
        (1003, at(3, 19), 36.7, []),
        (1004, at(3, 8), 36.4, []),  # one of two
        (1005, at(3, 8), 36.6, []),
        (1005, at(3, 20), 36.9, [Symptom.SORE_THROAT]),
        (1003, at(4, 0, 10), 36.6, []),  # the next local day
    ):
        record_check(
            ctx,
            person,
            temperature=temperature,
            symptoms=symptoms,
            at=moment,
            channel=CheckChannel.PHONE,
        )
    day = check_day(ctx, dt.date(2022, 7, 3), protocol="cn-9th-2022").as_json()
    assert day["date"] == "2022-07-03" and day["protocol"] == "cn-9th-2022"
    rows = {r["person_id"]: r for r in day["people"]}
    assert [r["person_id"] for r in day["people"]] == [1004, 1005, 1003]  # flagged first
    assert (rows[1004]["due"], rows[1004]["received"], rows[1004]["missed"]) == (2, 1, 1)
    assert (rows[1003]["received"], rows[1003]["missed"]) == (2, 0)
    assert rows[1003]["temperature"] == 36.7 and rows[1003]["symptoms"] == []
    assert rows[1005]["symptoms"] == ["sore_throat"] and rows[1005]["missed"] == 0
    [task] = _tests(ctx, episodes[1005])
    assert rows[1005]["symptom_test_task_id"] == task["task_id"]
    assert rows[1004]["symptom_test_task_id"] is None and rows[1004]["fever"] is False
    assert rows[1003]["kind"] == "centralised" and rows[1004]["kind"] == "home"
    assert rows[1003]["episode_id"] == episodes[1003]
    assert day["totals"] == {
        "people": 3,
        "due": 6,
        "received": 5,
        "missed": 1,
        "people_missed": 1,
        "people_fever": 0,
        "people_symptoms": 1,
        "open_symptom_tests": 1,
    }
    # the episodes begin at 09:00 on 2 July: that day still owes both reports
    first = check_day(ctx, dt.date(2022, 7, 2), protocol="cn-9th-2022").as_json()
    assert [(r["due"], r["received"], r["missed"]) for r in first["people"]] == [(2, 0, 2)] * 3
    assert check_day(ctx, dt.date(2022, 7, 1), protocol="cn-9th-2022").people == []
    # who-2021 asks one report a day: 1004's one is enough
    once = check_day(ctx, dt.date(2022, 7, 3), protocol="who-2021").as_json()
    assert {r["person_id"]: r["missed"] for r in once["people"]} == {1003: 0, 1004: 0, 1005: 0}
    # the read is audited
    reads = [
        e
        for e in recent(ctx, entity="health_checks", limit=100)
        if e["action"] == "read" and e["detail"] == "health checks of 2022-07-03"
    ]
    assert len(reads) == 2 * 5  # two reads of the day (cn-9th, who) and its five reports
    # the command line: JSON, and the table
    runner = CliRunner()
    done = runner.invoke(
        app, ["control", "checks", "--date", "2022-07-03", "--protocol", "cn-9th-2022", "--json"]
    )
    assert done.exit_code == 0, done.output
    shown = json.loads(done.stdout)
    assert set(shown) == {"date", "protocol", "reports_per_day", "people", "totals"}
    assert set(shown["people"][0]) >= {
        "person_id",
        "episode_id",
        "kind",
        "due",
        "received",
        "missed",
        "fever",
        "symptoms",
        "symptom_test_task_id",
    }
    assert shown["people"][0]["last_report"] == "2022-07-03T08:00:00+08:00"
    table = runner.invoke(app, ["control", "checks", "--date", "2022-07-03"])
    assert table.exit_code == 0 and "1 missed a report" in table.stdout


def test_a_report_links_to_the_stage_in_force_and_a_resend_changes_nothing(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    episodes = controlled(ctx, tmp_path, "cn-9th-2022")
    # 1003's centralised days end on 8 July 10:00, health monitoring follows
    late = record_check(ctx, 1003, temperature=36.8, at=at(9, 8)).as_json()
    assert (late["episode_id"], late["kind"]) == (episodes[1003], "health_monitoring")
    again = record_check(
        ctx, 1003, temperature=36.8, at=at(9, 8), channel=CheckChannel.VISIT
    ).as_json()
    assert again["check_id"] == late["check_id"] and not again["recorded"]
    assert again["channel"] == "app" and "nothing changed" in again["note"]
    with pytest.raises(Conflict, match=r"already reported 36\.8 °C at this time") as refused:
        record_check(ctx, 1003, temperature=37.9, at=at(9, 8))
    assert str(refused.value).endswith("(the stored report); the first report stands")
    day = check_day(ctx, dt.date(2022, 7, 9)).as_json()
    assert {r["person_id"]: r["received"] for r in day["people"]}[1003] == 1
    assert _tests(ctx, episodes[1003]) == []  # the first report stands: no fever


def test_a_person_not_under_control_is_refused(ctx: ServiceContext, tmp_path: Path) -> None:
    controlled(ctx, tmp_path, "cn-9th-2022")
    with pytest.raises(Conflict) as refused:
        record_check(ctx, 1001, temperature=36.5, at=at(3, 8))  # a case, not isolated here
    assert str(refused.value) == "person 1001 is not under control at 2022-07-03T08:00:00+08:00"
    with pytest.raises(Conflict, match="person 1003 is not under control at 2022-07-02T08:00"):
        record_check(ctx, 1003, temperature=36.5, at=at(2, 8))  # before identification
    with pytest.raises(NotFound, match="no person 4242"):
        record_check(ctx, 4242, temperature=36.5, at=at(3, 8))
    with pytest.raises(BadRequest, match=r"45 °C is outside 34\.\.43 °C"):
        record_check(ctx, 1003, temperature=45.0, at=at(3, 8))
    with pytest.raises(BadRequest, match="in the future"):
        record_check(ctx, 1003, temperature=36.5, at=dt.datetime.now(dt.UTC) + dt.timedelta(1))
    assert check_day(ctx, dt.date(2022, 7, 3)).totals["received"] == 0


def test_a_protocol_without_health_checks_is_a_protocol_error(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "protocols"
    folder.mkdir()
    text = (BUILTIN_DIR / "who-2021.toml").read_text()
    start = text.index("[health_checks]")
    end = text.index("\n[", start + 1)
    text = text[:start] + text[end + 1 :]
    (folder / "no-checks.toml").write_text(text.replace('name = "who-2021"', 'name = "no-checks"'))
    own = open_context(settings.model_copy(update={"protocol_dir": folder}))
    try:
        assert own.protocol("no-checks")[0].health_checks is None
        with pytest.raises(ProtocolError, match="no-checks has no health_checks section"):
            record_check(own, 1003, temperature=37.0, at=at(3, 8), protocol="no-checks")
        with pytest.raises(ProtocolError, match="health_checks"):
            check_day(own, dt.date(2022, 7, 3), protocol="no-checks")
    finally:
        own.close()
