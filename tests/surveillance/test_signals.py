"""Signals: alarms become signals, consecutive days extend them, and the CIDARS response
workflow moves only forward, audited, with a deadline from the protocol."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paths import DATA
from shoutu.cli.app import app
from shoutu.domain.timeutil import end_of_day
from shoutu.domain.vocabulary import AuditAction, SignalStatus
from shoutu.errors import InputError, InvalidTransition
from shoutu.services import audit as audit_log
from shoutu.services.context import ServiceContext
from shoutu.services.registry.imports.specs import import_file
from shoutu.services.surveillance.signals import (
    DetectorConfig,
    list_signals,
    run_signals,
    update_signal,
)
from shoutu.settings import Settings

START = dt.date(2022, 3, 1)
CASES_ONLY = (DetectorConfig("cases_report", "ears-c2"),)


def _cases(ctx: ServiceContext, tmp_path: Path) -> None:
    """One case a day for three weeks, then 9 a day on days 15 and 16 (in district 310101)."""
    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    lines = [
        "case_id,person_id,classification,origin,channel,found_in_control,region_code,"
        "report_time,protocol"
    ]
    case_id = 0
    for offset in range(21):
        for _ in range(9 if offset in (15, 16) else 1 + offset % 2):
            case_id += 1
            day = START + dt.timedelta(days=offset)
            lines.append(
                f"{case_id},1001,confirmed,local,fever_clinic,false,310101002001,"
                f"{day}T10:00:00+08:00,cn-9th-2022"
            )
    path = tmp_path / "cases.csv"
    path.write_text("\n".join(lines) + "\n")
    import_file(ctx, "cases", path)


def test_alarms_become_signals_and_extend(ctx: ServiceContext, tmp_path: Path) -> None:
    _cases(ctx, tmp_path)
    counts = [run_signals(ctx, START + dt.timedelta(days=d), CASES_ONLY) for d in range(21)]
    assert sum(c["created"] for c in counts) == 1
    assert counts[15] == {"created": 1, "extended": 0}
    assert counts[16] == {"created": 0, "extended": 1}
    (signal,) = list_signals(ctx, open_only=True)
    assert (signal["date_start"], signal["date_end"]) == (
        START + dt.timedelta(days=15),
        START + dt.timedelta(days=16),
    )
    assert signal["region"] == "310101000000" and signal["status"] == SignalStatus.NEW
    assert signal["observed"] == 9 and signal["threshold"] < 9
    raised = end_of_day(START + dt.timedelta(days=15), ctx.settings.timezone)  # a replay
    hours = (signal["due_time"] - raised).total_seconds() / 3600
    assert hours == pytest.approx(24, abs=0.01)  # cn-9th: respond within 24 h


def test_workflow_moves_forward_and_is_audited(ctx: ServiceContext, tmp_path: Path) -> None:
    _cases(ctx, tmp_path)
    run_signals(ctx, START + dt.timedelta(days=15), CASES_ONLY)
    (signal,) = list_signals(ctx)
    sid = signal["signal_id"]
    with pytest.raises(InvalidTransition, match="next can be false_alarm, verifying"):
        update_signal(ctx, sid, status=SignalStatus.CONFIRMED)
    update_signal(ctx, sid, status=SignalStatus.VERIFYING, unit="Huangpu CDC")
    update_signal(ctx, sid, status=SignalStatus.INVESTIGATING, note="cluster at a market")
    done = update_signal(ctx, sid, status=SignalStatus.CONFIRMED)
    assert done["status"] == SignalStatus.CONFIRMED and done["resp_unit"] == "Huangpu CDC"
    with pytest.raises(InvalidTransition, match="none"):
        update_signal(ctx, sid, status=SignalStatus.FALSE_ALARM)
    trail = audit_log.recent(ctx, entity="signals", entity_id=str(sid))
    assert [e["action"] for e in reversed(trail)] == [AuditAction.CREATE] + [AuditAction.UPDATE] * 3
    assert list_signals(ctx, open_only=True) == []


def test_cli(ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str]) -> None:
    _cases(ctx, tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["signals", "run", "--date", "2022-03-16", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(runner.invoke(app, ["signals", "list", "--open", "--json"]).stdout)
    assert len(listed["signals"]) >= 1
    sid = str(listed["signals"][0]["signal_id"])
    moved = runner.invoke(app, ["signals", "update", sid, "--status", "verifying"])
    assert moved.exit_code == 0 and "verifying" in moved.stdout
    bad = runner.invoke(app, ["signals", "update", sid, "--status", "confirmed"])
    assert bad.exit_code == 5 and "next can be" in bad.stderr  # an invalid transition
    shown = json.loads(runner.invoke(app, ["signals", "show", sid, "--json"]).stdout)
    assert shown["signal"]["status"] == "verifying" and len(shown["audit"]) == 2


def test_configured_detectors(ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str]) -> None:
    from shoutu.services.surveillance.signals import load_detectors

    _cases(ctx, tmp_path)
    config = tmp_path / "detectors.toml"
    config.write_text(
        '[[detector]]\nchannel = "cases_report"\nmethod = "ears-c1"\nlevel = "city"\n'
    )
    (detector,) = load_detectors(config)
    assert (detector.channel, detector.method, detector.level.value) == (
        "cases_report",
        "ears-c1",
        "city",
    )
    result = CliRunner().invoke(
        app, ["signals", "run", "--date", "2022-03-16", "--config", str(config), "--json"]
    )
    assert result.exit_code == 0, result.output
    (signal,) = list_signals(ctx)
    assert signal["method"] == "ears-c1" and signal["region"] == "310100000000"
    config.write_text('[[detector]]\nchannel = "tweets"\n')
    bad = CliRunner().invoke(
        app, ["signals", "run", "--date", "2022-03-16", "--config", str(config)]
    )
    assert bad.exit_code == 1 and "detector 1: field channel: unknown channel 'tweets'" in (
        bad.stderr
    )


def test_weekly_detector_with_options(ctx: ServiceContext, tmp_path: Path) -> None:
    """A weekly detector judges complete ISO weeks (on their Sunday), keyed by the Monday;
    options are the method's R settings, checked when the configuration is read."""
    from shoutu.services.surveillance.signals import load_detectors

    for kind in ("regions", "places", "people"):
        import_file(ctx, kind, DATA / f"{kind}.csv")
    monday = dt.date(2022, 2, 28)
    lines = [
        "case_id,person_id,classification,origin,channel,found_in_control,region_code,"
        "report_time,protocol"
    ]
    for offset in range(8 * 7):
        for _ in range(6 if offset >= 49 else offset % 3):
            day = monday + dt.timedelta(days=offset)
            lines.append(
                f"{len(lines)},1001,confirmed,local,fever_clinic,false,310101002001,"
                f"{day}T10:00:00+08:00,cn-9th-2022"
            )
    path = tmp_path / "cases.csv"
    path.write_text("\n".join(lines) + "\n")
    import_file(ctx, "cases", path)
    config = tmp_path / "detectors.toml"
    config.write_text(
        '[[detector]]\nchannel = "cases_report"\nmethod = "ears-c1"\nweekly = true\n'
        "options = {baseline = 3, alpha = 0.01}\n"
    )
    (detector,) = load_detectors(config)
    assert detector.weekly and dict(detector.options) == {"baseline": 3, "alpha": 0.01}
    days = [monday + dt.timedelta(days=d) for d in range(8 * 7)]
    counts = run_signals(ctx, days, (detector,))
    assert counts == {"created": 1, "extended": 0}
    (signal,) = list_signals(ctx)
    last_week = monday + dt.timedelta(weeks=7)
    assert signal["date_start"] == signal["date_end"] == last_week
    assert signal["observed"] == 42
    config.write_text(
        '[[detector]]\nchannel = "cases_report"\nmethod = "farrington"\noptions = {k = 2}\n'
    )
    with pytest.raises(InputError) as refused:
        load_detectors(config)
    assert "detector 1: field options: --k does not apply" in refused.value.report.lines()[0]


