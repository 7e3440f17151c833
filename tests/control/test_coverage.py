"""`control coverage` (issue 14): the four "should" rates (四应) per region on a day, each a
numerator over a denominator counted by hand here, and the lists of who was not covered —
masked when written, every read audited."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from test_episodes import CONTACTS, _contacts, registry
from test_release import _results
from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.domain.timeutil import zone
from shoutu.domain.vocabulary import CheckChannel
from shoutu.services.audit import recent, writing
from shoutu.services.context import ServiceContext
from shoutu.services.control.contacts import import_contacts
from shoutu.services.control.coverage import coverage
from shoutu.services.screening.campaigns import create_campaign
from shoutu.store.repositories import checks

SHANGHAI = zone("Asia/Shanghai")
DAY = dt.date(2022, 7, 2)
# the registry's people live in two buildings of one district (310101)
DISTRICT = "310101000000"


def _check(ctx: ServiceContext, person: int, at: dt.datetime) -> None:
    with writing(ctx) as unit:
        checks.add(
            unit.conn,
            rows=[
                {
                    "person_id": person,
                    "measure_id": None,
                    "check_time": at,
                    "temperature": 36.5,
                    "symptoms": [],
                    "channel": CheckChannel.APP,
                    **unit.stamp,
                }
            ],
        )


def test_the_four_rates_count_what_was_due_and_done(
    ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    registry(ctx, tmp_path)  # cases 7 (1001, reported 2 July 08:00) and 8 (1002, 5 July)
    # 1003 (close) and 1004 (secondary) of case 7, identified 2 July 09:00: under control
    # from then, within 24 h of the report
    import_contacts(ctx, _contacts(tmp_path, CONTACTS), protocol="cn-9th-2022")
    # 1003's day-1 test is on 2 July; 1001 (market, every 3.5 days) has no test on record
    _results(
        ctx, tmp_path, "day1", ["D1,T1,1,1003,2022-07-02T10:00,2022-07-02T18:00,pcr,negative,,"]
    )
    _check(ctx, 1004, dt.datetime(2022, 7, 2, 20, tzinfo=SHANGHAI))
    report = coverage(ctx, date=DAY).as_json()
    assert report["totals"] == {
        "test": {"met": 1, "due": 2, "rate": 0.5},  # 1003 sampled; 1001 not
        "isolate": {"met": 2, "due": 2, "rate": 1.0},
        "treat": {"met": 0, "due": 1, "rate": 0.0},  # case 7 has no isolation (file import)
        "manage": {"met": 1, "due": 2, "rate": 0.5},  # 1004 reported; 1003 did not
    }
    assert [r["region"] for r in report["regions"]] == [DISTRICT]
    lists = report["lists"]
    assert [(m["person_id"], m["rule"]) for m in lists["test"]] == [(1001, "key population market")]
    assert [(m["person_id"], m["case_id"]) for m in lists["treat"]] == [(1001, 7)]
    assert [m["person_id"] for m in lists["manage"]] == [1003] and lists["isolate"] == []
    # a day later: 1003's day-2 test is due and missing, no new contact or case
    later = coverage(ctx, date=DAY + dt.timedelta(days=1)).as_json()["totals"]
    assert later["test"]["due"] >= 2 and later["isolate"]["due"] == 0
    assert later["treat"]["due"] == 0
    # the CLI writes the lists with masked names, and the reads are audited
    out = tmp_path / "lists"
    shown = CliRunner().invoke(
        app, ["control", "coverage", "--date", "2022-07-02", "--output-lists", str(out), "--json"]
    )
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["totals"] == report["totals"]
    with (out / "treat_2022-07-02.csv").open(encoding="utf-8") as f:
        [row] = list(csv.DictReader(f))
    assert row["person_id"] == "1001" and row["name"] == "张*" and row["case_id"] == "7"
    purposes = {e.get("detail") for e in recent(ctx, entity="people", limit=50)}
    assert any("control coverage 2022-07-02" in str(p) for p in purposes)


def test_a_contact_controlled_late_or_never_is_listed_with_its_hours(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    registry(ctx, tmp_path)
    # a protocol-less import: case 7's contact 1005 was found on 2 July but nobody opened
    # its control (an imported contact table, as a simulated run leaves it)
    late = (
        "index_case_id,person_id,kind,setting,last_exposure_time,identified_time\n"
        "7,1005,close,household,2022-07-01T10:00,2022-07-02T09:00\n"
    )
    import_contacts(ctx, _contacts(tmp_path, late), protocol="who-2021")
    with writing(ctx) as unit:  # the episode opened by the import is cancelled: never controlled
        unit.conn.exec_driver_sql("UPDATE control_measures SET status = 'cancelled'")
    [missed] = coverage(ctx, date=DAY).as_json()["lists"]["isolate"]
    assert missed["person_id"] == 1005 and missed["controlled"] is None
    assert missed["hours"] == 15.0  # 09:00 to the end of 2 July


def test_a_mass_screening_round_makes_its_targets_due(ctx: ServiceContext, tmp_path: Path) -> None:
    registry(ctx, tmp_path)
    create_campaign(
        ctx,
        "round-1",
        region_code="310101002001",
        start_time="2022-07-02T06:00",
        rounds=1,
        round_hours=12,
    )
    _results(
        ctx, tmp_path, "round", ["M1,T1,1,1002,2022-07-02T07:00,2022-07-02T12:00,pcr,negative,,"]
    )
    report = coverage(ctx, date=DAY).as_json()
    rules = {m["person_id"]: m["rule"] for m in report["lists"]["test"]}
    # all five live in the compound; 1002 was sampled in the round; 1001 is due by both its
    # interval and the round (counted once, by the first rule)
    assert report["totals"]["test"] == {"met": 1, "due": 5, "rate": 0.2}
    assert rules == {
        1001: "key population market",
        1003: "campaign round-1 round 1",
        1004: "campaign round-1 round 1",
        1005: "campaign round-1 round 1",
    }
