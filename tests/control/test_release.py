"""`control release` (issue 14): a quarantine stage ends when its days are over and each test
day has a negative sample, else it is held with the reason (a later negative makes a missed
day up); a case's isolation ends by the protocol's release rule (cn-9th: two samples ≥ 24 h
apart, each negative or Ct ≥ 35 on both N and ORF1ab), then the case is released and its
post-release monitoring opens; a dry run writes nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from test_episodes import CONTACTS, SHANGHAI, _contacts, registry

from shoutu.domain.access import EVERYWHERE
from shoutu.protocols.schema import Release
from shoutu.rules.release import Sample, clears, isolation_verdict
from shoutu.services.context import ServiceContext
from shoutu.services.control.contacts import import_contacts
from shoutu.services.control.episode_list import list_episodes
from shoutu.services.control.isolation import import_cases
from shoutu.services.control.release import run_release
from shoutu.services.registry.cases import list_cases
from shoutu.services.screening.lab_results import import_results
from shoutu.services.supervision.task_list import list_tasks
from shoutu.store.repositories import measures as measures_repo

HEADER = (
    "sample_id,tube_id,pool_size,person_id,sample_time,result_time,method,result,ct_n,ct_orf1ab\n"
)


def _results(ctx: ServiceContext, tmp_path: Path, name: str, rows: list[str]) -> None:
    path = tmp_path / f"{name}.csv"
    path.write_text(HEADER + "".join(f"{r}\n" for r in rows))
    import_results(ctx, path)


def _one(ctx: ServiceContext, person: int, kind: str) -> dict[str, object]:
    [episode] = [e for e in list_episodes(ctx, person_id=person) if e["kind"] == kind]
    return episode


def _ids(listed: list[dict[str, object]]) -> list[object]:
    return [e["person_id"] for e in listed]


def test_quarantine_stages_pass_on_negative_tests_and_hold_on_a_missed_one(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    registry(ctx, tmp_path)
    import_contacts(ctx, _contacts(tmp_path, CONTACTS), protocol="cn-9th-2022")
    # 1003 (close, cn-9th): centralised to 8 July 10:00, tests 2, 3, 4, 6, 8 July; health
    # monitoring to 11 July 10:00, test 11 July. 1004 (secondary): home to 9 July 09:00,
    # tests 3, 6, 9 July — and it gives none.
    days = ["02", "03", "04", "06", "08", "11"]
    _results(
        ctx,
        tmp_path,
        "quarantine",
        [f"C{d},T{d},1,1003,2022-07-{d}T08:00,2022-07-{d}T09:30,pcr,negative,," for d in days],
    )
    quiet = run_release(ctx, date=dt.date(2022, 7, 7))
    assert (quiet.released, quiet.advanced, quiet.held) == ([], [], [])
    moved = run_release(ctx, date=dt.date(2022, 7, 8))
    assert [(e["person_id"], e["to"]) for e in moved.advanced] == [(1003, "health_monitoring")]
    assert moved.held == [] and moved.released == []
    held = run_release(ctx, date=dt.date(2022, 7, 9))
    assert _ids(held.held) == [1004]
    assert held.held[0]["reason"] == "no negative test on 2022-07-03, 2022-07-06, 2022-07-09"
    secondary = _one(ctx, 1004, "home")
    assert secondary["status"] == "held"
    done = run_release(ctx, date=dt.date(2022, 7, 11))
    assert _ids(done.released) == [1003] and _ids(done.held) == [1004]
    assert done.released[0]["end"] == dt.datetime(2022, 7, 11, 10, tzinfo=SHANGHAI).isoformat()
    close = _one(ctx, 1003, "health_monitoring")
    assert close["status"] == "released" and close["end"] == "2022-07-11T10:00:00+08:00"
    # a negative sample after the missed days makes them up: the next run releases 1004
    _results(
        ctx, tmp_path, "late", ["L1,TL1,1,1004,2022-07-12T08:00,2022-07-12T12:00,pcr,negative,,"]
    )
    late = run_release(ctx, date=dt.date(2022, 7, 12))
    assert _ids(late.released) == [1004] and late.released[0]["samples"] == ("L1",)
    assert _one(ctx, 1004, "home")["end"] == "2022-07-09T09:00:00+08:00"
    # nothing is left: the same run again does nothing
    again = run_release(ctx, date=dt.date(2022, 7, 12))
    assert (again.released, again.advanced, again.held) == ([], [], [])


def test_isolation_releases_on_two_samples_at_or_above_ct_35_a_day_apart(
    ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    registry(ctx, tmp_path)
    # 1005 tests positive: a case isolated from its report, 3 July 15:00 (cn-9th: release
    # tests on isolation days 6 and 7, 8 and 9 July)
    _results(
        ctx,
        tmp_path,
        "positive",
        ["P1,TP1,1,1005,2022-07-03T09:00,2022-07-03T15:00,pcr,positive,24.0,25.0"],
    )
    isolation = _one(ctx, 1005, "isolation")
    assert isolation["stages"][0]["test_days"] == ["2022-07-08", "2022-07-09"]
    tasks = list_tasks(
        ctx, subject_type="control_measures", subject_id=str(isolation["episode_id"]), limit=None
    )
    assert [(t["kind"], t["status"]) for t in tasks] == [("release", "open")] * 2
    assert {t["resp_region"] for t in tasks} == {"3101010020010002"}  # 1005's home
    # day 6: N clears, ORF1ab does not; the isolation is held once its test days are over
    _results(
        ctx,
        tmp_path,
        "day6",
        ["R1,TR1,1,1005,2022-07-08T09:00,2022-07-08T15:00,pcr,positive,36.0,34.0"],
    )
    assert run_release(ctx, date=dt.date(2022, 7, 8)).held == []
    held = run_release(ctx, date=dt.date(2022, 7, 9))
    [why] = [e["reason"] for e in held.held]
    assert why.startswith("0 of 2 clearing samples ≥ 24 h apart") and "ORF1ab 34.0" in why
    # Ct exactly 35 on both genes clears; a negative 23 h later is too soon; one 25 h later
    # completes the pair
    _results(
        ctx,
        tmp_path,
        "pair",
        [
            "R2,TR2,1,1005,2022-07-09T09:00,2022-07-09T15:00,pcr,positive,35.0,35.0",
            "R3,TR3,1,1005,2022-07-10T08:00,2022-07-10T12:00,pcr,negative,,",
            "R4,TR4,1,1005,2022-07-10T10:00,2022-07-10T16:00,pcr,negative,,",
        ],
    )
    before = list_episodes(ctx, person_id=1005)
    dry = run_release(ctx, date=dt.date(2022, 7, 10), dry_run=True)
    assert _ids(dry.released) == [1005] and list_episodes(ctx, person_id=1005) == before
    done = run_release(ctx, date=dt.date(2022, 7, 10))
    [released] = done.released
    assert released["samples"] == ("R2", "R4")
    assert released["end"] == dt.datetime(2022, 7, 10, 16, tzinfo=SHANGHAI).isoformat()
    assert _one(ctx, 1005, "isolation")["status"] == "released"
    [case] = [c for c in list_cases(ctx) if c["person_id"] == 1005]
    assert case["status"] == "released"
    # post-release monitoring: 7 days from the release, tests on its days 3 and 7
    follow = _one(ctx, 1005, "post_release_monitoring")
    assert follow["start"] == "2022-07-10T16:00:00+08:00"
    assert follow["planned_end"] == "2022-07-17T16:00:00+08:00"
    assert follow["stages"][0]["test_days"] == ["2022-07-13", "2022-07-17"]
    assert done.test_tasks == 2 and done.monitoring_opened == 1
    monitoring = list_tasks(
        ctx, subject_type="control_measures", subject_id=str(follow["episode_id"]), limit=None
    )
    assert {t["resp_region"] for t in monitoring} == {"3101010020010002"}  # 1005's home
    with ctx.connect() as conn:  # the episodes' responsible region: the home too
        stored = measures_repo.listing(conn, within=EVERYWHERE, person_id=1005)
    assert {e["resp_region"] for e in stored} == {"3101010020010002"}
    # the CLI shows the same run's JSON; a later run finds nothing more to release
    from typer.testing import CliRunner

    from shoutu.cli.app import app

    shown = CliRunner().invoke(app, ["control", "release", "--date", "2022-07-11", "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["released"] == []


def test_imported_cases_open_their_isolation_once_at_their_protocols_site(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    registry(ctx, tmp_path)
    path = tmp_path / "more.csv"
    path.write_text(
        "case_id,person_id,classification,origin,channel,found_in_control,report_time,"
        "isolation_time,release_time,status,protocol\n"
        "20,1003,asymptomatic,local,mass_screening,false,2022-07-02T08:00,2022-07-02T10:00,,"
        "active,cn-9th-2022\n"
        "21,1004,confirmed,local,fever_clinic,false,2022-07-02T08:00,2022-07-02T09:00,"
        "2022-07-12T09:00,released,cn-9th-2022\n"
        "22,1005,confirmed,local,fever_clinic,false,2022-07-02T08:00,,,died,cn-9th-2022\n"
    )
    first = import_cases(ctx, path)
    assert first.related["isolations_opened"] == 2
    asymptomatic = _one(ctx, 1003, "isolation")
    assert (asymptomatic["site"], asymptomatic["status"]) == ("makeshift_hospital", "active")
    assert asymptomatic["start"] == "2022-07-02T10:00:00+08:00"
    released = _one(ctx, 1004, "isolation")
    assert (released["site"], released["status"]) == ("designated_hospital", "released")
    assert released["end"] == "2022-07-12T09:00:00+08:00"
    assert list_episodes(ctx, person_id=1005) == []  # died, no isolation times: none
    again = import_cases(ctx, path)
    assert again.unchanged == 3 and "isolations_opened" not in again.related


@pytest.mark.parametrize(
    ("ct_n", "ct_orf1ab", "clear"),
    [(35.0, 35.0, True), (34.9, 40.0, False), (40.0, 34.9, False), (None, 38.0, False)],
)
def test_ct_threshold_needs_every_gene(
    ct_n: float | None, ct_orf1ab: float | None, clear: bool
) -> None:
    rules = Release(negative_tests=2, ct_threshold=35.0, genes=("N", "ORF1ab"))
    at = dt.datetime(2022, 7, 1, tzinfo=dt.UTC)
    assert clears(rules, Sample("S", at, at, "positive", ct_n, ct_orf1ab)) is clear
    assert clears(rules, Sample("S", at, at, "negative")) is True
    assert clears(rules, Sample("S", at, at, "invalid")) is False


def test_symptom_based_release_waits_for_days_after_onset_and_without_symptoms() -> None:
    who = Release(negative_tests=0, min_days_after_onset=10, symptom_free_days=3)
    start = dt.datetime(2022, 7, 2, 8, tzinfo=dt.UTC)
    onset = dt.datetime(2022, 7, 1, 8, tzinfo=dt.UTC)
    cutoff = dt.datetime(2022, 7, 20, tzinfo=dt.UTC)

    def when(last_symptom: dt.datetime | None, min_days: int = 10) -> dt.datetime | None:
        return isolation_verdict(
            who,
            min_days=min_days,
            start=start,
            onset=onset,
            last_symptom=last_symptom,
            samples=[],
            cutoff=cutoff,
        ).at

    # isolation day 10 (12 July) comes after onset + 10 (11 July)
    assert when(None) == start + dt.timedelta(days=10)
    assert when(None, min_days=0) == onset + dt.timedelta(days=10)
    # symptoms on 14 July: 3 days without them, 17 July
    late = dt.datetime(2022, 7, 14, 20, tzinfo=dt.UTC)
    assert when(late) == late + dt.timedelta(days=3)
    early = isolation_verdict(
        who,
        min_days=10,
        start=start,
        onset=onset,
        last_symptom=late,
        samples=[],
        cutoff=dt.datetime(2022, 7, 16, tzinfo=dt.UTC),
    )
    assert early.at is None and early.reason is not None and "days without symptoms" in early.reason