def test_user_channel_import(ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str]) -> None:
    """`import series`: a user's date,region,count file becomes a channel; re-sending it
    changes nothing; a bad file is reported by row and field and writes nothing."""
    from shoutu.domain.vocabulary import RegionLevel
    from shoutu.events.store import read_events
    from shoutu.services.surveillance.channels import channel_names, channel_series

    good = tmp_path / "absence.csv"
    good.write_text(
        "date,region,count\n"
        "2022-03-01,310101002001,4\n2022-03-01,310101002002,1\n2022-03-03,310101002001,2\n"
    )
    runner = CliRunner()
    args = ["import", "series", str(good), "--channel", "school_absence", "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["rows"] == 3
    assert runner.invoke(app, args).exit_code == 0
    assert read_events(ctx.settings.event_dir, "series").num_rows == 3  # idempotent
    assert "school_absence" in channel_names(ctx.settings.event_dir)
    listed = runner.invoke(app, ["channels", "--list", "--json"])
    assert "school_absence" in json.loads(listed.stdout)["channels"]
    series = channel_series(ctx, "school_absence", level=RegionLevel.TOWN)
    assert series["date"] == ["2022-03-01", "2022-03-02", "2022-03-03"]
    assert series["count"] == [5, 0, 2]
    bad = tmp_path / "bad.csv"
    bad.write_text("date,region,count\n2022-03-01,31010x,4\n2022-03-02,310101002001,-1\n")
    result = runner.invoke(app, ["import", "series", str(bad), "--channel", "other_channel"])
    assert result.exit_code == 1
    assert "row 1" in result.stderr and "field region" in result.stderr
    assert "other_channel" not in channel_names(ctx.settings.event_dir)
    clash = runner.invoke(app, ["import", "series", str(good), "--channel", "ili_share"])
    assert clash.exit_code == 2 and "built-in" in clash.stderr  # a bad option


def _writes(ctx: ServiceContext) -> list[dict[str, object]]:
    """The audit trail less its reads (reading the trail is itself audited)."""
    return [e for e in audit_log.recent(ctx, limit=1000) if e["action"] != AuditAction.READ]


def test_a_second_run_on_a_day_changes_nothing(ctx: ServiceContext, tmp_path: Path) -> None:
    """`signals run` is idempotent per day: running a day again creates no signal, extends
    none, opens no second response task and writes no audit event; the next day still
    extends, and re-running the whole range (as the demo does) changes nothing."""
    from shoutu.domain.vocabulary import TaskKind
    from shoutu.services.supervision.task_list import list_tasks

    _cases(ctx, tmp_path)
    day = START + dt.timedelta(days=15)
    assert run_signals(ctx, day, CASES_ONLY) == {"created": 1, "extended": 0}
    trail = _writes(ctx)
    assert run_signals(ctx, day, CASES_ONLY) == {"created": 0, "extended": 0}
    assert _writes(ctx) == trail
    (signal,) = list_signals(ctx)
    tasks = list_tasks(ctx, kind=TaskKind.SIGNAL_RESPONSE)
    assert [t["subject_id"] for t in tasks] == [str(signal["signal_id"])]
    assert run_signals(ctx, day + dt.timedelta(days=1), CASES_ONLY) == {
        "created": 0,
        "extended": 1,
    }
    (extended,) = list_signals(ctx)
    assert run_signals(ctx, day + dt.timedelta(days=1), CASES_ONLY) == {
        "created": 0,
        "extended": 0,
    }
    every_day = [START + dt.timedelta(days=d) for d in range(21)]
    assert run_signals(ctx, every_day, CASES_ONLY) == {"created": 0, "extended": 0}
    assert list_signals(ctx) == [extended]
    assert extended["date_end"] == day + dt.timedelta(days=1)
    assert len(list_tasks(ctx, kind=TaskKind.SIGNAL_RESPONSE)) == 1


def test_cli_run_twice(ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str]) -> None:
    _cases(ctx, tmp_path)
    runner = CliRunner()
    args = ["signals", "run", "--date", "2022-03-16", "--json"]
    first = json.loads(runner.invoke(app, args).stdout)
    assert first["created"] == 1
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == {**first, "created": 0, "extended": 0}
    assert len(list_signals(ctx)) == 1


