"""Users' channel series: a re-send for a day and region replaces what was stored (audited,
before and after), an identical re-send is already stored, and readers see one value per day
and region."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shoutu.cli.app import app
from shoutu.domain.vocabulary import AuditAction, RegionLevel
from shoutu.events.store import read_events
from shoutu.services import audit as audit_log
from shoutu.services.context import ServiceContext
from shoutu.services.surveillance.channel_import import import_channel
from shoutu.services.surveillance.channels import channel_series

A, B = "310101002001", "310101002002"  # two communities of one town


def _file(tmp_path: Path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("date,region,count\n" + "\n".join(rows) + "\n")
    return path


def _by_region(ctx: ServiceContext, level: RegionLevel) -> dict[str, list[float]]:
    series = channel_series(ctx, "school_absence", level=level)
    found: dict[str, list[float]] = {}
    for region, count in zip(series["region"], series["count"], strict=True):
        found.setdefault(region, []).append(count)
    return found


def test_a_corrected_count_replaces_the_old_one(ctx: ServiceContext, tmp_path: Path) -> None:
    """5 then 9 for the same day and region is 9, not 14."""
    import_channel(ctx, "school_absence", _file(tmp_path, "a.csv", [f"2022-03-01,{A},5"]))
    done = import_channel(ctx, "school_absence", _file(tmp_path, "b.csv", [f"2022-03-01,{A},9"]))
    series = channel_series(ctx, "school_absence", level=RegionLevel.COMMUNITY)
    assert series["count"] == [9]
    assert (done.added, done.replaced, done.unchanged) == (0, 1, 0)


def test_a_correction_replaces_only_its_days_and_regions_audited(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    first = _file(
        tmp_path,
        "first.csv",
        [f"2022-03-01,{A},5", f"2022-03-01,{B},1", f"2022-03-02,{A},3", f"2022-03-03,{A},4"],
    )
    stored = import_channel(ctx, "school_absence", first)
    assert (stored.added, stored.replaced, stored.status) == (4, 0, "stored")
    created = audit_log.recent(ctx, entity="series", entity_id="school_absence")
    assert [e["action"] for e in created] == [AuditAction.CREATE]
    assert created[0]["after"]["added"] == 4
    # 9 instead of 5, an explicit 0 instead of 3, a new count for B; A on 03-03 not re-sent
    correction = _file(
        tmp_path,
        "correction.csv",
        [f"2022-03-01,{A},9", f"2022-03-02,{A},0", f"2022-03-03,{B},2", f"2022-03-01,{B},1"],
    )
    done = import_channel(ctx, "school_absence", correction)
    assert (done.added, done.replaced, done.unchanged, done.status) == (1, 2, 1, "stored")
    assert _by_region(ctx, RegionLevel.COMMUNITY) == {A: [9, 0, 4], B: [1, 0, 2]}
    assert _by_region(ctx, RegionLevel.TOWN) == {"310101002000": [10, 0, 6]}
    event = audit_log.recent(ctx, entity="series", entity_id="school_absence")[0]
    assert event["action"] == AuditAction.UPDATE
    assert event["before"] == {"counts": {f"2022-03-01 {A}": 5, f"2022-03-02 {A}": 3}}
    assert event["after"]["counts"] == {f"2022-03-01 {A}": 9, f"2022-03-02 {A}": 0}
    assert (event["after"]["added"], event["after"]["replaced"]) == (1, 2)
    assert "correction.csv" in event["detail"]
    # the first file again: its values come back, B's new count stays
    again = import_channel(ctx, "school_absence", first)
    assert (again.added, again.replaced, again.unchanged) == (0, 2, 2)
    assert _by_region(ctx, RegionLevel.COMMUNITY) == {A: [5, 3, 4], B: [1, 0, 2]}


def _writes(ctx: ServiceContext) -> list[dict[str, object]]:
    """The audit trail less its reads (reading the trail is itself audited)."""
    return [e for e in audit_log.recent(ctx, limit=100) if e["action"] != "read"]


def test_an_identical_resend_is_already_stored(
    ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    path = _file(tmp_path, "absence.csv", [f"2022-03-01,{A},5", f"2022-03-02,{B},2"])
    runner = CliRunner()
    args = ["import", "series", str(path), "--channel", "school_absence"]
    first = runner.invoke(app, [*args, "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["status"] == "stored"
    rows = read_events(ctx.settings.event_dir, "series").num_rows
    trail = _writes(ctx)
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0, shown.output
    assert "already stored" in shown.stdout
    again = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert (again["status"], again["rows"], again["unchanged"]) == ("already stored", 0, 2)
    assert read_events(ctx.settings.event_dir, "series").num_rows == rows
    assert _writes(ctx) == trail
    corrected = _file(tmp_path, "corrected.csv", [f"2022-03-01,{A},9"])
    moved = runner.invoke(app, ["import", "series", str(corrected), "--channel", "school_absence"])
    assert moved.exit_code == 0, moved.output
    assert "1 replaced" in moved.stdout
    assert _by_region(ctx, RegionLevel.TOWN) == {"310101002000": [9, 2]}


def test_rows_stored_before_batches_were_stamped(ctx: ServiceContext, tmp_path: Path) -> None:
    """Rows of earlier imports (no batch, no sent_at) add up as they did; a re-send replaces
    their sum."""
    import datetime as dt

    import pyarrow as pa

    from shoutu.events.store import write_events

    midnight = dt.datetime(2022, 3, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    for batch, count in (("aaaa", 5.0), ("bbbb", 9.0)):
        old = pa.table(
            {
                "channel": ["school_absence"],
                "time": pa.array([midnight], pa.timestamp("us", tz="UTC")),
                "region": [A],
                "count": [count],
            }
        )
        write_events(ctx.settings.event_dir, "series", old, ctx.settings.timezone, batch)
    assert channel_series(ctx, "school_absence", level=RegionLevel.COMMUNITY)["count"] == [14]
    done = import_channel(ctx, "school_absence", _file(tmp_path, "c.csv", [f"2022-03-01,{A},7"]))
    assert (done.replaced, done.added) == (1, 0)
    assert channel_series(ctx, "school_absence", level=RegionLevel.COMMUNITY)["count"] == [7]


def test_series_dates_are_plausible_and_text_may_be_gbk(
    ctx: ServiceContext, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    """A count dated 1900 is refused by row and field (naming --allow-dates), which lets it
    in; a GBK export with a Chinese header column reads with --encoding gb18030."""
    runner = CliRunner()
    old = _file(tmp_path, "old.csv", [f"2022-03-01,{A},5", f"1900-03-01,{A},2"])
    args = ["import", "series", str(old), "--channel", "school_absence"]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1
    assert "old.csv, row 2 (line 3), field date: 1900-03-01 is outside the plausible" in (
        refused.stderr
    )
    assert "--allow-dates" in refused.stderr
    assert "school_absence" not in json.dumps(audit_log.recent(ctx, entity="series"))
    allowed = runner.invoke(app, [*args, "--allow-dates", "--json"])
    assert allowed.exit_code == 0, allowed.output
    assert json.loads(allowed.stdout)["added"] == 2
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(f"date,region,count,备注\n2022-03-02,{B},4,学校\n".encode("gb18030"))
    args = ["import", "series", str(gbk), "--channel", "school_absence", "--json"]
    assert runner.invoke(app, args).exit_code == 1  # not UTF-8: refused, naming the file
    read = runner.invoke(app, [*args, "--encoding", "gb18030"])
    assert read.exit_code == 0, read.output
    series = channel_series(ctx, "school_absence", level=RegionLevel.COMMUNITY)
    rows = zip(series["date"], series["region"], series["count"], strict=True)
    assert {(d, r): c for d, r, c in rows if c} == {
        ("1900-03-01", A): 2,
        ("2022-03-01", A): 5,
        ("2022-03-02", B): 4,
    }


def test_series_imports_take_their_turn(ctx: ServiceContext, tmp_path: Path) -> None:
    """An import compares with what is stored only once the writer before it has committed
    (on PostgreSQL an advisory lock; SQLite's writer lock does as much)."""
    import threading

    from shoutu.services.surveillance.channel_import import LOCK
    from shoutu.store.repositories import locks

    import_channel(ctx, "school_absence", _file(tmp_path, "a.csv", [f"2022-03-01,{A},5"]))
    started, results = threading.Event(), []
    with ctx.transaction() as conn:
        locks.serialise(conn, name=LOCK)  # another writer is between its read and its commit

        def correct() -> None:
            started.set()
            path = _file(tmp_path, "b.csv", [f"2022-03-01,{A},9"])
            results.append(import_channel(ctx, "school_absence", path))

        worker = threading.Thread(target=correct)
        worker.start()
        started.wait()
        worker.join(timeout=1.5)
        assert worker.is_alive() and not results  # it waits its turn
    worker.join(timeout=30)
    assert results and (results[0].replaced, results[0].added) == (1, 0)
    assert channel_series(ctx, "school_absence", level=RegionLevel.COMMUNITY)["count"] == [9]


def test_a_series_without_regions_or_with_spaced_codes(ctx: ServiceContext, tmp_path: Path) -> None:
    """A file without a region column is refused (not 'already stored'); a region code with
    spaces around it is the code."""
    import pytest

    from shoutu.errors import InputError

    bare = tmp_path / "bare.csv"
    bare.write_text("date,count\n2022-03-01,3\n")
    with pytest.raises(InputError) as refused:
        import_channel(ctx, "school_absence", bare)
    assert refused.value.report.lines() == [f"{bare}, field region: required column is missing"]
    spaced = tmp_path / "spaced.csv"
    spaced.write_text(f"date,region,count\n2022-03-01, {A} ,4\n")
    done = import_channel(ctx, "school_absence", spaced)
    assert done.added == 1
    assert _by_region(ctx, RegionLevel.COMMUNITY) == {A: [4]}