def test_concurrent_runs_of_a_day_record_it_once(
    ctx: ServiceContext, settings: Settings, tmp_path: Path
) -> None:
    """Runs of the same day at once (each its own context and connection) make one signal
    and one response task between them."""
    from concurrent.futures import ThreadPoolExecutor

    from shoutu.domain.vocabulary import TaskKind
    from shoutu.services.context import open_context
    from shoutu.services.supervision.task_list import list_tasks

    _cases(ctx, tmp_path)
    day = START + dt.timedelta(days=15)

    def run(_: int) -> dict[str, int]:
        own = open_context(settings, migrate=False)
        try:
            return run_signals(own, day, CASES_ONLY)
        finally:
            own.close()

    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(run, range(4)))
    assert sorted(d["created"] for d in done) == [0, 0, 0, 1]
    assert len(list_signals(ctx)) == 1
    assert len(list_tasks(ctx, kind=TaskKind.SIGNAL_RESPONSE)) == 1


def test_a_replayed_alarm_is_due_from_its_own_day(ctx: ServiceContext, tmp_path: Path) -> None:
    """Replaying 2022 makes signals due in 2022 (from the end of the alarm day), and their
    response tasks with them; the daily job (today or yesterday) counts from the run."""
    from shoutu.domain.timeutil import utcnow
    from shoutu.domain.vocabulary import TaskKind
    from shoutu.services.supervision.task_list import list_tasks
    from shoutu.services.surveillance.signals import raised_at

    _cases(ctx, tmp_path)
    day = START + dt.timedelta(days=15)
    run_signals(ctx, day, CASES_ONLY)
    protocol, _ = ctx.protocol()
    hours = dt.timedelta(hours=float(protocol.timeliness.signal_response_hours))
    raised = end_of_day(day, ctx.settings.timezone) - dt.timedelta(microseconds=1)
    (signal,) = list_signals(ctx)
    assert signal["due_time"] == raised + hours
    (task,) = list_tasks(ctx, kind=TaskKind.SIGNAL_RESPONSE)
    assert task["due_time"] == raised + hours
    now = utcnow()
    today = now.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert raised_at(ctx, today - dt.timedelta(days=1), now) == now
    assert raised_at(ctx, today - dt.timedelta(days=2), now) < now
    # the summary as of a day counts the signals raised by its close, not those of the next
    from shoutu.services.registry.situation import situation

    def raised_by(then: dt.date) -> int:
        return sum(situation(ctx, day=then)["signals"].values())

    assert raised_by(day) == 1 and raised_by(day - dt.timedelta(days=1)) == 0
